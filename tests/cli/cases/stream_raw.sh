# The strip engine's raw outputs (cli/apply/apply_stream.c): BMP (stb's rows are
# bottom-up, so each strip's rows are placed from the file's end) and HDR (the float
# path's values, mapped, stb's scanlines appended) give the whole path's bytes
# (CONVTOOL_STREAM=0) for every channel layout, alpha choice, map, padding mode and
# strip height; --max-memory shows that the strips ran. TGA (stb's run-length rows,
# bottom-up: their places are known only at the end) and HDR with --map normalize go
# whole, with the same bytes as before.

make_layouts
photo=$(sample_photo)

for ext in bmp hdr; do
    for input in rgb.png rgba.png gray.png gray-alpha.png rgb16.png rgb.jpg; do
        stem=${input%.*}
        for rows in 1 5 16; do
            for args in "sharpen|-k sharpen" "strided|-k gaussian5 -s 3,2 -m symmetric" \
                "abs|-k sobel -p 3 -d 2 -m reflect --map abs" "circular|-k sharpen -p 2 -m circular" \
                "gray|-k blur --gray" "filter|-k emboss --alpha filter --map shift" \
                "drop|-k box5 --alpha drop" "torch|--torch -k top_edge --bias 0.25"; do
                name=${args%%|*}
                read -r -a opts <<<"${args#*|}"
                CONVTOOL_STRIP_ROWS=$rows CONVTOOL_STREAM=1 expect_exit 0 -- \
                    ct apply "${opts[@]}" "$input" "$stem-$name-$rows.$ext"
                [ "$rows" = 1 ] && CONVTOOL_STREAM=0 expect_exit 0 -- \
                    ct apply "${opts[@]}" "$input" "whole-$stem-$name.$ext"
                expect_same_bytes "$stem-$name-$rows.$ext" "whole-$stem-$name.$ext"
            done
        done
    done
    # BMP: --map normalize streams in two passes; HDR: goes whole. The same bytes either way.
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply -k sobel --map normalize rgba.png "norm.$ext"
    CONVTOOL_STREAM=0 expect_exit 0 -- ct apply -k sobel --map normalize rgba.png "whole-norm.$ext"
    expect_same_bytes "norm.$ext" "whole-norm.$ext"
done

# Which path ran: a 3000x2000 RGB PNG to BMP (18 MB) and HDR (24 MB) in 16 MB.
convert "$photo" -resize 3000x2000! wide.png
for ext in bmp hdr; do
    expect_exit 0 -- ct apply --max-memory 16M -k sharpen wide.png "wide-strips.$ext"
    CONVTOOL_STREAM=0 expect_exit 1 -- ct apply --max-memory 16M -k sharpen wide.png \
        "wide-whole.$ext"
    expect_stderr_contains "over the --max-memory limit"
    CONVTOOL_STREAM=0 expect_exit 0 -- ct apply -k sharpen wide.png "wide-whole.$ext"
    expect_same_bytes "wide-strips.$ext" "wide-whole.$ext"
done
expect_eq "$(identify -format '%wx%h' wide-strips.bmp)" "3000x2000" "BMP size"

# TGA goes whole and keeps its bytes.
CONVTOOL_STREAM=1 expect_exit 0 -- ct apply -k sharpen rgba.png strip.tga
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply -k sharpen rgba.png whole.tga
expect_same_bytes strip.tga whole.tga

# A damaged PNG fails where its data breaks: nothing written, an older file kept.
head -c 20000 rgb.png >cut.png
for ext in bmp hdr; do
    cp "rgb-sharpen-1.$ext" "kept.$ext"
    CONVTOOL_STREAM=1 expect_exit 1 -- ct apply -k sharpen cut.png "kept.$ext"
    expect_error_prefix
    expect_same_bytes "kept.$ext" "rgb-sharpen-1.$ext"
done
expect_no_temp .

case_done
