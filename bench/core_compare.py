#!/usr/bin/python3
"""In-process core: convtool (core_bench) beside OpenCV (core_vs_opencv.py).

    core_compare.py --core-bench BIN [--reps N] [--size N]

Runs both, prints their raw outputs and a Markdown table of ratios
(convtool/OpenCV, and the issue's other ratios: stride cost, thread scaling,
distance from a plain copy). float32 SIZE²×3, 2 threads unless stated.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.relpath(os.path.dirname(os.path.abspath(__file__)))
KERNELS = ["sharpen", "gauss5", "gauss15", "box", "sobel", "rand15"]


def run(argv):
    print("core: " + " ".join(argv), file=sys.stderr)
    p = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit("core_compare.py: %s failed with status %d" % (argv[0], p.returncode))
    return p.stdout


def parse(text, suffix=""):
    """{name+suffix: ms} from core_bench-style lines."""
    out = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[2] == "ms":
            out[words[0] + suffix] = float(words[1])
    return out


def measure(a):
    base = [a.core_bench, "-s", str(a.size), "-r", str(a.reps)]
    # One process for every case, so they share a time window and an input.
    raw = [run(base + ["-j", "2"] + KERNELS + ["-S", "2", "sharpen", "-S", "1", "-j", "1",
                                                "sharpen", "gauss15"]),
           run(["/usr/bin/python3", os.path.join(HERE, "core_vs_opencv.py"),
                "-s", str(a.size), "-r", str(a.reps), "-j", "2"])]
    return raw, parse(raw[0]), parse(raw[1])


def table(ct, cv):
    rows = [
        ("3×3 sharpen (filter2D)", "sharpen", "sharpen", "≤ 0.5"),
        ("Gaussian 5×5 (sepFilter2D)", "gauss5", "gauss5", "≤ 0.6"),
        ("Gaussian 15×15 σ 2.5 (sepFilter2D)", "gauss15", "gauss15", "≤ 0.6"),
        ("box 5×5 (sepFilter2D)", "box", "box", "≤ 0.6"),
        ("Sobel 3×3 (sepFilter2D)", "sobel", "sobel", "≤ 0.6"),
        ("random 15×15, non-separable (filter2D)", "rand15", "rand15", "≤ 0.3"),
        ("3×3 stride 2 (filter2D + [::2, ::2])", "sharpen/s2", "sharpen/s2", ""),
        ("3×3, 1 thread", "sharpen/j1", "sharpen/j1", ""),
        ("Gaussian 15×15, 1 thread", "gauss15/j1", "gauss15/j1", ""),
        ("copy of the same bytes (memcpy / numpy copyto)", "memcpy", "memcpy", ""),
    ]
    print("| case | convtool ms | OpenCV ms | convtool/OpenCV | goal |")
    print("|---|---:|---:|---:|---|")
    for title, c, o, goal in rows:
        if c in ct and o in cv:
            print("| %s | %.1f | %.1f | %.2f | %s |" % (title, ct[c], cv[o], ct[c] / cv[o], goal))
    print("\n| other ratio | convtool | OpenCV | goal |")
    print("|---|---:|---:|---|")
    pairs = [
        ("3×3 time / copy time", "sharpen", "memcpy", "≤ 2"),
        ("stride 2 / stride 1, 3×3 (output pixels: 0.25)", "sharpen/s2", "sharpen", "≈ 0.25"),
        ("1 thread / 2 threads, 3×3", "sharpen/j1", "sharpen", "≥ 1.8"),
        ("1 thread / 2 threads, Gaussian 15×15", "gauss15/j1", "gauss15", "≥ 1.8"),
    ]
    for title, num, den, goal in pairs:
        print("| %s | %.2f | %.2f | %s |" % (title, ct[num] / ct[den], cv[num] / cv[den], goal))
    extra = [(k, v) for k, v in cv.items() if k in ("sharpen/dst", "gauss15/dst", "boxFilter", "Sobel")]
    if extra:
        print("\nOpenCV for reference: " + ", ".join("%s %.1f ms" % kv for kv in extra)
              + " (`/dst`: into a preallocated output; boxFilter and Sobel: OpenCV's dedicated"
              " functions).")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--core-bench", required=True)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--size", type=int, default=4096)
    a = ap.parse_args()
    raw, ct, cv = measure(a)
    print("### Core, in process: float32 %d×%d×3, 2 threads, median of %d\n"
          % (a.size, a.size, a.reps))
    table(ct, cv)
    print("\n<details><summary>raw output</summary>\n\n```")
    print("$ core_bench (convtool)\n" + raw[0] + "$ core_vs_opencv.py\n" + raw[1], end="")
    print("```\n</details>")


if __name__ == "__main__":
    main()
