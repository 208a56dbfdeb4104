#!/usr/bin/python3
"""The whole program built with ISA-L against the same built with libdeflate
(cmake -DCONVTOOL_WITH_ISAL=OFF), on one PNG: `apply -k sharpen` PNG -> PNG,
alternating run by run, wall-clock medians and their ratio, and peak RSS
(GNU time's maximum resident set size) and CPU time (user + system, the
contained decoder child included: it is waited for), which a busy machine
disturbs less than the wall clock. The outputs must be byte-identical.

  bench/png_inflate.py ISAL_BIN LIBDEFLATE_BIN INPUT.png [RUNS]

Figures only; nothing is asserted but the identical outputs.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run(binary, src, dst):
    cmd = ["/usr/bin/time", "-f", "%M %U %S", binary, "apply", "-k", "sharpen", "--quiet", src, dst]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"png_inflate.py: {binary} failed: {p.stderr.strip()}")
    rss, user, system = p.stderr.strip().splitlines()[-1].split()
    return wall, int(rss) / 1024.0, float(user) + float(system)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    bins = {"ISA-L": sys.argv[1], "libdeflate": sys.argv[2]}
    src = sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 11
    walls = {k: [] for k in bins}
    rss = {k: [] for k in bins}
    cpu = {k: [] for k in bins}
    with tempfile.TemporaryDirectory() as tmp:
        outs = {k: os.path.join(tmp, k + ".png") for k in bins}
        for _ in range(runs):
            for k, b in bins.items():
                w, m, c = run(b, src, outs[k])
                walls[k].append(w)
                rss[k].append(m)
                cpu[k].append(c)
        same = open(outs["ISA-L"], "rb").read() == open(outs["libdeflate"], "rb").read()
    print(f"apply -k sharpen {os.path.basename(src)} -> PNG, {runs} alternating runs")
    print("| build | wall median s | wall min–max s | CPU median s | peak RSS MB (median) |")
    print("|---|---|---|---|---|")
    for k in bins:
        w = walls[k]
        print(f"| {k} | {statistics.median(w):.3f} | {min(w):.3f}–{max(w):.3f} | "
              f"{statistics.median(cpu[k]):.2f} | {statistics.median(rss[k]):.0f} |")
    ratio = statistics.median(walls["ISA-L"]) / statistics.median(walls["libdeflate"])
    cratio = statistics.median(cpu["ISA-L"]) / statistics.median(cpu["libdeflate"])
    print(f"ISA-L/libdeflate: wall {ratio:.3f}, CPU {cratio:.3f}; outputs identical: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
