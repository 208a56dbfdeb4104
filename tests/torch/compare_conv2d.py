#!/usr/bin/env python3
"""Differential test: the whole F.conv2d signature through the convtool binary.

usage: compare_conv2d.py BINARY [--cases N] [--seed S]

Random (N, C_in, O, groups, kH, kW, stride, padding, dilation, padding mode,
bias) cases: a float64 input .npy of rank 4 (N,C,H,W) or 3 (C,H,W), a float64
weight (O, C/groups, kH, kW) given as .npy, as pasted `w.tolist()` text or as
torch's printed `tensor([[[[...]]]], dtype=torch.float64)`, bias as .npy, a
comma list or absent, --groups given or inferred. convtool's float32 result is
compared with F.conv2d in float64 (the input padded by F.pad first, or by
numpy.pad 'symmetric', which torch lacks). Refused geometries must exit 2.
Deterministic for a given seed.
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
    print("compare_conv2d.py: torch is not available (%s)" % e, file=sys.stderr)
    sys.exit(1)

MODES = ["zeros", "replicate", "reflect", "symmetric", "circular"]
ATOL = RTOL = 1e-4


def pads(kind, py, px, kh, kw, dy, dx):
    if kind == "valid":
        return 0, 0, 0, 0
    if kind == "same":
        ty, tx = dy * (kh - 1), dx * (kw - 1)
        return ty // 2, ty - ty // 2, tx // 2, tx - tx // 2
    return py, py, px, px


def out_size(n, before, after, k, s, d):
    return (n + before + after - d * (k - 1) - 1) // s + 1


def reference(x, w, b, mode, pad, stride, dilation, groups):
    top, bottom, left, right = pad
    batched = x.ndim == 4
    x4 = x if batched else x[None]
    if mode == "symmetric":
        t = torch.from_numpy(np.pad(x4, ((0, 0), (0, 0), (top, bottom), (left, right)),
                                    mode="symmetric"))
    elif mode == "zeros":
        t = F.pad(torch.from_numpy(x4), (left, right, top, bottom), mode="constant", value=0.0)
    else:
        t = F.pad(torch.from_numpy(x4), (left, right, top, bottom), mode=mode)
    y = F.conv2d(t, torch.from_numpy(w), None if b is None else torch.from_numpy(b),
                 stride=stride, dilation=dilation, groups=groups)
    y = y.numpy()
    return y if batched else y[0]


def draw(rng):
    groups = int(rng.choice([1, 1, 2, 3]))
    cpg = int(rng.integers(1, 4))
    opg = int(rng.integers(1, 4))
    c, o = groups * cpg, groups * opg
    n = int(rng.integers(1, 4))
    h, w = int(rng.integers(3, 20)), int(rng.integers(3, 20))
    kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    sy, sx = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    dy, dx = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    kind = str(rng.choice(["explicit", "explicit", "same", "valid"]))
    py, px = int(rng.integers(0, 4)), int(rng.integers(0, 4))
    if kind == "same" and rng.integers(0, 4) > 0:  # mostly what torch takes: 'same' at stride 1
        sy = sx = 1
    mode = str(rng.choice(MODES))
    return dict(n=n, rank=int(rng.choice([4, 4, 3])), c=c, o=o, groups=groups, cpg=cpg, h=h,
                w=w, kh=kh, kw=kw, sy=sy, sx=sx, dy=dy, dx=dx, kind=kind, py=py, px=px,
                mode=mode, bias=str(rng.choice(["npy", "list", "none", "one"])),
                weight=str(rng.choice(["npy", "npy", "tolist", "printed"])),
                say_groups=bool(rng.integers(0, 2)))


def weight_arg(g, w, tmp):
    if g["weight"] == "npy":
        np.save(os.path.join(tmp, "w.npy"), w)
        return "w.npy"
    if g["weight"] == "tolist":
        return repr(w.tolist())
    torch.set_printoptions(precision=10, profile="full")
    return repr(torch.from_numpy(w))


def run_case(binary, g, rng, tmp):
    x = rng.standard_normal((g["n"], g["c"], g["h"], g["w"]))
    if g["rank"] == 3:
        x = x[0]
    w = rng.standard_normal((g["o"], g["cpg"], g["kh"], g["kw"]))
    if g["weight"] == "printed":
        w = np.round(w, 6)  # printed with 10 digits: what is printed is what is read
    np.save(os.path.join(tmp, "x.npy"), x)
    args = [binary, "apply", "--torch", "-k", weight_arg(g, w, tmp), "-m", g["mode"],
            "-s", "%d,%d" % (g["sy"], g["sx"]), "-d", "%d,%d" % (g["dy"], g["dx"])]
    if g["kind"] == "explicit":
        args += ["-p", "%d,%d" % (g["py"], g["px"])]
    elif g["kind"] == "same":
        args += ["-p", "same"]
    else:
        args += ["-p", "valid"]
    b = None
    if g["bias"] == "npy":
        b = rng.standard_normal(g["o"])
        np.save(os.path.join(tmp, "b.npy"), b)
        args += ["--bias", "b.npy"]
    elif g["bias"] == "list":
        b = np.round(rng.standard_normal(g["o"]), 6)
        args += ["--bias", ",".join("%.6f" % v for v in b)]
    elif g["bias"] == "one":
        b = np.full(g["o"], 0.25)
        args += ["--bias", "0.25"]
    if g["say_groups"]:
        args += ["--groups", str(g["groups"])]
    args += ["x.npy", "y.npy"]
    pad = pads(g["kind"], g["py"], g["px"], g["kh"], g["kw"], g["dy"], g["dx"])
    oh = out_size(g["h"], pad[0], pad[1], g["kh"], g["sy"], g["dy"])
    ow = out_size(g["w"], pad[2], pad[3], g["kw"], g["sx"], g["dx"])
    too_wide = g["mode"] in ("reflect", "symmetric") and (
        max(pad[:2]) >= g["h"] or max(pad[2:]) >= g["w"])
    strided_same = g["kind"] == "same" and (g["sy"] > 1 or g["sx"] > 1)
    # torch's F.pad: circular padding may wrap around once at most
    wraps_twice = g["mode"] == "circular" and (max(pad[:2]) > g["h"] or max(pad[2:]) > g["w"])
    # groups inferred: C_in / (C/groups) = groups when the weight fits, as torch does
    refused = oh < 1 or ow < 1 or too_wide or strided_same or wraps_twice
    r = subprocess.run(args, cwd=tmp, capture_output=True, text=True)
    if refused:
        return "refused" if r.returncode == 2 else "expected exit 2, got %d: %s" % (
            r.returncode, r.stderr.strip())
    if r.returncode != 0:
        return "exit %d: %s" % (r.returncode, r.stderr.strip())
    got = np.load(os.path.join(tmp, "y.npy"))
    want = reference(x, w, b, g["mode"], pad, (g["sy"], g["sx"]), (g["dy"], g["dx"]),
                     g["groups"])
    if got.shape != want.shape:
        return "shape %s, torch %s" % (got.shape, want.shape)
    if not np.allclose(got, want, atol=ATOL, rtol=RTOL):
        return "max error %g" % np.abs(got - want).max()
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--cases", type=int, default=150)
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    rng = np.random.default_rng(a.seed)
    fails = refused = 0
    seen = set()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.cases):
            g = draw(rng)
            seen.update([g["mode"], g["kind"], g["bias"], g["weight"], "N%d" % g["n"],
                         "groups%d" % g["groups"]])
            why = run_case(binary, g, rng, tmp)
            if why == "refused":
                refused += 1
            elif why:
                fails += 1
                print("FAIL case %d %s: %s" % (i, g, why))
    print("%d cases (%d refused with exit 2 as torch would), %d failures; covered: %s"
          % (a.cases, refused, fails, " ".join(sorted(seen))))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
