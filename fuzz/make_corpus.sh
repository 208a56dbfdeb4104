#!/usr/bin/env bash
# Writes seed inputs for the fuzz targets into OUT/kernel, OUT/image, OUT/cli, OUT/pipeline,
# OUT/metadata, OUT/png_stream and
# OUT/strip (default: build-fuzz/seeds). fuzz/run.sh merges them, with
# what the fuzzers find, into the small committed corpus fuzz/corpus/TARGET.
#   kernel:   the kernels/ library, inline matrices, nested lists, BOM/CRLF, near misses
#   image:    tiny PNGs and JPEGs of every kind ImageMagick makes, .npy arrays, and the
#             outputs of our own binary (CONVTOOL=path/to/convtool, optional)
#   cli:      argument lists, one argument per NUL-terminated string
#   pipeline: byte strings covering each padding kind and mode (see fuzz_pipeline.c)
#   png_stream: the image PNGs, and hand-made ones with every filter and IDAT layout
#   strip:    byte strings covering each padding kind, mode, method, depth, map and strip
#             heights 1, 2, 3, 7 and whole (see fuzz_strip.c)
# Needs ImageMagick's convert and Debian's python3-numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-fuzz/seeds}
python=/usr/bin/python3
mkdir -p "$out"/{kernel,image,cli,pipeline,metadata,strip}

# ---- kernel
cp kernels/*.txt "$out/kernel/"
k=0
kernel() { printf '%b' "$1" >"$out/kernel/inline$((k += 1))"; }
kernel '0 -1 0; -1 5 -1; 0 -1 0'
kernel '[[1,0,-1],[2,0,-2],[1,0,-1]]'
kernel '[[ 0.5, -1.25e-3 ], [ 1/16, 5. ]]'
kernel 'scale: 1/16\noffset: 0.5\n1 2 1\n2 4 2\n1 2 1\n'
kernel '\xef\xbb\xbf# BOM and CRLF\r\n1,2,1\r\n2,4,2\r\n1,2,1\r\n'
kernel 'description: tabs\n1\t2\n3\t4\n'
kernel '1/16'
kernel '-0.5e+2'
kernel '1 2 3; 4 5'
kernel 'nan 1; 2 3'
kernel '1e999'
kernel '0x1p3'
kernel '1,5 2,5'
kernel 'tensor([[1., 2.], [3., 4.]])'
kernel '1 2 1 # comment\n; ;\n'
kernel 'scale: 0\noffset: -1/0\n1\n'
kernel 'description: \x00nul\n1 2\n'
kernel '3x3: 1,2,1 2,4,2 1,2,1'
kernel '3x1: 1,2,1; 1x3: 1,2,1'
kernel '3x3@: 5,5,5 -3,0,-3 -3,-3,-3'
kernel '3 3 16 0\n1 2 1\n2 4 2\n1 2 1\n'
kernel 'description: bank\ncombine: max\n---\nname: a\n1 0 -1\n---\nname: b\n1; 0; -1\n'
"$python" - "$out/kernel" <<'PY'
import sys, numpy as np
d = sys.argv[1]
np.save(f"{d}/k33.npy", np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32) / 16)
np.save(f"{d}/bank.npy", np.stack([np.eye(3), -np.eye(3)]))
PY

# ---- image
img=$out/image
# ImageMagick without its date chunks, so the seeds are the same bytes on every run.
convert() { command convert "${@:1:$#-1}" -strip "${@: -1}"; }
convert -size 8x6 gradient:black-white -depth 8 "$img/gray8.png"
convert -size 8x6 gradient:black-white -depth 16 "$img/gray16.png"
convert -size 7x5 plasma:fractal -seed 1 "$img/rgb.png" 2>/dev/null ||
  convert -size 7x5 gradient:red-blue "$img/rgb.png"
convert -size 7x5 gradient:red-blue -depth 16 "$img/rgb16.png"
convert -size 6x6 gradient:red-blue -alpha set -channel A -evaluate set 50% +channel "$img/rgba.png"
convert -size 6x6 gradient:black-white -alpha set -channel A -evaluate set 30% +channel \
  -colorspace gray "PNG32:$img/ga_tmp.png" && convert "$img/ga_tmp.png" "PNG8:$img/palette_trns.png"
rm -f "$img/ga_tmp.png"
convert -size 9x4 gradient:red-blue -colors 5 "PNG8:$img/palette.png"
for d in 1 2 4; do convert -size 9x3 gradient:black-white -depth $d "$img/gray$d.png"; done
convert -size 9x9 gradient:green-yellow -interlace PNG "$img/interlaced.png"
convert -size 1x1 xc:red "$img/one.png"
convert -size 8x8 gradient:black-white -colorspace gray -quality 80 "$img/gray.jpg"
convert -size 16x8 gradient:red-blue -quality 75 "$img/rgb.jpg"
convert -size 16x16 gradient:red-blue -quality 70 -interlace JPEG "$img/progressive.jpg"
convert -size 16x8 gradient:red-blue -sampling-factor 2x2 -quality 60 "$img/subsampled.jpg"
convert -size 8x8 gradient:cyan-yellow -colorspace CMYK "$img/cmyk.jpg"
"$python" - "$img" <<'PY'
import sys, numpy as np
d = sys.argv[1]
np.save(f"{d}/f32_hw.npy", np.arange(12, dtype=np.float32).reshape(3, 4) / 11)
np.save(f"{d}/f64_chw.npy", np.linspace(-1, 2, 2 * 3 * 4).reshape(2, 3, 4))
np.save(f"{d}/f32_be.npy", np.ones((2, 2), dtype=">f4"))
np.save(f"{d}/f32_fortran.npy", np.asfortranarray(np.eye(3, dtype=np.float32)))
np.save(f"{d}/f32_c5.npy", np.zeros((5, 2, 2), dtype=np.float32))
PY
if [[ -n ${CONVTOOL:-} ]]; then # our own encoder's output
  "$CONVTOOL" apply -k blur "$img/rgb.png" "$img/ours.png"
  "$CONVTOOL" apply -k sharpen -q 50 "$img/rgb.png" "$img/ours.jpg"
  "$CONVTOOL" apply -k sobel -p 0 "$img/gray8.png" "$img/ours.npy"
fi

# ---- cli: each argument ends with a NUL
c=0
cli() { printf '%s\0' "$@" >"$out/cli/args$((c += 1))"; }
cli apply -k sharpen in.png out.png
cli apply -k blur -s 2 -p 1 -m reflect in.jpg out.jpg
cli apply -k sobel -k sobel_y --combine magnitude --gray in.png e.png
cli apply -v --strip all -k 1 in.jpg out.png
cli apply --no-autorotate --strip -k sharpen --report - in.jpg out.bmp
cli apply -k sobel -k sobel_y ga.png e.png
cli apply -k "0 -1 0; -1 5 -1; 0 -1 0" -q 95 --map abs in.png o.bmp
cli apply -k ./k.txt --flip --normalize --scale 1/2 --bias 0.1 --show-kernel in.png o.tga
cli apply -k edge --kernels-dir kdir -d 2 -m circular -j 3 in.npy o.npy
cli apply -k top_edge --alpha filter --map shift -f png ga.png -
cli apply -k laplacian --alpha drop --map normalize -o outdir in.png ga.png in.jpg
cli apply -k box3 -k gaussian5 --combine stack in.png s.npy
cli apply -k 2 --max-pixels 10 in.png o.png
cli apply -k identity -p 2,1 -m symmetric -s 2,3 --quiet in.png o.hdr
cli apply -k blur -j 0 in.png o.png
cli apply --bogus in.png
cli apply --help
cli shape 28x28 -k 3 -p 0
cli shape 352x352x3 -k 3 -s 2 -p 1 --explain
cli shape in.png in.jpg in.npy -k sobel --json
cli shape 2x2 -k 5x3 -p valid -d 3
cli shape --help
cli kernels
cli kernels show sobel blur k.txt "1 2; 3 4"
cli kernels --kernels-dir kdir list
cli --version
cli --help
cli frobnicate

# ---- pipeline: C H W kh kw sy sx dy dx padkind pady padx mode bias, then taps and pixels
"$python" - "$out/pipeline" <<'PY'
import sys, random
d = sys.argv[1]
rng = random.Random(4)
n = 0
for kind in range(3):
    for mode in range(5):
        for _ in range(2):
            head = [rng.randrange(256) for _ in range(14)]
            head[9], head[13 - 0] = kind, rng.randrange(256)
            head[12] = mode
            body = [rng.randrange(256) for _ in range(rng.randrange(16, 600))]
            n += 1
            open(f"{d}/p{n:02d}", "wb").write(bytes(head + body))
PY
# ---- strip: the fields in fuzz_strip.c's reading order, each byte chosen so that it reads
# as the value wanted; samples come from the target's generator.
"$python" - "$out/strip" <<'PY'
import sys, random
d = sys.argv[1]
rng = random.Random(14)
def seed(n, depth16, out16, rank1, scalar, ragged, jpeg, method, c, w, h, kind, mode, strip):
    b = [depth16 | out16 << 1 | rank1 << 2 | scalar << 3 | ragged << 4 | jpeg << 5 | method << 6,
         c - 1, w - 1, h - 1]
    luma = c >= 3 and rng.random() < 0.4
    if c >= 3:
        b.append(0 if luma else 1)
    b.append(0)                                  # in_channel
    ch = 1 if luma else c
    if not luma:
        b.append(ch - 1)                         # channels: all
    out_c = rng.randint(ch, 4)
    b += [out_c - ch, rng.randint(0, out_c - ch), rng.randrange(3)]  # out channels, offset, map
    b += [rng.randrange(4) if rng.random() < 0.5 else 0 for _ in range(2)]  # strides 1-4
    b += [rng.randrange(3) if rng.random() < 0.3 else 0 for _ in range(2)]  # dilations 1-3
    b += [kind, rng.randrange(9), rng.randrange(9), mode]
    b += [rng.randrange(9), strip, rng.randrange(256), rng.randrange(8), rng.randrange(100)]
    kh, kw = rng.randint(1, 7), rng.randint(1, 7)
    b += [kh - 1, kw - 1] + [rng.randrange(256) for _ in range(kh + kw if rank1 else kh * kw)]
    b += [rng.randrange(256) for _ in range(rng.randrange(0, 64))]
    open(f"{d}/s{n:03d}", "wb").write(bytes(b))
n = 0
for kind in range(3):
    for mode in range(5):
        for method in range(4):
            n += 1
            seed(n, n % 2, n // 2 % 2, method == 2, n % 3 == 0, n % 5 == 0, n % 4 == 1, method,
                 rng.randint(1, 4), rng.randint(1, 48), rng.randint(1, 48), kind, mode,
                 (0, 1, 2, 6, 255)[n % 5])
PY
# ---- metadata: small PNGs and JPEGs with every kind of metadata convtool carries (PIL,
# Debian's python3-pil): ICC (one and several APP2 markers), EXIF orientations, density,
# text (tEXt, zTXt, iTXt), comments, XMP, sRGB/gAMA/cHRM, an APNG, and near misses.
"$python" - "$out/metadata" <<'PY'
import io, struct, sys, zlib
from PIL import Image, PngImagePlugin
d = sys.argv[1]
im = Image.new("RGB", (3, 2), (200, 40, 90))
icc = b"\0\0\2\x30" + b"lcms" + bytes(range(256)) * 2
big_icc = bytes(i % 251 for i in range(70000))
def exif(o):
    e = Image.Exif(); e[0x0112] = o; e[0x010F] = "Make"
    return e.tobytes()
for o in (1, 3, 6, 8):
    im.save(f"{d}/orient{o}.jpg", quality=90, exif=exif(o), dpi=(300, 300))
    im.save(f"{d}/orient{o}.png", exif=exif(o), dpi=(72, 72))
im.save(f"{d}/icc.jpg", icc_profile=icc, comment=b"a comment")
im.save(f"{d}/icc_split.jpg", icc_profile=big_icc)
info = PngImagePlugin.PngInfo()
info.add_text("Comment", "plain")
info.add_text("Author", "zipped", zip=True)
info.add_itxt("Title", "caf\u00e9", lang="fr", tkey="Titre")
info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
im.save(f"{d}/text.png", pnginfo=info, icc_profile=icc)
def chunk(t, body):
    return struct.pack(">I", len(body)) + t + body + struct.pack(">I", zlib.crc32(t + body))
raw = open(f"{d}/orient1.png", "rb").read()
head, rest = raw[:33], raw[33:]
open(f"{d}/colour.png", "wb").write(head + chunk(b"sRGB", b"\0") + chunk(b"gAMA", struct.pack(">I", 45455))
                                    + chunk(b"cHRM", bytes(range(32))) + rest)
open(f"{d}/apng.png", "wb").write(head + chunk(b"acTL", struct.pack(">II", 3, 0)) + rest)
open(f"{d}/badcrc.png", "wb").write(head + chunk(b"iCCP", b"n\0\0" + zlib.compress(icc))[:-1] + b"\0" + rest)
open(f"{d}/mpf.jpg", "wb").write(b"\xff\xd8\xff\xe2\0\x08MPF\0\0\0" + open(f"{d}/icc.jpg", "rb").read()[2:])
PY

# ---- png_stream: the image seeds' PNGs, and files of every filter type forced on every row,
# 8 and 16 bits, 1-4 channels, the image data in IDATs of 1, 7 bytes or one, with empty IDATs
# or a tEXt between them, and a zlib stream longer than the rows.
mkdir -p "$out/png_stream"
cp "$img"/*.png "$out/png_stream/"
"$python" - "$out/png_stream" <<'PY'
import struct, sys, zlib
d = sys.argv[1]
def chunk(t, body):
    return struct.pack(">I", len(body)) + t + body + struct.pack(">I", zlib.crc32(t + body))
def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c
def filtered(rows, bpp, f):
    out, prev = b"", bytes(len(rows[0]))
    for r in rows:
        o = bytearray([f])
        for i, x in enumerate(r):
            a = r[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
            o.append((x - p) & 255)
        out += bytes(o)
        prev = r
    return out
n = 0
for color, ch in ((0, 1), (4, 2), (2, 3), (6, 4)):
    for depth in (8, 16):
        for f in range(5):
            w, h = 3 + f, 2 + ch
            bpp = ch * depth // 8
            rows = [bytes((x * 37 + y * 11 + (x * y) % 7) & 255 for x in range(w * bpp)) for y in range(h)]
            z = zlib.compress(filtered(rows, bpp, f) + (b"extra" if f == 3 and ch == 1 else b""), 6)
            split = [len(z), 1, 7][(n // 2) % 3]
            ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
            body = b""
            for i in range(0, len(z), split):
                if i and n % 2:
                    body += chunk(b"IDAT", b"") if n % 4 == 1 else chunk(b"tEXt", b"k\0v")
                body += chunk(b"IDAT", z[i:i + split])
            n += 1
            open(f"{d}/filter{f}_c{ch}_d{depth}.png", "wb").write(
                b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + body + chunk(b"IEND", b""))
PY

echo "make_corpus: seeds in $out: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1)"
