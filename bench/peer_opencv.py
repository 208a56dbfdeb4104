#!/usr/bin/python3
"""The OpenCV peer of bench/run.sh, timed as a whole process like the others.

    peer_opencv.py [--sep] [--stride S] [--quality Q] KERNEL.npy INPUT OUTPUT

imread -> filter2D (or sepFilter2D with --sep, the kernel then being its 1-D
factor) -> [::S, ::S] -> imwrite. 8-bit in, 8-bit out, as OpenCV users do:
filter2D on uint8 accumulates in float and saturates with rounding.
BORDER_REPLICATE is convtool's default padding mode (OpenCV's own default is
REFLECT_101), so both compute the same border pixels. OpenCV keeps its own
default thread count (all cores) and its default PNG level.
"""
import argparse
import sys

import cv2
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sep", action="store_true")
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--quality", type=int, default=90)
    ap.add_argument("kernel")
    ap.add_argument("input")
    ap.add_argument("output")
    a = ap.parse_args()
    k = np.load(a.kernel).astype(np.float32)
    img = cv2.imread(a.input, cv2.IMREAD_UNCHANGED)
    if img is None:
        sys.exit("peer_opencv.py: cannot read " + a.input)
    if a.sep:
        out = cv2.sepFilter2D(img, -1, k, k, borderType=cv2.BORDER_REPLICATE)
    else:
        out = cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REPLICATE)
    if a.stride > 1:
        out = np.ascontiguousarray(out[::a.stride, ::a.stride])
    params = [cv2.IMWRITE_JPEG_QUALITY, a.quality] if a.output.lower().endswith((".jpg", ".jpeg")) else []
    if not cv2.imwrite(a.output, out, params):
        sys.exit("peer_opencv.py: cannot write " + a.output)


if __name__ == "__main__":
    main()
