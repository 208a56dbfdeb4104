# The strip engine (cli/apply/apply_stream.c) gives the bytes of the
# whole-image path (CONVTOOL_STREAM=0) for every geometry, padding mode,
# channel layout, bit depth and thread count; CONVTOOL_STREAM=1 sends files
# of any size through it. A damaged file fails with nothing written, an
# interrupted or refused output leaves no partial file, and what cannot stream
# (large kernels on the FFT, stdout) still works. Circular padding and --map
# normalize stream in two passes: stream_twopass.sh.

make_layouts
convert rgb.png -interlace PNG interlaced.png
convert rgb.png -define png:IDAT-chunk-size=1000 small-idats.png
convert rgb.png -set comment "a comment" -density 300 -units PixelsPerInch meta.png

both() { # both OUT convtool-apply-args... : strips and whole image must match
    local out=$1
    shift
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --quiet "$@" "strip-$out"
    CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet "$@" "whole-$out"
    expect_same_bytes "strip-$out" "whole-$out"
}

for input in rgb.png rgba.png gray.png gray-alpha.png rgb16.png interlaced.png small-idats.png \
    meta.png; do
    stem=${input%.*}
    both "$stem-sharpen.png" -k sharpen "$input"
    both "$stem-sobel-abs.png" -k sobel --map abs "$input"
    both "$stem-edge.png" -k top_edge --map shift -s 2 -p 0 "$input"
    both "$stem-gray.png" -k blur --gray -d 2 -m reflect "$input"
    both "$stem-strided.png" -k gaussian5 -s 3,2 -m symmetric "$input"
    both "$stem-zeros.png" -k laplacian -p 4 -m zeros --scale 2 --bias 0.25 "$input"
    both "$stem-valid.png" -k "1 2; 3 -4" -p valid -s 4 "$input"
    both "$stem-filter.png" -k emboss --alpha filter "$input"
    both "$stem-drop.png" -k box5 --alpha drop -d 3,1 "$input"
    both "$stem-tall.png" -k "1;2;3;4;5;6;7;2;1" --normalize -d 2,1 -m reflect "$input"
    both "$stem-j1.png" -k sharpen -j 1 "$input"
    both "$stem-j3.png" -k sharpen -j 3 "$input"
    both "$stem-depth8.png" -k sharpen --depth 8 "$input"
    both "$stem-level9.png" -k sharpen --png-level 9 "$input"
done

# Strips of 1, 2, 5 and 16 rows (CONVTOOL_STRIP_ROWS): the window slides, drops and skips
# rows (strides past small kernels), and keeps rows that reflected bottom padding reads
# again, for every mode; each must give the whole-image bytes made above.
for rows in 1 2 5 16; do
    for input in rgb.png gray-alpha.png rgb16.png; do
        stem=${input%.*}
        for args in "sharpen|-k sharpen" "edge|-k top_edge --map shift -s 2 -p 0" \
            "gray|-k blur --gray -d 2 -m reflect" "strided|-k gaussian5 -s 3,2 -m symmetric" \
            "zeros|-k laplacian -p 4 -m zeros --scale 2 --bias 0.25" \
            "valid|-k 1 2; 3 -4|-p valid -s 4" "tall|-k 1;2;3;4;5;6;7;2;1|--normalize -d 2,1 -m reflect"; do
            name=${args%%|*}
            rest=${args#*|}
            if [ "${rest#*|}" != "$rest" ]; then # a kernel with spaces: -k TEXT|more
                kernel=${rest%%|*}
                more=${rest#*|}
                CONVTOOL_STRIP_ROWS=$rows CONVTOOL_STREAM=1 expect_exit 0 -- \
                    ct apply --quiet -k "${kernel#-k }" $more "$input" "rows$rows-$stem-$name.png"
            else
                CONVTOOL_STRIP_ROWS=$rows CONVTOOL_STREAM=1 expect_exit 0 -- \
                    ct apply --quiet $rest "$input" "rows$rows-$stem-$name.png"
            fi
            expect_same_bytes "rows$rows-$stem-$name.png" "whole-$stem-$name.png"
        done
    done
done
# Reflected bottom padding wider than a strip: the last strip reads rows above its own.
convert rgb.png -resize 40x23! short.png
for rows in 1 2 3; do
    CONVTOOL_STRIP_ROWS=$rows CONVTOOL_STREAM=1 expect_exit 0 -- \
        ct apply --quiet -k box5 -d 3 -p 9 -m reflect short.png "short-$rows.png"
    CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet -k box5 -d 3 -p 9 -m reflect short.png short-whole.png
    expect_same_bytes "short-$rows.png" short-whole.png
done

# What cannot stream still runs, whole: the FFT, stdout, several kernels (and circular
# padding, which streams in two passes: stream_twopass.sh).
both circular.png -k sharpen -m circular rgb.png
both fft.png -k "$(py 'print(";".join([" ".join(["1"]*31)]*31))')" --normalize --method fft rgb.png
both two-a.png -k sharpen rgb.png
CONVTOOL_STREAM=1 ct apply --quiet --format png -k sharpen rgb.png - >stdout.png
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet -k sharpen rgb.png whole-stdout.png
expect_same_bytes stdout.png whole-stdout.png

# A fallback decided before anything is printed: -v says each thing once (circular padding
# that wraps more rows than the image has: its plan falls back).
for args in "-m circular -p 200" "--method fft" "--format png"; do
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply -v --show-kernel -k sharpen $args rgb.png fallback.png
    expect_eq "$(grep -c 'kernel sharpen: ' "$ERR")" 1 "method line once ($args)"
    expect_eq "$(grep -c '8-bit (as rgb.png)' "$ERR")" 1 "depth line once ($args)"
done

# JPEG in and out (libjpeg's scanlines; a build without libjpeg goes whole: same bytes),
# baseline and progressive (which goes whole), in strips of 1 and 16 rows and the default.
convert rgb.png -quality 85 base.jpg
convert rgb.png -quality 92 -sampling-factor 1x1 q92.jpg
convert rgb.png -quality 80 -interlace JPEG prog.jpg
for input in base.jpg q92.jpg prog.jpg; do
    stem=${input%.*}
    for out in jpg png; do
        CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet -k sharpen "$input" "whole-$stem.$out"
        for rows in 1 16 0; do
            CONVTOOL_STRIP_ROWS=$rows CONVTOOL_STREAM=1 expect_exit 0 -- \
                ct apply --quiet -k sharpen "$input" "rows$rows-$stem.$out"
            expect_same_bytes "rows$rows-$stem.$out" "whole-$stem.$out"
        done
    done
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --quiet -k emboss --gray -q 70 -s 2 "$input" g.jpg
    CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet -k emboss --gray -q 70 -s 2 "$input" g0.jpg
    expect_same_bytes g.jpg g0.jpg
done
head -c 5000 base.jpg >cut.jpg
CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen cut.jpg cut-out.jpg
expect_error_prefix
expect_file_absent cut-out.jpg
expect_no_temp .

# The metadata goes into the streamed file as into the whole one (checked byte for byte above);
# here it is really there.
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --quiet -k sharpen meta.png meta-out.png
expect_eq "$(identify -format '%c' meta-out.png)" "a comment" "comment carried"
expect_eq "$(identify -format '%x' meta-out.png)" "$(identify -format '%x' meta.png)" "density carried"

# A damaged file: the row where the data breaks fails the run; no file, no temp is left.
py "d = bytearray(open('rgb.png','rb').read()); i = d.index(b'IDAT'); d[i + 4 + len(d) // 3] ^= 0xFF; open('bad.png','wb').write(d)"
CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen bad.png bad-out.png
expect_error_prefix
expect_stderr_contains "bad.png"
expect_file_absent bad-out.png
expect_no_temp .
# An existing output is untouched by a failed run.
cp rgb.png keep.png
CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen bad.png keep.png
expect_same_bytes keep.png rgb.png
expect_no_temp .
# Cut short: the missing rows fail the run.
head -c 20000 rgb.png >cut.png
CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen cut.png cut-out.png
expect_file_absent cut-out.png
expect_no_temp .

# The same bytes decoded here (--no-sandbox) as in the worker.
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --quiet --no-sandbox -k sharpen rgb16.png here.png
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --quiet -k sharpen rgb16.png there.png
expect_same_bytes here.png there.png

# --max-memory counts the strips, not the image: a 16 MB limit is enough for a large image.
py "
import zlib, struct
w, h = 2000, 1500
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
rows = b''.join(b'\x00' + bytes((x * 7 + y * 3) % 256 for x in range(w * 3)) for y in range(h))
open('large.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rows, 1)) + chunk(b'IEND', b''))
"
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --quiet --max-memory 16M -k sharpen large.png large-out.png
CONVTOOL_STREAM=0 expect_exit 1 -- ct apply --quiet --max-memory 16M -k sharpen large.png whole-large.png
expect_stderr_contains "over the --max-memory limit"
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet -k sharpen large.png whole-large.png
expect_same_bytes large-out.png whole-large.png
# The progress line counts rows when forced on.
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --progress -k sharpen large.png progress-out.png
expect_stderr_contains "1500/1500 rows"
