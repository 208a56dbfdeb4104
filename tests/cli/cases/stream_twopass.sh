# The strip engine's two-pass jobs (cli/apply/apply_stream.c): --map normalize
# (pass 1 finds each channel's min and max, pass 2 writes) and circular
# padding (pass 1 saves the image's last rows, pass 2 keeps its first ones)
# give the bytes of the whole-image paths (CONVTOOL_STREAM=0, and the float
# path, CONVTOOL_FUSED=0) for every
# layout, strip height, stride, dilation and padding; they stream (a progress
# line in rows, a small --max-memory); a damaged file fails in pass 1 as the
# whole path fails, with nothing written; circular padding that wraps most of
# the image goes whole.

make_layouts
mv rgb.jpg base.jpg

# streamed OUT ARGS...: the strip engine's run (it says "N/N rows": it streamed), the
# whole fused path's (normalize: two passes over the decoded image) and the float path's
# (CONVTOOL_FUSED=0: the float result stretched whole), the same bytes.
# CONVTOOL_STRIP_ROWS passes through.
streamed() {
    local out=$1
    shift
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --progress "$@" "strip-$out"
    expect_stderr_contains " rows"
    CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet "$@" "whole-$out"
    expect_same_bytes "strip-$out" "whole-$out"
    CONVTOOL_STREAM=0 CONVTOOL_FUSED=0 expect_exit 0 -- ct apply --quiet "$@" "float-$out"
    expect_same_bytes "strip-$out" "float-$out"
}

jobs=(
    "sobel|-k|sobel|--map|normalize"
    "lap|-k|laplacian|--map|normalize|-s|2|-d|2|-m|reflect"
    "gray|-k|emboss|--gray|--map|normalize|-p|4|-m|zeros"
    "alpha|-k|sharpen|--alpha|filter|--map|normalize|-s|3,2"
    "valid|-k|1 2; 3 -4|-p|valid|-s|3|--map|normalize"
    "const|-k|0 0; 0 0|--bias|0.5|--map|normalize"
    "circ|-k|sharpen|-m|circular"
    "circ-strided|-k|gaussian5|-m|circular|-s|3,2|-d|2"
    "circ-wide|-k|box5|-m|circular|-p|9|-d|3"
    "circ-tall|-k|1;2;3;4;5;6;7;2;1|-m|circular|-d|2,1|--normalize"
    "circ-even|-k|1 2; 3 4|-m|circular"
    "circ-norm|-k|sobel|-m|circular|--map|normalize|-s|2"
)

for input in rgb.png rgba.png gray.png gray-alpha.png rgb16.png; do
    stem=${input%.*}
    for job in "${jobs[@]}"; do
        IFS='|' read -r -a a <<<"$job"
        streamed "$stem-${a[0]}.png" "${a[@]:1}" "$input"
    done
    streamed "$stem-depth16.png" -k sobel --map normalize --depth 16 "$input"
done

# Strips of 1, 2, 5 and 16 rows: each gives the whole path's bytes made above.
for rows in 1 2 5 16; do
    for input in rgb.png gray-alpha.png rgb16.png; do
        stem=${input%.*}
        for job in "${jobs[@]}"; do
            IFS='|' read -r -a a <<<"$job"
            CONVTOOL_STRIP_ROWS=$rows CONVTOOL_STREAM=1 expect_exit 0 -- \
                ct apply --quiet "${a[@]:1}" "$input" "rows$rows-$stem-${a[0]}.png"
            expect_same_bytes "rows$rows-$stem-${a[0]}.png" "whole-$stem-${a[0]}.png"
        done
    done
done

# JPEG in and out (a build without libjpeg goes whole: the same bytes, no rows counted).
for out in jpg png; do
    for job in "norm|-k|sobel|--map|normalize" "circ|-k|gaussian5|-m|circular"; do
        IFS='|' read -r -a a <<<"$job"
        CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --quiet "${a[@]:1}" base.jpg "strip-jpeg-${a[0]}.$out"
        CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet "${a[@]:1}" base.jpg "whole-jpeg-${a[0]}.$out"
        expect_same_bytes "strip-jpeg-${a[0]}.$out" "whole-jpeg-${a[0]}.$out"
    done
done

# Circular padding on a short image, padding wider than strips: streamed while the wrap
# is under the image's height (23 rows: 11 + 11), whole from there on; same bytes.
convert rgb.png -resize 40x23! short.png
for p in 5 11; do
    for rows in 1 2 3; do
        CONVTOOL_STRIP_ROWS=$rows streamed "short-$p-$rows.png" -k sharpen -m circular -p "$p" short.png
    done
done
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --progress -k sharpen -m circular -p 12 short.png wide.png
expect_stderr_not_contains " rows"
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet -k sharpen -m circular -p 12 short.png wide0.png
expect_same_bytes wide.png wide0.png

# Several kernels, each its own output and its own bounds, on the whole fused path.
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet -k sobel -k laplacian --map normalize rgba.png two.png
CONVTOOL_STREAM=0 CONVTOOL_FUSED=0 expect_exit 0 -- ct apply --quiet -k sobel -k laplacian --map normalize rgba.png f-two.png
expect_same_bytes two-sobel.png f-two-sobel.png
expect_same_bytes two-laplacian.png f-two-laplacian.png

# A damaged file fails in pass 1 with the whole path's message and exit code; no file,
# no temp, an existing output untouched. Broken data, a cut file, a bad CRC after the data.
py "d = bytearray(open('rgb.png','rb').read()); i = d.index(b'IDAT'); d[i + 4 + len(d) // 3] ^= 0xFF; open('bad.png','wb').write(d)"
head -c 20000 rgb.png >cut.png
py "d = bytearray(open('rgb.png','rb').read()); d[-1] ^= 0xFF; open('crc.png','wb').write(d)"
for input in bad.png cut.png crc.png; do
    for args in "--map normalize" "-m circular" "-m circular --map normalize"; do
        CONVTOOL_STREAM=0 expect_exit 1 -- ct apply -k sharpen $args "$input" out.png
        whole_err=$(cat "$ERR")
        CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen $args "$input" out.png
        expect_error_prefix
        expect_eq "$(cat "$ERR")" "$whole_err" "message for $input ($args)"
        expect_file_absent out.png
        expect_no_temp .
        cp rgb.png keep.png
        CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen $args "$input" keep.png
        expect_same_bytes keep.png rgb.png
        expect_no_temp .
    done
done

# --max-memory counts strips and the wrapped rows, not the image: 16 MB is enough for a
# 2000x1500 RGB image in two passes; the progress line ends on the image's rows.
py "
import zlib, struct
w, h = 2000, 1500
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
rows = b''.join(b'\x00' + bytes((x * 7 + y * 3) % 256 for x in range(w * 3)) for y in range(h))
open('large.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(rows, 1)) + chunk(b'IEND', b''))
"
for args in "--map normalize" "-m circular" "-m circular --map normalize"; do
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --progress --max-memory 16M -k sobel $args large.png large-out.png
    expect_stderr_contains "1500/1500 rows"
    CONVTOOL_STREAM=0 expect_exit 1 -- ct apply --quiet --max-memory 16M -k sobel $args large.png whole-large.png
    expect_stderr_contains "over the --max-memory limit"
    CONVTOOL_STREAM=0 expect_exit 0 -- ct apply --quiet -k sobel $args large.png whole-large.png
    expect_same_bytes large-out.png whole-large.png
done
# A wrap of 700 rows each side is counted: 8.4 MB of saved rows more do not fit in 16 MB.
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply --quiet --max-memory 16M -k sobel -m circular -p 40 large.png x.png
CONVTOOL_STREAM=1 expect_exit 1 -- ct apply --quiet --max-memory 16M -k sobel -m circular -p 700 large.png x.png
expect_stderr_contains "over the --max-memory limit"

# -v says each thing once over the passes.
for args in "-m circular" "--map normalize" "-m circular --map normalize"; do
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply -v --show-kernel -k sharpen $args rgb.png v.png
    expect_eq "$(grep -c 'kernel sharpen: ' "$ERR")" 1 "method line once ($args)"
    expect_eq "$(grep -c '8-bit (as rgb.png)' "$ERR")" 1 "depth line once ($args)"
done
