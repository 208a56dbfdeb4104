# Issue 9 ("nothing lost, ever"), the decoder's side: a valid image decodes
# whatever the environment does to convtool, and what cannot be decoded says
# why. Without /proc (a container, a chroot) the sandboxed decoder's limits
# still hold and leave it room; out of descriptors says so, not "out of
# memory"; a stop (Ctrl-Z, SIGSTOP) longer than the decoder's deadline is not
# charged to it; a progressive JPEG of more than 500 scans (a decompression
# bomb) is refused before decoding; an empty input is "empty", and a link to
# a socket, device or unreadable FIFO is "not a regular file" or "Permission
# denied", not "No such device or address".

SANITIZED=0
grep -qa -e __asan_init -e __tsan_init "$CONVTOOL" && SANITIZED=1
DESCRIPTORS="too many open files (descriptors); try a lower -J/-j or raise ulimit -n"

convert -size 64x48 gradient:red-blue -swirl 60 small.png
convert small.png -quality 90 -interlace JPEG prog.jpg
mkdir in
for i in 1 2 3 4 5 6 7 8; do cp prog.jpg "in/$i.jpg"; done
expect_exit 0 -- ct apply -k 1 prog.jpg ref.png

# ------------------------------------------------ a progressive JPEG's scans

# The last scan of prog.jpg (its SOS segment and entropy-coded data), repeated
# until the file has COUNT scans in all.
scans_file() {
    py "
d = open(ARGS[0], 'rb').read()
i, scans = 2, []
while d[i + 1] != 0xd9:
    end = i + 2 + (d[i + 2] << 8 | d[i + 3])
    if d[i + 1] == 0xda:
        while d[end] != 0xff or d[end + 1] == 0 or 0xd0 <= d[end + 1] <= 0xd7:
            end += 1 if d[end] != 0xff else 2
        scans.append(d[i:end])
    i = end
extra = int(ARGS[2]) - len(scans)
assert extra > 0, len(scans)
open(ARGS[1], 'wb').write(d[:i] + scans[-1] * extra + d[i:])
" prog.jpg "$1" "$2"
}
scans_file bomb.jpg 501
scans_file bomb20k.jpg 20000
expect_exit 1 -- ct apply -k 1 bomb.jpg out.png
expect_stderr_contains "convtool: bomb.jpg: progressive JPEG with more than 500 scans; refused (a decompression bomb?)"
expect_file_absent out.png
expect_exit 1 -- ct apply -k 1 bomb20k.jpg out.png
expect_stderr_contains "convtool: bomb20k.jpg: progressive JPEG with more than 500 scans"
# stb decodes the same files when libjpeg-turbo is off: the limit is in front of both
expect_exit 1 -- env CONVTOOL_JPEG_CODEC=stb "$CONVTOOL" apply -k 1 bomb20k.jpg out.png
expect_stderr_contains "more than 500 scans; refused"
expect_exit 1 -- ct apply -k 1 --gray -f npy bomb.jpg out.npy
expect_stderr_contains "more than 500 scans; refused"
# 500 scans are not refused for their number (these repeats decode as damaged, or not)
scans_file many.jpg 500
run ct apply -k 1 many.jpg many.png
expect_stderr_not_contains "scans; refused"

# ------------------------------------------------------------- empty inputs

expect_exit 1 -- ct apply -k sharpen - -f png out.png </dev/null
expect_stderr_contains "convtool: -: empty input (0 bytes)"
expect_stderr_not_contains "corrupt"
: >empty.png
expect_exit 1 -- ct apply -k sharpen empty.png out.png
expect_stderr_contains "convtool: empty.png: empty input (0 bytes)"
expect_exit 1 -- ct apply -k sharpen -o outdir empty.png
expect_stderr_contains "convtool: empty.png: empty input (0 bytes)"
expect_file_absent out.png

# ----------------------------------------------- links to special files

py "
import socket
s = socket.socket(socket.AF_UNIX)
s.bind('sock')
"
ln -s "$CASE_TMP/sock" sock-link
expect_exit 1 -- ct apply -k sharpen sock-link out.png
expect_stderr_contains "convtool: sock-link: not a regular file"
expect_stderr_not_contains "No such"

# As an unprivileged user (root reads everything): a link to a FIFO in a
# directory it may not enter, and to a device it may not open.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 755 "$CASE_TMP"
    mkdir -m 700 private
    mkfifo private/fifo
    ln -s "$CASE_TMP/private/fifo" fifo-link
    as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
    expect_exit 1 -- as_nobody "$CONVTOOL" apply -k sharpen fifo-link /tmp/never.png
    expect_stderr_contains "convtool: fifo-link: Permission denied"
    if mknod -m 600 device c 1 3 2>/dev/null; then
        ln -s "$CASE_TMP/device" device-link
        expect_exit 1 -- as_nobody "$CONVTOOL" apply -k sharpen device-link /tmp/never.png
        expect_stderr_contains "convtool: device-link: not a regular file"
    fi
    expect_file_absent /tmp/never.png
fi

# ----------------------------------------------------------------- no /proc

# In a mount namespace of its own with an empty /proc (root only; skipped where
# unshare is refused). Batch mode with many threads holds more address space
# than the decoder's budget: the decoder's limit must be measured, not guessed.
if [ "$SANITIZED" = 0 ] &&
    unshare -m sh -c 'mount -t tmpfs none /proc && ! test -e /proc/self' 2>/dev/null; then
    noproc() { unshare -m sh -c 'mount -t tmpfs none /proc && exec "$@"' sh "$@"; }
    expect_exit 0 -- ct apply -k 1 -o withproc in/1.jpg
    expect_exit 0 -- noproc "$CONVTOOL" apply -k 1 -j 16 -J 8 -o noproc in/1.jpg in/2.jpg \
        in/3.jpg in/4.jpg in/5.jpg in/6.jpg in/7.jpg in/8.jpg
    expect_stderr_not_contains "out of memory"
    expect_same_bytes noproc/1.jpg withproc/1.jpg
    expect_same_bytes noproc/8.jpg withproc/1.jpg
    expect_exit 0 -- noproc "$CONVTOOL" apply -k 1 prog.jpg noproc.png
    expect_same_bytes noproc.png ref.png
else
    echo "      note: no /proc-less run (unshare refused, or a sanitizer build)"
fi

# ------------------------------------------------------------- descriptors

# With ulimit -n just above what is open, the input or the decoder's pipe finds
# no descriptor. Every failure on the way up must say so.
with_nofile() { (exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; ulimit -n "$1" && exec "${@:2}"); }
said=0 ok=0
for n in 3 4 5 6 7 8 9 10 11 12 14 16 20 24; do
    run with_nofile "$n" "$CONVTOOL" apply -k 1 prog.jpg nofile.png
    grep -q "error while loading shared libraries" "$ERR" && continue # too few to start
    if [ "$LAST_RC" = 0 ]; then ok=1; break; fi
    expect_eq "$LAST_RC" 1 "exit with ulimit -n $n"
    expect_stderr_contains "convtool: prog.jpg: $DESCRIPTORS"
    expect_stderr_not_contains "out of memory"
    said=$((said + 1))
done
expect_eq "$ok" 1 "a run with enough descriptors"
expect_eq "$([ "$said" -gt 0 ] && echo some)" some "runs short of descriptors"
# Batch mode, 8 inputs at once: what fails is never "out of memory". Not under
# the sanitizers: their allocator (GCC 12's libasan) takes no lock around a fork,
# so a decoder forked while another thread allocates can hang on its lock (and
# is then stopped by its deadline), with or without a descriptor limit.
[ "$SANITIZED" = 1 ] && echo "      note: no batch run short of descriptors (a sanitizer build)"
for n in 6 8 10 12 16 24; do
    [ "$SANITIZED" = 1 ] && break
    run with_nofile "$n" "$CONVTOOL" apply -k 1 -j 16 -J 8 -o "nofile$n" in/1.jpg in/2.jpg \
        in/3.jpg in/4.jpg in/5.jpg in/6.jpg in/7.jpg in/8.jpg
    expect_stderr_not_contains "out of memory"
    expect_stderr_not_contains "corrupt or hostile"
done

# ---------------------------------------------------------------- a stop

# A photo-sized progressive JPEG that takes the decoder a noticeable time.
py "
rng = np.random.default_rng(9)
a = (rng.random((1200, 1600, 3)) * 255).astype(np.uint8)
open('big.ppm', 'wb').write(b'P6 1600 1200 255\n' + a.tobytes())
"
convert big.ppm -quality 85 -interlace JPEG big.jpg
expect_exit 0 -- ct apply -k 1 big.jpg big-ref.png

# Ctrl-Z: the decoder and convtool stopped, for 2 s, with a deadline of 1 s (the
# test knob CONVTOOL_DECODE_WALL_MS lowers it), then continued. Tries until the
# stop lands while the decoder runs (it did not finish before it).
stopped_run() {
    local pid child="" i state=""
    CONVTOOL_DECODE_WALL_MS=1000 "$CONVTOOL" apply -k 1 big.jpg stopped.png >"$OUT" 2>"$ERR" &
    pid=$!
    for ((i = 0; i < 500; i++)); do
        child=$(pgrep -P "$pid" | head -1)
        [ -n "$child" ] && break
        sleep 0.01
    done
    [ -n "$child" ] && kill -STOP "$child" "$pid" 2>/dev/null
    for ((i = 0; i < 100 && ${child:-0} > 0; i++)); do # a stop takes effect a moment later
        state=$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)
        [ "$state" = R ] || [ "$state" = S ] || break
        sleep 0.01
    done
    sleep 2
    kill -CONT "$pid" "$child" 2>/dev/null
    wait "$pid"
    LAST_RC=$?
    LAST_CMD="CONVTOOL_DECODE_WALL_MS=1000 convtool apply -k 1 big.jpg stopped.png (stopped 2 s)"
    [ "$state" = T ]
}
caught=0
for attempt in 1 2 3; do
    command -v pgrep >/dev/null || break
    rm -f stopped.png
    if stopped_run; then caught=1; break; fi
done
if [ "$caught" = 1 ]; then
    expect_eq "$LAST_RC" 0 "exit after a 2 s stop (deadline 1 s)"
    expect_stderr_not_contains "hostile"
    expect_same_bytes stopped.png big-ref.png
else
    echo "      note: no stop landed while the decoder ran (or no pgrep)"
fi

# The knob only lowers the deadline, and a decoder that outlives it is still stopped.
expect_exit 0 -- env CONVTOOL_DECODE_WALL_MS=999999999 "$CONVTOOL" apply -k 1 prog.jpg knob.png
expect_exit 1 -- env CONVTOOL_DECODE_WALL_MS=1 "$CONVTOOL" apply -k 1 big.jpg knob.png
expect_stderr_contains "convtool: big.jpg: corrupt or hostile image"
expect_no_temp .
