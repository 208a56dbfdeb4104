# --method: the FFT path against PyTorch (tests/torch/compare_fft.py), the fused 8-bit
# path with FFT giving the float path's bytes, any thread count the same bytes, the
# choice on --show-kernel, and the errors of forced methods.

mknpy x.npy 'np.random.default_rng(4).random((2, 90, 120))'

## A build without FFTW (CONVTOOL_WITH_FFTW=OFF) refuses --method fft, and nothing else here runs.
if ! ct apply --quiet --method fft -k sharpen x.npy probe.npy 2>probe.err; then
    expect_exit 2 -- ct apply --method fft -k sharpen x.npy probe.npy
    expect_stderr_contains "built without FFTW"
    expect_exit 0 -- ct apply --show-kernel -k "$(printf '1 %.0s' {1..40})" x.npy wide.npy
    expect_stderr_contains ": direct (est. "
    skip_case "built without FFTW: only the refusal of --method fft is checked"
    return 0 2>/dev/null || exit 0
fi

## The FFT path against torch in float64, kernels up to 101x101 (issue 15's tolerance).
_count
if ! "$PY" "$SOURCE_DIR/tests/torch/compare_fft.py" "$CONVTOOL" >fft.log 2>&1; then
    _fail "compare_fft.py failed"
    sed 's/^/      /' fft.log | head -40
elif grep -q '^SKIP' fft.log; then
    skip_case "$(head -1 fft.log)"
fi
sed 's/^/    /' fft.log | head -2

photo=$(sample_photo)
convert "$photo" -resize 211x149! rgb.png
mknpy k31.npy 'np.random.default_rng(3).random((31, 31)) / 480'

## Fused 8-bit with FFT: the bytes of the float path (CONVTOOL_FUSED=0) with FFT.
expect_exit 0 -- ct apply --quiet --method fft -k k31.npy rgb.png fused.png
CONVTOOL_FUSED=0 expect_exit 0 -- ct apply --quiet --method fft -k k31.npy rgb.png float.png
expect_same_bytes fused.png float.png
expect_exit 0 -- ct apply --quiet --method fft -k k31.npy -s 2 -m reflect rgb.png fused2.png
CONVTOOL_FUSED=0 expect_exit 0 -- ct apply --quiet --method fft -k k31.npy -s 2 -m reflect \
    rgb.png float2.png
expect_same_bytes fused2.png float2.png

## The same bytes for any thread count.
expect_exit 0 -- ct apply --quiet --method fft -j 1 -k k31.npy rgb.png j1.png
expect_exit 0 -- ct apply --quiet --method fft -j 3 -k k31.npy rgb.png j3.png
expect_same_bytes j1.png j3.png
expect_exit 0 -- ct apply --method fft -j 1 -k k31.npy x.npy xj1.npy
expect_exit 0 -- ct apply --method fft -j 2 -k k31.npy x.npy xj2.npy
expect_same_bytes xj1.npy xj2.npy

## --show-kernel and --verbose say which method ran and why.
expect_exit 0 -- ct apply --show-kernel -k k31.npy --method fft rgb.png s.png
expect_stderr_contains "31x31 kernel k31: fft, "
expect_stderr_contains "(forced; est. "
expect_exit 0 -- ct apply --show-kernel -k sharpen rgb.png s.png
expect_stderr_contains "3x3 kernel sharpen: direct (est. "
expect_exit 0 -- ct apply --show-kernel -k gaussian5 rgb.png s.png
expect_stderr_contains "kernel gaussian5: separable (est. "
mkdir -p vout
expect_exit 0 -- ct apply --verbose -k k31.npy --method direct -o vout rgb.png
expect_stderr_contains "31x31 kernel k31: direct (forced; est. "

## Forced methods that cannot run are usage errors, before any file is written.
expect_exit 2 -- ct apply --method separable -k sharpen rgb.png sep.png
expect_error_prefix
expect_stderr_contains "--method separable: kernel sharpen (3x3) is not separable"
expect_file_absent sep.png
expect_exit 0 -- ct apply --quiet --method separable -k gaussian5 rgb.png sep.png
expect_exit 2 -- ct apply --method fastest -k sharpen rgb.png bad.png
expect_stderr_contains "--method 'fastest': unknown method (direct, separable, fft, auto)"
expect_file_absent bad.png

## A 4-D weight goes to the channel-mixing engine: --method fft or separable is refused, not
## silently ignored; auto and direct are accepted.
mknpy w4.npy 'np.random.default_rng(6).random((4, 2, 3, 3))'
for m in fft separable; do
    expect_exit 2 -- ct apply --method $m -k w4.npy x.npy w4out.npy
    expect_stderr_contains "convtool: -k w4.npy: --method $m is for 2-D kernels and banks"
    expect_file_absent w4out.npy
done
expect_exit 0 -- ct apply --method direct -k w4.npy x.npy w4out.npy
npy_shape w4out.npy '(4, 90, 120)'
