#!/usr/bin/env python3
"""Differential test of the FFT path: `convtool apply --method fft` against
torch.nn.functional.conv2d in float64, through .npy.

usage: compare_fft.py BINARY [--cases N] [--seed S]

Random large kernels (3-101 each way), random images up to 160x160 (C 1-3), every
padding mode and padding kind, strides 1-3 and dilations 1-3, a bias; the tolerance is
issue 15's, the one the PyTorch comparison uses: 1e-5 * max(1, sum|K| * max|x| + |bias|).
One case also puts NaN and infinity in the input: they must land where PyTorch puts them.
Deterministic for a given seed. If torch cannot be imported: as compare_conv.py.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import torch
except ImportError as e:  # pragma: no cover
    if os.environ.get("CONVTOOL_ALLOW_SKIP") == "1":
        print("SKIP: torch is not available (%s)" % e)
        sys.exit(0)
    print("compare_fft.py: torch is not available (%s); set CONVTOOL_ALLOW_SKIP=1 to skip" % e,
          file=sys.stderr)
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_conv import MODES, classify, pads, reference  # noqa: E402


def draw(rng):
    kh, kw = int(rng.integers(3, 102)), int(rng.integers(3, 102))
    dy, dx = (int(rng.integers(1, 4)), int(rng.integers(1, 4))) if rng.random() < 0.3 else (1, 1)
    h = int(rng.integers(max(8, (kh - 1) * dy // 2 + 2), 161))
    w = int(rng.integers(max(8, (kw - 1) * dx // 2 + 2), 161))
    return dict(c=int(rng.integers(1, 4)), h=h, w=w, kh=kh, kw=kw,
                sy=int(rng.integers(1, 4)), sx=int(rng.integers(1, 4)), dy=dy, dx=dx,
                kind=["same", "same", "valid", "explicit"][int(rng.integers(0, 4))],
                py=int(rng.integers(0, 30)), px=int(rng.integers(0, 30)),
                mode=MODES[int(rng.integers(0, len(MODES)))],
                bias=float(rng.choice([0.0, 0.25, -3.0])))


def run_case(binary, g, x, k, tmp):
    inp, kfile, out = (os.path.join(tmp, n) for n in ("in.npy", "k.npy", "out.npy"))
    np.save(inp, x)
    np.save(kfile, k)
    if os.path.exists(out):
        os.unlink(out)
    cmd = [binary, "apply", "--method", "fft", "-j", "2", "-k", kfile, "--bias", repr(g["bias"]),
           "-s", "%d,%d" % (g["sy"], g["sx"]), "-d", "%d,%d" % (g["dy"], g["dx"]), "-m", g["mode"],
           "-p", g["kind"] if g["kind"] != "explicit" else "%d,%d" % (g["py"], g["px"]), inp, out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return "exit %d: %s\n    stderr: %s" % (p.returncode, g, p.stderr.strip()[:300])
    got = np.load(out).astype(np.float64)
    pad = pads(g["kind"], g["py"], g["px"], g["kh"], g["kw"], g["dy"], g["dx"])
    want = reference(x, k, g["mode"], pad, (g["sy"], g["sx"]), (g["dy"], g["dx"])) + g["bias"]
    if got.shape != want.shape:
        return "shape %s, expected %s: %s" % (got.shape, want.shape, g)
    if not (np.isnan(got) == np.isnan(want)).all() or \
            not (got[np.isinf(want)] == want[np.isinf(want)]).all():
        return "NaN/infinity placed differently: %s" % g
    finite = np.isfinite(want)
    scale = np.abs(k).astype(np.float64).sum() * np.abs(x[np.isfinite(x)]).max() + abs(g["bias"])
    tol = 1e-5 * max(1.0, scale)
    err = float(np.abs(got[finite] - want[finite]).max()) if finite.any() else 0.0
    if err > tol:
        return "max |diff| %.3g > tolerance %.3g: %s" % (err, tol, g)
    return err / tol


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--cases", type=int, default=25)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    failures, worst, n = [], 0.0, 0
    with tempfile.TemporaryDirectory(prefix="convtool-fft.") as tmp:
        while n < args.cases:
            g = draw(rng)
            if classify(g) != "ok":
                continue
            n += 1
            x = rng.uniform(-1, 1, (g["c"], g["h"], g["w"])).astype(np.float32)
            if n == 1:  # NaN and infinity: the tiles that read them run direct
                x[0, g["h"] // 2, g["w"] // 3] = np.nan
                x[-1, 1, g["w"] - 2] = np.inf
            k = rng.uniform(-1, 1, (g["kh"], g["kw"])).astype(np.float32)
            r = run_case(args.binary, g, x, k, tmp)
            if isinstance(r, str):
                failures.append(r)
            else:
                worst = max(worst, r)
    print("compare_fft: %d geometries with kernels up to 101x101 compared with torch %s in float64; "
          "worst error %.2f of the tolerance" % (n, torch.__version__, worst))
    for f in failures[:20]:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
