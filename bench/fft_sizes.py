#!/usr/bin/python3
"""Large kernels: time against kernel size for convtool's direct and FFT methods,
OpenCV's filter2D in-process beside them, the whole-process goals of issue 15, and
the calibration of the cost model (src/conv/method_choice.c).

    bench/fft_sizes.py [--build DIR] [-s SIZE] [-j THREADS] [-r REPS] [--svg FILE]
    bench/fft_sizes.py --calibrate [--build DIR]
    bench/fft_sizes.py --e2e [--build DIR] [-r REPS]

Default: a random float32 3 x SIZE x SIZE image (2048), random dense K x K kernels
K = 3 ... 101, replicate padding; convtool_conv2d_into with --method direct, fft and
auto (build/bench/fft_bench sweep), cv2.filter2D into a preallocated array (BORDER_REPLICATE,
the same threads). Prints a Markdown table of median ms and writes an SVG plot.

--calibrate: one thread, CPU time: direct at 81..961 taps and the FFT path at tile sizes
64..1024 (fft_bench calib); non-negative least-squares fits of
    direct ms = outputs * (a * taps + b)
    fft ms    = tiles * (c * N log2 N + d * N) + e * (padded values the bands build) + f * outputs
(the minimum CPU time of REPS runs: the least disturbed by the machine's other load)
printed as the #defines of method_choice.c.

--e2e: whole process, `convtool apply -k K.npy photo.png out.png` on a 2048x2048 RGB PNG
(made here with OpenCV from smooth noise) with positive, normalized random K x K kernels,
K = 7, 31, 63, 101 (auto), run round-robin, median of REPS runs;
the goals: 63 / 7 <= 3, 101 / 63 <= 1.3.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import itertools

import cv2
import numpy as np

SIZES = [3, 5, 7, 9, 11, 13, 15, 19, 23, 31, 41, 51, 63, 81, 101]


def rand_kernel(n):
    """fft_bench's random_kernel: the same LCG, so both sides filter with the same taps."""
    s = (42 + n) & 0xffffffff
    v = np.empty(n * n, np.float32)
    for i in range(n * n):
        s = (s * 1103515245 + 12345) & 0xffffffff
        v[i] = (np.float32(((s >> 8) & 0xffff) / 65535.0) - np.float32(0.5)) / np.float32(n)
    return v.reshape(n, n)


def median_ms(fn, reps):
    fn()  # warm-up
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(t))


def median_both(fn, reps):
    """Median wall and CPU (all threads) ms of reps runs after a warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return float(np.median(wall)), float(np.median(cpu))


def opencv_ms(img, dst, threads, reps, n):
    cv2.setNumThreads(threads)
    k = rand_kernel(n)
    return median_both(lambda: cv2.filter2D(img, -1, k, dst=dst, borderType=cv2.BORDER_REPLICATE),
                       reps)


def sweep(a):
    exe = os.path.join(a.build, "bench", "fft_bench")
    out = subprocess.run([exe, "sweep", "-s", str(a.size), "-c", "3", "-j", str(a.threads),
                          "-r", str(a.reps)] + [str(n) for n in SIZES],
                         check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        n, method, ms, chosen, est, cpu = line.split()
        rows.setdefault(int(n), {})[method] = (float(ms), chosen, float(est), float(cpu))
    img = np.random.default_rng(1).random((a.size, a.size, 3), np.float32)
    dst = np.empty_like(img)
    cvs = {n: opencv_ms(img, dst, a.threads, a.reps, n) for n in SIZES}
    print("3x%dx%d float32, %d threads; median wall ms, and in brackets median CPU ms of all "
          "threads (direct past 31x31: median of 3)\n" % (a.size, a.size, a.threads))
    print("| kernel | direct | fft | auto (chose) | OpenCV filter2D | fft/direct | fft/OpenCV |")
    print("|---|---|---|---|---|---|---|")
    table = []
    for n in SIZES:
        d, f, au, cv = rows[n]["direct"], rows[n]["fft"], rows[n]["auto"], cvs[n]
        table.append((n, d[0], f[0], au[0], cv[0]))
        print("| %dx%d | %.1f [%.0f] | %.1f [%.0f] | %.1f (%s) | %.1f [%.0f] | %.2f [%.2f] | %.2f [%.2f] |"
              % (n, n, d[0], d[3], f[0], f[3], au[0], au[1], cv[0], cv[1], f[0] / d[0],
                 f[3] / d[3], f[0] / cv[0], f[3] / cv[1]))
    if a.svg:
        write_svg(a.svg, table, "3x%dx%d float32, %d threads" % (a.size, a.size, a.threads))
        print("\nplot: %s" % a.svg)


def write_svg(path, table, title):
    """A log-log line chart of ms against kernel side, one line per method."""
    w, h, left, bottom, top, right = 640, 400, 60, 40, 30, 150
    xs = np.log([r[0] for r in table])
    ys_all = np.log([v for r in table for v in r[1:] if v > 0])
    ylo, yhi = ys_all.min() - 0.2, ys_all.max() + 0.2

    def px(x):
        return left + (x - xs.min()) / (xs.max() - xs.min()) * (w - left - right)

    def py(y):
        return h - bottom - (y - ylo) / (yhi - ylo) * (h - bottom - top)

    series = [("direct", 1, "#d62728"), ("fft", 2, "#1f77b4"), ("auto", 3, "#2ca02c"),
              ("OpenCV filter2D", 4, "#7f7f7f")]
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
           'font-size="12">' % (w, h), '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18">%s: median ms against kernel side (log-log)</text>' % (left, title)]
    for r in table:
        x = px(np.log(r[0]))
        svg.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top, x, h - bottom))
        svg.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x, h - bottom + 16, r[0]))
    for ms in [1, 3, 10, 30, 100, 300, 1000, 3000, 10000]:
        y = np.log(ms)
        if ylo <= y <= yhi:
            svg.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, py(y), w - right, py(y)))
            svg.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>' % (left - 4, py(y) + 4, ms))
    for i, (name, col, color) in enumerate(series):
        pts = " ".join("%.1f,%.1f" % (px(np.log(r[0])), py(np.log(r[col]))) for r in table)
        dash = ' stroke-dasharray="6,3"' if name == "auto" else ""
        svg.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (color, dash, pts))
        svg.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                   % (w - right + 10, top + 20 * i + 10, w - right + 30, top + 20 * i + 10, color, dash))
        svg.append('<text x="%d" y="%d">%s</text>' % (w - right + 36, top + 20 * i + 14, name))
    svg.append('<text x="%d" y="%d" text-anchor="middle">kernel side (K x K)</text>' % ((left + w - right) / 2, h - 6))
    svg.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")


def nnls(A, b):
    """Non-negative least squares for a handful of columns: the best subset with all >= 0."""
    best, best_res = np.zeros(A.shape[1]), np.inf
    for r in range(1, A.shape[1] + 1):
        for cols in itertools.combinations(range(A.shape[1]), r):
            x, *_ = np.linalg.lstsq(A[:, cols], b, rcond=None)
            res = np.sum((A[:, cols] @ x - b) ** 2)
            if (x >= 0).all() and res < best_res:
                best_res, best = res, np.zeros(A.shape[1])
                best[list(cols)] = x
    return best, best_res


def calibrate(a):
    exe = os.path.join(a.build, "bench", "fft_bench")
    out = subprocess.run([exe, "calib", "-s", "1024", "-r", str(a.reps)], check=True,
                         capture_output=True, text=True).stdout
    direct, tiles = [], []
    for line in out.splitlines():
        f = line.split()
        if f[0] == "direct":
            direct.append((float(f[1]), float(f[2]), float(f[3])))
        else:
            tiles.append((float(f[1]) * float(f[2]), float(f[3]), float(f[4]), float(f[5]),
                          float(f[6])))
    A = np.array([[o * t, o] for t, _, o in direct])
    b = np.array([ms for _, ms, _ in direct])
    (per_tap, per_out), *_ = np.linalg.lstsq(A, b, rcond=None)
    # Tiles past 2^19 points fall out of the caches (method_choice.c does not use them).
    tiles = [t for t in tiles if t[0] <= 2 ** 19]
    A = np.array([[nt * n * np.log2(n), nt * n, rows, o] for n, nt, _, o, rows in tiles])
    b = np.array([t[2] for t in tiles])
    coef, _ = nnls(A, b)  # non-negative: N log N and N are nearly collinear here
    pred = A @ coef
    print(out)
    print("direct fit: %.4g ns per tap-output, %.4g ns per output" % (per_tap * 1e6, per_out * 1e6))
    print("fft fit: %s; tile times within %.0f%% (median |error|)"
          % (", ".join("%.4g" % c for c in coef * 1e6), 100 * np.median(np.abs(pred - b) / b)))
    print("#define DIRECT_PER_TAP %.3ge-9\n#define DIRECT_PER_OUTPUT %.3ge-9" % (per_tap * 1e6, per_out * 1e6))
    print("#define FFT_PER_NLOGN %.3ge-9\n#define FFT_PER_POINT %.3ge-9\n#define FFT_PER_OUTPUT %.3ge-9"
          % (coef[0] * 1e6, coef[1] * 1e6, coef[3] * 1e6))
    print("(per padded value the bands build: %.3g ns; 0 = not worth a term)" % (coef[2] * 1e6))


def e2e(a):
    exe = os.path.join(a.build, "convtool")
    with tempfile.TemporaryDirectory() as d:
        rng = np.random.default_rng(7)
        small = rng.random((64, 64, 3))
        img = cv2.resize(small, (2048, 2048), interpolation=cv2.INTER_CUBIC)
        img = np.clip(img * 255 + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)
        photo = os.path.join(d, "photo.png")
        cv2.imwrite(photo, img)
        sizes = [7, 31, 63, 101]
        cmds, runs = {}, {n: [] for n in sizes}
        for n in sizes:
            # a blur-like kernel (positive, sum 1), as bokeh and PSFs are: no clipping
            k = os.path.join(d, "k%d.npy" % n)
            np.save(k, (rand_kernel(n) * n + 0.5) / np.float32(n * n * 0.5))
            cmds[n] = [exe, "apply", "-k", k, photo, os.path.join(d, "out%d.png" % n)]
            subprocess.run(cmds[n], check=True, capture_output=True)  # warm-up
        for _ in range(a.reps):  # round-robin, so that load on the machine hits every size alike
            for n in sizes:
                t0 = time.perf_counter()
                subprocess.run(cmds[n], check=True, capture_output=True)
                runs[n].append(time.perf_counter() - t0)
        times = {}
        for n in sizes:
            chosen = subprocess.run(cmds[n] + ["--show-kernel"], check=True, capture_output=True,
                                    text=True).stderr.strip().splitlines()[-1]
            times[n] = float(np.median(runs[n]))
            print("%3dx%-3d  median %.3f s (min %.3f, max %.3f)   %s"
                  % (n, n, times[n], min(runs[n]), max(runs[n]), chosen.split(": ", 2)[-1]))
        print("63x63 / 7x7   = %.2f (goal <= 3)" % (times[63] / times[7]))
        print("101x101/63x63 = %.2f (goal <= 1.3)" % (times[101] / times[63]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("-s", type=int, default=2048, dest="size")
    ap.add_argument("-j", type=int, default=2, dest="threads")
    ap.add_argument("-r", type=int, default=5, dest="reps")
    ap.add_argument("--svg", default="bench/fft_sizes.svg")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--e2e", action="store_true")
    a = ap.parse_args()
    if a.calibrate:
        calibrate(a)
    elif a.e2e:
        e2e(a)
    else:
        sweep(a)


if __name__ == "__main__":
    main()
