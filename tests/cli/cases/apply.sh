# convtool apply: formats, value model, options, batch, threads, kernel lookup.

PHOTO=$(sample_photo)
# A small RGB image keeps the many runs below fast; the photo is used where it matters.
convert "$PHOTO" -resize 64x43! -strip PNG24:small.png

# raw_bytes FILE MAP: the decoded 8-bit samples per ImageMagick (independent of stb).
raw_bytes() { convert "$1" -depth 8 "$2:-"; }
# png_gray_equals FILE 'list': the 8-bit samples of a 1-channel image.
png_gray_equals() {
    _count
    local got
    got=$(raw_bytes "$1" gray | od -An -tu1 -v | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
    if [ "$got" != "$2" ]; then
        _fail "$1: samples '$got', expected '$2'"
        return 1
    fi
}

## Output formats by extension (and --format).
for ext in png jpg JPG jpeg bmp tga hdr npy PNG; do
    expect_exit 0 -- ct apply -k blur small.png "out.$ext" && expect_stderr_empty
done
expect_magic out.png png
expect_magic out.PNG png
expect_magic out.jpg jpg
expect_magic out.JPG jpg
expect_magic out.jpeg jpg
expect_magic out.bmp bmp
expect_magic out.hdr hdr
expect_magic out.npy npy
for f in out.png out.jpg out.bmp out.tga out.hdr; do
    expect_eq "$(identify -format '%wx%h' "$f" 2>&1)" 64x43 "size of $f"
done
npy_shape out.npy '(3, 43, 64)'
expect_same_bytes out.png out.PNG
# --format overrides an unknown extension, and wins over a known one
expect_exit 0 -- ct apply -k blur -f png small.png out.data
expect_same_bytes out.png out.data
expect_exit 0 -- ct apply -k blur --format npy small.png fmt.png
expect_magic fmt.png npy
# stdout needs --format; stdin '-' is read as an input
expect_exit 0 -- ct apply -k blur -f png small.png -
cp "$OUT" stdout.png
expect_same_bytes out.png stdout.png
expect_exit 0 -- ct apply -k blur -f png - - <small.png
cp "$OUT" stdio.png
expect_same_bytes out.png stdio.png
expect_exit 0 -- ct apply -k blur --format=npy - - <small.png
cp "$OUT" stdio.npy
expect_same_bytes out.npy stdio.npy
expect_exit 0 -- ct apply -k blur - from-stdin.png <small.png
expect_same_bytes out.png from-stdin.png
expect_exit 0 -- ct apply -k blur -q 30 small.png q30.jpg
expect_different_bytes out.jpg q30.jpg

## Sharpen on the sample photo: an RGB PNG of the same size, different from the input.
expect_exit 0 -- ct apply -k sharpen "$PHOTO" sharp.png
expect_eq "$(png_channels sharp.png)" 3 "channels of sharp.png"
expect_eq "$(identify -format '%wx%h' sharp.png)" "$(identify -format '%wx%h' "$PHOTO")" "size of sharp.png"
expect_exit 0 -- ct apply -k identity "$PHOTO" ident.png
# identity with replicate padding gives the input back
expect_py 'import subprocess
def raw(f): return subprocess.run(["convert", f, "-depth", "8", "rgb:-"], capture_output=True, check=True).stdout
assert raw(ARGS[0]) == raw(ARGS[1]), "identity changed pixels"
assert raw(ARGS[0]) != raw(ARGS[2]), "sharpen did nothing"' "$PHOTO" ident.png sharp.png
# sharpen = identity + laplacian term, as numpy computes it (npy output, float)
expect_exit 0 -- ct apply -k sharpen small.png sharp.npy
expect_exit 0 -- ct apply -k identity small.png ident.npy
expect_py 'x = np.load("ident.npy").astype(np.float64); p = np.pad(x, ((0,0),(1,1),(1,1)), mode="edge")
ref = 5*p[:,1:-1,1:-1] - p[:,:-2,1:-1] - p[:,2:,1:-1] - p[:,1:-1,:-2] - p[:,1:-1,2:]
got = np.load("sharp.npy"); assert np.abs(got - ref).max() < 1e-5, np.abs(got - ref).max()'

## --gray: one luma channel, L = 0.299 R + 0.587 G + 0.114 B.
convert -size 1x1 xc:red xc:lime xc:blue +append PNG24:rgb3.png
expect_exit 0 -- ct apply -k identity --gray rgb3.png gray3.npy
npy_equals gray3.npy '[[[0.299, 0.587, 0.114]]]' 1e-6
expect_exit 0 -- ct apply -k blur --gray small.png gray.png
expect_eq "$(png_channels gray.png)" 1 "channels of --gray PNG"

## Alpha: keep / filter / drop on an RGBA image.
convert -size 9x7 gradient:red-blue \( -size 9x7 gradient:white-black -rotate 90 -resize 9x7! \) \
    -alpha off -compose copy_opacity -composite PNG32:rgba.png
expect_eq "$(png_channels rgba.png)" 4 "generated RGBA test image"
expect_exit 0 -- ct apply -k sharpen rgba.png keep.png && expect_eq "$(png_channels keep.png)" 4 "--alpha keep channels"
expect_exit 0 -- ct apply -k sharpen --alpha filter rgba.png filter.png && expect_eq "$(png_channels filter.png)" 4 "--alpha filter channels"
expect_exit 0 -- ct apply -k sharpen --alpha drop rgba.png drop.png && expect_eq "$(png_channels drop.png)" 3 "--alpha drop channels"
expect_exit 0 -- ct apply -k sharpen --gray rgba.png grayalpha.png && expect_eq "$(png_channels grayalpha.png)" 2 "--gray on RGBA channels"
expect_exit 0 -- ct apply -k blur rgba.png keep.npy && npy_shape keep.npy '(4, 7, 9)'
expect_exit 0 -- ct apply -k blur --alpha drop rgba.png drop.npy && npy_shape drop.npy '(3, 7, 9)'
expect_exit 0 -- ct apply -k blur --alpha filter rgba.png filter.npy && npy_shape filter.npy '(4, 7, 9)'
# keep: alpha is carried unchanged (stride 1, same padding); filter: alpha is blurred
raw_bytes rgba.png rgba >rgba.raw
expect_py 'a = np.frombuffer(open("rgba.raw","rb").read(), np.uint8).reshape(7, 9, 4)[:, :, 3] / 255.0
k = np.load("keep.npy"); f = np.load("filter.npy")
assert np.abs(k[3] - a).max() < 1e-6, "kept alpha differs from the input alpha"
assert np.abs(f[3] - a).max() > 1e-3, "filtered alpha equals the input alpha"'
# keep with stride 2: alpha follows the geometry (every other pixel)
expect_exit 0 -- ct apply -k blur -s 2 rgba.png keep2.npy && npy_shape keep2.npy '(4, 4, 5)'
expect_py 'a = np.frombuffer(open("rgba.raw","rb").read(), np.uint8).reshape(7, 9, 4)[:, :, 3] / 255.0
assert np.abs(np.load("keep2.npy")[3] - a[::2, ::2]).max() < 1e-6'

## Input kinds: 16-bit, palette, palette+tRNS, gray+alpha, interlaced, progressive and CMYK JPEG.
convert -size 16x12 gradient:black-white -depth 16 PNG48:g16.png
expect_eq "$(png_bitdepth g16.png)" 16 "generated 16-bit PNG"
expect_exit 0 -- ct apply -k identity g16.png g16.npy
convert g16.png -depth 16 -endian MSB rgb:g16.raw
expect_py 'ref = np.frombuffer(open("g16.raw","rb").read(), ">u2").reshape(12, 16, 3).transpose(2, 0, 1) / 65535.0
got = np.load("g16.npy"); assert got.shape[1:] == (12, 16), got.shape
assert np.abs(got - ref[:got.shape[0]]).max() < 1e-6, "16-bit samples are not s/65535"
assert (np.round(got * 65535) % 257 != 0).any(), "16-bit precision was lost"'
expect_exit 0 -- ct apply -k blur g16.png g16out.png && expect_eq "$(png_bitdepth g16out.png)" 16 "16-bit input comes out as 16-bit PNG (depth16.sh)"

convert small.png -colors 16 PNG8:pal.png
expect_exit 0 -- ct apply -k identity pal.png pal.npy
raw_bytes pal.png rgb >pal.raw
expect_py 'ref = np.frombuffer(open("pal.raw","rb").read(), np.uint8).reshape(43, 64, 3).transpose(2, 0, 1) / 255.0
got = np.load("pal.npy"); assert got.shape == (3, 43, 64), got.shape
assert np.abs(got - ref).max() < 1e-6'
convert -size 8x8 xc:red -fill blue -draw 'rectangle 0,0 3,3' -transparent blue PNG8:paltrns.png
expect_exit 0 -- ct apply -k identity paltrns.png paltrns.npy
expect_py 'got = np.load("paltrns.npy"); assert got.shape == (4, 8, 8), got.shape
assert (got[3, :4, :4] == 0).all() and (got[3, 4:, 4:] == 1).all(), got[3]'
convert -size 8x6 gradient:white-black \( -size 8x6 gradient:black-white \) -alpha off \
    -compose copy_opacity -composite -define png:color-type=4 ga.png
expect_eq "$(png_channels ga.png)" 2 "generated gray+alpha PNG"
expect_exit 0 -- ct apply -k blur ga.png ga-out.png && expect_eq "$(png_channels ga-out.png)" 2 "gray+alpha output channels"
expect_exit 0 -- ct apply -k blur ga.png ga.npy && npy_shape ga.npy '(2, 6, 8)'
convert small.png -interlace PNG interlaced.png
expect_exit 0 -- ct apply -k identity interlaced.png interlaced.npy
expect_same_bytes interlaced.npy ident.npy
convert small.png -quality 95 -interlace JPEG progressive.jpg
convert small.png -quality 95 baseline.jpg
expect_exit 0 -- ct apply -k identity progressive.jpg prog.npy && npy_shape prog.npy '(3, 43, 64)'
expect_exit 0 -- ct apply -k identity baseline.jpg base.npy
expect_py 'assert np.abs(np.load("prog.npy") - np.load("ident.npy")).mean() < 0.02'
convert small.png -colorspace CMYK cmyk.jpg
expect_exit 0 -- ct apply -k identity cmyk.jpg cmyk.npy && npy_shape cmyk.npy '(3, 43, 64)'
expect_py 'assert np.abs(np.load("cmyk.npy") - np.load("ident.npy")).mean() < 0.05, np.abs(np.load("cmyk.npy") - np.load("ident.npy")).mean()'

## --map modes on a tiny tensor (1x4), kernel "1" (1x1).
mknpy v.npy '[[-0.6, 0.2, 0.25, 1.5]]'
expect_exit 0 -- ct apply -k 1 v.npy clamp.png && png_gray_equals clamp.png '0 51 64 255'
expect_stderr_contains 'warning'
expect_exit 0 -- ct apply -k 1 --map abs v.npy abs.png && png_gray_equals abs.png '153 51 64 255'
expect_exit 0 -- ct apply -k 1 --map shift v.npy shift.png && png_gray_equals shift.png '51 153 159 255'
expect_exit 0 -- ct apply -k 1 --map normalize v.npy norm.png && png_gray_equals norm.png '0 97 103 255'
mknpy c.npy '[[0.3, 0.3, 0.3]]'
expect_exit 0 -- ct apply -k 1 --map normalize c.npy const.png && png_gray_equals const.png '0 0 0'
# npy output is written before mapping
expect_exit 0 -- ct apply -k 1 --map abs v.npy abs.npy && npy_equals abs.npy '[[-0.6, 0.2, 0.25, 1.5]]' 1e-7
# the clipping warning on an edge kernel, and --quiet
expect_exit 0 -- ct apply -k top_edge "$PHOTO" edge.png
expect_stderr_contains 'convtool: warning:'
expect_stderr_contains '--map abs'
expect_stderr_contains '%'
expect_exit 0 -- ct apply -k top_edge --quiet "$PHOTO" edge-q.png && expect_stderr_empty
expect_same_bytes edge.png edge-q.png
expect_exit 0 -- ct apply -k top_edge --map abs "$PHOTO" edge-abs.png && expect_stderr_empty
expect_exit 0 -- ct apply -k blur "$PHOTO" blur.png && expect_stderr_empty

## Several kernels.
mknpy x.npy '[[1, -1]]'
expect_exit 0 -- ct apply -k 3 -k 4 --combine magnitude x.npy mag.npy && npy_equals mag.npy '[[5, 5]]' 1e-6
expect_exit 0 -- ct apply -k 3 -k 4 --combine max x.npy max.npy && npy_equals max.npy '[[4, -3]]'
expect_exit 0 -- ct apply -k 3 -k 4 --combine sum x.npy sum.npy && npy_equals sum.npy '[[7, -7]]'
mknpy x3.npy '[[[1, -1]], [[2, 0.5]]]'
expect_exit 0 -- ct apply -k 3 -k 4 --combine stack x3.npy stack.npy
npy_equals stack.npy '[[[[3, -3]], [[6, 1.5]]], [[[4, -4]], [[8, 2]]]]'
expect_exit 2 -- ct apply -k 3 -k 4 --combine stack x3.npy stack.png
expect_error_prefix
expect_stderr_contains 'stack.png'
expect_file_absent stack.png
expect_exit 0 -- ct apply -k 3 -k 4 x.npy sep.npy
npy_equals sep-k1.npy '[[3, -3]]' && npy_equals sep-k2.npy '[[4, -4]]'
expect_file_absent sep.npy
expect_exit 0 -- ct apply -k sobel -k sobel_y --map abs small.png edges.png
expect_file_exists edges-sobel.png
expect_file_exists edges-sobel_y.png
expect_file_absent edges.png
printf '1 0\n0 -1\n' >roberts.txt
expect_exit 0 -- ct apply -k ./roberts.txt -k blur small.png named.png
expect_file_exists named-roberts.png
expect_file_exists named-blur.png
expect_exit 0 -- ct apply -k sobel -k sobel_y --combine magnitude small.png mag.png
expect_file_exists mag.png
# outputs of different sizes cannot be combined
expect_exit 2 -- ct apply -k 3 -k '1 1' -p 0 --combine sum x.npy bad.npy
expect_error_prefix
expect_file_absent bad.npy

## --show-kernel goes to stderr, with the effective values.
expect_exit 0 -- ct apply -k blur --show-kernel x.npy sk.npy
expect_stderr_contains '0.0625'
expect_stderr_contains 'sum 1'
expect_stdout_empty
expect_exit 0 -- ct apply -k '1 2; 3 4' --normalize --show-kernel x.npy sk2.npy
expect_stderr_contains '0.1'
expect_stderr_contains '0.4'

## --normalize, --flip, --scale/--bias.
mknpy ones.npy 'np.ones((4, 4))'
expect_exit 0 -- ct apply -k '1 2; 3 4' --normalize -p 0 ones.npy nrm.npy && npy_equals nrm.npy '[[1, 1, 1]] * 3' 1e-6
expect_exit 2 -- ct apply -k sobel --normalize ones.npy zs.npy
expect_error_prefix
expect_stderr_contains 'normalize'
expect_file_absent zs.npy
mknpy r.npy 'np.random.default_rng(7).random((2, 9, 11))'
K='1 2 3; 4 5 6.5; -7 8 0.25'
KROT='0.25 8 -7; 6.5 5 4; 3 2 1'
expect_exit 0 -- ct apply -k "$K" --flip -m reflect r.npy flip.npy
expect_exit 0 -- ct apply -k "$KROT" -m reflect r.npy rot.npy
expect_exit 0 -- ct apply -k "$K" -m reflect r.npy noflip.npy
expect_same_bytes flip.npy rot.npy
expect_different_bytes flip.npy noflip.npy
# --flip is true convolution: numpy reference with the kernel rotated by 180 degrees
expect_py 'x = np.load("r.npy").astype(np.float64); k = np.array([[1,2,3],[4,5,6.5],[-7,8,0.25]])[::-1, ::-1]
p = np.pad(x, ((0,0),(1,1),(1,1)), mode="reflect")
ref = sum(k[i, j] * p[:, i:i+9, j:j+11] for i in range(3) for j in range(3))
assert np.abs(np.load("flip.npy") - ref).max() < 1e-4'
expect_exit 0 -- ct apply -k identity -p 0 --scale 2 --bias 0.5 ones.npy sb.npy && npy_equals sb.npy '[[2.5, 2.5]] * 2'
expect_exit 0 -- ct apply -k blur --scale -1 --bias 1 ones.npy sb2.npy && npy_equals sb2.npy 'np.zeros((4, 4))' 1e-6

## .npy keeps the input's rank.
mknpy hw.npy 'np.arange(30).reshape(5, 6)'
expect_exit 0 -- ct apply -k blur hw.npy hw-out.npy && npy_shape hw-out.npy '(5, 6)'
expect_exit 0 -- ct apply -k blur -p 0 hw.npy hw-valid.npy && npy_shape hw-valid.npy '(3, 4)'
mknpy chw.npy 'np.arange(60).reshape(2, 5, 6)'
expect_exit 0 -- ct apply -k blur chw.npy chw-out.npy && npy_shape chw-out.npy '(2, 5, 6)'
expect_exit 0 -- ct apply -k blur -p 0 -s 2 chw.npy chw-s2.npy && npy_shape chw-s2.npy '(2, 2, 2)'
mknpy c1.npy 'np.arange(30).reshape(1, 5, 6)'
expect_exit 0 -- ct apply -k blur c1.npy c1-out.npy && npy_shape c1-out.npy '(1, 5, 6)'
expect_exit 0 -- ct apply -k blur --gray small.png g.npy && npy_shape g.npy '(1, 43, 64)'

## In place.
cp small.png inplace.png
expect_exit 0 -- ct apply -k blur inplace.png inplace.png
expect_same_bytes inplace.png out.png
expect_no_temp .

## Batch.
mkdir -p in
cp small.png in/a.png
echo 'this is not an image' >in/b.png
cp pal.png in/c.png
expect_exit 1 -- ct apply -k blur -o outdir/nested in/a.png in/b.png in/c.png
expect_error_prefix
expect_stderr_contains 'in/b.png'
expect_stderr_contains '3 inputs: 2 done, 1 failed'
expect_same_bytes outdir/nested/a.png out.png
expect_file_absent outdir/nested/b.png
expect_file_exists outdir/nested/c.png
expect_no_temp outdir
expect_exit 0 -- ct apply -k blur -o outdir2 in/a.png in/c.png
expect_stderr_contains '2 inputs: 2 done, 0 failed'
expect_exit 0 -- ct apply -k blur -f npy -o outdir3 in/a.png
expect_file_exists outdir3/a.npy
mkdir -p in2 && cp small.png in2/a.png
expect_exit 2 -- ct apply -k blur -o outdir4 in/c.png in/a.png in2/a.png
expect_error_prefix
expect_stderr_contains 'a.png'
expect_file_absent outdir4/c.png
expect_file_absent outdir4/a.png

## Thread count does not change the bytes.
mknpy big.npy 'np.random.default_rng(1).random((3, 61, 77))'
for j in 1 2 5; do
    expect_exit 0 -- ct apply -j $j -k '1 2 3 4 5; 0 1 0 1 0; -1 -2 -3 -4 -5; 0.5 0.25 0 0 1; 1 1 1 1 1' \
        -s 2,1 -d 1,2 -m symmetric big.npy "big-j$j.npy"
    expect_exit 0 -- ct apply -j $j -k sharpen "$PHOTO" "photo-j$j.png"
    expect_exit 0 -- ct apply -j $j -k sobel -k sobel_y --combine magnitude "$PHOTO" "mag-j$j.png"
done
expect_same_bytes big-j1.npy big-j2.npy
expect_same_bytes big-j1.npy big-j5.npy
expect_same_bytes photo-j1.png photo-j2.png
expect_same_bytes photo-j1.png photo-j5.png
expect_same_bytes mag-j1.png mag-j5.png

## Kernel lookup: names case-insensitive, files, --kernels-dir.
expect_exit 0 -- ct apply -k Sobel small.png Sobel.npy
expect_exit 0 -- ct apply -k sobel small.png sobel.npy
expect_same_bytes Sobel.npy sobel.npy
expect_exit 0 -- ct apply -k SOBEL_X small.png sobelx.npy
expect_same_bytes sobelx.npy sobel.npy
expect_exit 0 -- ct apply -k '1 0 -1; 2 0 -2; 1 0 -1' small.png sobel-inline.npy
expect_same_bytes sobel-inline.npy sobel.npy
printf '# my sobel\n1 0 -1\n2 0 -2\n1 0 -1\n' >mysobel.txt
expect_exit 0 -- ct apply -k mysobel.txt small.png sobel-file.npy && expect_same_bytes sobel-file.npy sobel.npy
expect_exit 0 -- ct apply -k ./mysobel.txt small.png sobel-file2.npy && expect_same_bytes sobel-file2.npy sobel.npy
expect_exit 0 -- ct apply -k "$PWD/mysobel.txt" small.png sobel-file3.npy && expect_same_bytes sobel-file3.npy sobel.npy
printf '[[1, 2, 1], [2, 4, 2], [1, 2, 1]]\nscale: 1/16\n' >blur-brackets.k
expect_exit 0 -- ct apply -k blur-brackets.k small.png blur-br.npy
expect_exit 0 -- ct apply -k blur small.png blur.npy
npy_equals blur-br.npy "np.load('blur.npy')" 1e-7
mkdir kd
printf '0 0 0\n0 1 0\n0 0 0\n' >kd/sobel.txt
printf 'description: two taps\n1 1\n' >kd/pair.txt
expect_exit 0 -- ct apply --kernels-dir kd -k sobel small.png kd-sobel.npy
expect_same_bytes kd-sobel.npy ident.npy
expect_exit 0 -- ct apply --kernels-dir kd -k pair -p 0 x.npy kd-pair.npy && npy_equals kd-pair.npy '[[0]]'
expect_exit 0 -- ct apply --kernels-dir kd -k sharpen small.png kd-sharp.npy && expect_same_bytes kd-sharp.npy sharp.npy
# run from another directory: the library is still found
expect_exit 0 -- bash -c 'cd / && "$CONVTOOL" apply -k sobel "$1/small.png" "$1/sobel-cd.npy"' _ "$PWD"
expect_same_bytes sobel-cd.npy sobel.npy

expect_no_temp .
