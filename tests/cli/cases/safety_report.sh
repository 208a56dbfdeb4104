# Issue 9, "nothing lost, ever": the --report file is never torn, and
# overflow of float32 is never silent.
#
# Part 9: every report line is whole or absent. On a full disk (a 64 KiB
# tmpfs, root only), under a file-size limit (ulimit -f) and on /dev/full,
# the report keeps only whole JSON lines, the error is told once, exit 1.
# Part 17: a finite kernel whose sums pass 3.4e38 warns (float and fused
# 8-bit paths, .npy inputs, --combine), and the warning is the message of
# the input's --report line; inf or NaN that the input already held does not.

# 40 tiny PNGs with long names, so that report lines are long (~700 bytes)
# and a full disk or a size limit lands inside one of them, not between.
LONG=$(printf 'n%.0s' {1..150})
py "
r = np.random.default_rng(9)
for i in range(40):
    np.save('t%02d.npy' % i, r.random((3, 4, 4)).astype('float32'))
"
ct apply -k identity -f png -o in --name "${LONG}_{stem}.png" --quiet t*.npy ||
    echo "could not make the inputs" >&2
rm -f t*.npy
N=$(find in -type f | wc -l)
expect_eq "$N" 40 "inputs made"

# whole_lines FILE: every line parses as a report object, and the file is empty
# or ends with '\n'.
whole_lines() {
    expect_py '
data = open(ARGS[0], "rb").read()
assert data == b"" or data.endswith(b"\n"), "a torn last line: %r" % data[-80:]
for line in data.splitlines():
    r = json.loads(line)
    base = {"input", "outputs", "bytes", "ms", "status", "message"}
    # issue 12: what was dropped, and how the outputs of an ok file were encoded
    assert base <= set(r) <= base | {"dropped", "depth", "quality", "sampling"}, r
' "$1"
}

# told_once TEXT: stderr holds TEXT on exactly one line.
told_once() {
    expect_eq "$(grep -cF -- "$1" "$ERR")" 1 "lines of stderr with '$1'"
}

# Mount points made here are unmounted however the case ends.
MOUNTS=()
cleanup_mounts() {
    local m
    for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
}
trap cleanup_mounts EXIT
trap 'exit 143' TERM # run.sh's timeout: still unmount

## A full disk: the report on a 64 KiB tmpfs with one 4 KiB page left.
mkdir -p m
if mount -t tmpfs -o size=64k tmpfs m 2>/dev/null; then
    MOUNTS+=("$PWD/m")
    head -c $((60 * 1024)) /dev/zero >m/filler
    expect_exit 1 -- ct apply -k blur -J 1 -o out-full --report m/report.jsonl in/*.png
    expect_error_prefix
    expect_stderr_contains "--report m/report.jsonl: cannot write"
    told_once "--report m/report.jsonl"
    expect_stderr_contains "40 inputs: 40 done" # the images themselves were written
    whole_lines m/report.jsonl
    lines=$(wc -l <m/report.jsonl)
    [ "$lines" -gt 0 ] && [ "$lines" -lt 40 ] ||
        { _count; _fail "expected some but not all 40 lines on the full disk, got $lines"; }
    umount m && MOUNTS=()
else
    echo "note: cannot mount a tmpfs (not root?): the full-disk part is skipped"
fi

## A file-size limit (SIGXFSZ ignored, so the write fails with EFBIG): any user.
"$PY" -c '
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (10000, 10000))
os.execvp(sys.argv[1], sys.argv[1:])' "$CONVTOOL" apply -k blur -J 2 -o out-fsize \
    --report fsize.jsonl in/*.png >"$OUT" 2>"$ERR"
LAST_RC=$? LAST_CMD="apply under ulimit -f 10000 --report fsize.jsonl"
expect_eq "$LAST_RC" 1 "exit status over the file-size limit"
expect_error_prefix
told_once "--report fsize.jsonl: cannot write"
whole_lines fsize.jsonl
expect_eq "$(($(stat -c %s fsize.jsonl) <= 10000))" 1 "the report within the limit"

## /dev/full as the report, and as stdout for --report -: told once, exit 1.
if [ -w /dev/full ]; then
    expect_exit 1 -- ct apply -k blur -o out-devfull --report /dev/full in/*.png
    expect_error_prefix
    told_once "--report /dev/full: cannot write"
    expect_exit 1 -- bash -c '"$CONVTOOL" apply -k blur -o out-stdout --report - in/*.png >/dev/full'
    expect_error_prefix
    told_once "--report (stdout): cannot write"
fi

## One write(2) per line, even for lines longer than stdio's buffer (an input in
## a deep directory): a kill between lines never leaves half a line.
SEG=$(printf 'd%.0s' {1..200})/$(printf 'e%.0s' {1..200})/$(printf 'f%.0s' {1..200})
SEG=$SEG/$SEG
DEEP=in/$SEG/$SEG/$SEG
mkdir -p "$DEEP"
for i in 0 1 2 3; do cp "$(find in -maxdepth 1 -name '*.png' | sort | sed -n $((i + 1))p)" "$DEEP/$i.png"; done
expect_exit 0 -- ct apply -k blur -o "out-deep/$SEG/$SEG/$SEG" --report deep.jsonl "$DEEP"/*.png
whole_lines deep.jsonl
expect_eq "$(($(stat -c %s deep.jsonl) > 4 * 6000))" 1 "report lines longer than stdio's buffer"
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
    strace -f -e trace=write -e signal=none -o trace.txt \
        "$CONVTOOL" apply -k blur -J 1 -o "out-deep2/$SEG/$SEG/$SEG" --report deep2.jsonl \
        "$DEEP"/*.png 2>"$ERR"
    # the report's descriptor is the one a line starts on; it stays open, so
    # every write on it is the report's
    expect_py '
import re
calls = re.findall(r"write\((\d+), (.{9})", open(ARGS[0]).read())
fds = {fd for fd, head in calls if head.startswith("\"{")}
assert len(fds) == 1, calls[:20]
n = sum(fd in fds for fd, head in calls)
assert n == 4, "%d writes for 4 lines" % n
' trace.txt
    whole_lines deep2.jsonl
else
    echo "note: no usable strace: the one-write-per-line check is skipped"
fi

## Part 17: overflow of float32 warns, in every path.
py "
import struct, zlib
def png(name, value):
    raw = b''.join(b'\0' + bytes([value]) * 8 for y in range(8))
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    open(name, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 8, 8, 8, 0, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
png('white.png', 255)
png('black.png', 0)
png('gray.png', 128)
np.save('big.npy', np.full((1, 8, 8), 3e38, dtype=np.float32))
np.save('e20.npy', np.full((1, 8, 8), 1e20, dtype=np.float32))
holes = np.full((1, 8, 8), 0.5, dtype=np.float32)
holes[0, 2, 2] = np.inf
holes[0, 5, 5] = np.nan
np.save('holes.npy', holes)
"
OVER='values overflowed float32'

# The fused 8-bit path (PNG to PNG), and the same through the float path.
expect_exit 0 -- ct apply -k '3e38 3e38 3e38' white.png o-fused.png
expect_stderr_contains "convtool: warning: white.png: 64 $OVER"
expect_stderr_contains '--scale'
expect_exit 0 -- env CONVTOOL_FUSED=0 "$CONVTOOL" apply -k '3e38 3e38 3e38' white.png o-float.png
expect_stderr_contains "convtool: warning: white.png: 64 $OVER"
expect_same_bytes o-fused.png o-float.png
# --scale past the limit, a kernel of finite taps summing to 4.
expect_exit 0 -- ct apply -k '1 1; 1 1' --scale 1e38 white.png o-scale.png
expect_stderr_contains "white.png: 64 $OVER"
# The float result kept as .npy holds the infinities the warning counts.
expect_exit 0 -- ct apply -k '3e38 3e38 3e38' white.png o-white.npy
expect_stderr_contains "white.png: 64 $OVER"
expect_py 'a = np.load(ARGS[0]); assert np.isposinf(a).all(), a' o-white.npy
# A .npy input of large values: exact counts, also where only some overflow.
expect_exit 0 -- ct apply -k '1 1' big.npy o-big.npy
expect_stderr_contains "big.npy: 64 $OVER"
expect_exit 0 -- ct apply -k '1 1' -p valid --bias 1 big.npy o-big2.npy
expect_stderr_contains "big.npy: 56 $OVER"
# Magnitude of two finite results whose squares overflow.
expect_exit 0 -- ct apply -k '1' -k '1' --combine magnitude e20.npy o-mag.npy
expect_stderr_contains "e20.npy: 64 $OVER"
expect_stderr_contains 'combined'

# No false alarms: sums that could overflow but do not, a black image,
# inf and NaN that the input already held, ordinary kernels.
expect_exit 0 -- ct apply -k '3e38 -3e38 3e38' gray.png o-alt.png
expect_stderr_not_contains "$OVER"
expect_exit 0 -- ct apply -k '3e38 3e38 3e38' black.png o-black.png
expect_stderr_not_contains "$OVER"
expect_exit 0 -- ct apply -k '1 1' holes.npy o-holes.npy
expect_stderr_not_contains "$OVER"
expect_exit 0 -- ct apply -k '1 -1' big.npy o-diff.npy
expect_stderr_not_contains "$OVER"
expect_exit 0 -- ct apply -k blur white.png o-blur.png
expect_stderr_empty

# In a batch: counted in the summary and the message of the input's report line.
expect_exit 0 -- ct apply -k '3e38 3e38 3e38' -o out-over --report over.jsonl white.png black.png big.npy
expect_stderr_contains 'warnings'
expect_stderr_contains "$OVER"
whole_lines over.jsonl
expect_py '
rows = {r["input"]: r for r in map(json.loads, open(ARGS[0]))}
assert rows["white.png"]["message"].startswith("white.png: 64 values overflowed float32"), rows
assert rows["big.npy"]["message"].startswith("big.npy: 64 values overflowed float32"), rows
assert rows["black.png"]["message"] == "", rows
assert all(r["status"] == "ok" for r in rows.values()), rows
' over.jsonl
