# convtool shape: sizes, WxHxC, image headers without decoding, --explain, --json.

expect_exit 0 -- ct shape 28x28 -k 3 -p 0
expect_stdout_equals '28x28 -> 26x26    [1, 28, 28] -> [1, 26, 26]'
expect_stderr_empty
expect_exit 0 -- ct shape 64x48x3 -k 3 -s 2 -p 1
expect_stdout_contains '64x48x3 -> 32x24'
expect_stdout_contains '[3, 48, 64] -> [3, 24, 32]'
# kernel given as WxH (width first), a name, a file, an inline matrix
expect_exit 0 -- ct shape 10x10 -k 5x3 -p 0
expect_stdout_contains '10x10 -> 6x8'
expect_exit 0 -- ct shape 10x10 -k motion_blur -p 0
expect_stdout_contains '10x10 -> 2x10'
printf '1 1\n1 1\n1 1\n' >k2x3.txt
expect_exit 0 -- ct shape 10x10 -k k2x3.txt -p 0
expect_stdout_contains '10x10 -> 9x8'
expect_exit 0 -- ct shape 10x10 -k '1 2 3 4' -p 0
expect_stdout_contains '10x10 -> 7x10'
# same padding keeps the size for stride 1, even kernels and dilation too
expect_exit 0 -- ct shape 17x9 -k 4 -d 2
expect_stdout_contains '17x9 -> 17x9'
expect_exit 0 -- ct shape 17x9 -k 3 -s 2 -p same
expect_stdout_contains '17x9 -> 9x5'
expect_exit 0 -- ct shape 17x9 -k 3 -s 2,3 -d 3,1 -p 2,0
expect_stdout_contains '17x9 -> 5x4'

# several inputs and several kernels
expect_exit 0 -- ct shape 28x28 32x32 -k 3 -k 5 -p 0
expect_stdout_contains '28x28 -> 26x26'
expect_stdout_contains '28x28 -> 24x24'
expect_stdout_contains '32x32 -> 30x30'
expect_stdout_contains '32x32 -> 28x28'
expect_eq "$(wc -l <"$OUT")" 4 "lines for 2 inputs x 2 kernels"

# image headers: PNG and JPEG, also when the pixel data is corrupt
convert -size 37x23 gradient:red-blue -strip PNG24:img.png
convert -size 41x19 gradient:red-blue -strip img.jpg
convert -size 12x10 xc:gray -strip PNG8:gray.png
expect_exit 0 -- ct shape img.png img.jpg -k 3 -p 0
expect_stdout_contains 'img.png -> 35x21'
expect_stdout_contains '[3, 23, 37] -> [3, 21, 35]'
expect_stdout_contains 'img.jpg -> 39x17'
expect_stdout_contains '[3, 19, 41] -> [3, 17, 39]'
"$PY" - <<'PY'
import struct, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
# a 300x200 RGBA PNG whose IDAT is garbage
open('corrupt.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 300, 200, 8, 6, 0, 0, 0))
      + chunk(b'IDAT', b'this is not zlib data at all') + chunk(b'IEND', b''))
PY
expect_exit 1 -- ct apply -k blur corrupt.png corrupt-out.png
expect_exit 0 -- ct shape corrupt.png -k 3 -p 0
expect_stdout_contains 'corrupt.png -> 298x198'
expect_stdout_contains '[4, 200, 300] -> [4, 198, 298]'
# a JPEG cut after its frame header still has a shape
head -c 400 img.jpg >cut.jpg
expect_exit 0 -- ct shape cut.jpg -k 1
expect_stdout_contains 'cut.jpg -> 41x19'
# a big image is not decoded: a 20000x20000 header answers at once
"$PY" - <<'PY'
import struct, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
open('big.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 20000, 20000, 16, 0, 0, 0, 0))
      + chunk(b'IDAT', zlib.compress(b'')) + chunk(b'IEND', b''))
PY
expect_exit 0 -- ct shape big.png -k 3 -s 2 -p 1
expect_stdout_contains 'big.png -> 10000x10000'
# not an image / missing: exit 1 naming the file
echo text >text.png
expect_exit 1 -- ct shape text.png -k 3
expect_error_prefix
expect_stderr_contains text.png
expect_exit 1 -- ct shape nosuch.png -k 3
expect_error_prefix
expect_stderr_contains nosuch.png
convert img.png img.gif
expect_exit 1 -- ct shape img.gif -k 3
expect_stderr_contains img.gif

# --explain shows the formula with the numbers
expect_exit 0 -- ct shape 352x352 -k 3 -s 2 -p 1 --explain
expect_stdout_contains 'floor((352 + 1 + 1 - 1*(3-1) - 1) / 2) + 1 = 176'
expect_stdout_contains '352x352 -> 176x176'
expect_exit 0 -- ct shape 20x10 -k 5x3 -d 2,1 -p 0 --explain
expect_stdout_contains 'height: floor((10 + 0 + 0 - 2*(3-1) - 1) / 1) + 1 = 6'
expect_stdout_contains 'width:  floor((20 + 0 + 0 - 1*(5-1) - 1) / 1) + 1 = 16'

# --json: one object per input (and kernel), each parses
expect_exit 0 -- ct shape --json 28x28 img.png 30x20x3 -k 3 -p 0
expect_py '
lines = [l for l in open(ARGS[0]).read().splitlines() if l.strip()]
assert len(lines) == 3, lines
d = [json.loads(l) for l in lines]
assert (d[0]["out"]["width"], d[0]["out"]["height"]) == (26, 26), d[0]
assert (d[1]["in"]["width"], d[1]["in"]["height"], d[1]["in"]["channels"]) == (37, 23, 3), d[1]
assert d[1]["shape_out"] == [3, 21, 35], d[1]
assert d[2]["shape_in"] == [3, 20, 30] and d[2]["shape_out"] == [3, 18, 28], d[2]
' "$OUT"
# a name with quotes stays valid JSON
cp img.png 'we"ird\name.png'
expect_exit 0 -- ct shape --json 'we"ird\name.png' -k 3
expect_py 'd = json.loads(open(ARGS[0]).read()); assert d["input"] == "we\"ird\\name.png", d' "$OUT"

# geometry errors: exit 2 with the numbers
expect_exit 2 -- ct shape 4x4 -k 7 -p 0
expect_error_prefix
expect_stderr_contains 'floor((4 + 0 + 0 - 1*(7-1) - 1) / 1) + 1'
expect_exit 2 -- ct shape 4x4 -k 3 -p 4 -m reflect
expect_error_prefix
expect_stderr_contains reflect
expect_exit 0 -- ct shape 4x4 -k 3 -p 3 -m reflect
expect_exit 2 -- ct shape 4x4 -k 3 -s 0
expect_stderr_contains -- '--stride'
expect_exit 2 -- ct shape 4x4 -k 3 --bogus
expect_error_prefix
expect_exit 2 -- ct shape 4x4
expect_error_prefix
expect_exit 2 -- ct shape -k 3
expect_error_prefix
expect_exit 2 -- ct shape 4x4 -k nosuchkernel
expect_stderr_contains nosuchkernel
expect_exit 0 -- ct shape --help
expect_stdout_contains 'usage: convtool shape'
# an unknown short option glued to more letters is named (not the argument before it)
expect_exit 2 -- ct shape -k 3 -Zq 5x5
expect_error_prefix
expect_stderr_contains -- "-Z"

## --json is valid JSON for any file name: one JSON writer (cli/common/json.c) for shape and --report.
cp "$(sample_photo)" "$(printf 'caf\351.png')"
expect_exit 0 -- ct shape --json -k 3 "$(printf 'caf\351.png')"
expect_py 'import json; d = json.load(open(ARGS[0])); assert d["input"] == "caf\ufffd.png", d' "$OUT"
