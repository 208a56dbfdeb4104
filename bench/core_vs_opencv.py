#!/usr/bin/python3
"""OpenCV's side of the in-process core benchmark (bench/core_bench.c's peer).

    core_vs_opencv.py [-s SIZE] [-c CHANNELS] [-j THREADS] [-r REPS]

A random float32 SIZE x SIZE x CHANNELS image (the same bytes as core_bench's
C x H x W tensor, interleaved as OpenCV stores it), BORDER_REPLICATE (convtool's
default padding mode), each case twice: the output allocated by each call (as
convtool_conv2d does), then into a preallocated output (`/dst`, as
convtool_conv2d_into does). Prints median milliseconds in core_bench's format,
one line per case:

  memcpy        numpy copy of the same bytes into a preallocated array
  sharpen       filter2D 3x3
  gauss5        sepFilter2D, binomial 1 4 6 4 1 / 16 (convtool's gaussian5)
  gauss15       sepFilter2D, 15 taps, sigma 2.5 (bench/run.sh's kernel)
  box           sepFilter2D, 5 taps of 1/5 (convtool's box5)
  sobel         sepFilter2D, (1 2 1) x (1 0 -1) (convtool's sobel)
  rand15        filter2D, random non-separable 15x15 (OpenCV switches to a DFT)
  sharpen/s2    filter2D 3x3 then [::2, ::2] made contiguous (OpenCV has no stride)
  boxFilter     cv2.boxFilter 5x5, OpenCV's dedicated running-sum box, for reference
  Sobel         cv2.Sobel dx=1 ksize 3, for reference
  NAME/dst      each of the above into preallocated arrays (no page faults)
  sharpen/j1, gauss15/j1   (and /dst) the same with cv2.setNumThreads(1)
"""
import argparse
import time

import cv2
import numpy as np


def median_ms(fn, reps):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def gauss15():
    x = np.arange(15) - 7
    g = np.exp(-x**2 / (2 * 2.5**2))
    return (g / g.sum()).astype(np.float32)


def cases(img, dst, small):
    """(name, fresh-output call, preallocated-output call) for each case."""
    rep = cv2.BORDER_REPLICATE
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32)
    g5 = np.array([1, 4, 6, 4, 1], np.float32) / 16
    g15 = gauss15()
    box = np.full(5, 0.2, np.float32)
    sobel_x, sobel_y = np.array([1, 0, -1], np.float32), np.array([1, 2, 1], np.float32)
    rand15 = np.random.default_rng(42).uniform(-0.5, 0.5, (15, 15)).astype(np.float32)

    def f2d(k):
        return (lambda: cv2.filter2D(img, -1, k, borderType=rep),
                lambda: cv2.filter2D(img, -1, k, dst=dst, borderType=rep))

    def sep(kx, ky):
        return (lambda: cv2.sepFilter2D(img, -1, kx, ky, borderType=rep),
                lambda: cv2.sepFilter2D(img, -1, kx, ky, dst=dst, borderType=rep))

    def strided():
        cv2.filter2D(img, -1, sharpen, dst=dst, borderType=rep)
        np.copyto(small, dst[::2, ::2])

    return [
        ("sharpen",) + f2d(sharpen),
        ("gauss5",) + sep(g5, g5),
        ("gauss15",) + sep(g15, g15),
        ("box",) + sep(box, box),
        ("sobel",) + sep(sobel_x, sobel_y),
        ("rand15",) + f2d(rand15),
        ("sharpen/s2", lambda: np.ascontiguousarray(
            cv2.filter2D(img, -1, sharpen, borderType=rep)[::2, ::2]), strided),
        ("boxFilter", lambda: cv2.boxFilter(img, -1, (5, 5), borderType=rep),
         lambda: cv2.boxFilter(img, -1, (5, 5), dst=dst, borderType=rep)),
        ("Sobel", lambda: cv2.Sobel(img, -1, 1, 0, ksize=3, borderType=rep),
         lambda: cv2.Sobel(img, -1, 1, 0, dst=dst, ksize=3, borderType=rep)),
    ]


def report(name, fn, reps, copy):
    fn()  # warm-up: OpenCV builds its filter engine and thread pool on first use
    ms = median_ms(fn, reps)
    print("%-18s %9.2f ms  %5.2fx copy" % (name, ms, ms / copy))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", type=int, default=4096, dest="size")
    ap.add_argument("-c", type=int, default=3, dest="channels")
    ap.add_argument("-j", type=int, default=2, dest="threads")
    ap.add_argument("-r", type=int, default=7, dest="reps")
    a = ap.parse_args()
    img = np.random.default_rng(1).random((a.size, a.size, a.channels), np.float32)
    dst = np.empty_like(img)
    small = np.empty_like(img[::2, ::2])
    dst.fill(0)  # fault the pages in once, as core_bench's memset does
    small.fill(0)
    cv2.setNumThreads(a.threads)
    copy = median_ms(lambda: np.copyto(dst, img), a.reps)
    print("%-18s %9.2f ms  (%dx%dx%d float32, %d threads, median of %d, OpenCV %s)"
          % ("memcpy", copy, a.size, a.size, a.channels, a.threads, a.reps, cv2.__version__))
    table = cases(img, dst, small)
    for name, fresh, _ in table:
        report(name, fresh, a.reps, copy)
    for name, _, into in table:
        report(name + "/dst", into, a.reps, copy)
    cv2.setNumThreads(1)
    for name, fresh, into in table:
        if name in ("sharpen", "gauss15"):
            report(name + "/j1", fresh, a.reps, copy)
            report(name + "/j1/dst", into, a.reps, copy)

if __name__ == "__main__":
    main()
