#!/usr/bin/python3
"""OpenCV's side of the in-process core benchmark (bench/core_bench.c's peer).

    core_vs_opencv.py [-s SIZE] [-c CHANNELS] [-j THREADS] [-r REPS]

A random float32 SIZE x SIZE x CHANNELS image (the same bytes as core_bench's
C x H x W tensor, interleaved as OpenCV stores it), BORDER_REPLICATE (convtool's
default padding mode), the output allocated by each call as convtool_conv2d
does. Prints median milliseconds in core_bench's format, one line per case:

  memcpy        numpy copy of the same bytes into a preallocated array
  sharpen       filter2D 3x3
  gauss5        sepFilter2D, binomial 1 4 6 4 1 / 16 (convtool's gaussian5)
  gauss15       sepFilter2D, 15 taps, sigma 2.5 (bench/run.sh's kernel)
  box           sepFilter2D, 5 taps of 1/5 (convtool's box5)
  sobel         sepFilter2D, (1 2 1) x (1 0 -1) (convtool's sobel)
  rand15        filter2D, random non-separable 15x15 (OpenCV switches to a DFT)
  sharpen/s2    filter2D 3x3 then [::2, ::2] made contiguous (OpenCV has no stride)
  sharpen/dst, gauss15/dst  the same into a preallocated output (no page faults), for reference
  boxFilter     cv2.boxFilter 5x5, OpenCV's dedicated running-sum box, for reference
  Sobel         cv2.Sobel dx=1 ksize 3, for reference
  sharpen/j1, gauss15/j1   the same with cv2.setNumThreads(1)
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


def cases(img, dst):
    rep = cv2.BORDER_REPLICATE
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32)
    g5 = np.array([1, 4, 6, 4, 1], np.float32) / 16
    g15 = gauss15()
    box = np.full(5, 0.2, np.float32)
    rand15 = np.random.default_rng(42).uniform(-0.5, 0.5, (15, 15)).astype(np.float32)

    def sep(kx, ky):
        return lambda: cv2.sepFilter2D(img, -1, kx, ky, borderType=rep)

    return [
        ("sharpen", lambda: cv2.filter2D(img, -1, sharpen, borderType=rep)),
        ("gauss5", sep(g5, g5)),
        ("gauss15", sep(g15, g15)),
        ("box", sep(box, box)),
        ("sobel", sep(np.array([1, 0, -1], np.float32), np.array([1, 2, 1], np.float32))),
        ("rand15", lambda: cv2.filter2D(img, -1, rand15, borderType=rep)),
        ("sharpen/s2", lambda: np.ascontiguousarray(
            cv2.filter2D(img, -1, sharpen, borderType=rep)[::2, ::2])),
        ("sharpen/dst", lambda: cv2.filter2D(img, -1, sharpen, dst=dst, borderType=rep)),
        ("gauss15/dst", lambda: cv2.sepFilter2D(img, -1, g15, g15, dst=dst, borderType=rep)),
        ("boxFilter", lambda: cv2.boxFilter(img, -1, (5, 5), borderType=rep)),
        ("Sobel", lambda: cv2.Sobel(img, -1, 1, 0, ksize=3, borderType=rep)),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", type=int, default=4096, dest="size")
    ap.add_argument("-c", type=int, default=3, dest="channels")
    ap.add_argument("-j", type=int, default=2, dest="threads")
    ap.add_argument("-r", type=int, default=7, dest="reps")
    a = ap.parse_args()
    img = np.random.default_rng(1).random((a.size, a.size, a.channels), np.float32)
    dst = np.empty_like(img)
    dst.fill(0)  # fault the pages in once, as core_bench's memset does
    cv2.setNumThreads(a.threads)
    copy = median_ms(lambda: np.copyto(dst, img), a.reps)
    print("%-12s %9.2f ms  (%dx%dx%d float32, %d threads, median of %d, OpenCV %s)"
          % ("memcpy", copy, a.size, a.size, a.channels, a.threads, a.reps, cv2.__version__))
    table = cases(img, dst)
    for name, fn in table:
        fn()  # warm-up: OpenCV builds its filter engine and thread pool on first use
        ms = median_ms(fn, a.reps)
        print("%-12s %9.2f ms  %5.2fx copy" % (name, ms, ms / copy))
    cv2.setNumThreads(1)
    for name, fn in table:
        if name in ("sharpen", "gauss15"):
            ms = median_ms(fn, a.reps)
            print("%-12s %9.2f ms  %5.2fx copy" % (name + "/j1", ms, ms / copy))


if __name__ == "__main__":
    main()
