#!/usr/bin/python3
"""In-process core: convtool (core_bench) beside OpenCV (core_vs_opencv.py).

    core_compare.py --core-bench BIN [--reps N] [--size N]

Runs both, prints their raw outputs and Markdown tables of ratios
(convtool/OpenCV, and the issue's other ratios: stride cost, thread scaling,
distance from a plain copy). float32 SIZE²×3, 2 threads unless stated. Every
case is timed twice: with an output allocated by each call ("fresh": the
kernel zero-fills its new pages, which costs about as much as a copy of the
bytes) and into a preallocated output (convtool_conv2d_into, OpenCV's dst=).
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
    cases = KERNELS + ["-S", "2", "sharpen", "-S", "1"]
    # One process for every case, so they share a time window and an input.
    raw = [run(base + ["-j", "2", "-d", "0"] + cases + ["-d", "1"] + cases +
               ["-j", "1", "-d", "0", "sharpen", "gauss15", "-d", "1", "sharpen", "gauss15"]),
           run(["/usr/bin/python3", os.path.join(HERE, "core_vs_opencv.py"),
                "-s", str(a.size), "-r", str(a.reps), "-j", "2"])]
    return raw, parse(raw[0]), parse(raw[1])


ROWS = [
    ("3×3 sharpen (filter2D)", "sharpen", "≤ 0.5"),
    ("Gaussian 5×5 (sepFilter2D)", "gauss5", "≤ 0.6"),
    ("Gaussian 15×15 σ 2.5 (sepFilter2D)", "gauss15", "≤ 0.6"),
    ("box 5×5 (sepFilter2D)", "box", "≤ 0.6"),
    ("Sobel 3×3 (sepFilter2D)", "sobel", "≤ 0.6"),
    ("random 15×15, non-separable (filter2D)", "rand15", "≤ 0.3"),
    ("3×3 stride 2 (filter2D + [::2, ::2])", "sharpen/s2", ""),
    ("3×3, 1 thread", "sharpen/j1", ""),
    ("Gaussian 15×15, 1 thread", "gauss15/j1", ""),
]

PAIRS = [
    ("3×3 time / copy time", "sharpen", "memcpy", "≤ 2"),
    ("stride 2 / stride 1, 3×3 (output pixels 0.25, bytes moved 0.625)", "sharpen/s2",
     "sharpen", "∝ output"),
    ("1 thread / 2 threads, 3×3", "sharpen/j1", "sharpen", "≥ 1.8"),
    ("1 thread / 2 threads, Gaussian 15×15", "gauss15/j1", "gauss15", "≥ 1.8"),
]


def key(name, into):
    """core_bench and core_vs_opencv name the preallocated runs NAME/dst."""
    return name + "/dst" if into else name


def table(ct, cv):
    print("| case | fresh output: convtool ms | OpenCV ms | ratio | preallocated: convtool ms "
          "| OpenCV ms | ratio | goal |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for title, name, goal in ROWS:
        cells = []
        for into in (0, 1):
            c, o = ct.get(key(name, into)), cv.get(key(name, into))
            cells += ["%.1f" % c, "%.1f" % o, "%.2f" % (c / o)] if c and o else ["", "", ""]
        print("| %s | %s | %s |" % (title, " | ".join(cells), goal))
    copy = "| copy of the same bytes (memcpy / numpy copyto) | %.1f | %.1f | %.2f | | | | |"
    print(copy % (ct["memcpy"], cv["memcpy"], ct["memcpy"] / cv["memcpy"]))
    print("\n| other ratio | fresh: convtool | OpenCV | preallocated: convtool | OpenCV | goal |")
    print("|---|---:|---:|---:|---:|---|")
    for title, num, den, goal in PAIRS:
        cells = []
        for into in (0, 1):
            d = "memcpy" if den == "memcpy" else key(den, into)
            cells += ["%.2f" % (ct[key(num, into)] / ct[d]), "%.2f" % (cv[key(num, into)] / cv[d])]
        print("| %s | %s | %s |" % (title, " | ".join(cells), goal))
    extra = [(k, v) for k, v in cv.items() if k.split("/")[0] in ("boxFilter", "Sobel")]
    if extra:
        print("\nOpenCV's dedicated functions, for reference: "
              + ", ".join("%s %.1f ms" % kv for kv in extra) + ".")


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
