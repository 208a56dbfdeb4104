# Kernels from other tools: ImageMagick strings, libvips .mat, .npy kernels and
# kernel banks; `kernels show --as FORMAT` and reading the result back.

mknpy img.npy 'np.random.default_rng(5).random((2, 9, 11))'
convert -size 16x12 gradient:black-white -swirl 150 -colorspace gray -type grayscale \
    -depth 8 PNG8:gray.png

## Round trips: show --as X, read back, the same float32 values (compared as .npy bytes).
for k in blur sobel unsharp5 motion_blur sobel_xy kirsch; do
    ct kernels show --as npy "$k" >"ref-$k.npy"
    for fmt in convtool imagemagick npy; do
        file=$k.$fmt.txt
        [ "$fmt" = npy ] && file=$k.npy
        expect_exit 0 -- ct kernels show --as "$fmt" "$k"
        cp "$(last_stdout)" "$file"
        expect_exit 0 -- ct kernels show --as npy "./$file"
        expect_same_bytes "$(last_stdout)" "ref-$k.npy"
    done
done
for k in blur sobel unsharp5 motion_blur; do
    expect_exit 0 -- ct kernels show --as vips "$k"
    cp "$(last_stdout)" "$k.mat"
    expect_exit 0 -- ct kernels show --as npy "./$k.mat"
    expect_same_bytes "$(last_stdout)" "ref-$k.npy"
done
npy_shape ref-blur.npy '(3, 3)'
npy_shape ref-kirsch.npy '(8, 3, 3)'
npy_equals ref-blur.npy '[[1,2,1],[2,4,2],[1,2,1]]/np.float64(16)'
expect_eq "$(head -1 blur.mat)" "3 3 16 0" "blur as a .mat: scale 16 and whole numbers"
expect_exit 0 -- ct kernels show --as imagemagick blur sobel
expect_stdout_equals '3x3: 0.0625,0.125,0.0625 0.125,0.25,0.125 0.0625,0.125,0.0625; 3x3: 1,0,-1 2,0,-2 1,0,-1'
# the convtool text of a bank keeps its names and default combine
expect_exit 0 -- ct kernels show --as convtool sobel_xy
expect_stdout_contains 'combine: magnitude'
expect_stdout_contains 'name: sobel_y'
cp "$(last_stdout)" mybank.txt
expect_exit 0 -- ct kernels show ./mybank.txt
expect_stdout_contains 'mybank: a bank of 2 kernels, combine magnitude'

## An ImageMagick string and a .mat give exactly what the convtool kernel gives.
expect_exit 0 -- ct apply -k blur img.npy ref.npy
expect_exit 0 -- ct apply -k '3x3: 0.0625,0.125,0.0625 0.125,0.25,0.125 0.0625,0.125,0.0625' \
    img.npy im.npy
expect_same_bytes im.npy ref.npy
printf '3 3 16\n1 2 1\n2 4 2\n1 2 1\n' >blur16.mat
expect_exit 0 -- ct apply -k ./blur16.mat img.npy mat.npy
expect_same_bytes mat.npy ref.npy
printf '3x3:\n 1 2 1\n 2 4 2\n 1 2 1\n' >im_blur.txt   # an IM string in a file
expect_exit 0 -- ct apply -k ./im_blur.txt --scale 1/16 img.npy imf.npy
expect_same_bytes imf.npy ref.npy

## vips: out = sum/scale + offset, the offset in 0-255 units for 8-bit images.
printf '3 3 9 20\n1 1 1\n1 2 1\n1 1 0\n' >box.mat
expect_exit 0 -- ct apply -k ./box.mat -f npy gray.png box.npy
expect_py '
from numpy.lib.stride_tricks import sliding_window_view as win
import subprocess
raw = subprocess.run(["convert", ARGS[0], "-depth", "8", "gray:-"], capture_output=True).stdout
g = np.frombuffer(raw, np.uint8).reshape(12, 16).astype(np.float64)
m = np.array([[1, 1, 1], [1, 2, 1], [1, 1, 0]], np.float64)
p = np.pad(g, 1, mode="edge")
want = np.einsum("yxij,ij->yx", win(p, (3, 3)), m) / 9 + 20
got = np.load(ARGS[1])[0] * 255
assert np.abs(got - want).max() < 1e-3, np.abs(got - want).max()
' gray.png box.npy
if command -v vips >/dev/null; then
    # the real libvips, computing in float: the same numbers, borders included
    expect_exit 0 -- vips conv gray.png vips.v box.mat --precision float
    expect_exit 0 -- vips csvsave vips.v vips.csv
    expect_py '
v = np.loadtxt(ARGS[0], delimiter="\t", ndmin=2)
got = np.load(ARGS[1])[0] * 255
assert v.shape == got.shape, (v.shape, got.shape)
assert np.abs(got - v).max() < 1e-3, np.abs(got - v).max()
' vips.csv box.npy
else
    echo "vips not installed: the libvips comparison is skipped (numpy check done)"
fi

## ImageMagick itself: -morphology Correlate is convtool as written, Convolve is --flip,
## also with an origin off the centre (+0+1). 16-bit output keeps the comparison tight.
K='3x3+0+1: 0.1,0.2,0.05 0.1,0.25,0.05 0,0.15,0.1'
expect_exit 0 -- ct apply -k "$K" -f npy gray.png ct_corr.npy
expect_exit 0 -- ct apply -k "$K" --flip -f npy gray.png ct_conv.npy
convert gray.png -morphology Correlate "$K" -depth 16 -endian LSB gray:im_corr.raw
convert gray.png -morphology Convolve "$K" -depth 16 -endian LSB gray:im_conv.raw
for m in corr conv; do
    expect_py '
a = np.fromfile(ARGS[0], "<u2").astype(np.float64) / 65535
b = np.load(ARGS[1])[0].ravel()
assert a.shape == b.shape and np.abs(a - b).max() <= 1 / 65535, np.abs(a - b).max() * 65535
' "im_$m.raw" "ct_$m.npy"
done
expect_exit 0 -- ct kernels show "$K"
expect_stdout_contains 'k1: 5x3, sum 1'

## Banks in apply: the default combine, --combine overriding it, member names as suffixes.
P=gray.png
expect_exit 0 -- ct apply -k sobel_xy "$P" bank.png
expect_exit 0 -- ct apply -k sobel -k sobel_y --combine magnitude "$P" pair.png
expect_same_bytes bank.png pair.png
expect_exit 0 -- ct apply -k sobel_xy --combine separate --quiet "$P" sep.png
expect_file_exists sep-sobel.png
expect_file_exists sep-sobel_y.png
expect_file_absent sep.png
expect_exit 0 -- ct apply -k kirsch --scale 1/15 "$P" kirsch.png
expect_exit 0 -- ct apply -k "3x3@: 5,5,5 -3,0,-3 -3,-3,-3" --combine max --scale 1/15 "$P" \
    kirsch_im.png
expect_same_bytes kirsch.png kirsch_im.png
# an IM list and a 3-D .npy are banks without a default: separate, named k1.. and STEM_1..
expect_exit 0 -- ct apply -k '2x1: 1 -1; 1x2: 1 -1' -f npy img.npy l.npy
expect_file_exists l-k1.npy
expect_file_exists l-k2.npy
expect_exit 0 -- ct apply -k ./ref-sobel_xy.npy -f npy img.npy s.npy
expect_file_exists s-ref-sobel_xy_1.npy
expect_file_exists s-ref-sobel_xy_2.npy
# a bank of the user's, found through --kernels-dir like any named kernel
mkdir kd
printf 'combine: sum\n---\nname: left\n1 -1\n---\nname: right\n-1 1\n' >kd/pair.txt
expect_exit 0 -- ct apply --kernels-dir kd -k pair -f npy img.npy sum.npy
expect_py 'assert np.abs(np.load(ARGS[0])).max() < 1e-6' sum.npy
expect_exit 0 -- ct kernels --kernels-dir kd
expect_stdout_contains 'bank of 2, sum'
expect_exit 2 -- ct apply -k sobel_xy -k kirsch "$P" x.png
expect_error_prefix
expect_stderr_contains 'different default combines'
expect_file_absent x.png
expect_exit 0 -- ct kernels
expect_stdout_contains 'bank of 8, max'
# shape takes a bank whose kernels share one size
expect_exit 0 -- ct shape 28x28 -k sobel_xy -p 0
expect_stdout_contains '26x26'

## Errors: FILE:LINE:COLUMN for files (exit 1), the -k text and column inline (exit 2).
printf '3x3: 1 2 3\n 4 5 6\n 7 8 x\n' >bad_im.txt
expect_exit 1 -- ct apply -k ./bad_im.txt "$P" o.png
expect_stderr_contains './bad_im.txt:3:6: cannot read "x" as a number'
printf '3 2 1\n1 2 3\n4 5\n' >bad.mat
expect_exit 1 -- ct apply -k ./bad.mat "$P" o.png
expect_stderr_contains './bad.mat:3:1: row 2 has 2 values but the header says 3'
printf 'combine: max\n---\n1 2\n---\nname: b\n1 2\n3\n' >bad_bank.txt
expect_exit 1 -- ct kernels show ./bad_bank.txt
expect_stderr_contains './bad_bank.txt:7:1: row 2 has 1 value but row 1 has 2'
printf '1 2\n---\n3 4\n' >bad_head.txt
expect_exit 1 -- ct kernels show ./bad_head.txt
expect_stderr_contains './bad_head.txt:1:1: a value before the first "---" line'
mknpy nan.npy '[[1, np.nan]]'
expect_exit 1 -- ct apply -k ./nan.npy "$P" o.png
expect_stderr_contains './nan.npy: value [0, 1] is nan; kernels must be finite'
mknpy big.npy 'np.zeros((2, 2, 2, 2, 2))'
expect_exit 1 -- ct apply -k ./big.npy "$P" o.png
expect_stderr_contains 'float32 or float64 of shape (H, W), (K, H, W) or a weight (O, C/groups, kH, kW)'
expect_exit 2 -- ct apply -k '3x3: 1 2 3 4' "$P" o.png
expect_error_prefix
expect_stderr_contains "-k '3x3: 1 2 3 4': column 1: a 3x3 kernel needs 9 values, got 4"
expect_exit 2 -- ct apply -k '2x2+5+0: 1 2 3 4' "$P" o.png
expect_stderr_contains 'origin +X+Y must lie inside the 2x2 kernel'
expect_file_absent o.png
expect_no_temp .
expect_exit 2 -- ct kernels show --as vips sobel_xy
expect_stderr_contains 'a .mat file holds one kernel, not 2'
expect_stdout_empty
expect_exit 2 -- ct kernels show --as npy motion_blur blur
expect_stderr_contains 'differ in size'
expect_exit 2 -- ct kernels show --as bmp blur
expect_stderr_contains "--as 'bmp': unknown format"
expect_exit 2 -- ct kernels list --as npy
expect_error_prefix
# .npy is binary: never to a terminal
if command -v script >/dev/null; then
    expect_exit 2 -- script -qec "$CONVTOOL kernels show --as npy blur" /dev/null
    expect_stdout_contains 'refusing to write NPY data to a terminal'
fi
# the offset has no place in an ImageMagick string or a .npy: a warning says so
printf 'offset: 0.5\n1\n' >off.txt
expect_exit 0 -- ct kernels show --as imagemagick ./off.txt
expect_stderr_contains 'offset 0.5 cannot be written as imagemagick'
expect_exit 0 -- ct kernels show --as vips ./off.txt
expect_stdout_equals '1 1 1 127.5
1'

# Binary to any terminal name is refused, not only stdout: /dev/stderr, /dev/tty.
if command -v script >/dev/null; then
    expect_exit 0 -- script -qec "$CONVTOOL apply -k blur -f png $(sample_photo) /dev/stderr; echo rc=\$?; $CONVTOOL apply -k blur -f png $(sample_photo) /dev/tty; echo rc=\$?" /dev/null
    expect_stdout_contains 'refusing to write PNG data to a terminal'
    expect_eq "$(grep -c 'rc=2' "$OUT")" 2 "both terminal names refused with exit 2"
fi
