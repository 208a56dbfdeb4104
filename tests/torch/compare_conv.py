#!/usr/bin/env python3
"""Differential test: convtool apply against torch.nn.functional.conv2d.

usage: compare_conv.py BINARY [--cases N] [--seed S]

Random geometries (C 1-3, H/W 1-40, kernel 1-7 each way, stride 1-4 and
dilation 1-3 per axis, explicit/same/valid padding, every padding mode) are run
through `convtool apply -k "<inline kernel>" ... in.npy out.npy` and compared
with PyTorch (depthwise conv2d on an input padded by F.pad, or numpy.pad
'symmetric' for symmetric) within 1e-5 absolute + 1e-5 relative. Geometries that
SPEC rejects (output < 1, reflect/symmetric padding >= the input size) must give
exit 2. Deterministic for a given seed.

If torch cannot be imported the script fails, unless CONVTOOL_ALLOW_SKIP=1, when
it prints SKIP and exits 0.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover
    if os.environ.get("CONVTOOL_ALLOW_SKIP") == "1":
        print("SKIP: torch is not available (%s)" % e)
        sys.exit(0)
    print("compare_conv.py: torch is not available (%s); set CONVTOOL_ALLOW_SKIP=1 to skip" % e,
          file=sys.stderr)
    sys.exit(1)

MODES = ["zeros", "replicate", "reflect", "symmetric", "circular"]
TORCH_MODE = {"replicate": "replicate", "reflect": "reflect", "circular": "circular"}
ATOL = RTOL = 1e-5


def out_size(n, before, after, k, s, d):
    return (n + before + after - d * (k - 1) - 1) // s + 1


def pads(kind, py, px, kh, kw, dy, dx):
    """(top, bottom, left, right) as SPEC defines them."""
    if kind == "valid":
        return 0, 0, 0, 0
    if kind == "same":
        ty, tx = dy * (kh - 1), dx * (kw - 1)
        return ty // 2, ty - ty // 2, tx // 2, tx - tx // 2
    return py, py, px, px


def reference(x, k, mode, pad, stride, dilation):
    """x: (C,H,W) float32, k: (kh,kw) float32 -> (C,Ho,Wo) float64, via torch."""
    top, bottom, left, right = pad
    c = x.shape[0]
    if mode == "symmetric":
        xp = np.pad(x.astype(np.float64), ((0, 0), (top, bottom), (left, right)), mode="symmetric")
        t = torch.from_numpy(xp)[None]
    else:
        t = torch.from_numpy(x.astype(np.float64))[None]
        if mode == "zeros":
            t = F.pad(t, (left, right, top, bottom), mode="constant", value=0.0)
        else:
            t = F.pad(t, (left, right, top, bottom), mode=TORCH_MODE[mode])
    w = torch.from_numpy(np.repeat(k.astype(np.float64)[None, None], c, axis=0))
    y = F.conv2d(t, w, stride=stride, dilation=dilation, groups=c)
    return y[0].numpy()


def kernel_text(k):
    return "; ".join(" ".join("%.9g" % v for v in row) for row in k)


def draw(rng):
    c = int(rng.integers(1, 4))
    h, w = int(rng.integers(1, 41)), int(rng.integers(1, 41))
    kh, kw = int(rng.integers(1, 8)), int(rng.integers(1, 8))
    sy, sx = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    dy, dx = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    kind = ["explicit", "same", "valid"][int(rng.integers(0, 3))]
    py, px = int(rng.integers(0, 6)), int(rng.integers(0, 6))
    mode = MODES[int(rng.integers(0, len(MODES)))]
    rank2 = c == 1 and rng.random() < 0.5
    return dict(c=c, h=h, w=w, kh=kh, kw=kw, sy=sy, sx=sx, dy=dy, dx=dx, kind=kind, py=py, px=px,
                mode=mode, rank2=rank2)


def classify(g):
    """'ok', 'error' (SPEC: exit 2), or 'skip' (PyTorch cannot say)."""
    top, bottom, left, right = pads(g["kind"], g["py"], g["px"], g["kh"], g["kw"], g["dy"], g["dx"])
    ho = out_size(g["h"], top, bottom, g["kh"], g["sy"], g["dy"])
    wo = out_size(g["w"], left, right, g["kw"], g["sx"], g["dx"])
    if ho < 1 or wo < 1:
        return "error"
    if g["mode"] in ("reflect", "symmetric") and (max(top, bottom) >= g["h"] or max(left, right) >= g["w"]):
        return "error"
    if g["mode"] == "circular" and (max(top, bottom) > g["h"] or max(left, right) > g["w"]):
        return "skip"  # SPEC is silent; PyTorch refuses
    return "ok"


def command(binary, g, ktext, inp, out):
    cmd = [binary, "apply", "-j", "2", "-k", ktext, "-s", "%d,%d" % (g["sy"], g["sx"]),
           "-d", "%d,%d" % (g["dy"], g["dx"]), "-m", g["mode"]]
    cmd += ["-p", g["kind"] if g["kind"] != "explicit" else "%d,%d" % (g["py"], g["px"])]
    return cmd + [inp, out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--cases", type=int, default=150)
    ap.add_argument("--errors", type=int, default=25, help="geometry-error cases to check")
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    failures = []
    n_ok = n_err = n_skip = 0
    stats = {m: 0 for m in MODES}
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="convtool-torch.") as tmp:
        inp, out = os.path.join(tmp, "in.npy"), os.path.join(tmp, "out.npy")
        draws = 0
        while (n_ok < args.cases or n_err < args.errors) and draws < 20 * args.cases:
            draws += 1
            g = draw(rng)
            kind = classify(g)
            if kind == "skip" or (kind == "ok" and n_ok >= args.cases) or \
               (kind == "error" and n_err >= args.errors):
                n_skip += kind == "skip"
                continue
            x = rng.uniform(-1, 1, (g["c"], g["h"], g["w"])).astype(np.float32)
            k = rng.uniform(-2, 2, (g["kh"], g["kw"])).astype(np.float32)
            np.save(inp, x[0] if g["rank2"] else x)
            if os.path.exists(out):
                os.unlink(out)
            cmd = command(args.binary, g, kernel_text(k), inp, out)
            p = subprocess.run(cmd, capture_output=True, text=True)
            desc = "%s\n    %s" % (g, " ".join("'%s'" % a if " " in a else a for a in cmd[1:]))
            if kind == "error":
                n_err += 1
                if p.returncode != 2 or not p.stderr.startswith("convtool:") or os.path.exists(out):
                    failures.append("expected exit 2 (geometry error), got %d: %s\n    stderr: %s"
                                    % (p.returncode, desc, p.stderr.strip()[:300]))
                continue
            n_ok += 1
            stats[g["mode"]] += 1
            if p.returncode != 0:
                failures.append("exit %d: %s\n    stderr: %s" % (p.returncode, desc, p.stderr.strip()[:300]))
                continue
            got = np.load(out)
            pad = pads(g["kind"], g["py"], g["px"], g["kh"], g["kw"], g["dy"], g["dx"])
            want = reference(x, k, g["mode"], pad, (g["sy"], g["sx"]), (g["dy"], g["dx"]))
            if g["rank2"]:
                want = want[0]
            if got.shape != want.shape:
                failures.append("shape %s, expected %s: %s" % (got.shape, want.shape, desc))
                continue
            if got.dtype != np.float32:
                failures.append("dtype %s, expected float32: %s" % (got.dtype, desc))
            diff = np.abs(got.astype(np.float64) - want)
            worst = max(worst, float(diff.max()) if diff.size else 0.0)
            bad = diff > ATOL + RTOL * np.abs(want)
            if bad.any():
                idx = tuple(int(i) for i in np.argwhere(bad)[0])
                failures.append("%d values differ (first at %s: got %.9g, want %.9g): %s"
                                % (bad.sum(), idx, got[idx], want[idx], desc))
    print("compare_conv: %d geometries compared with torch %s (%s), %d geometry errors checked, "
          "%d skipped (circular pad > size), max |diff| %.3g"
          % (n_ok, torch.__version__, ", ".join("%s %d" % kv for kv in stats.items()), n_err, n_skip, worst))
    for f in failures[:20]:
        print("FAIL " + f)
    if failures:
        print("compare_conv: %d of %d checks failed" % (len(failures), n_ok + n_err))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
