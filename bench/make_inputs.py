#!/usr/bin/python3
"""Makes the benchmark's input images from the sample photos.

    make_inputs.py OUTDIR SIZE...

For each SIZE N writes OUTDIR/photo-N.png (RGB, zlib level 6) and, for N = 4096,
OUTDIR/photo-4096.jpg (quality 90). The picture is a 4x4 mosaic of the sample
photos upscaled with bicubic interpolation (flipped and at three zooms so that
no two cells repeat), plus mild Gaussian noise (sigma 1.5 levels, seeded) like
a camera's. Why the noise: upscaled photos alone are so smooth that the PNG
compresses to ~20 MB, far below a real 16-megapixel photo; with it the 4096²
PNG is ~26.6 MB, the size the issue's peer figures were measured on. Tiling
at native size would not do either: PNG's LZ77 window finds the repeats.
The output is deterministic (fixed seed), so every run times the same bytes.
"""
import os
import sys

import cv2
import numpy as np

SAMPLES = ["astronaut.png", "chelsea.png", "coffee.png", "camera.png"]


def mosaic(photos, n):
    cell = n // 4
    canvas = np.zeros((n, n, 3), np.uint8)
    for k in range(16):
        im = photos[k % len(photos)]
        h, w = im.shape[:2]
        f = cell / min(h, w) * (1 + 0.15 * (k % 3))
        big = cv2.resize(im, (int(w * f + 1), int(h * f + 1)), interpolation=cv2.INTER_CUBIC)
        if k & 4:
            big = big[:, ::-1]
        if k & 8:
            big = big[::-1]
        y0 = (big.shape[0] - cell) // 2
        x0 = (big.shape[1] - cell) // 2
        cy, cx = divmod(k, 4)
        canvas[cy * cell:(cy + 1) * cell, cx * cell:(cx + 1) * cell] = \
            big[y0:y0 + cell, x0:x0 + cell]
    noise = np.random.default_rng(3).normal(0, 1.5, canvas.shape)
    return np.clip(canvas + noise, 0, 255).astype(np.uint8)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: make_inputs.py OUTDIR SIZE...")
    outdir = sys.argv[1]
    samples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples")
    photos = [cv2.imread(os.path.join(samples, s), cv2.IMREAD_COLOR) for s in SAMPLES]
    if any(p is None for p in photos):
        sys.exit("make_inputs.py: cannot read the sample photos in " + samples)
    os.makedirs(outdir, exist_ok=True)
    for n in (int(s) for s in sys.argv[2:]):
        png = os.path.join(outdir, "photo-%d.png" % n)
        jpg = os.path.join(outdir, "photo-%d.jpg" % n)
        if os.path.exists(png) and (n != 4096 or os.path.exists(jpg)):
            continue
        img = mosaic(photos, n)
        cv2.imwrite(png + ".tmp.png", img, [cv2.IMWRITE_PNG_COMPRESSION, 6])
        os.replace(png + ".tmp.png", png)
        if n == 4096:
            cv2.imwrite(jpg + ".tmp.jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
            os.replace(jpg + ".tmp.jpg", jpg)
        print("made %s (%.1f MB)" % (png, os.path.getsize(png) / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
