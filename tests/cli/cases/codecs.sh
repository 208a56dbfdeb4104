# The codecs: our PNG writer (every file read back exactly by ImageMagick and by a
# chunk-by-chunk check in Python; --png-level; the same bytes for any -j) and
# libjpeg-turbo against stb (CONVTOOL_JPEG_CODEC=stb) for reading and writing JPEG.

PHOTO=$(sample_photo)
convert "$PHOTO" -strip PNG24:photo.png
# 1200x800 RGB is 2.9 MB of rows: six strips of the parallel writer.
convert photo.png -resize 1200x800! -strip PNG24:big.png

# rgb FILE MAP: ImageMagick's decoding, as an (H, W, C) .npy next to FILE.
to_npy() {
    local f=$1 map=$2 size
    size=$(identify -format '%w %h' "$f") || return 1
    convert "$f" -depth 8 "$map:$f.raw" &&
        py "
w, h = map(int, ARGS[1].split())
a = np.fromfile(ARGS[0] + '.raw', np.uint8)
np.save(ARGS[0] + '.im.npy', a.reshape(h, w, -1))" "$f" "$size"
}

# png_exact PNG NPY MAP: the PNG holds round(clamp(v,0,1)*255) of convtool's own .npy result.
png_exact() {
    to_npy "$1" "$3" || { _count; _fail "ImageMagick cannot read $1"; return 1; }
    expect_py "
got = np.load(ARGS[0] + '.im.npy').astype(np.int64)
ref = np.load(ARGS[1])
ref = ref if ref.ndim == 3 else ref[None]
x = np.clip(ref, 0, 1).astype(np.float32) * np.float32(255)  # v*255 in float32, as in C
want = np.floor(x.astype(np.float64) + 0.5).astype(np.int64)      # then roundf
want = np.moveaxis(want, 0, -1)
assert got.shape == want.shape, (got.shape, want.shape)
assert (got == want).all(), '%d samples differ' % (got != want).sum()" "$1" "$2"
}

# png_structure PNG: chunk CRCs, IHDR, one zlib stream of exactly h*(w*c+1) bytes, filters 0-4.
png_structure() {
    expect_py "
import struct, zlib
b = open(ARGS[0], 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n'
at, types, idat = 8, [], b''
while at < len(b):
    n, = struct.unpack('>I', b[at:at + 4]); t = b[at + 4:at + 8]
    assert struct.unpack('>I', b[at + 8 + n:at + 12 + n])[0] == zlib.crc32(b[at + 4:at + 8 + n]), t
    if t == b'IDAT': idat += b[at + 8:at + 8 + n]
    types.append(t); at += 12 + n
assert at == len(b) and types[0] == b'IHDR' and types[-1] == b'IEND', types
w, h, depth, ctype = struct.unpack('>IIBB', b[16:26])
c = {0: 1, 4: 2, 2: 3, 6: 4}[ctype]
d = zlib.decompressobj(); raw = d.decompress(idat)
assert d.eof and not d.unused_data, 'stream does not end exactly'
assert depth == 8 and len(raw) == h * (w * c + 1), (len(raw), h, w, c)
assert max(raw[y * (w * c + 1)] for y in range(h)) <= 4" "$1"
}

## PNG: exact pixels at every level, several strips, readable by ImageMagick and zlib.
expect_exit 0 -- ct apply -k sharpen big.png ref.npy
for level in 1 2 3 9; do
    expect_exit 0 -- ct apply -k sharpen --png-level "$level" big.png "l$level.png" &&
        expect_stderr_empty
    png_structure "l$level.png"
    png_exact "l$level.png" ref.npy rgb
    expect_exit 0 -- identify -regard-warnings "l$level.png"
done
expect_exit 0 -- ct apply -k sharpen big.png default.png
expect_same_bytes default.png l2.png
# from level 3 up each strip keeps the smaller of zlib's and run-length coding
expect_py "import os; s = os.path.getsize; assert s('l9.png') <= s('l3.png') <= s('l2.png') < s('l1.png')"

## The same bytes for any thread count (strips are cut by size, not by threads).
for j in 1 3; do
    expect_exit 0 -- ct apply -k sharpen -j "$j" big.png "j$j.png"
    expect_same_bytes default.png "j$j.png"
done

## Gray, gray+alpha and RGBA outputs.
convert photo.png -alpha set -channel A -fx 'i/w' +channel -strip PNG32:rgba.png
expect_exit 0 -- ct apply -k blur --gray photo.png gray.png
expect_exit 0 -- ct apply -k blur --gray photo.png gray.npy
expect_eq "$(png_channels gray.png)" 1 "channels of gray.png"
png_structure gray.png
png_exact gray.png gray.npy gray
expect_exit 0 -- ct apply -k blur --alpha filter rgba.png rgba-out.png
expect_exit 0 -- ct apply -k blur --alpha filter rgba.png rgba-out.npy
expect_eq "$(png_channels rgba-out.png)" 4 "channels of rgba-out.png"
png_structure rgba-out.png
png_exact rgba-out.png rgba-out.npy rgba
expect_exit 0 -- ct apply -k blur --gray rgba.png ga.png
expect_eq "$(png_channels ga.png)" 2 "channels of ga.png"
png_structure ga.png

## --png-level is checked like every number.
for bad in 0 10 -1 x 2.5 ''; do
    expect_exit 2 -- ct apply -k blur --png-level "$bad" photo.png bad.png &&
        expect_stderr_contains "--png-level '$bad'"
    expect_file_absent bad.png
done

## JPEG: libjpeg-turbo (when built in) against stb, the built-in codec.
expect_exit 0 -- ct apply -k identity --gray photo.png g.jpg
CONVTOOL_JPEG_CODEC=stb expect_exit 0 -- ct apply -k identity --gray photo.png g-stb.jpg
# stb always writes three components; libjpeg-turbo writes gray as one.
expect_eq "$(identify -format '%[channels]' g-stb.jpg)" srgb "stb's gray JPEG"
if [ "$(identify -format '%[channels]' g.jpg)" = srgb ]; then
    echo "    libjpeg-turbo is not built in: its comparisons with stb are skipped"
else
    expect_eq "$(identify -format '%[channels]' g.jpg)" gray "libjpeg-turbo's gray JPEG"

    # Decoding: the same files read by both, within two levels on average.
    convert photo.png -quality 90 base420.jpg
    convert photo.png -quality 95 -sampling-factor 1x1 base444.jpg
    convert photo.png -quality 85 -interlace JPEG progressive.jpg
    convert photo.png -colorspace Gray -quality 90 gray.jpg
    for f in base420 base444 progressive gray; do
        expect_exit 0 -- ct apply -k identity "$f.jpg" "$f-tj.npy"
        CONVTOOL_JPEG_CODEC=stb expect_exit 0 -- ct apply -k identity "$f.jpg" "$f-stb.npy"
        expect_py "
a, b = np.load(ARGS[0]), np.load(ARGS[1])
assert a.shape == b.shape, (a.shape, b.shape)
d = np.abs(a.astype(np.float64) - b) * 255
assert d.mean() < 0.5 and d.max() <= 4.01, (d.mean(), d.max())" "$f-tj.npy" "$f-stb.npy"
    done
    npy_shape gray-tj.npy '(1, 300, 451)'
    # CMYK goes to stb in every build, so both give the same samples.
    convert photo.png -colorspace CMYK cmyk.jpg
    expect_exit 0 -- ct apply -k identity cmyk.jpg cmyk-tj.npy
    CONVTOOL_JPEG_CODEC=stb expect_exit 0 -- ct apply -k identity cmyk.jpg cmyk-stb.npy
    expect_same_bytes cmyk-tj.npy cmyk-stb.npy

    # Encoding: both keep the photo about equally well with the same chroma subsampling.
    # stb ties it to the quality (4:2:0 up to 90); libjpeg-turbo is asked for the same.
    for q in 75 90 95; do
        want=$([ "$q" -le 90 ] && echo 2x2,1x1,1x1 || echo 1x1,1x1,1x1)
        sampling=$([ "$q" -le 90 ] && echo 420 || echo 444)
        expect_exit 0 -- ct apply -k identity -q "$q" --sampling $sampling photo.png "q$q-tj.jpg"
        CONVTOOL_JPEG_CODEC=stb expect_exit 0 -- ct apply -k identity -q "$q" photo.png "q$q-stb.jpg"
        expect_eq "$(identify -format '%[jpeg:sampling-factor]' "q$q-tj.jpg")" "$want" "q$q tj"
        expect_eq "$(identify -format '%[jpeg:sampling-factor]' "q$q-stb.jpg")" "$want" "q$q stb"
        to_npy photo.png rgb && to_npy "q$q-tj.jpg" rgb && to_npy "q$q-stb.jpg" rgb
        expect_py "
src = np.load('photo.png.im.npy').astype(np.float64)
def psnr(f):
    d = np.load(f + '.im.npy').astype(np.float64) - src
    return 10 * np.log10(255.0 ** 2 / np.mean(d * d))
p, s = psnr(ARGS[0]), psnr(ARGS[1])
assert p > 30 and s > 30 and abs(p - s) < 1.0, (p, s)" "q$q-tj.jpg" "q$q-stb.jpg"
    done

    # A damaged scan (end marker kept) is refused, not decoded into grey blocks.
    size=$(stat -c %s base420.jpg)
    { head -c $((size / 2)) base420.jpg; tail -c 2 base420.jpg; } >damaged.jpg
    expect_exit 1 -- ct apply -k identity damaged.jpg damaged.png &&
        expect_stderr_contains "convtool: damaged.jpg:"
    expect_file_absent damaged.png
fi
