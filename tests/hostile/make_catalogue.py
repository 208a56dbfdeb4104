#!/usr/bin/python3
"""Writes the bad-input catalogue of tests/cli/cases/hostile.sh (issue 4, part 6).

usage: make_catalogue.py OUTDIR

Every file is made here, at test time, from a fixed seed: PNGs byte by byte with
zlib and struct, JPEGs with ImageMagick's `convert` (then patched byte by byte),
the unsupported formats with `convert`. Alongside them, OUTDIR/manifest.tsv has
one line per case, tab-separated:

    kind   file   expect   reasons   note

kind    image   convtool apply -k blur FILE OUT.png (and shape -k 3 FILE)
        jpeg    the same, once with each JPEG codec (libjpeg-turbo, then stb)
        kernel  convtool apply -k FILE base.png OUT.png
        same    like image, and runs with different heap and stack garbage must give
                the same bytes (and valgrind must find no uninitialised bytes)
        bomb    like image, under a 1 GiB address-space limit (not under sanitizers)
expect  the exit status: 0, 1, 2, or alternatives such as 0|1
reasons words of which one must be in the message (case-insensitive, '|'
        separated; empty: the file name is enough)
note    what the case is, for the failure report
"""
import os
import random
import struct
import subprocess
import sys
import zlib

import numpy as np

SEED = 4  # change it and every offset and flipped byte changes with it
OUT = sys.argv[1]
rows = []


def case(kind, name, data, expect, reasons="", note=""):
    if data is not None:
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    rows.append((kind, name, expect, reasons, note or name))


# ------------------------------------------------------------------ PNG

SIG = b"\x89PNG\r\n\x1a\n"


def chunk(ctype, data, crc=None):
    if crc is None:
        crc = zlib.crc32(ctype + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def ihdr(w, h, depth=8, ctype=2, interlace=0, comp=0, filt=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, comp, filt, interlace))


def scanlines(pix):
    """pix: (H, W*bytes_per_pixel) uint8 -> filter type 0 rows."""
    return b"".join(b"\0" + row.tobytes() for row in pix)


def png(w, h, raw, depth=8, ctype=2, extra=b"", interlace=0):
    return (SIG + ihdr(w, h, depth, ctype, interlace) + extra + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def adam7(pix, bpp):
    """Adam7 passes of pix (H, W, bpp bytes) as filter-0 scanlines."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
              (0, 1, 1, 2)]
    out = b""
    for x0, y0, dx, dy in passes:
        sub = pix[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            out += scanlines(sub.reshape(sub.shape[0], -1))
    return out


rng = np.random.default_rng(SEED)
W, H = 12, 9
rgb = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
good_png = png(W, H, scanlines(rgb.reshape(H, -1)))
case("image", "good.png", good_png, "0", note="the valid 12x9 RGB PNG the others are made from")

# Empty and not an image at all.
case("image", "empty.png", b"", "1", "empty|truncated|corrupt|unsupported")
case("image", "text.png", b"hello, I am a text file and not a PNG\n", "1", "unsupported|corrupt")
case("image", "sig-only.png", SIG, "1", "truncated|corrupt")
case("image", "zeros.png", bytes(4096), "1", "unsupported|corrupt")

# Truncated at every 7th byte: each is refused.
for cut in range(1, len(good_png), 7):
    case("image", "trunc-%04d.png" % cut, good_png[:cut], "1", "truncated|corrupt|unsupported",
         "good.png cut to %d of %d bytes" % (cut, len(good_png)))

# Single-byte flips at 50 offsets (fixed seed): refused or decoded, never a crash.
r = random.Random(SEED)
for off in sorted(r.sample(range(8, len(good_png)), 50)):
    b = bytearray(good_png)
    b[off] ^= 1 << r.randrange(8)
    case("image", "flip-%04d.png" % off, bytes(b), "0|1", "corrupt|unsupported|truncated|crc|limit|pixels",
         "good.png with one bit flipped at offset %d" % off)

# Bad CRCs. Policy (to be decided): stb ignores CRCs, and so does convtool today;
# refusing is allowed too, with a message that says so.
idat = chunk(b"IDAT", zlib.compress(scanlines(rgb.reshape(H, -1)), 9))
bad_ihdr = SIG + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0), crc=0) + idat
case("image", "crc-ihdr.png", bad_ihdr + chunk(b"IEND", b""), "0|1", "crc|corrupt", "IHDR with a bad CRC")
bad_idat = SIG + ihdr(W, H) + idat[:-4] + b"\0\0\0\0" + chunk(b"IEND", b"")
case("image", "crc-idat.png", bad_idat, "0|1", "crc|corrupt", "IDAT with a bad CRC")
bad_text = (SIG + ihdr(W, H) + chunk(b"tEXt", b"Comment\0hi", crc=1) + idat + chunk(b"IEND", b""))
case("image", "crc-text.png", bad_text, "0|1", "crc|corrupt", "an ancillary chunk with a bad CRC")

# Header fields out of range.
def header_only(w, h, depth=8, ctype=2, interlace=0, comp=0, filt=0, data=b"\0" * 64):
    return (SIG + ihdr(w, h, depth, ctype, interlace, comp, filt) + chunk(b"IDAT", zlib.compress(data))
            + chunk(b"IEND", b""))


case("image", "dim-0x0.png", header_only(0, 0), "1", "corrupt|0x0|empty|size", "IHDR 0x0")
case("image", "dim-0x9.png", header_only(0, 9), "1", "corrupt|0x|size", "IHDR width 0")
case("image", "dim-huge.png", header_only(100000, 100000), "1", "pixels|limit",
     "IHDR 100000x100000 (10 G pixels)")
case("image", "dim-2e31.png", header_only(0x80000000, 1), "1", "corrupt|pixels|limit|large",
     "IHDR width 2^31 (over the PNG maximum)")
case("image", "dim-ffffffff.png", header_only(0xFFFFFFFF, 0xFFFFFFFF), "1", "corrupt|pixels|limit|large",
     "IHDR 4294967295x4294967295")
case("image", "dim-wide.png", header_only(1 << 25, 1), "1", "corrupt|pixels|limit|large|truncated",
     "IHDR 33554432x1 (over stb's 2^24)")
case("image", "depth-3.png", header_only(W, H, depth=3), "1", "corrupt|unsupported", "RGB at bit depth 3")
case("image", "ctype-5.png", header_only(W, H, ctype=5), "1", "corrupt|unsupported", "colour type 5")
case("image", "comp-1.png", header_only(W, H, comp=1), "1", "corrupt|unsupported", "compression method 1")
case("image", "filt-1.png", header_only(W, H, filt=1), "0|1", "corrupt|unsupported", "filter method 1")
case("image", "interlace-2.png", header_only(W, H, interlace=2), "1", "corrupt|unsupported",
     "interlace method 2")
badfilter = b"".join(b"\x07" + row.tobytes() for row in rgb.reshape(H, -1))
case("image", "filter-type-7.png", png(W, H, badfilter), "1", "corrupt", "a scanline with filter type 7")
case("image", "no-ihdr.png", SIG + idat + chunk(b"IEND", b""), "1", "corrupt|truncated", "IDAT before any IHDR")
case("image", "two-ihdr.png", SIG + ihdr(W, H) + ihdr(W, H) + idat + chunk(b"IEND", b""), "0|1", "corrupt",
     "IHDR twice")
case("image", "no-idat.png", SIG + ihdr(W, H) + chunk(b"IEND", b""), "1", "corrupt|truncated", "no IDAT")
huge_len = SIG + ihdr(W, H) + struct.pack(">I", 0xFFFFFFF0) + b"IDAT" + idat[8:] + chunk(b"IEND", b"")
case("image", "chunk-len-huge.png", huge_len, "1", "corrupt|truncated", "an IDAT claiming 4 GiB")
long_len = SIG + ihdr(W, H) + struct.pack(">I", 0x7FFFFFFF) + b"tEXt" + b"x" * 16 + idat + chunk(b"IEND", b"")
case("image", "chunk-len-2g.png", long_len, "1", "corrupt|truncated", "a tEXt claiming 2 GiB")
short_data = png(W, H, scanlines(rgb.reshape(H, -1))[:-20])
case("image", "idat-short.png", short_data, "1", "corrupt|truncated", "the zlib stream has too few rows")
much_data = png(W, H, scanlines(rgb.reshape(H, -1)) + bytes(5000))
case("image", "idat-long.png", much_data, "0|1", "corrupt", "the zlib stream has 5000 bytes too many")
# zlib stream with a bad header, and one with a wrong Adler-32
z = bytearray(zlib.compress(scanlines(rgb.reshape(H, -1))))
z[0] = 0x79
case("image", "zlib-header.png", SIG + ihdr(W, H) + chunk(b"IDAT", bytes(z)) + chunk(b"IEND", b""), "1",
     "corrupt")
z = bytearray(zlib.compress(scanlines(rgb.reshape(H, -1))))
z[-1] ^= 0xFF
case("image", "zlib-adler.png", SIG + ihdr(W, H) + chunk(b"IDAT", bytes(z)) + chunk(b"IEND", b""), "0|1",
     "corrupt", "a wrong Adler-32 (stb does not check it)")
many = SIG + ihdr(W, H) + chunk(b"IDAT", b"") * 2000 + idat + chunk(b"IEND", b"")
case("image", "empty-idats.png", many, "0|1", "corrupt", "2000 empty IDAT chunks")

# Decompression bombs: a tiny file that declares 20000x20000 (400 M pixels, over
# the default --max-pixels of 100 M). Only the first rows are compressed: the
# header alone must get it refused, in milliseconds.
co = zlib.compressobj(9)
bomb = co.compress(bytes(20001 * 64)) + co.flush()
case("image", "bomb-20000.png", SIG + ihdr(20000, 20000, 8, 0) + chunk(b"IDAT", bomb) + chunk(b"IEND", b""),
     "1", "pixels|limit", "20000x20000 gray: 400 M pixels declared in %d bytes" % (len(bomb) + 57))

# A bomb just under the limit: 10000x10000 RGBA (100 M pixels, 389 KB) decodes to
# 400 MB of bytes and 1.6 GB of floats. Run under a 1 GiB address-space limit,
# the strip engine filters it in a few MB (exit 0); a build without it (no
# ISA-L: stb decodes whole) must fail cleanly ("bomb" kind: skipped under the
# sanitizers).
co = zlib.compressobj(9)
row = bytes(1 + 4 * 10000)
bomb = b"".join(co.compress(row) for _ in range(10000)) + co.flush()
case("bomb", "bomb-10000-rgba.png",
     SIG + ihdr(10000, 10000, 8, 6) + chunk(b"IDAT", bomb) + chunk(b"IEND", b""), "0|1",
     "memory|limit", "10000x10000 RGBA zeros in %d bytes, under a 1 GiB address-space limit" % (len(bomb) + 57))

# Small and odd but valid.
one = rng.integers(0, 256, (1, 1, 3), dtype=np.uint8)
case("image", "1x1.png", png(1, 1, scanlines(one.reshape(1, -1))), "0", note="1x1 RGB")
case("image", "1x1-gray.png", png(1, 1, b"\0\x80", ctype=0), "0", note="1x1 gray")
case("image", "1x500.png", png(1, 500, bytes(1000), ctype=0), "0", note="1 pixel wide")
rgb16 = rng.integers(0, 65536, (H, W, 3), dtype=np.uint16).astype(">u2")
case("image", "rgb16.png", png(W, H, scanlines(rgb16.view(np.uint8).reshape(H, -1)), depth=16), "0",
     note="16-bit RGB")
ga16 = rng.integers(0, 65536, (H, W, 2), dtype=np.uint16).astype(">u2")
case("image", "ga16.png", png(W, H, scanlines(ga16.view(np.uint8).reshape(H, -1)), depth=16, ctype=4),
     "0", note="16-bit gray+alpha")
for depth in (1, 2, 4):
    bits = rng.integers(0, 1 << depth, (H, W), dtype=np.uint8)
    per = 8 // depth
    packed = np.zeros((H, (W + per - 1) // per), np.uint8)
    for x in range(W):
        packed[:, x // per] |= bits[:, x] << (8 - depth * (x % per + 1))
    case("image", "gray%d.png" % depth, png(W, H, scanlines(packed), depth=depth, ctype=0), "0",
         note="%d-bit gray" % depth)
plte = chunk(b"PLTE", bytes([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]))
trns = chunk(b"tRNS", bytes([0, 128, 255]))
idx = rng.integers(0, 4, (H, W), dtype=np.uint8)
case("image", "palette-trns.png", png(W, H, scanlines(idx), ctype=3, extra=plte + trns), "0",
     note="palette of 4 with tRNS")
case("image", "palette-none.png", png(W, H, scanlines(idx), ctype=3), "1", "corrupt|palette",
     "palette image without PLTE")
# The index 200 in a palette of 2 (upstream stb #1861 copies uninitialised bytes):
# refused, or decoded to the same bytes every time.
oob = idx.copy()
oob[H // 2, W // 2] = 200
oob[0, 0] = 255
plte2 = chunk(b"PLTE", bytes([10, 20, 30, 200, 210, 220]))
case("same", "palette-oob.png", png(W, H, scanlines(oob), ctype=3, extra=plte2), "0|1",
     "corrupt|palette|index", "index 200 in a palette of 2 entries")
case("same", "palette-oob-trns.png", png(W, H, scanlines(oob), ctype=3, extra=plte2 + chunk(b"tRNS", b"\x80")),
     "0|1", "corrupt|palette|index", "index 200 in a palette of 2 entries, with tRNS")
big_plte = chunk(b"PLTE", bytes(3 * 300))
case("image", "palette-300.png", png(W, H, scanlines(idx), ctype=3, extra=big_plte), "0|1",
     "corrupt|palette", "a PLTE of 300 entries")
case("image", "interlaced.png", png(W, H, adam7(rgb, 3), interlace=1), "0", note="Adam7 interlaced RGB")
case("image", "interlaced-1x1.png", png(1, 1, adam7(one, 3), interlace=1), "0", note="Adam7 1x1")

# ----------------------------------------------------------------- JPEG

def run_convert(args, out, fmt=""):
    subprocess.run(["convert", *args, fmt + out], check=True)
    with open(out, "rb") as f:
        return f.read()


tmp_png = os.path.join(OUT, ".src.png")
src = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
with open(tmp_png, "wb") as f:
    f.write(png(32, 24, scanlines(src.reshape(24, -1))))
tmp_jpg = os.path.join(OUT, ".tmp.jpg")
good_jpg = run_convert([tmp_png, "-strip", "-quality", "90"], tmp_jpg)
case("jpeg", "good.jpg", good_jpg, "0", note="the valid 32x24 baseline JPEG")
case("jpeg", "progressive.jpg", run_convert([tmp_png, "-strip", "-interlace", "JPEG"], tmp_jpg), "0",
     note="progressive JPEG")
case("jpeg", "gray.jpg", run_convert([tmp_png, "-strip", "-colorspace", "Gray"], tmp_jpg), "0",
     note="grayscale JPEG")
case("jpeg", "cmyk.jpg", run_convert([tmp_png, "-strip", "-colorspace", "CMYK"], tmp_jpg), "0|1",
     "unsupported|cmyk", "CMYK JPEG")
case("jpeg", "444.jpg", run_convert([tmp_png, "-strip", "-sampling-factor", "1x1"], tmp_jpg), "0",
     note="4:4:4 JPEG")
case("jpeg", "restart.jpg", run_convert([tmp_png, "-strip", "-define", "jpeg:restart-interval=1"], tmp_jpg),
     "0", note="restart markers every MCU row")
os.remove(tmp_png)
os.remove(tmp_jpg)


def marker(data, codes):
    """Offset of the first marker FF xx with xx in codes."""
    for i in range(2, len(data) - 1):
        if data[i] == 0xFF and data[i + 1] in codes:
            return i
    raise ValueError("no marker %s" % codes)


sof = marker(good_jpg, (0xC0,))
arith = bytearray(good_jpg)
arith[sof + 1] = 0xC9
case("jpeg", "arithmetic.jpg", bytes(arith), "0|1", "unsupported|corrupt|arithmetic",
     "SOF0 patched to SOF9 (arithmetic coding) over Huffman data")
for code in (0xC3, 0xC5, 0xCB, 0xF7):
    b = bytearray(good_jpg)
    b[sof + 1] = code
    case("jpeg", "sof-%02x.jpg" % code, bytes(b), "0|1", "unsupported|corrupt",
         "SOF0 patched to FF%02X" % code)


def with_dims(w, h):
    b = bytearray(good_jpg)
    struct.pack_into(">HH", b, sof + 5, h, w)
    return bytes(b)


case("jpeg", "dim-huge.jpg", with_dims(65500, 65500), "1", "pixels|limit", "SOF 65500x65500")
case("jpeg", "dim-0.jpg", with_dims(32, 0), "1", "corrupt|unsupported|0", "SOF height 0 (DNL)")
case("jpeg", "dim-0x0.jpg", with_dims(0, 0), "1", "corrupt|unsupported|0", "SOF 0x0")
b = bytearray(good_jpg)
b[sof + 9] = 5  # components
case("jpeg", "ncomp-5.jpg", bytes(b), "1", "corrupt|unsupported", "SOF with 5 components")
b = bytearray(good_jpg)
b[sof + 4] = 12  # precision
case("jpeg", "precision-12.jpg", bytes(b), "0|1", "corrupt|unsupported", "SOF precision 12")

# Oversized Huffman tables (stb #1289): code counts that sum past 256.
dht = marker(good_jpg, (0xC4,))
seg_len = struct.unpack_from(">H", good_jpg, dht + 2)[0]
counts = [0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255]
table = bytes([0x00]) + bytes(counts) + bytes(range(256)) * 10
table = table[:17 + sum(counts)]
evil = good_jpg[:dht] + b"\xff\xc4" + struct.pack(">H", 2 + len(table)) + table + good_jpg[dht + 2 + seg_len:]
case("jpeg", "dht-oversized.jpg", evil, "1", "corrupt|unsupported", "a DHT whose code counts sum to 2295")
counts = [2, 4] + [0] * 14  # 6 codes of up to 2 bits: more than the code space holds
table = bytes([0x00]) + bytes(counts) + bytes(range(6))
evil = good_jpg[:dht] + b"\xff\xc4" + struct.pack(">H", 2 + len(table)) + table + good_jpg[dht + 2 + seg_len:]
case("jpeg", "dht-overfull.jpg", evil, "1", "corrupt", "a DHT with more codes than its lengths allow")
b = bytearray(good_jpg)
struct.pack_into(">H", b, dht + 2, 0xFFFF)
case("jpeg", "dht-len.jpg", bytes(b), "1", "corrupt|truncated", "a DHT segment claiming 65535 bytes")
dqt = marker(good_jpg, (0xDB,))
b = bytearray(good_jpg)
b[dqt + 4] = 0x1F  # table id 15
case("jpeg", "dqt-id.jpg", bytes(b), "1", "corrupt", "a DQT with table id 15")
b = bytearray(good_jpg)
sos = marker(good_jpg, (0xDA,))
b[sos + 5] = 9  # the first component's id: no such component
case("jpeg", "sos-comp.jpg", bytes(b), "1", "corrupt", "an SOS naming a component that does not exist")
case("jpeg", "no-eoi.jpg", good_jpg[:-2], "1", "truncated|corrupt", "no EOI marker")
case("jpeg", "soi-only.jpg", b"\xff\xd8", "1", "truncated|corrupt")
case("jpeg", "soi-eoi.jpg", b"\xff\xd8\xff\xd9", "1", "truncated|corrupt")
case("jpeg", "ff-fill.jpg", b"\xff\xd8" + b"\xff" * 100000, "1", "truncated|corrupt", "SOI then 100000 fill bytes")

# Truncated at 40 offsets, and 50 single-byte flips.
r = random.Random(SEED + 1)
for cut in sorted(r.sample(range(1, len(good_jpg)), 40)):
    case("jpeg", "trunc-%04d.jpg" % cut, good_jpg[:cut], "1", "truncated|corrupt|unsupported",
         "good.jpg cut to %d of %d bytes" % (cut, len(good_jpg)))
for off in sorted(r.sample(range(2, len(good_jpg)), 50)):
    b = bytearray(good_jpg)
    b[off] ^= 1 << r.randrange(8)
    case("jpeg", "flip-%04d.jpg" % off, bytes(b), "0|1", "corrupt|unsupported|truncated|pixels|limit",
         "good.jpg with one bit flipped at offset %d" % off)

# ---------------------------------------------------- unsupported formats

tmp = os.path.join(OUT, ".src.png")
with open(tmp, "wb") as f:
    f.write(good_png)
for fmt, ext in (("GIF", "gif"), ("BMP3", "bmp"), ("PSD", "psd"), ("HDR", "hdr"), ("PGM", "pgm"),
                 ("PPM", "ppm"), ("TGA", "tga"), ("TIFF", "tiff"), ("WEBP", "webp")):
    data = run_convert([tmp], os.path.join(OUT, ".x." + ext), fmt + ":")
    os.remove(os.path.join(OUT, ".x." + ext))
    case("image", "fmt." + ext, data, "1", "unsupported", "a %s file" % fmt)
    if ext in ("gif", "bmp", "psd"):
        case("image", "fmt-%s-named.png" % ext, data, "1", "unsupported", "a %s file named .png" % fmt)
os.remove(tmp)
# A bare JPEG-ish and PNG-ish prefix on text.
case("image", "png-magic-text.png", SIG + b"this is not a chunk stream at all", "1", "corrupt|truncated")
case("image", "npy-magic.png", b"\x93NUMPY\x01\x00", "1", "corrupt|truncated|unsupported")

# --------------------------------------------------------------- .npy

def npy(header, body=b""):
    h = header.encode()
    pad = 64 - (10 + len(h) + 1) % 64
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h) + pad + 1) + h + b" " * pad + b"\n" + body


case("image", "shape-huge.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }",
                                    bytes(64)), "1", "pixels|limit|truncated|corrupt", "(100000, 100000) float32")
case("image", "shape-overflow.npy",
     npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }"),
     "1", "pixels|limit|corrupt|large|unsupported", "a shape whose product overflows 64 bits")
case("image", "shape-neg.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-3, 4), }"), "1",
     "corrupt|unsupported")
case("image", "shape-short.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (30, 40), }",
                                     bytes(100)), "1", "truncated|corrupt", "1200 floats declared, 25 given")
case("image", "shape-0.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }"), "1|2",
     "empty|0|corrupt|size")
case("image", "rank5.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 2, 2), }",
                               bytes(16)), "1", "unsupported|shape|rank|dimension")
case("image", "descr-obj.npy", npy("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", bytes(32)),
     "1", "unsupported|dtype|type")
case("image", "header-len.npy", b"\x93NUMPY\x01\x00\xff\xff{'descr'", "1", "corrupt|truncated")
nan = np.full((5, 6), np.nan, np.float32)
nan[2, 3] = np.inf
nanbuf = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 6), }", nan.tobytes())
case("image", "nan.npy", nanbuf, "0|1", "nan|finite|infinit", "NaN and inf values")

# -------------------------------------------------------------- kernels

def ktext(name, text, expect, reasons="", note=""):
    case("kernel", name, text if isinstance(text, bytes) else text.encode(), expect, reasons, note)


ktext("k-empty.txt", b"", "1", "empty|no kernel|nothing")
ktext("k-blank.txt", "\n\n   \n", "1", "empty|no kernel|nothing")
ktext("k-junk.txt", "1 2 3\n4 five 6\n7 8 9\n", "1", "k-junk.txt:2:")
ktext("k-junk2.txt", "1 2 3\n4 5 6)\n7 8 9\n", "1", "k-junk2.txt:2:")
ktext("k-nan.txt", "1 nan\n1 1\n", "1", "nan")
ktext("k-inf.txt", "1 inf\n1 1\n", "1", "inf")
ktext("k-neginf.txt", "1 -infinity\n1 1\n", "1", "inf")
ktext("k-1e999.txt", "1e999 1\n1 1\n", "1", "large|range|overflow")
ktext("k-1e-999.txt", "1e-999 1\n1 1\n", "0|1", "small|range|underflow")
ktext("k-hex.txt", "0x1p-2 0x1p-1\n1 1\n", "1", "hex")
ktext("k-hexint.txt", "0x10 1\n1 1\n", "1", "hex")
# "0,25 0,5 0,25" with a decimal comma reads as six values 0 25 0 5 0 25 today;
# a comma between digits in a row that also uses spaces is refused.
ktext("k-decimal-comma.txt", "0,25 0,5 0,25\n0,5 1,5 0,5\n0,25 0,5 0,25\n", "1", "comma|decimal",
      "a decimal comma (0,25 0,5 0,25 would be read as 6 values)")
ktext("k-decimal-comma-ragged.txt", "0,25 0,5 0,25\n0,5 1 0,5\n0,25 0,5 0,25\n", "1",
      "decimal comma", "a decimal comma (also ragged rows)")
ktext("k-ragged.txt", "1 2 3\n4 5\n6 7 8\n", "1", "k-ragged.txt:2:")
ktext("k-ragged-long.txt", "1 2\n3 4 5\n", "1", "k-ragged-long.txt:2:")
ktext("k-bom.txt", b"\xef\xbb\xbf0 -1 0\n-1 5 -1\n0 -1 0\n", "0", note="a UTF-8 BOM: skipped")
ktext("k-crlf.txt", b"0 -1 0\r\n-1 5 -1\r\n0 -1 0\r\n", "0", note="CRLF line ends")
ktext("k-cr.txt", b"0 -1 0\r-1 5 -1\r0 -1 0\r", "0|1", "k-cr.txt", "old Mac CR line ends")
ktext("k-nul.txt", b"1 2\n3\x004\n", "1", "nul")
ktext("k-nul-end.txt", b"1 2\n3 4\n\x00", "1", "nul")
ktext("k-utf16.txt", "1 2\n3 4\n".encode("utf-16"), "1", "k-utf16.txt")
ktext("k-binary.txt", bytes(range(256)) * 4, "1", "k-binary.txt")
ktext("k-sign.txt", "1 - 2\n3 4 5\n", "1", "k-sign.txt")
ktext("k-plusplus.txt", "++1 2\n3 4\n", "1", "k-plusplus.txt")
ktext("k-frac0.txt", "1/0 1\n1 1\n", "1", "k-frac0.txt")
ktext("k-longline.txt", " ".join(["1"] * 2000) + "\n", "1", "large|limit|1024|k-longline",
      "one row of 2000 values")
big = "\n".join(" ".join(["0"] * 2000) for _ in range(2000)) + "\n"
ktext("k-2000.txt", big, "1", "large|limit|1024", "a 2000x2000 kernel")
ktext("k-longtoken.txt", "1" * 100000 + " 1\n1 1\n", "1", "large|range|k-longtoken", "a 100000-digit number")
ktext("k-zero-sum.txt", "1 -1\n-1 1\n", "0", note="zero sum, no --normalize: fine")
np.save(os.path.join(OUT, "k-nan.npy"), np.array([[1, np.nan], [1, 1]], np.float32))
rows.append(("kernel", "k-nan.npy", "1", "nan|finite", "a .npy kernel with a NaN"))
np.save(os.path.join(OUT, "k-big.npy"), np.zeros((2000, 2000), np.float32))
rows.append(("kernel", "k-big.npy", "1", "large|limit|1024", "a 2000x2000 .npy kernel"))
np.save(os.path.join(OUT, "k-int.npy"), np.ones((3, 3), np.int64))
rows.append(("kernel", "k-int.npy", "0|1", "unsupported|dtype|type|float32", "an int64 .npy kernel"))
case("kernel", "k-empty.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }"), "1",
     "empty|0|corrupt")
case("kernel", "k-trunc.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", bytes(8)),
     "1", "truncated|corrupt")
case("kernel", "k-bad.mat", b"3 3\n1 2 3\n4 5 6\n", "1", "k-bad.mat", "a libvips .mat with a missing row")
case("kernel", "k-neg.mat", b"-3 3\n1 2 3\n", "1", "k-neg.mat", "a .mat with a negative width")
case("kernel", "k-huge.mat", b"100000 100000\n1\n", "1", "large|limit|1024|k-huge.mat",
     "a .mat declaring 100000x100000")
case("kernel", "k-im.txt", b"3x3: 1,2,1 2,4\n", "1", "k-im.txt", "an ImageMagick kernel with values missing")
case("kernel", "k-im-huge.txt", b"5000x5000: 1\n", "1", "large|limit|1024|k-im-huge", "ImageMagick 5000x5000")
case("kernel", "k-bank-bad.txt", b"1 2\n3 4\n---\n1 2\n3\n", "1", "k-bank-bad.txt", "a bank whose 2nd kernel is ragged")

with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
    for row in rows:
        f.write("\t".join(row) + "\n")
print("%d cases in %s" % (len(rows), OUT))
