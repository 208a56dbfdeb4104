# The fused 8-bit path (PNG/JPEG to an 8-bit format) gives the same bytes as
# the float path it replaces (CONVTOOL_FUSED=0 forces the float path), for
# every combination of channels, alpha, luma, map, geometry and bit depth.

photo=$(sample_photo)
convert "$photo" -resize 97x61! rgb.png
convert rgb.png -alpha set -channel A -evaluate set 60% +channel rgba.png
convert rgb.png -colorspace Gray gray.png
convert rgba.png -colorspace Gray -alpha on gray-alpha.png
convert rgb.png -depth 16 rgb16.png
convert rgb.png -quality 85 rgb.jpg

both() { # both OUT.ext convtool-apply-args... : fused and float outputs must match
    local out=$1
    shift
    expect_exit 0 -- ct apply --quiet "$@" "fused-$out"
    CONVTOOL_FUSED=0 expect_exit 0 -- ct apply --quiet "$@" "float-$out"
    expect_same_bytes "fused-$out" "float-$out"
}

for input in rgb.png rgba.png gray.png gray-alpha.png rgb16.png rgb.jpg; do
    stem=${input%.*}-${input##*.}
    both "$stem-sharpen.png" -k sharpen "$input"
    both "$stem-sobel-abs.png" -k sobel --map abs "$input"
    both "$stem-edge-shift.png" -k top_edge --map shift -s 2 -p 0 "$input"
    both "$stem-gray.png" -k blur --gray -d 2 -m reflect "$input"
    both "$stem-filter.png" -k emboss --alpha filter -m circular "$input"
    both "$stem-drop.bmp" -k gaussian5 --alpha drop -s 3,2 "$input"
    both "$stem-gray-filter.tga" -k laplacian --gray --alpha filter --scale 2 --bias 0.25 "$input"
    both "$stem-even.png" -k "1 2; 3 -4" -m symmetric "$input"
done
both "jpeg-out.jpg" -k sharpen -q 80 rgb.png
both "flip.png" -k diag1 --flip --normalize rgb.png

# Several kernels (separate): one output each, same bytes as the float path.
expect_exit 0 -- ct apply --quiet -k sobel -k blur rgba.png multi.png
CONVTOOL_FUSED=0 expect_exit 0 -- ct apply --quiet -k sobel -k blur rgba.png multi-float.png
expect_same_bytes multi-sobel.png multi-float-sobel.png
expect_same_bytes multi-blur.png multi-float-blur.png

# Thread counts never change the bytes on this path either.
for j in 1 2 3 7; do
    expect_exit 0 -- ct apply --quiet -j "$j" -k sharpen rgba.png "j$j.png"
done
expect_same_bytes j1.png j2.png
expect_same_bytes j1.png j3.png
expect_same_bytes j1.png j7.png

# A geometry error on the second kernel is reported before anything is written.
wide=$(printf '1 %.0s' $(seq 100)) # 1x100: wider than the 97-pixel image
expect_exit 2 -- ct apply -p 0 -k blur -k "$wide" rgb.png none.png
expect_stderr_contains "rgb.png"
expect_file_absent none-blur.png
expect_file_absent none-k2.png
expect_no_temp .
