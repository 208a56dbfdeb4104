#!/usr/bin/python3
"""End-to-end benchmark: convtool beside ImageMagick, libvips and OpenCV.

    e2e.py --convtool BIN --data DIR [--reps N] [--quick] [--sizes 1024,2048,...]

Every job runs each tool as a whole process on the same input file; the
repetitions are interleaved (convtool, magick, vips, opencv, convtool, ...)
so that a change in background load hits every tool alike. Wall time is
measured around the process, peak RSS by GNU time (/usr/bin/time -f %M).
Prints Markdown tables on stdout (jobs, memory scaling, output check,
commands); progress goes to stderr. DIR must hold make_inputs.py's images.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

HERE = os.path.relpath(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32)


def gauss15():
    x = np.arange(15) - 7
    g = np.exp(-x**2 / (2 * 2.5**2))
    return g / g.sum()


def write_kernels(d):
    """The one kernel in each tool's own format, written from the same numbers."""
    g = gauss15()
    k15 = np.outer(g, g)
    fmt = lambda v: "%.9g" % v
    np.save(os.path.join(d, "sharpen.npy"), SHARPEN)
    np.save(os.path.join(d, "gauss15_1d.npy"), g.astype(np.float32))
    with open(os.path.join(d, "sharpen.mat"), "w") as f:
        f.write("3 3 1 0\n0 -1 0\n-1 5 -1\n0 -1 0\n")
    with open(os.path.join(d, "gauss15_1d.mat"), "w") as f:
        f.write("15 1 1 0\n" + " ".join(map(fmt, g)) + "\n")
    with open(os.path.join(d, "gauss15.txt"), "w") as f:
        f.write("description: 15x15 Gaussian, sigma 2.5, sum 1 (bench/e2e.py)\n")
        f.writelines(" ".join(map(fmt, row)) + "\n" for row in k15)
    im = {"sharpen": "3x3: 0,-1,0 -1,5,-1 0,-1,0",
          "gauss15": "15x15: " + ",".join(map(fmt, k15.ravel()))}
    with open(os.path.join(d, "gauss15.magick"), "w") as f:
        f.write(im["gauss15"])  # for the printed commands: too long to show inline
    return im


class Job:
    def __init__(self, name, title, src, ext, kernel="sharpen", stride=1):
        self.name, self.title, self.src, self.ext = name, title, src, ext
        self.kernel, self.stride = kernel, stride

    def commands(self, a, im_kernels):
        """tool -> argv; every command writes self.out(tool)."""
        d = a.data
        src = os.path.join(d, self.src)
        jpg = self.ext == "jpg"
        gauss = self.kernel == "gauss15"
        ct = [a.convtool, "apply", "--quiet", "-k",
              os.path.join(d, "gauss15.txt") if gauss else "sharpen"]
        ct += ["-s", str(self.stride)] if self.stride > 1 else []
        ct += ["-q", "90"] if jpg else []
        im = ["convert", src, "-morphology", "Correlate", im_kernels[self.kernel]]
        im += ["-sample", "50%"] if self.stride == 2 else []  # 50% keeps pixels 0, 2, 4, ...
        im += ["-quality", "90"] if jpg else []
        cv = [PY, os.path.join(HERE, "peer_opencv.py")]
        cv += ["--sep", os.path.join(d, "gauss15_1d.npy")] if gauss else [os.path.join(d, "sharpen.npy")]
        cv += ["--stride", str(self.stride)] if self.stride > 1 else []
        vout = self.out(a, "vips") + ("[Q=90]" if jpg else "")
        if gauss:
            vips = ["vips", "convsep", src, vout, os.path.join(d, "gauss15_1d.mat"),
                    "--precision", "float"]
        elif self.stride > 1:
            tmp = os.path.join(d, "out", "vips-stride.v")
            steps = [["vips", "conv", src, tmp, os.path.join(d, "sharpen.mat"),
                      "--precision", "integer"],
                     ["vips", "subsample", tmp, vout, str(self.stride), str(self.stride)],
                     ["rm", "-f", tmp]]
            vips = ["sh", "-c", " && ".join(shlex.join(step) for step in steps)]
        else:
            vips = ["vips", "conv", src, vout, os.path.join(d, "sharpen.mat"),
                    "--precision", "integer"]
        return {"convtool": ct + [src, self.out(a, "convtool")],
                "magick": im + [self.out(a, "magick")],
                "vips": vips,
                "opencv": cv + [src, self.out(a, "opencv")]}

    def out(self, a, tool):
        return os.path.join(a.data, "out", "%s.%s.%s" % (self.name, tool, self.ext))


def jobs(quick):
    all_jobs = [
        Job("png-sharpen-png", "4096² PNG → sharpen 3×3 → PNG", "photo-4096.png", "png"),
        Job("png-gauss15-png", "4096² PNG → Gaussian 15×15 → PNG", "photo-4096.png", "png",
            kernel="gauss15"),
        Job("png-sharpen-jpg", "4096² PNG → sharpen 3×3 → JPEG q90", "photo-4096.png", "jpg"),
        Job("jpg-sharpen-jpg", "4096² JPEG → sharpen 3×3 → JPEG q90", "photo-4096.jpg", "jpg"),
        Job("png-sharpen-s2-png", "4096² PNG → sharpen, stride 2 → PNG", "photo-4096.png", "png",
            stride=2),
        Job("png1024-sharpen-png", "1024² PNG → sharpen 3×3 → PNG", "photo-1024.png", "png"),
    ]
    keep = {"png-sharpen-png", "png-gauss15-png", "jpg-sharpen-jpg", "png1024-sharpen-png"}
    return [j for j in all_jobs if not quick or j.name in keep]


def run_once(argv, out):
    """Runs argv under GNU time; returns (seconds, peak RSS in bytes, error or None)."""
    if os.path.exists(out):
        os.remove(out)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + argv,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - t0
        lines = rss.read().split()
    peak = int(lines[-1]) * 1024 if lines and lines[-1].isdigit() else 0
    if p.returncode != 0 or not os.path.exists(out):
        return seconds, peak, "exit %d: %s" % (p.returncode, p.stderr.strip()[-300:])
    return seconds, peak, None


class Result:
    def __init__(self):
        self.times, self.rss, self.size, self.error = [], 0, 0, None

    def median(self):
        return statistics.median(self.times) if self.times else float("nan")


def run_job(job, a, im_kernels):
    cmds = job.commands(a, im_kernels)
    results = {tool: Result() for tool in cmds}
    for rep in range(a.warmup + a.reps):
        for tool, argv in cmds.items():
            r = results[tool]
            if r.error:
                continue
            seconds, rss, err = run_once(argv, job.out(a, tool))
            if err:
                r.error = err
                print("e2e: %s %s failed: %s" % (job.name, tool, err), file=sys.stderr)
                continue
            if rep >= a.warmup:
                r.times.append(seconds)
                r.rss = max(r.rss, rss)
                r.size = os.path.getsize(job.out(a, tool))
        print("e2e: %s: run %d of %d done" % (job.name, rep + 1, a.warmup + a.reps),
              file=sys.stderr)
    return cmds, results


def mb(n):
    return "%.1f" % (n / 1e6)


def print_jobs_table(rows):
    print("| job | tool | median s | min–max s | convtool/peer | output MB | peak RSS MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for job, results in rows:
        ct = results["convtool"].median()
        for tool, r in results.items():
            if r.error:
                print("| %s | %s | failed | | | | |" % (job.title, tool))
                continue
            ratio = "—" if tool == "convtool" else "%.2f" % (ct / r.median())
            print("| %s | %s | %.2f | %.2f–%.2f | %s | %s | %s |"
                  % (job.title, tool, r.median(), min(r.times), max(r.times), ratio,
                     mb(r.size), mb(r.rss)))


def memory_scaling(a):
    print("\n### convtool peak memory, PNG → sharpen 3×3 → PNG\n")
    print("| size | pixels | median s | peak RSS MB | RSS bytes/pixel |")
    print("|---|---:|---:|---:|---:|")
    job = Job("mem", "", "", "png")
    for n in a.sizes:
        src = os.path.join(a.data, "photo-%d.png" % n)
        out = job.out(a, "convtool-%d" % n)
        argv = [a.convtool, "apply", "--quiet", "-k", "sharpen", src, out]
        times, peak = [], 0
        for _ in range(a.mem_reps):
            seconds, rss, err = run_once(argv, out)
            if err:
                print("| %d² | %d | failed after %.2f s: %s | %s (when it failed) | |"
                      % (n, n * n, seconds, err.splitlines()[0].replace("|", "\\|"), mb(rss)))
                break
            times.append(seconds)
            peak = max(peak, rss)
        if times:
            print("| %d² | %d | %.2f | %s | %.1f |"
                  % (n, n * n, statistics.median(times), mb(peak), peak / (n * n)))
        print("e2e: memory %d² done" % n, file=sys.stderr)


def check_outputs(rows, a):
    """Each peer's image against convtool's: same size, pixels close."""
    print("\n### Output check: each peer's image against convtool's (8-bit levels)\n")
    print("| job | peer | same size | mean abs diff | max abs diff | max inside an 8-px border |")
    print("|---|---|---|---:|---:|---:|")
    for job, results in rows:
        ref = cv2.imread(job.out(a, "convtool"), cv2.IMREAD_COLOR)
        for tool in results:
            if tool == "convtool" or results[tool].error or ref is None:
                continue
            img = cv2.imread(job.out(a, tool), cv2.IMREAD_COLOR)
            if img is None or img.shape != ref.shape:
                got = "unreadable" if img is None else "x".join(map(str, img.shape))
                print("| %s | %s | no (%s vs %s) | | | |" % (job.title, tool, got,
                                                               "x".join(map(str, ref.shape))))
                continue
            d = np.abs(img.astype(np.int16) - ref.astype(np.int16))
            print("| %s | %s | yes | %.3f | %d | %d |"
                  % (job.title, tool, d.mean(), d.max(), d[8:-8, 8:-8].max()))


def print_commands(rows, a, im_kernels):
    print("\n### Commands\n")
    print("One repetition of each, from the repository root once a run has made the inputs;")
    print("`hyperfine -w 1 -r 5 'COMMAND'` reruns one.\n")
    print("```")
    long_kernel = shlex.quote(im_kernels["gauss15"])
    by_file = '"$(cat %s)"' % os.path.join(a.data, "gauss15.magick")
    for job, cmds in rows:
        print("# " + job.title)
        for argv in cmds.values():
            print(shlex.join(argv).replace(long_kernel, by_file))
    print("```")


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--convtool", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", default="1024,2048,4096,8192")
    a = ap.parse_args()
    a.sizes = [int(s) for s in a.sizes.replace(",", " ").split()]
    a.warmup = 0 if a.quick else 1
    a.mem_reps = 1 if a.quick else 3
    os.makedirs(os.path.join(a.data, "out"), exist_ok=True)
    return a


def main():
    a = parse_args()
    im_kernels = write_kernels(a.data)
    rows, cmd_rows = [], []
    for job in jobs(a.quick):
        cmds, results = run_job(job, a, im_kernels)
        rows.append((job, results))
        cmd_rows.append((job, cmds))
    print("### End to end, %d runs each, median (whole process)\n" % a.reps)
    print_jobs_table([(j, r) for j, r in rows])
    memory_scaling(a)
    check_outputs(rows, a)
    print_commands(cmd_rows, a, im_kernels)


if __name__ == "__main__":
    main()
