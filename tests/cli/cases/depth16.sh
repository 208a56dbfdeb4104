# Issue 12, bit depth: a 16-bit PNG in gives a 16-bit PNG out whose samples are
# round(clamp(v, 0, 1) · 65535) of a numpy reference (±1 level), gray and RGB,
# alpha carried at 16 bits; --depth 8|16 chooses; JPEG/BMP/TGA stay 8-bit
# (--depth 16 with them is a usage error); the fused and the float path, and
# any -j, give the same bytes; batches choose per input and report it.

# Full 16-bit precision: IM's gradients, plus a ramp across so no row is constant.
convert -size 41x29 gradient:'#0123ff' -rotate 90 -resize 41x29! \( -size 41x29 gradient:black-white \) \
    -compose plus -composite -depth 16 PNG48:rgb16.png
convert rgb16.png -colorspace Gray -depth 16 gray16.png
convert rgb16.png \( -size 41x29 gradient:white-'#101010' \) -alpha off -compose copy_opacity \
    -composite -depth 16 PNG64:rgba16.png
expect_eq "$(png_bitdepth rgb16.png)" 16 "generated RGB PNG"
expect_eq "$(png_bitdepth gray16.png)" 16 "generated gray PNG"
expect_eq "$(png_channels gray16.png)" 1 "generated gray PNG"
expect_eq "$(png_channels rgba16.png)" 4 "generated RGBA PNG"

# Raw big-endian samples, as numpy arrays H×W×C of s/65535.
raw16() { convert "$1" -depth 16 -endian MSB "$2:$3"; }
raw16 rgb16.png rgb rgb16.raw
raw16 gray16.png gray gray16.raw

kernel="1 2 -1; 0 3 1; -2 1 1"
check_against_numpy() { # check_against_numpy IN.raw CHANNELS OUT.png
    raw16 "$3" "$([ "$2" = 1 ] && echo gray || echo rgb)" "$3.raw"
    expect_py '
k = np.array([[1, 2, -1], [0, 3, 1], [-2, 1, 1]], np.float64) / 5
c = int(ARGS[1])
x = np.frombuffer(open(ARGS[0], "rb").read(), ">u2").reshape(29, 41, c).astype(np.float64) / 65535
p = np.pad(x, ((1, 1), (1, 1), (0, 0)))
v = sum(k[i, j] * p[i:i + 29, j:j + 41] for i in range(3) for j in range(3))
want = np.round(np.clip(v, 0, 1) * 65535)
got = np.frombuffer(open(ARGS[2], "rb").read(), ">u2").reshape(29, 41, c).astype(np.float64)
d = np.abs(got - want)
assert d.max() <= 1, ("differs from numpy by", d.max(), "levels of 65535")
assert (got % 257 != 0).any(), "the output has 8-bit precision only"
assert 0 < (want > 0).mean() and (want < 65535).any(), "the check saw only clipped values"
' "$1" "$2" "$3.raw"
}

for img in gray16 rgb16; do
    c=$([ $img = gray16 ] && echo 1 || echo 3)
    expect_exit 0 -- ct apply -k "$kernel" --scale 0.2 -p 1 -m zeros "$img.png" "$img-out.png"
    expect_eq "$(png_bitdepth "$img-out.png")" 16 "$img: output depth"
    expect_eq "$(png_channels "$img-out.png")" "$c" "$img: output channels"
    check_against_numpy "$img.raw" "$c" "$img-out.png"
    # the float path (CONVTOOL_FUSED=0) and other thread counts: the same bytes
    CONVTOOL_FUSED=0 expect_exit 0 -- ct apply -k "$kernel" --scale 0.2 -p 1 -m zeros \
        "$img.png" "$img-float.png"
    expect_same_bytes "$img-out.png" "$img-float.png"
    for j in 1 2 3; do
        expect_exit 0 -- ct apply -j $j -k "$kernel" --scale 0.2 -p 1 -m zeros "$img.png" "$img-j$j.png"
        expect_same_bytes "$img-out.png" "$img-j$j.png"
    done
    # --depth 8: 8 bits, the values of the 8-bit rule
    expect_exit 0 -- ct apply --depth 8 -k "$kernel" --scale 0.2 -p 1 -m zeros "$img.png" "$img-8.png"
    expect_eq "$(png_bitdepth "$img-8.png")" 8 "$img --depth 8"
done

# Every map on the fused path (normalize too, with its bounds pass) equals the float path
# at 16 bits.
for map in clamp abs shift normalize; do
    expect_exit 0 -- ct apply -k sobel --map $map rgb16.png "map-$map.png"
    CONVTOOL_FUSED=0 expect_exit 0 -- ct apply -k sobel --map $map rgb16.png "map-$map-float.png"
    expect_same_bytes "map-$map.png" "map-$map-float.png"
done
expect_eq "$(png_bitdepth map-normalize.png)" 16 "--map normalize output depth"

# Alpha is carried whole: 16-bit in, the same 16-bit samples out (a 1x1 kernel keeps the size).
expect_exit 0 -- ct apply -k blur rgba16.png rgba-out.png
expect_eq "$(png_bitdepth rgba-out.png)" 16 "RGBA output depth"
expect_eq "$(png_channels rgba-out.png)" 4 "RGBA output channels"
raw16 rgba16.png rgba rgba16.raw
raw16 rgba-out.png rgba rgba-out.raw
expect_py '
a = np.frombuffer(open("rgba16.raw", "rb").read(), ">u2").reshape(29, 41, 4)[:, :, 3]
b = np.frombuffer(open("rgba-out.raw", "rb").read(), ">u2").reshape(29, 41, 4)[:, :, 3]
assert (a == b).all(), "alpha changed"
assert (a % 257 != 0).any(), "the test alpha has 8-bit precision only"'

# 8-bit in stays 8-bit; --depth 16 widens it; a .npy goes to 8 bits unless asked.
convert rgb16.png -depth 8 rgb8.png
expect_exit 0 -- ct apply -k blur rgb8.png rgb8-out.png
expect_eq "$(png_bitdepth rgb8-out.png)" 8 "8-bit input"
expect_exit 0 -- ct apply -k blur --depth 16 rgb8.png rgb8-16.png
expect_eq "$(png_bitdepth rgb8-16.png)" 16 "8-bit input, --depth 16"
mknpy t.npy 'np.linspace(0, 1, 60).reshape(1, 6, 10)'
expect_exit 0 -- ct apply -k identity t.npy t.png
expect_eq "$(png_bitdepth t.png)" 8 ".npy input"
expect_exit 0 -- ct apply -k identity --depth 16 t.npy t16.png
expect_eq "$(png_bitdepth t16.png)" 16 ".npy input, --depth 16"
raw16 t16.png gray t16.raw
expect_py '
got = np.frombuffer(open("t16.raw", "rb").read(), ">u2").reshape(6, 10)
want = np.round(np.linspace(0, 1, 60).astype(np.float32).astype(np.float64) * 65535).reshape(6, 10)
assert np.abs(got - want).max() <= 1, np.abs(got - want).max()'

# 16-bit to the 8-bit formats: 8 bits, no error; --depth 16 there is a usage error.
for ext in jpg bmp tga; do
    expect_exit 0 -- ct apply -k blur rgb16.png "to.$ext"
    expect_eq "$(identify -format '%z' "to.$ext")" 8 "16-bit input to .$ext"
    expect_exit 2 -- ct apply -k blur --depth 16 rgb16.png "no.$ext"
    expect_stderr_contains "--depth 16"
    expect_stderr_contains "no.$ext"
    expect_file_absent "no.$ext"
done
expect_exit 2 -- ct apply -k blur --depth 16 rgb16.png no.npy
expect_stderr_contains "float"
expect_exit 2 -- ct apply -k blur --depth 12 rgb16.png no.png
expect_stderr_contains "--depth '12'"
expect_file_absent no.png

# --verbose says what was chosen and why.
expect_exit 0 -- ct apply -v -k blur rgb16.png v.png
expect_stderr_contains "v.png: 16-bit (as rgb16.png)"
expect_exit 0 -- ct apply -v --depth 8 -k blur rgb16.png v8.png
expect_stderr_contains "v8.png: 8-bit (--depth 8)"

# Batches choose per input, and --report records the depth.
mkdir -p in
cp rgb16.png in/a.png
cp rgb8.png in/b.png
expect_exit 0 -- ct apply -k blur -o out --report report.jsonl in/a.png in/b.png
expect_eq "$(png_bitdepth out/a.png)" 16 "batch: 16-bit input"
expect_eq "$(png_bitdepth out/b.png)" 8 "batch: 8-bit input"
expect_py '
lines = [json.loads(l) for l in open("report.jsonl")]
depth = {l["input"]: l["depth"] for l in lines}
assert depth == {"in/a.png": 16, "in/b.png": 8}, depth'
