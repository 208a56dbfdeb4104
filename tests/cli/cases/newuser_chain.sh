# Issue 11, items 2 and 6: what a new user trips on.
# --chain applies the kernels in turn into one output (float between the steps);
# --combine separate says which files it wrote; the clipping warning tells
# edge kernels (sum 0) from image kernels (sum 1) and advises each.

photo=$(sample_photo)
# -strip: no metadata, which a PNG output would carry and a .npy step cannot (issue 12)
convert "$photo" -strip -resize 97x61! rgb.png
convert rgb.png -alpha set -channel A -evaluate set 60% +channel -strip rgba.png

## --chain equals blur into .npy, then sharpen on that .npy: the same floats, the same PNG.
# (A .npy has no alpha: the route filters it at step 2, so RGBA compares with --alpha filter.)
for input in rgb.png rgba.png; do
    stem=${input%.png}
    alpha=keep
    [ "$input" = rgba.png ] && alpha=filter
    expect_exit 0 -- ct apply --chain --alpha $alpha -k blur -k sharpen "$input" "$stem-chain.npy"
    expect_exit 0 -- ct apply --chain --alpha $alpha -k blur -k sharpen "$input" "$stem-chain.png"
    expect_stderr_not_contains 'wrote'
    expect_exit 0 -- ct apply --alpha $alpha -k blur "$input" "$stem-step1.npy"
    expect_exit 0 -- ct apply -k sharpen "$stem-step1.npy" "$stem-step2.npy"
    expect_exit 0 -- ct apply -k sharpen "$stem-step1.npy" "$stem-step2.png"
    expect_same_bytes "$stem-chain.npy" "$stem-step2.npy"
    expect_same_bytes "$stem-chain.png" "$stem-step2.png"
    expect_file_absent "$stem-chain-blur.png"
    expect_file_absent "$stem-chain-sharpen.png"
done
# Alpha kept (the default) follows every step unfiltered; the colours are the route's.
expect_exit 0 -- ct apply --chain -k blur -k sharpen rgba.png keep-chain.npy
expect_py '
a, b = np.load(ARGS[0]), np.load(ARGS[1])
assert a.shape == b.shape == (4, 61, 97), (a.shape, b.shape)
assert np.array_equal(a[:3], b[:3])
assert np.ptp(a[3]) == 0 and abs(a[3, 0, 0] - 0.6) < 0.01, a[3, 0, 0]' keep-chain.npy rgba-step2.npy
# No 8-bit rounding between the steps: the PNG route in between differs.
expect_exit 0 -- ct apply -k blur rgb.png step1.png
expect_exit 0 -- ct apply -k sharpen step1.png via-png.png
expect_different_bytes rgb-chain.png via-png.png
# The fused 8-bit path does not run for --chain: forcing the float path changes nothing.
CONVTOOL_FUSED=0 expect_exit 0 -- ct apply --chain -k blur -k sharpen rgb.png float-chain.png
expect_same_bytes rgb-chain.png float-chain.png

## The geometry options apply at each step: stride 2 twice is a quarter of the size.
expect_exit 0 -- ct apply --chain -s 2 -p 0 -m zeros -k blur -k sharpen rgb.png strided.npy
npy_shape strided.npy '(3, 14, 23)'
expect_exit 0 -- ct apply -s 2 -p 0 -m zeros -k blur rgb.png s1.npy
expect_exit 0 -- ct apply -s 2 -p 0 -m zeros -k sharpen s1.npy s2.npy
expect_same_bytes strided.npy s2.npy

## Without padding, --chain is the composed kernel (the full convolution of the two).
mknpy x.npy 'np.random.default_rng(7).random((2, 12, 17))'
expect_exit 0 -- ct apply --chain -p 0 -k blur -k sharpen x.npy chained.npy
composed=$(py '
a = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16.0
b = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float)
c = np.zeros((5, 5))
for i in range(3):
    for j in range(3):
        c[i:i + 3, j:j + 3] += a[i, j] * b
print("; ".join(" ".join(repr(v) for v in row) for row in c))')
expect_exit 0 -- ct apply -p 0 -k "$composed" x.npy composed.npy
expect_py '
a, b = np.load(ARGS[0]), np.load(ARGS[1])
assert a.shape == b.shape == (2, 8, 13), (a.shape, b.shape)
assert np.allclose(a, b, atol=1e-5), np.abs(a - b).max()' chained.npy composed.npy

## A later step too small for the kernel: the error says which step and what size.
convert rgb.png -resize 6x5! small.png
expect_exit 2 -- ct apply --chain -p 0 -k box5 -k box5 small.png small-out.png
expect_stderr_contains '--chain step 2 (kernel box5) filters the 2x1 result of the steps before it'
expect_file_absent small-out.png

## --chain with one kernel is the same as without.
expect_exit 0 -- ct apply -k sharpen rgb.png one.png
expect_exit 0 -- ct apply --chain -k sharpen rgb.png one-chain.png
expect_same_bytes one.png one-chain.png

## A batch with --chain writes one file per input, each the single-file result.
cp rgba.png second.png
expect_exit 0 -- ct apply --chain -k blur -k sharpen -o out rgb.png second.png
expect_same_bytes out/rgb.png rgb-chain.png
expect_same_bytes out/second.png rgba-chain.png
expect_eq "$(ls out | wc -l)" 2 "files of a --chain batch"
expect_exit 0 -- ct apply --chain -k blur -k sharpen --name '{stem}_{kernel}.{ext}' -o named rgb.png
expect_file_exists 'named/rgb_blur+sharpen.png'

## Usage errors: --chain with --combine (either order), or with a bank that combines.
expect_exit 2 -- ct apply --chain --combine max -k blur -k sharpen rgb.png bad.png
expect_stderr_contains 'convtool: apply: --chain applies the kernels in turn into one image and --combine merges their separate results; give one of them'
expect_exit 2 -- ct apply --combine separate -k blur -k sharpen --chain rgb.png bad.png
expect_stderr_contains '--chain applies the kernels in turn'
expect_exit 2 -- ct apply --chain -k sobel_xy -k blur rgb.png bad.png
expect_stderr_contains '-k sobel_xy: a kernel bank whose results are combined into one; --chain cannot combine'
expect_file_absent bad.png

## Several kernels, separate: OUTPUT itself is not written, and one line says what was.
expect_exit 0 -- ct apply -k blur -k sharpen rgb.png sep.png
expect_stderr_contains 'convtool: wrote sep-blur.png and sep-sharpen.png (one file per kernel; --chain applies them in turn into sep.png, --combine merges them)'
expect_eq "$(wc -l <"$(last_stderr)")" 1 "lines on stderr for two separate outputs"
expect_file_absent sep.png
expect_exit 0 -- ct apply -k blur -k sharpen -k box3 rgb.png three.png
expect_stderr_contains 'convtool: wrote three-blur.png, three-sharpen.png and three-box3.png (one file'
expect_exit 0 -- ct apply -k blur -k sharpen -k box3 -k box5 -k gaussian5 rgb.png five.png
expect_stderr_contains 'convtool: wrote 5 files, five-blur.png to five-gaussian5.png (one file'
expect_exit 0 -- ct apply --quiet -k blur -k sharpen rgb.png quiet.png
expect_stderr_empty
expect_exit 0 -- ct apply -k blur -k sharpen -o sepdir rgb.png
expect_stderr_not_contains 'wrote'
expect_exit 0 -- ct apply -k blur -k sharpen --combine max rgb.png max.png
expect_stderr_not_contains 'wrote'

## Clipping: a sharpened photo clips its highlights by design; an edge image is not one.
photos=()
for p in "$SOURCE_DIR"/samples/*.png "$SOURCE_DIR"/../shared/samples/*.png; do
    [ -f "$p" ] && photos+=("$p")
done
[ ${#photos[@]} -gt 0 ] || photos=(rgb.png)
for p in "${photos[@]}"; do
    for fused in 1 0; do
        CONVTOOL_FUSED=$fused expect_exit 0 -- ct apply -k sharpen "$p" sharp.png
        expect_stderr_not_contains 'clipped'
        CONVTOOL_FUSED=$fused expect_exit 0 -- ct apply -k emboss "$p" emboss.png
        expect_stderr_not_contains 'clipped'
        CONVTOOL_FUSED=$fused expect_exit 0 -- ct apply -k sobel "$p" sobel.png
        expect_stderr_contains 'of the values fell outside [0,1] and were clipped; for edge kernels try --map abs or --map shift'
    done
done
coffee=
for p in "$SOURCE_DIR/samples/coffee.png" "$SOURCE_DIR/../shared/samples/coffee.png"; do
    [ -f "$p" ] && { coffee=$p; break; }
done
if [ -n "$coffee" ]; then
    # 10.8 % of coffee.png clips with sharpen: under the 25 % of sum-1 kernels.
    expect_exit 0 -- ct apply -k sharpen "$coffee" coffee-sharp.png
    expect_stderr_empty
    expect_exit 0 -- ct apply -k sobel "$coffee" coffee-sobel.png
    expect_stderr_contains 'convtool: warning: coffee-sobel.png: 50.8% of the values fell outside [0,1] and were clipped; for edge kernels try --map abs or --map shift'
    # A far stronger sharpen (sum 1) clips 30 %: the advice is about strength.
    expect_exit 0 -- ct apply -k '0 -4 0; -4 17 -4; 0 -4 0' "$coffee" coffee-strong.png
    expect_stderr_contains 'convtool: warning: coffee-strong.png: 30.4% of the values fell outside [0,1] and were clipped; to keep detail in shadows and highlights, lower the strength: --scale 0.5 --bias 0.25, or write .npy / HDR to keep the floats'
    expect_exit 0 -- ct apply -k '0 -4 0; -4 17 -4; 0 -4 0' --scale 0.5 --bias 0.25 "$coffee" coffee-soft.png
    expect_stderr_empty
    # A box that sums to 9: --normalize.
    expect_exit 0 -- ct apply -k '1 1 1; 1 1 1; 1 1 1' "$coffee" coffee-box.png
    expect_stderr_contains 'the kernel sums to 9 and brightens the image that much: --normalize divides it by its sum'
    # A chain of three sharpens is the composed kernel's strength (sum 1): 79 % clips.
    expect_exit 0 -- ct apply --chain -k sharpen -k sharpen -k sharpen "$coffee" coffee-3.png
    expect_stderr_contains 'to keep detail in shadows and highlights, lower the strength'
fi
# .npy and .hdr keep the floats: no clipping to warn about.
expect_exit 0 -- ct apply -k sobel rgb.png sobel.npy
expect_stderr_not_contains 'clipped'

## --max-memory counts a chain's steps at the sizes they reach (padding grows each step).
convert -size 8x8 xc:gray tiny8.png
expect_exit 1 -- ct apply --max-memory 100M -p 500 --chain -k 1 -k 1 -k 1 -k 1 -k 1 -k 1 -k 1 -k 1 tiny8.png big.npy
expect_stderr_contains "over the --max-memory limit"
expect_file_absent big.npy
