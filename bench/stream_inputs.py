#!/usr/bin/python3
"""Inputs and output checks for bench/stream_bench.sh (issue 14, item 7).

    stream_inputs.py photo OUT.png OUT.jpg      the noisy 4096² photo, PNG and JPEG q90
    stream_inputs.py thumbs DIR COUNT           COUNT 256x192 PNG crops of the samples
    stream_inputs.py huge OUT.png SIZE          a SIZE x SIZE gray PNG, made row by row
    stream_inputs.py compare A B                pixel differences between two images
    convtool kernels show NAME | stream_inputs.py mat OUT.mat
                                                the kernel as a libvips .mat (integers and a
                                                scale), its ImageMagick string on stdout

Every input is deterministic (fixed seeds), so every run times the same bytes, and is
written under a temporary name first, so an interrupted run leaves no half file behind.
"""
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples")
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "camera.png"]


def photo(png, jpg, n=4096):
    """A real photo upscaled to n² plus Gaussian noise σ 8, like a camera's high-ISO
    grain: it compresses as poorly as a camera PNG (~35 MB at 4096²), where the smooth
    upscale alone would shrink to a third of that."""
    im = Image.open(os.path.join(SAMPLES, "astronaut.png")).convert("RGB")
    big = np.asarray(im.resize((n, n), Image.BICUBIC), np.float32)
    big += np.random.default_rng(14).normal(0, 8, big.shape).astype(np.float32)
    out = Image.fromarray(np.clip(big + 0.5, 0, 255).astype(np.uint8), "RGB")
    out.save(png + ".tmp", "PNG")  # PIL's zlib level 6, adaptive filters
    os.replace(png + ".tmp", png)
    # 4:2:0, as a camera writes it; libjpeg's quality 90 tables.
    out.save(jpg + ".tmp", "JPEG", quality=90, subsampling=2)
    os.replace(jpg + ".tmp", jpg)


def thumbs(outdir, count, w=256, h=192):
    """count crops of the sample photos: a grid of offsets, four rotations, then scaled to
    w x h, so that no two are the same picture."""
    os.makedirs(outdir, exist_ok=True)
    photos = [Image.open(os.path.join(SAMPLES, p)).convert("RGB") for p in PHOTOS]
    for i in range(count):
        src = photos[i % len(photos)]
        x, y = (i * 37) % (src.width - 2 * w // 3), (i * 53) % (src.height - 2 * h // 3)
        box = (x, y, min(src.width, x + w * 4 // 3), min(src.height, y + h * 4 // 3))
        t = src.crop(box).rotate(90 * (i % 4), expand=True).resize((w, h), Image.BILINEAR)
        name = os.path.join(outdir, "t%03d.png" % i)
        t.save(name + ".tmp", "PNG")
        os.replace(name + ".tmp", name)


def chunk(f, kind, data):
    f.write(struct.pack(">I", len(data)) + kind + data)
    f.write(struct.pack(">I", zlib.crc32(kind + data)))


def huge(path, n):
    """An n x n 8-bit gray PNG written one row at a time through zlib.compressobj: memory
    stays at a few rows whatever n is. The picture: broad diagonal waves (so a blur or a
    sharpen has edges to work on) plus seeded noise of ±6 levels (so it does not compress
    to nothing: ~0.5 byte a pixel). Filter None on every row, zlib level 1."""
    rng = np.random.default_rng(32768)
    pool = rng.integers(-6, 7, size=(509, n), dtype=np.int16)  # 509: prime, rows never align
    x = np.arange(n, dtype=np.float32)
    wave_x = 60 * np.sin(x * (2 * np.pi / 4099))
    z = zlib.compressobj(1)
    pending = []
    size = 0
    with open(path + ".tmp", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        chunk(f, b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 0, 0, 0, 0))
        for y in range(n):
            base = 128 + wave_x + 50 * np.sin((x + 3 * y) * (2 * np.pi / 7919))
            row = np.clip(base + np.roll(pool[y % 509], y * 97), 0, 255).astype(np.uint8)
            out = z.compress(b"\x00" + row.tobytes())
            if out:
                pending.append(out)
                size += len(out)
            if size >= 1 << 20:
                chunk(f, b"IDAT", b"".join(pending))
                pending, size = [], 0
        pending.append(z.flush())
        chunk(f, b"IDAT", b"".join(pending))
        chunk(f, b"IEND", b"")
    os.replace(path + ".tmp", path)


def compare(a, b):
    """One line: same size or not, mean and max absolute difference in 8-bit levels,
    and the max inside an 8-pixel border (where border handling cannot matter)."""
    Image.MAX_IMAGE_PIXELS = None
    x = np.asarray(Image.open(a).convert("RGB"), np.int16)
    y = np.asarray(Image.open(b).convert("RGB"), np.int16)
    if x.shape != y.shape:
        print("different sizes %s vs %s" % (x.shape, y.shape))
        return
    d = np.abs(x - y)
    print("same size, mean abs diff %.3f, max %d, max inside an 8-px border %d"
          % (d.mean(), d.max(), d[8:-8, 8:-8].max()))


def mat(path, text):
    """`convtool kernels show` prints a header ("NAME: 3x3, sum 1, scale 0.0625"), a
    description, then the rows. libvips's integer masks want whole numbers and a divisor:
    the values over the scale, which must come out whole (the bench's kernels do)."""
    lines = text.splitlines()
    header = lines[0]
    scale = 1.0
    if "scale " in header:
        scale = float(header.split("scale ")[1].split(",")[0])
    rows = []
    for line in lines[1:]:
        try:
            rows.append([float(v) for v in line.split()])
        except ValueError:
            continue  # the description
    ints = [[round(v / scale) for v in r] for r in rows]
    if any(abs(i * scale - v) > 1e-6 for ri, r in zip(ints, rows) for i, v in zip(ri, r)):
        sys.exit("stream_inputs.py: the kernel is not whole numbers times its scale: " + header)
    div = round(1 / scale)
    with open(path, "w") as f:
        f.write("%d %d %d 0\n" % (len(rows[0]), len(rows), div))
        f.writelines(" ".join(map(str, r)) + "\n" for r in ints)
    flat = " ".join(",".join("%.9g" % v for v in r) for r in rows)
    print("%dx%d: %s" % (len(rows[0]), len(rows), flat))


def main():
    cmd, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if cmd == "photo" and len(args) == 2:
        photo(*args)
    elif cmd == "thumbs" and len(args) == 2:
        thumbs(args[0], int(args[1]))
    elif cmd == "huge" and len(args) == 2:
        huge(args[0], int(args[1]))
    elif cmd == "mat" and len(args) == 1:
        mat(args[0], sys.stdin.read())
    elif cmd == "compare" and len(args) == 2:
        compare(*args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
