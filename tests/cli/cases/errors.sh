# Bad inputs and bad command lines: exit code, "convtool:" prefix, the culprit
# named, and nothing written (no output, no ".convtool-" temp file).

convert -size 40x30 gradient:red-blue -strip PNG24:good.png
printf 'precious bytes\n' >keep.png
cp keep.png keep.orig

# expect_fail CODE NAMED OUTPUT -- CMD...: exit CODE, prefix, NAMED in stderr,
# OUTPUT not created (or, if it existed, byte-identical), no temp file.
expect_fail() {
    local code=$1 named=$2 output=$3
    shift 3
    [ "$1" = "--" ] && shift
    local before=""
    [ -e "$output" ] && before=$(sha256sum <"$output")
    expect_exit "$code" -- "$@"
    expect_error_prefix
    [ -n "$named" ] && expect_stderr_contains "$named"
    if [ -n "$before" ]; then
        expect_eq "$(sha256sum <"$output")" "$before" "contents of $output after the failed run"
    else
        expect_file_absent "$output"
    fi
    expect_no_temp .
}

## Inputs that cannot be read.
expect_fail 1 missing.png out.png -- ct apply -k blur missing.png out.png
expect_stderr_contains 'No such file'
echo 'hello, I am text' >text.png
expect_fail 1 text.png out.png -- ct apply -k blur text.png out.png
expect_fail 1 text.png keep.png -- ct apply -k blur text.png keep.png
size=$(stat -c %s good.png)
# cuts in the signature, IHDR, the IDAT header, the IDAT data, and the IEND type
for cut in 4 8 20 33 41 45 60 $((size / 2)) $((size - 13)) $((size - 8)); do
    head -c "$cut" good.png >"trunc$cut.png"
    expect_fail 1 "trunc$cut.png" out.png -- ct apply -k blur "trunc$cut.png" out.png
done
# A PNG whose pixel data is complete but which is cut inside a chunk after the
# IDAT (or inside IEND's CRC) is still a truncated file (the JPEG reader likewise
# refuses a file without its EOI marker).
"$PY" - <<'PY'
import struct, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
raw = b''.join(b'\0' + bytes(range(i, i + 12)) for i in range(3))
png = (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 4, 3, 8, 2, 0, 0, 0))
       + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'tEXt', b'Comment\0' + b'x' * 40) + chunk(b'IEND', b''))
open('meta.png', 'wb').write(png)
open('meta-cut-text.png', 'wb').write(png[:len(png) - 12 - 20])
open('meta-cut-iend-crc.png', 'wb').write(png[:len(png) - 2])
PY
expect_exit 0 -- ct apply -k blur meta.png meta-ok.png
expect_fail 1 meta-cut-text.png out.png -- ct apply -k blur meta-cut-text.png out.png
expect_fail 1 meta-cut-iend-crc.png out.png -- ct apply -k blur meta-cut-iend-crc.png out.png
# truncated JPEGs
convert -size 40x30 gradient:red-blue -strip good.jpg
jsize=$(stat -c %s good.jpg)
for cut in 2 11 100 $((jsize / 2)) $((jsize - 2)) $((jsize - 1)); do
    head -c "$cut" good.jpg >"trunc$cut.jpg"
    expect_fail 1 "trunc$cut.jpg" out.png -- ct apply -k blur "trunc$cut.jpg" out.png
done
expect_fail 1 trunc33.png keep.png -- ct apply -k blur trunc33.png keep.png
convert good.png gif.gif
convert good.png BMP3:bmp.bmp
expect_fail 1 gif.gif out.png -- ct apply -k blur gif.gif out.png
expect_stderr_contains 'unsupported'
expect_fail 1 bmp.bmp out.png -- ct apply -k blur bmp.bmp out.png
expect_stderr_contains 'unsupported'
# a GIF named .png is still refused
cp gif.gif gif.png
expect_fail 1 gif.png out.png -- ct apply -k blur gif.png out.png
: >empty.png
expect_fail 1 empty.png out.png -- ct apply -k blur empty.png out.png
mkdir adir
expect_fail 2 adir out.png -- ct apply -k blur adir out.png
expect_stderr_contains "adir: is a directory; give its files (adir/*.png) with -o DIR"
# a corrupt .npy header
printf '\x93NUMPY\x01\x00\x10\x00{garbage}      \n' >bad.npy
expect_fail 1 bad.npy out.npy -- ct apply -k blur bad.npy out.npy
/usr/bin/python3 -c "import numpy as np; np.save('int.npy', np.arange(12).reshape(3,4))"
expect_fail 1 int.npy out.npy -- ct apply -k blur int.npy out.npy

## Kernel files.
printf '1 2 3\n4 5\n6 7 8\n' >ragged.txt
expect_fail 1 'ragged.txt:2:' out.png -- ct apply -k ragged.txt good.png out.png
expect_stderr_contains 'ragged.txt:2:'
expect_py 'import re; first = open(ARGS[0]).readline()
assert re.match(r"convtool: \S*ragged\.txt:2:[1-9][0-9]*: \S", first), first' "$ERR"
printf '# comment\n1 2\n3 x4\n' >junk.txt
expect_fail 1 'junk.txt:3:3:' out.png -- ct apply -k ./junk.txt good.png out.png
: >emptyk.txt
expect_fail 1 emptyk.txt out.png -- ct apply -k emptyk.txt good.png out.png
printf '# only a comment\n' >commentk.txt
expect_fail 1 commentk.txt out.png -- ct apply -k commentk.txt good.png out.png
expect_fail 1 nosuch.txt out.png -- ct apply -k nosuch.txt good.png out.png
expect_fail 1 ragged.txt keep.png -- ct apply -k ragged.txt good.png keep.png
expect_exit 1 -- ct kernels show ragged.txt
expect_stderr_contains 'ragged.txt:2:'

## Usage errors: exit 2.
expect_fail 2 'nosuchkernel' out.png -- ct apply -k nosuchkernel good.png out.png
expect_fail 2 'nosuchkernel' keep.png -- ct apply -k nosuchkernel good.png keep.png
expect_fail 2 '-k' out.png -- ct apply -k '1 2; 3' good.png out.png
expect_fail 2 '-k' out.png -- ct apply -k '1 x 2' good.png out.png
expect_fail 2 '-k' out.png -- ct apply -k '1 2; 3 nan' good.png out.png
expect_fail 2 '-k' out.png -- ct apply -k '1/0 1' good.png out.png
for s in 0 -1 99999999999999999999 2x 1,2,3 '' 1.5 ,; do
    expect_fail 2 '--stride' out.png -- ct apply -k blur -s "$s" good.png out.png
done
for d in 0 -2 3junk; do
    expect_fail 2 '--dilation' out.png -- ct apply -k blur -d "$d" good.png out.png
done
for p in -1 abc 99999999999999999999 1,; do
    expect_fail 2 '--padding' out.png -- ct apply -k blur -p "$p" good.png out.png
done
expect_fail 2 '--pad-mode' out.png -- ct apply -k blur -m bogus good.png out.png
expect_fail 2 '--threads' out.png -- ct apply -k blur -j 0 good.png out.png
expect_fail 2 '--quality' out.jpg -- ct apply -k blur -q 101 good.png out.jpg
expect_fail 2 '--scale' out.png -- ct apply -k blur --scale nan good.png out.png
expect_fail 2 '--map' out.png -- ct apply -k blur --map bogus good.png out.png
expect_fail 2 '--bogus' out.png -- ct apply --bogus -k blur good.png out.png
expect_fail 2 '' out.png -- ct apply good.png out.png
expect_fail 2 '' out.png -- ct apply -k blur good.png
expect_fail 2 'frobnicate' out.png -- ct frobnicate
# output smaller than 1x1: the message has the numbers
/usr/bin/python3 -c "import numpy as np; np.save('small.npy', np.ones((4, 5), np.float32))"
expect_fail 2 'small.npy' out.npy -- ct apply -k gaussian7 -p 0 small.npy out.npy
expect_stderr_contains 'floor((4 + 0 + 0 - 1*(7-1) - 1) / 1) + 1'
expect_stderr_contains '= -1'
expect_fail 2 'small.npy' keep.png -- ct apply -k gaussian7 -p 0 small.npy keep.png
# reflect / symmetric padding must be smaller than the input
expect_fail 2 'reflect' out.npy -- ct apply -k 1 -p 4 -m reflect small.npy out.npy
expect_fail 2 'symmetric' out.npy -- ct apply -k 1 -p 5 -m symmetric small.npy out.npy
expect_exit 0 -- ct apply -k 1 -p 3 -m reflect small.npy ok.npy
# output format
expect_fail 2 'out.xyz' out.xyz -- ct apply -k blur good.png out.xyz
expect_fail 2 'outnoext' outnoext -- ct apply -k blur good.png outnoext
expect_fail 2 '--format' out.png -- ct apply -k blur -f gif good.png out.png
expect_fail 2 '--format' - -- ct apply -k blur good.png -

## Writes that fail: exit 1.
mkdir ro && chmod 555 ro
if touch ro/probe 2>/dev/null; then
    # root ignores permission bits: use a directory nobody can create files in
    rm -f ro/probe
    expect_exit 1 -- ct apply -k blur good.png /proc/convtool-cli-test.png
    expect_error_prefix
    expect_stderr_contains /proc/convtool-cli-test.png
    expect_file_absent /proc/convtool-cli-test.png
else
    expect_fail 1 'ro/out.png' ro/out.png -- ct apply -k blur good.png ro/out.png
    expect_fail 1 'ro/' ro/out -- ct apply -k blur -o ro/out good.png
fi
expect_fail 1 'nodir/out.png' nodir/out.png -- ct apply -k blur good.png nodir/out.png
expect_file_absent nodir
if [ -w /dev/full ]; then
    expect_exit 1 -- ct apply -k blur -f png good.png /dev/full
    expect_error_prefix
    expect_stderr_contains '/dev/full'
    expect_exit 1 -- bash -c '"$CONVTOOL" apply -k blur -f npy "$1" - >/dev/full' _ good.png
    expect_error_prefix
    expect_exit 1 -- bash -c '"$CONVTOOL" apply -k blur -f png "$1" - >/dev/full' _ good.png
    expect_error_prefix
    expect_exit 1 -- bash -c '"$CONVTOOL" kernels list >/dev/full'
    expect_error_prefix
    expect_exit 1 -- bash -c '"$CONVTOOL" shape 5x5 -k 3 >/dev/full'
    expect_error_prefix
fi
# an output path that is a directory
expect_exit 2 -- ct apply -k blur -f png good.png adir
expect_error_prefix
expect_stderr_contains "adir: is a directory; to write into it use -o DIR"
expect_stderr_contains adir
expect_no_temp .

## --max-pixels (exit 1 with the numbers), checked before decoding.
expect_fail 1 '40x30' out.png -- ct apply -k blur --max-pixels 1000 good.png out.png
expect_stderr_contains '1200'
expect_stderr_contains '1000'
expect_exit 0 -- ct apply -k blur --max-pixels 1200 good.png ok.png
expect_fail 2 '--max-pixels' out.png -- ct apply -k blur --max-pixels 0 good.png out.png
expect_fail 2 '--max-pixels' out.png -- ct apply -k blur --max-pixels lots good.png out.png
# a PNG header that claims a huge image (the pixel data is not there)
/usr/bin/python3 - <<'PY'
import struct, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
ihdr = struct.pack('>IIBBBBB', 100000, 100000, 8, 2, 0, 0, 0)
open('huge.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0' * 64)) + chunk(b'IEND', b''))
PY
expect_fail 1 'huge.png' out.png -- ct apply -k blur huge.png out.png
expect_stderr_contains '100000x100000'
expect_stderr_contains '--max-pixels'
# ... refused from its first bytes, before the file is read: a 600 MB (sparse) file whose
# IHDR says 100000x100000 gets the pixel count, not the --max-input-bytes refusal that comes
# before any read (before, it was read whole first when the byte limit allowed: 4 s and
# 217 MB for a real 0.9 GB gigapixel PNG).
cp huge.png huge-big.png
truncate -s 600M huge-big.png
expect_fail 1 'huge-big.png' out.png -- ct apply --max-input-bytes 100M -k blur huge-big.png out.png
expect_stderr_contains '100000x100000 = 10000000000 pixels is over the limit'
# the same for a .npy whose header says (3, 20000, 20000): the shape is enough
py "
np.save('wide.npy', np.zeros((1, 2, 2), np.float32))
b = open('wide.npy', 'rb').read().replace(b'(1, 2, 2)', b'(3, 20000, 20000)')
open('wide.npy', 'wb').write(b)
"
truncate -s $((128 + 3 * 20000 * 20000 * 4)) wide.npy
expect_fail 1 'wide.npy' out.npy -- ct apply --max-input-bytes 100M -k blur wide.npy out.npy
expect_stderr_contains '20000x20000 = 400000000 pixels is over the limit'

## '--' ends the options: a file named -x.png.
cp good.png ./-x.png
expect_exit 0 -- ct apply -k blur -- -x.png ./-y.png
expect_file_exists ./-y.png
expect_exit 0 -- ct apply -k blur -- -x.png -z.png
expect_file_exists ./-z.png
# without '--' it is an unknown option, and the message names it (not 'blur')
expect_fail 2 '-x' out.png -- ct apply -k blur -x.png out.png
expect_stderr_not_contains "'blur'"
expect_fail 2 '-Z' out.png -- ct apply -k blur -Zq good.png out.png
expect_stderr_not_contains "'blur'"

expect_same_bytes keep.png keep.orig
expect_no_temp .
chmod 755 ro
