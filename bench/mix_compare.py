#!/usr/bin/python3
"""Channel mixing in process: convtool (bench/mix_bench.c) beside torch.nn.functional.conv2d.

    mix_compare.py --mix-bench BIN [--rounds R] [--reps N] [--threads T] [--backends avx2,portable,direct]

Both sides get the same cases (a batch of 8 items, zero padding, a bias) and T
threads (torch.set_num_threads). Rounds alternate convtool and torch so both
see the same machine load; each round is the median of N timed batches after a
warm-up, and the table shows the median of the rounds' medians and the ratio
convtool / torch (≤ 1.0 is the goal). convtool times one convtool_conv2d_mix_into
call per item into preallocated outputs ("into") and, with an output allocated
per call as torch does, convtool_conv2d_mix ("fresh"). --backends adds an "into"
column for each other GEMM (CONVTOOL_GEMM=avx2: the hand-written kernel, the
fallback without OpenBLAS; portable: plain loops; direct: the default GEMM
without the Winograd path of 3×3 stride-1 layers), timed in the same rounds.
"""
import os
import argparse
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

CASES = [
    # name, description, input N,C,H,W, weight O,C/g,k,k, stride, pad, groups
    ("resnet_conv1", "ResNet-18 conv1: 64×3×7×7, stride 2, pad 3 on 8×3×224×224",
     (8, 3, 224, 224), (64, 3, 7, 7), 2, 3, 1),
    ("conv3x3_64", "3×3 64→64, pad 1 on 8×64×56×56", (8, 64, 56, 56), (64, 64, 3, 3), 1, 1, 1),
    ("depthwise3x3", "depthwise 3×3 (groups 64), pad 1 on 8×64×112×112",
     (8, 64, 112, 112), (64, 1, 3, 3), 1, 1, 64),
]


def torch_median(case, reps):
    _, _, xs, ws, stride, pad, groups = case
    x, w, b = torch.rand(xs), torch.rand(ws), torch.rand(ws[0])
    F.conv2d(x, w, b, stride, pad, 1, groups)  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        F.conv2d(x, w, b, stride, pad, 1, groups)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def convtool_medians(binary, threads, reps, fresh, backend=None):
    argv = [binary, "-j", str(threads), "-r", str(reps)] + (["-f"] if fresh else [])
    argv += [c[0] for c in CASES]
    if backend == "direct":  # the im2col/GEMM path without Winograd (CONVTOOL_WINOGRAD=0)
        env = dict(os.environ, CONVTOOL_WINOGRAD="0")
    else:
        env = dict(os.environ, CONVTOOL_GEMM=backend) if backend else None
    out = subprocess.run(argv, stdout=subprocess.PIPE, text=True, check=True, env=env).stdout
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines() if " ms" in line}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mix-bench", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backends", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    load = open("/proc/loadavg").read().split()[0]
    extra = [b for b in a.backends.split(",") if b]
    got = {name: {k: [] for k in ["into", "fresh", "torch"] + extra} for name, *_ in CASES}
    for r in range(a.rounds):
        for mode in ["into", "fresh"] + extra:
            medians = convtool_medians(a.mix_bench, a.threads, a.reps, mode == "fresh",
                                       mode if mode in extra else None)
            for name, ms in medians.items():
                got[name][mode].append(ms)
        for case in CASES:
            got[case[0]]["torch"].append(torch_median(case, a.reps))
        print("round %d: %s" % (r + 1, "  ".join(
            "%s %s" % (n, "/".join("%.1f" % v[k][-1] for k in v)) for n, v in got.items())),
            file=sys.stderr)
    print("torch %s, %d threads, %d rounds × %d reps (median of round medians, ms); "
          "load average before: %s\n" % (torch.__version__, a.threads, a.rounds, a.reps, load))
    print("| layer | torch | convtool into | convtool fresh | into / torch | fresh / torch |"
          + "".join(" %s into | %s / torch |" % (b, b) for b in extra))
    print("|---|---|---|---|---|---|" + "---|---|" * len(extra))
    for name, desc, *_ in CASES:
        m = {k: statistics.median(v) for k, v in got[name].items()}
        print("| %s | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
            desc, m["torch"], m["into"], m["fresh"], m["into"] / m["torch"], m["fresh"] / m["torch"])
            + "".join(" %.2f | %.2f |" % (m[b], m[b] / m["torch"]) for b in extra))


if __name__ == "__main__":
    main()
