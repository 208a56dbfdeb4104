# Data safety of the output writer (issue 9, items 5, 6, 7, 10, 11, 18):
# symbolic links (never written through when dangling or planted in a sticky
# world-writable directory by another user), descriptor names as OUTPUT
# (/dev/stdout, /dev/fd/N: written in place, never replaced), owner and group
# of a replaced file kept, a leftover temp file named in the message, FIFOs
# never waited for, and the messages for an empty OUTPUT and a dangling -o.
#
# The review items after it: R1 links in the middle of the path (held to the
# same rule as the last one), R2 other spellings of descriptor names
# (/dev/./fd/1, /proc/<pid>/fd/1: the descriptor, never replaced), R3 a FIFO
# swapped for a regular file between the check and the open, R4 another
# user's file in a sticky world-writable directory (the fs.protected_regular rule).
#
# Parts that need root (other users' links, chown) run as root and as the
# user nobody (setpriv); without root they are skipped with a note.

"$PY" - <<'PY'
import numpy as np, struct, zlib
rng = np.random.default_rng(9)
# Noise compresses badly: a 64x48 RGB PNG of about 9 KB (more than `ulimit -f 1`,
# less than a pipe's 64 KiB buffer).
px = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
raw = b''.join(b'\0' + px[y].tobytes() for y in range(48))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
open('in.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 64, 48, 8, 2, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PY
OLD='the previous contents'
AS_ROOT=0
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && AS_ROOT=1

# The reference result, written to a plain new file.
expect_exit 0 -- ct apply -k identity in.png ref.png
REF_SIZE=$(stat -c %s ref.png)

# A directory every user may enter (the case's own temp dir is private).
SHARED=
cleanup_shared() { [ -n "$SHARED" ] && rm -rf -- "$SHARED"; }
trap cleanup_shared EXIT
if [ "$AS_ROOT" = 1 ]; then
    SHARED=$(mktemp -d /tmp/convtool-safety.XXXXXX)
    chmod 755 "$SHARED"
    cp in.png "$SHARED/"
fi
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_other() { setpriv --reuid=4321 --regid=4321 --clear-groups "$@"; } # a third user
link_is_kept() { # LINK TARGET-TEXT
    _count
    [ -L "$1" ] && [ "$(readlink -- "$1")" = "$2" ] || _fail "$1 is no longer a link to $2"
}

## 5a. A link to a missing file: refused, nothing created where it points.
ln -s missing.png dangling.png
expect_exit 1 -- ct apply -k identity in.png dangling.png
expect_error_prefix
expect_stderr_contains 'dangling.png: is a symbolic link to a missing file (missing.png)'
expect_stderr_contains 'does not create files through links'
expect_file_absent missing.png
link_is_kept dangling.png missing.png
expect_no_temp
# ... at the end of a chain, and into a directory that exists
mkdir sub
ln -s sub/gone.png hop1.png
ln -s "$PWD/hop1.png" hop2.png
expect_exit 1 -- ct apply -k identity in.png hop2.png
expect_stderr_contains 'hop2.png: is a symbolic link to a missing file'
expect_stderr_contains 'gone.png'
expect_file_absent sub/gone.png
expect_no_temp
# ... in a batch too: the other outputs are written, that one is not
mkdir batchdir
cp in.png b1.png
cp in.png b2.png
ln -s ../elsewhere.png batchdir/b2.png
expect_exit 1 -- ct apply -k identity -J 1 -o batchdir b1.png b2.png
expect_stderr_contains 'batchdir/b2.png: is a symbolic link to a missing file'
expect_file_absent elsewhere.png
expect_same_bytes batchdir/b1.png ref.png
expect_no_temp

## 5c. A link to an existing file: that file is replaced (temp beside it), the link kept.
mkdir real
printf '%s\n' "$OLD" >real/target.png
chmod 600 real/target.png
ln -s real/target.png via.png
expect_exit 0 -- ct apply -k identity in.png via.png
expect_same_bytes real/target.png ref.png
link_is_kept via.png real/target.png
expect_eq "$(stat -c %a real/target.png)" 600 "mode of the link's target"
expect_no_temp

## 5b. Links in a sticky world-writable directory (the fs.protected_symlinks rule).
if [ "$AS_ROOT" = 1 ]; then
    STICKY=$SHARED/sticky
    mkdir -m 1777 "$STICKY"
    printf '%s\n' "$OLD" >"$SHARED/victim.png"
    chmod 644 "$SHARED/victim.png"
    before=$(sha256sum <"$SHARED/victim.png")
    # nobody plants links in the sticky directory; root must not follow them
    as_nobody ln -s "$SHARED/victim.png" "$STICKY/planted.png"
    as_nobody ln -s "$SHARED/created-by-root.png" "$STICKY/planted-dangling.png"
    expect_exit 1 -- ct apply -k identity in.png "$STICKY/planted.png"
    expect_error_prefix
    expect_stderr_contains "$STICKY/planted.png: is a symbolic link in a sticky world-writable directory"
    expect_stderr_contains 'does not follow it'
    expect_eq "$(sha256sum <"$SHARED/victim.png")" "$before" "the planted link's target"
    link_is_kept "$STICKY/planted.png" "$SHARED/victim.png"
    expect_exit 1 -- ct apply -k identity in.png "$STICKY/planted-dangling.png"
    expect_stderr_contains 'sticky world-writable directory'
    expect_file_absent "$SHARED/created-by-root.png"
    # a planted link as the second hop of a chain root made itself
    ln -s "$STICKY/planted.png" "$SHARED/mine-to-planted.png"
    expect_exit 1 -- ct apply -k identity in.png "$SHARED/mine-to-planted.png"
    expect_stderr_contains "$STICKY/planted.png is a symbolic link in a sticky"
    expect_eq "$(sha256sum <"$SHARED/victim.png")" "$before" "the planted link's target"
    # root's own link there is followed; so is a link of the directory's owner
    ln -s "$SHARED/victim.png" "$STICKY/roots.png"
    expect_exit 0 -- ct apply -k identity in.png "$STICKY/roots.png"
    expect_same_bytes "$SHARED/victim.png" ref.png
    expect_no_temp "$SHARED"
    # as the unprivileged user nobody: a third user's link is refused, its own followed
    mkdir -m 1777 "$SHARED/sticky2"
    mkdir "$SHARED/nb"
    touch "$SHARED/nb/nobodys.png"
    chown nobody:nogroup "$SHARED/nb" "$SHARED/nb/nobodys.png"
    as_other ln -s "$SHARED/nb/nobodys.png" "$SHARED/sticky2/other.png"
    as_nobody ln -s "$SHARED/nb/nobodys.png" "$SHARED/sticky2/own.png"
    expect_exit 1 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$SHARED/sticky2/other.png"
    expect_stderr_contains "$SHARED/sticky2/other.png: is a symbolic link in a sticky"
    expect_eq "$(stat -c %s "$SHARED/nb/nobodys.png")" 0 "a third user's link's target"
    expect_exit 0 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$SHARED/sticky2/own.png"
    expect_same_bytes "$SHARED/nb/nobodys.png" ref.png
    # and nobody's own dangling link creates nothing either
    as_nobody ln -s "$SHARED/sticky2/nowhere.png" "$SHARED/sticky2/own-dangling.png"
    expect_exit 1 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$SHARED/sticky2/own-dangling.png"
    expect_stderr_contains 'is a symbolic link to a missing file'
    expect_file_absent "$SHARED/sticky2/nowhere.png"
    expect_no_temp "$SHARED"
else
    echo "note: not root or no setpriv: the sticky-directory link part is skipped"
fi

## R1. Links in the middle of the path: the same rule as for the last one.
if [ "$AS_ROOT" = 1 ]; then
    mkdir "$SHARED/vict"
    # nobody plants a link to a directory; root must not write through it
    as_nobody ln -s "$SHARED/vict" "$STICKY/ldir"
    expect_exit 1 -- ct apply -k identity in.png "$STICKY/ldir/file.png"
    expect_error_prefix
    expect_stderr_contains "$STICKY/ldir/file.png: $STICKY/ldir is a symbolic link in a sticky"
    expect_stderr_contains 'does not follow it (the fs.protected_symlinks rule)'
    expect_file_absent "$SHARED/vict/file.png"
    expect_no_temp "$SHARED/vict"
    # ... relative to the cwd, deeper down, and behind root's own link to it
    expect_exit 1 -- bash -c 'cd "$1" && exec "$2" apply -k identity "$3" ldir/./file.png' _ "$STICKY" "$CONVTOOL" "$PWD/in.png"
    expect_stderr_contains 'ldir/./file.png: ldir is a symbolic link in a sticky'
    mkdir "$SHARED/vict/deep"
    expect_exit 1 -- ct apply -k identity in.png "$STICKY/ldir/deep/file.png"
    expect_stderr_contains "$STICKY/ldir is a symbolic link in a sticky"
    ln -s "$STICKY" "$SHARED/to-sticky"
    expect_exit 1 -- ct apply -k identity in.png "$SHARED/to-sticky/ldir/file.png"
    expect_stderr_contains "$STICKY/ldir is a symbolic link in a sticky"
    expect_file_absent "$SHARED/vict/file.png"
    expect_file_absent "$SHARED/vict/deep/file.png"
    # a planted link to the final link's directory, inside the final link's target
    ln -s "$STICKY/ldir/file.png" "$SHARED/mine-via-ldir.png"
    expect_exit 1 -- ct apply -k identity in.png "$SHARED/mine-via-ldir.png"
    expect_stderr_contains "$STICKY/ldir is a symbolic link in a sticky"
    expect_file_absent "$SHARED/vict/file.png"
    # root's own link in the middle is followed
    ln -s "$SHARED/vict" "$STICKY/rootdir"
    expect_exit 0 -- ct apply -k identity in.png "$STICKY/rootdir/file.png"
    expect_same_bytes "$SHARED/vict/file.png" ref.png
    expect_no_temp "$SHARED/vict"
    # as nobody: a third user's link in the middle is refused, its own followed
    as_other ln -s "$SHARED/nb" "$SHARED/sticky2/other-dir"
    as_nobody ln -s "$SHARED/nb" "$SHARED/sticky2/own-dir"
    expect_exit 1 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$SHARED/sticky2/other-dir/mid.png"
    expect_stderr_contains "$SHARED/sticky2/other-dir is a symbolic link in a sticky"
    expect_file_absent "$SHARED/nb/mid.png"
    expect_exit 0 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$SHARED/sticky2/own-dir/mid.png"
    expect_same_bytes "$SHARED/nb/mid.png" ref.png
    expect_no_temp "$SHARED/nb"
else
    echo "note: not root or no setpriv: the middle-link part is skipped"
fi
# ".." after a link is the link target's parent, as for the kernel
mkdir -p deep/inner
ln -s deep/inner inner-link
expect_exit 0 -- ct apply -k identity in.png inner-link/../up.png
expect_same_bytes deep/up.png ref.png
expect_file_absent up.png
# a dangling link in the middle: no directory is created anywhere
ln -s no-such-dir gone-dir
expect_exit 1 -- ct apply -k identity in.png gone-dir/out.png
expect_stderr_contains 'gone-dir/out.png: the directory gone-dir/ is a symbolic link to a missing directory (no-such-dir); create it or fix the link'
expect_file_absent no-such-dir

## 6. /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: the open descriptor, as "-".
ct apply -k identity -f png in.png /dev/stdout 2>stdout.err | cat >piped.png
expect_eq "$?:$(cat stdout.err)" "0:" "/dev/stdout into a pipe"
expect_same_bytes piped.png ref.png
printf 'earlier line\n' >log
ct apply -k identity -f png in.png /dev/stdout >>log 2>stdout.err
expect_eq "$?:$(cat stdout.err)" "0:" "/dev/stdout appended to a log"
expect_eq "$(head -n 1 log)" "earlier line" "the log's earlier content"
tail -c +14 log >appended.png
expect_same_bytes appended.png ref.png
expect_no_temp
ct apply -k identity -f png in.png /dev/stderr 2>>log
expect_eq "$?" 0 "/dev/stderr appended to the log"
expect_eq "$(stat -c %s log)" "$((13 + 2 * REF_SIZE))" "log size after two appends"
expect_exit 0 -- ct apply -k identity -f png in.png /dev/fd/3 3>fd3.png
expect_same_bytes fd3.png ref.png
expect_exit 0 -- ct apply -k identity -f png in.png /proc/self/fd/4 4>fd4.png
expect_same_bytes fd4.png ref.png
expect_no_temp
# a descriptor that is not open: an error, and nothing is created anywhere
expect_exit 1 -- ct apply -k identity -f png in.png /dev/fd/9
expect_error_prefix
expect_stderr_contains '/dev/fd/9: cannot write: Bad file descriptor'
# a link to /dev/stdout is the descriptor too
ln -s /dev/stdout to-stdout.png
ct apply -k identity in.png to-stdout.png 2>stdout.err | cat >piped2.png
expect_eq "$?:$(cat stdout.err)" "0:" "a link to /dev/stdout"
expect_same_bytes piped2.png ref.png
link_is_kept to-stdout.png /dev/stdout

## R2. Other spellings of a descriptor name: still the descriptor, never replaced.
for spelling in /dev/./fd/1 /dev//fd/1 /dev/fd/./1 /proc/thread-self/fd/1 /proc/self/../self/fd/1; do
    printf 'earlier line\n' >log4
    ct apply -k identity -f png in.png "$spelling" >>log4 2>stdout.err
    expect_eq "$?:$(cat stdout.err)" "0:" "$spelling appended to a log"
    expect_eq "$(head -n 1 log4)" "earlier line" "the log's earlier content ($spelling)"
    tail -c +14 log4 >appended4.png
    expect_same_bytes appended4.png ref.png
done
# /proc/<own pid>/fd/1 (exec keeps the shell's pid for convtool)
printf 'earlier line\n' >log4
bash -c 'exec "$0" apply -k identity -f png in.png "/proc/$$/fd/1"' "$CONVTOOL" >>log4 2>stdout.err
expect_eq "$?:$(cat stdout.err)" "0:" "/proc/<pid>/fd/1 appended to a log"
expect_eq "$(head -n 1 log4)" "earlier line" "the log's earlier content (/proc/<pid>/fd/1)"
# a link to an odd spelling, and an odd spelling of fd 3 open on a file
ln -s /dev/./fd/1 odd-stdout.png
printf 'earlier line\n' >log4
ct apply -k identity in.png odd-stdout.png >>log4 2>stdout.err
expect_eq "$?:$(cat stdout.err)" "0:" "a link to /dev/./fd/1"
expect_eq "$(head -n 1 log4)" "earlier line" "the log's earlier content (a link)"
link_is_kept odd-stdout.png /dev/./fd/1
expect_exit 0 -- ct apply -k identity -f png in.png /dev//fd/3 3>>log4
expect_eq "$(head -n 1 log4)" "earlier line" "the log's earlier content (fd 3)"
expect_no_temp
# ... not open: the same error as /dev/fd/9, nothing created
expect_exit 1 -- ct apply -k identity -f png in.png /dev/./fd/9
expect_stderr_contains '/dev/./fd/9: cannot write: Bad file descriptor'

## R3. A FIFO swapped for a regular file between the check and the open: not written.
# The shim renames FROM over the name just before convtool's direct open of it.
cat >swapopen.c <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
static int swapped(int dir, const char *path, int flags, va_list ap)
{
    const char *from = getenv("SWAPOPEN_FROM");
    int mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    if (from && (flags & O_NONBLOCK) && (flags & O_ACCMODE) == O_WRONLY)
        syscall(SYS_renameat, AT_FDCWD, from, dir, path);
    return (int)syscall(SYS_openat, dir, path, flags, mode);
}
int openat(int dir, const char *path, int flags, ...)
{ va_list ap; va_start(ap, flags); int r = swapped(dir, path, flags, ap); va_end(ap); return r; }
int openat64(int dir, const char *path, int flags, ...)
{ va_list ap; va_start(ap, flags); int r = swapped(dir, path, flags, ap); va_end(ap); return r; }
C
if cc -shared -fPIC -O2 -o libswapopen.so swapopen.c 2>/dev/null; then
    mkfifo swapped.png
    printf '%s\n' "$OLD" >swap-in.png
    run env LD_PRELOAD="$PWD/libswapopen.so" SWAPOPEN_FROM="$PWD/swap-in.png" \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        timeout 10 "$CONVTOOL" apply -k identity in.png swapped.png
    expect_eq "$LAST_RC" 1 "exit when the FIFO was swapped"
    expect_error_prefix
    expect_stderr_contains 'swapped.png: cannot write: Resource temporarily unavailable'
    expect_eq "$(cat swapped.png)" "$OLD" "the regular file swapped in"
    expect_no_temp
else
    echo "note: no C compiler: the swapped-FIFO part is skipped"
fi

## R4. Another user's file in a sticky world-writable directory is not replaced.
if [ "$AS_ROOT" = 1 ]; then
    as_nobody sh -c 'printf "%s\n" "$1" >"$2"' _ "$OLD" "$STICKY/nobodys-out.png"
    expect_exit 1 -- ct apply -k identity in.png "$STICKY/nobodys-out.png"
    expect_error_prefix
    expect_stderr_contains "$STICKY/nobodys-out.png: belongs to another user in a sticky world-writable directory"
    expect_stderr_contains 'convtool does not replace it (the fs.protected_regular rule)'
    expect_eq "$(cat "$STICKY/nobodys-out.png")" "$OLD" "nobody's file in the sticky directory"
    expect_eq "$(stat -c %U "$STICKY/nobodys-out.png")" nobody "its owner"
    expect_no_temp "$STICKY"
    # through root's own link from elsewhere: the file reached is what counts
    ln -s "$STICKY/nobodys-out.png" "$SHARED/mine-to-nobodys.png"
    expect_exit 1 -- ct apply -k identity in.png "$SHARED/mine-to-nobodys.png"
    expect_stderr_contains "$SHARED/mine-to-nobodys.png: $STICKY/nobodys-out.png belongs to another user"
    expect_eq "$(cat "$STICKY/nobodys-out.png")" "$OLD" "nobody's file, through a link"
    # root's own file there, and nobody's own file as nobody, are replaced
    printf '%s\n' "$OLD" >"$STICKY/roots-out.png"
    expect_exit 0 -- ct apply -k identity in.png "$STICKY/roots-out.png"
    expect_same_bytes "$STICKY/roots-out.png" ref.png
    expect_exit 0 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$STICKY/nobodys-out.png"
    expect_same_bytes "$STICKY/nobodys-out.png" ref.png
    # the directory's owner's files are fair game (as the kernel's rule): nobody's sticky dir
    mkdir -m 1777 "$SHARED/sticky-nb"
    chown nobody "$SHARED/sticky-nb"
    as_nobody touch "$SHARED/sticky-nb/owners.png"
    expect_exit 0 -- ct apply -k identity in.png "$SHARED/sticky-nb/owners.png"
    expect_same_bytes "$SHARED/sticky-nb/owners.png" ref.png
    # as nobody, a third user's file: refused with the same message
    as_other touch "$STICKY/others.png"
    expect_exit 1 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$STICKY/others.png"
    expect_stderr_contains "$STICKY/others.png: belongs to another user in a sticky"
    expect_eq "$(stat -c %s "$STICKY/others.png")" 0 "a third user's file"
    # a new file there is created as usual
    expect_exit 0 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$STICKY/new-by-nobody.png"
    expect_same_bytes "$STICKY/new-by-nobody.png" ref.png
    expect_no_temp "$STICKY"
else
    echo "note: not root or no setpriv: the protected_regular part is skipped"
fi

## 7. Replacing a file keeps its owner, group and mode.
if [ "$AS_ROOT" = 1 ]; then
    printf '%s\n' "$OLD" >owned.png
    chown nobody:nogroup owned.png
    chmod 0640 owned.png
    expect_exit 0 -- ct apply -k identity in.png owned.png
    expect_same_bytes owned.png ref.png
    expect_eq "$(stat -c '%U:%G %a' owned.png)" "nobody:nogroup 640" "owner, group, mode as root"
    # through a link, too
    chown nobody:nogroup real/target.png
    expect_exit 0 -- ct apply -k identity in.png via.png
    expect_eq "$(stat -c '%U:%G %a' real/target.png)" "nobody:nogroup 600" "the link's target"
    # nobody may not give a file away: the write goes on (as cp), the group bits
    # becoming what others had, so the new group gains nothing
    mkdir -m 777 "$SHARED/shared"
    printf '%s\n' "$OLD" >"$SHARED/shared/roots.png"
    chmod 0666 "$SHARED/shared/roots.png"
    expect_exit 0 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$SHARED/shared/roots.png"
    expect_same_bytes "$SHARED/shared/roots.png" ref.png
    expect_eq "$(stat -c '%U:%G %a' "$SHARED/shared/roots.png")" "nobody:nogroup 666" "as nobody"
    printf '%s\n' "$OLD" >"$SHARED/shared/grp.png"
    chmod 0672 "$SHARED/shared/grp.png" # group rwx, others -w-: nogroup gets only -w-
    expect_exit 0 -- as_nobody "$CONVTOOL" apply -k identity "$SHARED/in.png" "$SHARED/shared/grp.png"
    expect_eq "$(stat -c '%U:%G %a' "$SHARED/shared/grp.png")" "nobody:nogroup 622" "group bits cut to others'"
    expect_no_temp "$SHARED"
else
    echo "note: not root: the ownership part is skipped"
fi

## 10. A failed write whose temp cannot be removed names that temp.
FAILUNLINK=$(dirname -- "$CONVTOOL")/tests/fault/libfailunlink.so # built by tests/CMakeLists.txt
[ -f "$FAILUNLINK" ] || FAILUNLINK=
if [ -z "$FAILUNLINK" ]; then
    # run.sh on a binary from elsewhere: build the shim here.
    cc -shared -fPIC -O2 -o libfailunlink.so "$SOURCE_DIR/tests/fault/failunlink.c" &&
        FAILUNLINK=$PWD/libfailunlink.so
fi
if [ -n "$FAILUNLINK" ]; then
    mkdir left
    # ulimit -f 1: the temp stops at 1 KiB (EFBIG; convtool ignores SIGXFSZ), and
    # the shim keeps it from being removed. ASan must accept a preloaded library.
    run bash -c 'ulimit -f 1; exec env LD_PRELOAD="$1" FAILUNLINK_MATCH=.convtool- \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        "$2" apply -k identity in.png left/out.png' _ "$FAILUNLINK" "$CONVTOOL"
    expect_eq "$LAST_RC" 1 "exit of the failed write"
    expect_error_prefix
    expect_stderr_contains 'left/out.png: cannot write: File too large'
    leftover=$(find left -name '.out.png.convtool-*')
    expect_eq "$(echo "$leftover" | wc -w)" 1 "one leftover temp"
    expect_stderr_contains "; the partial temp file $leftover could not be removed: Permission denied"
    expect_file_absent left/out.png
    rm -f -- left/.out.png.convtool-*
    expect_stderr_not_contains 'Sanitizer'
else
    _count
    _fail "no failunlink shim (build tests/fault/failunlink.c)"
fi

## 11. FIFOs: never waited for.
mkfifo lonely.png
expect_exit 1 -- timeout 10 "$CONVTOOL" apply -k identity in.png lonely.png
expect_error_prefix
expect_stderr_contains 'lonely.png: a FIFO with no reader'
# with a reader it is written as a stream (fd 5 holds the FIFO open for reading)
mkfifo read.png
exec 5<>read.png
expect_exit 0 -- timeout 10 "$CONVTOOL" apply -k identity in.png read.png
timeout 10 head -c "$REF_SIZE" <&5 >from-fifo.png
exec 5<&-
expect_same_bytes from-fifo.png ref.png
# a batch refuses a FIFO (or a directory, a device) named like an output, before any work
mkdir fifodir
mkfifo fifodir/b2.png
expect_exit 1 -- timeout 10 "$CONVTOOL" apply -k identity -o fifodir b1.png b2.png
expect_error_prefix
expect_stderr_contains 'fifodir/b2.png: is a FIFO; a batch (-o) writes only regular files'
expect_file_absent fifodir/b1.png
rm fifodir/b2.png
mkdir fifodir/b2.png
expect_exit 1 -- timeout 10 "$CONVTOOL" apply -k identity -o fifodir b1.png b2.png
expect_stderr_contains 'fifodir/b2.png: is a directory; a batch (-o) writes only regular files'
rmdir fifodir/b2.png
ln -s /dev/null fifodir/b2.png
expect_exit 1 -- timeout 10 "$CONVTOOL" apply -k identity -o fifodir b1.png b2.png
expect_stderr_contains 'fifodir/b2.png: is a device'
expect_file_absent fifodir/b1.png
expect_no_temp

## 18. Messages: an empty OUTPUT or -o, a -o that is a dangling link.
expect_exit 2 -- ct apply -k identity -f png in.png ''
expect_error_prefix
expect_stderr_contains 'OUTPUT is empty'
expect_exit 2 -- ct apply -k identity in.png ''
expect_stderr_contains 'OUTPUT is empty'
expect_exit 2 -- ct apply -k identity -o '' in.png
expect_stderr_contains '-o DIR is empty'
ln -s no-such-dir outdir-link
expect_exit 1 -- ct apply -k identity -o outdir-link in.png
expect_error_prefix
expect_stderr_contains '-o outdir-link: is a symbolic link to a missing directory (no-such-dir)'
expect_stderr_not_contains 'Not a directory'
expect_file_absent no-such-dir
expect_exit 1 -- ct apply -k identity -o outdir-link/deeper in.png
expect_stderr_contains '-o outdir-link/deeper: outdir-link is a symbolic link to a missing directory'
expect_file_absent no-such-dir
