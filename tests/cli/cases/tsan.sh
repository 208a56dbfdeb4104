# Threads: the same bytes for -j 1, 2, 3 and 16 across the apply pipeline (the strip
# engine too: its read-ahead thread, the pool's strips, the PNG writer). Small and
# quick, so scripts/test also runs it on the ThreadSanitizer build (a race there
# makes the run exit non-zero with a report on stderr).

convert -size 61x37 gradient:red-blue -alpha set -channel A -evaluate set 70% +channel \
    -strip PNG32:rgba.png
convert -size 40x50 gradient:black-white -strip -colorspace gray PNG8:gray.png
mknpy k21.npy 'np.random.default_rng(21).random((21, 21)) / 220'
fft=1 # the FFT path's plan cache and tiles, unless built without FFTW
ct apply --quiet --method fft -k k21.npy gray.png fft-probe.png 2>/dev/null || fft=0

for j in 1 2 3 16; do
    expect_exit 0 -- ct apply -j "$j" -k sharpen rgba.png "sharp-$j.png" && expect_stderr_empty
    expect_exit 0 -- ct apply -j "$j" -k sobel -k sobel_y --combine magnitude -s 2 -m reflect \
        rgba.png "mag-$j.npy"
    expect_exit 0 -- ct apply -j "$j" -k gaussian7 -d 2 -p 5,3 -m circular --quiet \
        gray.png "blur-$j.png"
    expect_exit 0 -- ct apply -j "$j" -k box3 -o "batch-$j" rgba.png gray.png
    [ $fft -eq 1 ] && expect_exit 0 -- ct apply -j "$j" --method fft -k k21.npy -m reflect \
        rgba.png "fft-$j.png"
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply -j "$j" -k sharpen -s 2,1 rgba.png "strip-$j.png"
    CONVTOOL_STREAM=1 expect_exit 0 -- ct apply -j "$j" -k emboss -q 85 rgba.png "strip-$j.jpg"
done
CONVTOOL_STREAM=0 expect_exit 0 -- ct apply -k sharpen -s 2,1 rgba.png strip-whole.png
expect_same_bytes strip-1.png strip-whole.png
for j in 2 3 16; do
    expect_same_bytes sharp-1.png "sharp-$j.png"
    expect_same_bytes mag-1.npy "mag-$j.npy"
    expect_same_bytes blur-1.png "blur-$j.png"
    expect_same_bytes batch-1/rgba.png "batch-$j/rgba.png"
    expect_same_bytes batch-1/gray.png "batch-$j/gray.png"
    [ $fft -eq 1 ] && expect_same_bytes fft-1.png "fft-$j.png"
    expect_same_bytes strip-1.png "strip-$j.png"
    expect_same_bytes strip-1.jpg "strip-$j.jpg"
done
expect_no_temp
