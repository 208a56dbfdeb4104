# The .npy strip engine (cli/apply/apply_stream_npy.c) gives the bytes and the messages
# of the whole-array path (CONVTOOL_STREAM=0) for every rank, dtype, byte order,
# geometry, padding mode, strip height and thread count; CONVTOOL_STREAM=1 sends
# arrays of any size through it. A PNG or JPEG to a .npy streams too (apply_stream.c:
# the pixel strips with float results, planes written at their offsets), with the
# float path's values. --max-memory shows which path ran: the strips fit
# where the whole array does not. A cut file fails with nothing written; what
# cannot stream (circular padding, the FFT, an image output, stdout) still works.

py "
rng = np.random.default_rng(7)
np.save('chw.npy', rng.standard_normal((3, 61, 47)).astype(np.float32))
np.save('hw64.npy', rng.standard_normal((53, 40)))
np.save('batch-be.npy', rng.standard_normal((2, 2, 37, 29)).astype('>f4'))
np.save('one.npy', rng.standard_normal((1, 45, 33)).astype(np.float32))
np.save('fortran.npy', np.asfortranarray(rng.standard_normal((2, 30, 20)).astype(np.float32)))
big = rng.standard_normal((2, 1100, 1000)).astype(np.float32)
np.save('big.npy', big)
hot = rng.standard_normal((1, 30, 30)).astype(np.float32); hot[0, 15, 15] = 3e38
np.save('hot.npy', hot)
nan = hot.copy(); nan[0, 2, 2] = np.nan
np.save('nan.npy', nan)
"

same() { # same NAME args... : the strip engine and the whole path agree on bytes, code, stderr
    local name=$1
    shift
    CONVTOOL_STREAM=1 run ct apply "$@" "strip-$name.npy"
    local strip_rc=$RC strip_err=$ERR
    CONVTOOL_STREAM=0 run ct apply "$@" "whole-$name.npy"
    expect_eq "$strip_rc" "$RC" "exit code of $name"
    expect_eq "$strip_err" "$ERR" "stderr of $name"
    if [ -e "strip-$name.npy" ] || [ -e "whole-$name.npy" ]; then
        expect_same_bytes "strip-$name.npy" "whole-$name.npy"
    fi
}

for input in chw.npy hw64.npy batch-be.npy one.npy; do
    stem=${input%.npy}
    same "$stem-sharpen" -k sharpen "$input"
    same "$stem-torch" --torch -k top_edge "$input"
    same "$stem-strided" -k gaussian5 -s 3,2 -m symmetric "$input"
    same "$stem-reflect" -k sobel -p 3 -d 2 -m reflect "$input"
    same "$stem-replicate" -k "1 2; 3 -4" -p 2 -s 2 -m replicate "$input"
    same "$stem-zeros" -k laplacian -p 4 --scale 2 --bias 0.25 "$input"
    same "$stem-valid" -k box5 -p valid -s 4 "$input"
    same "$stem-tall" -k "1;2;3;4;5;6;7;2;1" --normalize -d 2,1 -m reflect "$input"
    same "$stem-j1" -k sharpen -j 1 "$input"
    same "$stem-j3" -k sharpen -j 3 "$input"
    same "$stem-separable" -k gaussian5 --method separable "$input"
done
# A --bias list: one value per channel (the whole path's rule, its message when it does not fit).
same chw-biases -k sharpen --bias 0.1,0.2,0.3 chw.npy
same batch-biases -k sharpen --bias 1,-1 batch-be.npy
same chw-bad-biases -k sharpen --bias 0.1,0.2 chw.npy
expect_stderr_contains "bias"
expect_file_absent strip-chw-bad-biases.npy

# Strips of 1, 2, 5 and 16 rows: the window keeps, drops, skips and reads rows again.
for rows in 1 2 5 16; do
    for args in "sharpen|-k sharpen" "strided|-k gaussian5 -s 3,2 -m symmetric" \
        "reflect|-k sobel -p 3 -d 2 -m reflect" "zeros|-k laplacian -p 4 -s 2" \
        "replicate|-k box5 -p 6 -m replicate -d 2,1"; do
        name=${args%%|*}
        read -r -a opts <<<"${args#*|}"
        CONVTOOL_STRIP_ROWS=$rows CONVTOOL_STREAM=1 expect_exit 0 -- \
            ct apply "${opts[@]}" chw.npy "rows$rows-$name.npy"
        CONVTOOL_STREAM=0 expect_exit 0 -- ct apply "${opts[@]}" chw.npy "whole-rows-$name.npy"
        expect_same_bytes "rows$rows-$name.npy" "whole-rows-$name.npy"
    done
done

# Overflow: the same warning (and its --scale hint); none when the input held NaN itself.
same hot -k sharpen hot.npy
expect_stderr_contains "overflowed float32"
same nan -k sharpen nan.npy
expect_stderr_not_contains "overflowed"

# Which path ran: the strips fit in 4 MB, the whole 2×1100×1000 array (8.8 MB) does not.
expect_exit 0 -- ct apply --max-memory 4M -k sharpen big.npy big-strips.npy
CONVTOOL_STREAM=0 expect_exit 1 -- ct apply --max-memory 4M -k sharpen big.npy big-whole.npy
expect_stderr_contains "over the --max-memory limit"
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply -k sharpen big.npy big-whole.npy
expect_same_bytes big-strips.npy big-whole.npy
expect_exit 1 -- ct apply --max-memory 100k -k sharpen big.npy refused.npy
expect_stderr_contains "over the --max-memory limit"
expect_file_absent refused.npy
expect_exit 1 -- ct apply --max-work 1000 -k sharpen big.npy refused.npy
expect_stderr_contains "over the --max-work limit"
expect_file_absent refused.npy

# A cut file (shorter than its header says) is refused with the whole path's words:
# nothing is written, and an older output of the same name is kept.
head -c 6000000 big.npy >cut.npy
cp big-strips.npy kept.npy
expect_exit 1 -- ct apply -k sharpen cut.npy kept.npy
expect_same_bytes kept.npy big-strips.npy
expect_no_temp .
CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen cut.npy cut-out.npy
expect_error_prefix
expect_file_absent cut-out.npy
expect_no_temp .

# What goes whole still works and gives the same values: circular padding, a kernel for
# the FFT, Fortran order, an image output, stdout, several kernels.
same circular -k sharpen -p 2 -m circular chw.npy
same fft -k sharpen --method fft chw.npy
same fortran -k sharpen fortran.npy
same two-kernels -k sharpen -k blur --combine sum chw.npy
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply -k sharpen --format npy one.npy -
cp "$OUT" strip-stdout.npy
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply -k sharpen one.npy whole-stdout.npy
expect_same_bytes strip-stdout.npy whole-stdout.npy
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --map abs -k sharpen one.npy strip-one.png
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --map abs -k sharpen one.npy whole-one.png
expect_same_bytes strip-one.png whole-one.png

# PNG and JPEG to .npy: the strip engine's float planes equal the float path's, for every
# channel layout, the alpha choices, --gray, padding modes (circular in two passes),
# strides, dilations and strip heights.
make_layouts
photo=$(sample_photo)
for input in rgb.png rgba.png gray.png gray-alpha.png rgb16.png rgb.jpg; do
    stem=${input%.*}
    for rows in 1 5 16; do
        for args in "sharpen|-k sharpen" "strided|-k gaussian5 -s 3,2 -m symmetric" \
            "reflect|-k sobel -p 3 -d 2 -m reflect" "circular|-k sharpen -p 2 -m circular" \
            "gray|-k blur --gray" "filter|-k emboss --alpha filter" "drop|-k box5 --alpha drop" \
            "torch|--torch -k top_edge --bias 0.25"; do
            name=${args%%|*}
            read -r -a opts <<<"${args#*|}"
            CONVTOOL_STRIP_ROWS=$rows CONVTOOL_STREAM=1 expect_exit 0 -- \
                ct apply "${opts[@]}" "$input" "img-$stem-$name-$rows.npy"
            [ "$rows" = 1 ] && CONVTOOL_STREAM=0 expect_exit 0 -- \
                ct apply "${opts[@]}" "$input" "img-whole-$stem-$name.npy"
            expect_same_bytes "img-$stem-$name-$rows.npy" "img-whole-$stem-$name.npy"
        done
    done
done
# Which path ran: a 3000x2000 RGB PNG to .npy (72 MB of floats) in 16 MB.
convert "$photo" -resize 3000x2000! wide.png
expect_exit 0 -- ct apply --max-memory 16M -k sharpen wide.png wide-strips.npy
CONVTOOL_STREAM=0 expect_exit 1 -- ct apply --max-memory 16M -k sharpen wide.png wide-whole.npy
expect_stderr_contains "over the --max-memory limit"
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply -k sharpen wide.png wide-whole.npy
expect_same_bytes wide-strips.npy wide-whole.npy
npy_shape wide-strips.npy "(3, 2000, 3000)"
# A damaged PNG fails where its data breaks: nothing written, an older file kept.
head -c 20000 rgb.png >cut.png
cp img-rgb-sharpen-1.npy kept-img.npy
CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen cut.png kept-img.npy
expect_same_bytes kept-img.npy img-rgb-sharpen-1.npy
expect_no_temp .

case_done
