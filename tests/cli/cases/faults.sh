# Fault injection (issue 4, part 5): a full disk (a 64 KiB tmpfs, /dev/full), a
# file-size limit (ulimit -f, with SIGXFSZ at its default and ignored), an
# unwritable output directory (a read-only tmpfs, and the user nobody), an
# output directory removed while the job runs, SIGINT/SIGTERM/SIGHUP in a
# batch at -J 2, and allocation failure at every allocation of small jobs
# (tests/fault/failmalloc.c, an LD_PRELOAD shim).
#
# After each fault: the right exit code, a "convtool:" message naming the file
# and the reason, the destination absent or byte-identical to before, no
# ".convtool-" temp file, the input untouched, no crash or sanitizer report.
# Needs root for the tmpfs and nobody parts; they are skipped (with a note) if not.

ASAN_BUILD=0
grep -qa -e __asan_init -e __tsan_init "$CONVTOOL" && ASAN_BUILD=1

"$PY" - <<'PY'
import numpy as np, struct, zlib
rng = np.random.default_rng(4)
# Noise compresses badly: a 64x48 RGB PNG of about 9 KB, a 48 KB .npy.
px = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
raw = b''.join(b'\0' + px[y].tobytes() for y in range(48))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
open('small.png', 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 64, 48, 8, 2, 0, 0, 0))
                              + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
np.save('small.npy', rng.random((3, 64, 64), dtype=np.float32))
np.save('tiny.npy', rng.random((3, 8, 8), dtype=np.float32))
# Long enough jobs to be interrupted: about 0.2 s each with the 31x31 kernel below.
for i in range(6):
    np.save('slow%d.npy' % i, rng.random((1400, 1400), dtype=np.float32))
r = np.random.default_rng(5)
open('k31.txt', 'w').write('\n'.join(' '.join('%.2f' % v for v in row) for row in r.uniform(-1, 1, (31, 31))) + '\n')
PY
sha256sum small.png small.npy tiny.npy slow*.npy k31.txt >inputs.sha256
OLD='the previous contents of the destination'

# fault_check CODE DEST BEFORE [REASON...], after a `run` (lib.sh):
# exit CODE, the prefix, DEST named, DEST byte-identical to BEFORE ("" = absent),
# one of the REASON words (case-insensitive) in stderr, no temp, no sanitizer report.
# BEFORE "-": DEST is a device, not compared. Temps found are removed after
# being reported, so that one failure does not fail every later check.
fault_check() {
    local code=$1 dest=$2 before=$3
    shift 3
    _count
    if [ "$LAST_RC" != "$code" ]; then
        _fail "expected exit $code, got $LAST_RC"
        _show_last
    fi
    expect_error_prefix
    expect_stderr_contains "$dest"
    if [ $# -gt 0 ]; then
        _count
        local w found=0
        for w in "$@"; do grep -qiF -- "$w" "$ERR" && found=1; done
        [ "$found" = 1 ] || { _fail "stderr gives none of the reasons: $*"; _show_last; }
    fi
    if [ "$before" = - ]; then
        : # a device: nothing to compare
    elif [ -n "$before" ]; then
        expect_eq "$(sha256sum <"$dest" 2>&1)" "$before" "contents of $dest"
    else
        expect_file_absent "$dest"
    fi
    expect_no_temp "$(dirname -- "$dest")" ||
        find "$(dirname -- "$dest")" -maxdepth 1 -name '.*.convtool-*' -delete
    expect_stderr_not_contains 'Sanitizer'
}

# Mount points made here are unmounted however the case ends.
MOUNTS=()
cleanup_mounts() {
    local m
    for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
    [ -n "${NOBODY_DIR:-}" ] && rm -rf -- "$NOBODY_DIR"
}
trap cleanup_mounts EXIT
trap 'exit 143' TERM # run.sh's timeout: still unmount
mount_tmpfs() { # DIR SIZE
    mkdir -p "$1"
    mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null || return 1
    MOUNTS+=("$1")
}

## /dev/full: every kind of output reports ENOSPC (errors.sh covers PNG and stdout).
if [ -w /dev/full ]; then
    run ct apply -k sharpen small.npy /dev/full -f npy
    fault_check 1 /dev/full - space
    run ct apply -k sharpen small.png /dev/full -f jpg
    fault_check 1 /dev/full - space
    expect_exit 1 -- bash -c '"$CONVTOOL" kernels show sharpen >/dev/full'
    expect_error_prefix
    expect_exit 1 -- bash -c '"$CONVTOOL" kernels show --as npy sharpen >/dev/full'
    expect_error_prefix
    expect_exit 1 -- bash -c '"$CONVTOOL" shape -k 3 small.png >/dev/full'
    expect_error_prefix
fi

## A full disk: a 64 KiB tmpfs.
if mount_tmpfs full 64k; then
    # A 7.8 MB result does not fit: nothing is left behind, not even a partial temp.
    run ct apply -k sharpen -p 0 slow0.npy full/new.npy
    fault_check 1 full/new.npy "" space
    expect_eq "$(find full -mindepth 1 | wc -l)" 0 "files left on the full tmpfs"
    # An existing destination survives a write that does not fit.
    printf '%s\n' "$OLD" >full/old.npy
    before=$(sha256sum <full/old.npy)
    run ct apply -k sharpen slow1.npy full/old.npy
    fault_check 1 full/old.npy "$before" space
    # In place: the input fits, the input and its result together do not.
    rm -f full/old.npy
    cp small.npy full/inplace.npy
    run ct apply -k sharpen full/inplace.npy full/inplace.npy
    fault_check 1 full/inplace.npy "$(sha256sum <small.npy)" space
    rm -f full/inplace.npy
    # Batch: what fits is complete, what does not is absent, the status is 1.
    ct apply -k sharpen small.npy ref-small.npy
    ct apply -k sharpen tiny.npy ref-tiny.npy
    expect_exit 1 -- ct apply -k sharpen -J 1 -o full/b tiny.npy slow2.npy small.npy
    expect_error_prefix
    expect_stderr_contains slow2.npy
    expect_same_bytes full/b/tiny.npy ref-tiny.npy
    expect_file_absent full/b/slow2.npy
    if [ -e full/b/small.npy ]; then expect_same_bytes full/b/small.npy ref-small.npy; fi
    expect_no_temp full
    # Read-only: the same tmpfs remounted.
    mount -o remount,ro full
    run ct apply -k sharpen tiny.npy full/ro.npy
    fault_check 1 full/ro.npy "" read-only permission
    expect_exit 1 -- ct apply -k sharpen -o full/newdir tiny.npy
    expect_error_prefix
    expect_stderr_contains full/newdir
    expect_file_absent full/newdir
    umount full && MOUNTS=()
else
    echo "note: cannot mount a tmpfs (not root?): full-disk and read-only parts skipped"
fi

## ulimit -f: the write fails with EFBIG. With SIGXFSZ at its default the kernel
## kills a process that writes past the limit unless it ignores the signal;
## convtool should ignore it and report the error like any other failed write.
# with_fsize DISPOSITION CMD...: CMD under a 16 KiB RLIMIT_FSIZE, SIGXFSZ default or ignored.
with_fsize() {
    "$PY" -c '
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_DFL if sys.argv[1] == "default" else signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
os.execvp(sys.argv[2], sys.argv[2:])' "$@"
}
for disp in default ignore; do
    printf '%s\n' "$OLD" >"fsz-$disp.npy"
    before=$(sha256sum <"fsz-$disp.npy")
    # a 48 KB result
    run with_fsize "$disp" "$CONVTOOL" apply -k sharpen small.npy "fsz-$disp.npy"
    fault_check 1 "fsz-$disp.npy" "$before" "too large" "file size" limit
    run with_fsize "$disp" "$CONVTOOL" apply -k sharpen small.npy "fsz-new-$disp.npy"
    fault_check 1 "fsz-new-$disp.npy" "" "too large" "file size" limit
    # a batch goes on to the next file after the one that is too large
    run with_fsize "$disp" "$CONVTOOL" apply -k sharpen -J 1 -o "fsz-b-$disp" small.npy tiny.npy
    fault_check 1 "fsz-b-$disp/small.npy" "" "too large" "file size" limit
    expect_file_exists "fsz-b-$disp/tiny.npy"
done

## An output directory nobody may write to, as the user nobody (root ignores modes).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    # The case's own temp dir is private: nobody gets a world-readable one.
    NOBODY_DIR=$(mktemp -d /tmp/convtool-faults-nobody.XXXXXX)
    chmod 755 "$NOBODY_DIR"
    cp "$CONVTOOL" small.png "$NOBODY_DIR/"
    mkdir -m 755 "$NOBODY_DIR/locked"
    printf '%s\n' "$OLD" >"$NOBODY_DIR/locked/old.png"
    chmod 666 "$NOBODY_DIR/locked/old.png" # writable file, unwritable directory
    before=$(sha256sum <"$NOBODY_DIR/locked/old.png")
    NB=(setpriv --reuid=65534 --regid=65534 --clear-groups "$NOBODY_DIR/${CONVTOOL##*/}")
    run "${NB[@]}" apply -k sharpen "$NOBODY_DIR/small.png" "$NOBODY_DIR/locked/new.png"
    fault_check 1 "$NOBODY_DIR/locked/new.png" "" permission
    run "${NB[@]}" apply -k sharpen "$NOBODY_DIR/small.png" "$NOBODY_DIR/locked/old.png"
    fault_check 1 "$NOBODY_DIR/locked/old.png" "$before" permission
    expect_exit 1 -- "${NB[@]}" apply -k sharpen -o "$NOBODY_DIR/locked/sub" "$NOBODY_DIR/small.png"
    expect_error_prefix
    expect_stderr_contains "$NOBODY_DIR/locked/sub"
    expect_file_absent "$NOBODY_DIR/locked/sub"
    # An unreadable input, too.
    chmod 600 "$NOBODY_DIR/small.png"
    expect_exit 1 -- "${NB[@]}" apply -k sharpen "$NOBODY_DIR/small.png" /dev/null -f png
    expect_error_prefix
    expect_stderr_contains "$NOBODY_DIR/small.png"
    expect_stderr_contains 'ermission'
    rm -rf -- "$NOBODY_DIR"
    NOBODY_DIR=
else
    echo "note: not root or no setpriv: the user-nobody part is skipped"
fi

## The output directory removed while the job runs (single file, and a batch).
## If the job wins the race and finishes first, that is fine (exit 0), but
## nothing may be left in the way: no temp, no half file, no recreated directory.
expect_py_checks '
import glob, os, shutil, subprocess, time
ct = os.environ["CONVTOOL"]
def check(cond, text): print(("ok: " if cond else "not ok: ") + text)
def temps(): return glob.glob("**/.*.convtool-*", recursive=True) + glob.glob("**/*.convtool-*", recursive=True)
def remove(d):
    # convtool may create its temp file in d while rmtree empties it: retry
    for _ in range(200):
        shutil.rmtree(d, ignore_errors=True)
        if not os.path.exists(d):
            return
        time.sleep(0.01)
def run(args):
    t0 = time.monotonic()
    p = subprocess.run([ct, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return p, time.monotonic() - t0

os.mkdir("vref")
_, dur = run(["apply", "--quiet", "-k", "k31.txt", "slow0.npy", "vref/out.npy"])
for frac in (0.1, 0.5, 0.9):
    os.mkdir("gone")
    p = subprocess.Popen([ct, "apply", "--quiet", "-k", "k31.txt", "slow0.npy", "gone/out.npy"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(frac * dur)
    remove("gone")
    _, err = p.communicate(timeout=120)
    what = "directory removed after %.2fs of %.2fs" % (frac * dur, dur)
    if p.returncode == 0:
        check(not os.path.exists("gone"), what + ": finished first, nothing recreated")
    else:
        check(p.returncode == 1, what + ": exit %d, expected 1" % p.returncode)
        check(err.startswith(b"convtool:") and b"gone/out.npy" in err, what + ": message %r" % err[-200:])
        check(not os.path.exists("gone"), what + ": the directory is not recreated")
    check(b"Sanitizer" not in err, what + ": no sanitizer report")
    check(not temps(), what + ": no temp left: %s" % temps())

# Batch: the directory goes away after the first files; the rest fail, status 1.
ins = ["slow%d.npy" % i for i in range(6)]
p = subprocess.Popen([ct, "apply", "--quiet", "-J", "1", "-j", "1", "-k", "k31.txt", "-o", "bgone", *ins],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
time.sleep(2 * dur)
remove("bgone")
_, err = p.communicate(timeout=300)
check(p.returncode in (0, 1), "batch with its directory removed: exit %d" % p.returncode)
if p.returncode == 1:
    check(err.startswith(b"convtool:") and b"bgone/" in err, "batch: message names the output %r" % err[-300:])
left = glob.glob("bgone/*")
ref = open("vref/out.npy", "rb").read()
for f in left:
    # anything written after the removal lands in a recreated directory: must be complete
    check(os.path.getsize(f) == len(ref), "batch: %s is complete" % f)
check(b"Sanitizer" not in err, "batch: no sanitizer report")
check(not temps(), "batch: no temp left: %s" % temps())
'

## SIGINT/SIGTERM/SIGHUP during a batch at -J 2 (signals.sh covers single files):
## the status is 128+signal, no temp is left, each output is complete or absent.
expect_py_checks '
import glob, os, signal, subprocess, time
ct = os.environ["CONVTOOL"]
def check(cond, text): print(("ok: " if cond else "not ok: ") + text)
def temps(): return glob.glob("**/.*.convtool-*", recursive=True) + glob.glob("**/*.convtool-*", recursive=True)
def default_signals():
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(s, signal.SIG_DFL)
ins = ["slow%d.npy" % i for i in range(6)]
def start(outdir):
    return subprocess.Popen([ct, "apply", "--quiet", "-J", "2", "-j", "2", "-k", "k31.txt", "-o", outdir, *ins],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=default_signals)
t0 = time.monotonic()
p = start("bref")
_, err = p.communicate(timeout=300)
dur = time.monotonic() - t0
check(p.returncode == 0, "reference batch exits 0 (%r)" % err[-200:])
ref = {f: open("bref/" + f, "rb").read() for f in ins if os.path.exists("bref/" + f)}
print("reference batch: %.2fs" % dur)
for frac in (0.05, 0.3, 0.6, 0.9):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        d = "b-%s-%d" % (sig.name, int(frac * 100))
        p = start(d)
        time.sleep(frac * dur)
        p.send_signal(sig)
        _, err = p.communicate(timeout=120)
        what = "batch -J 2, %s after %.2fs" % (sig.name, frac * dur)
        check(p.returncode in (128 + sig, 0), "%s: exit %s, expected %d" % (what, p.returncode, 128 + sig))
        check(not temps(), "%s: no temp left: %s" % (what, temps()))
        done = [f for f in ins if os.path.exists(os.path.join(d, f))]
        bad = [f for f in done if open(os.path.join(d, f), "rb").read() != ref.get(f)]
        check(not bad, "%s: outputs written are complete (%d done, bad: %s)" % (what, len(done), bad))
        if p.returncode == 0:
            check(len(done) == len(ins), "%s: finished: every output" % what)
        check(b"Sanitizer" not in err and b"Traceback" not in err, "%s: no crash report %r" % (what, err[-200:]))
'

## Allocation failure at every allocation of small jobs (Release builds only:
## an LD_PRELOAD malloc shim and ASan's allocator do not mix).
FAILMALLOC=$(dirname -- "$CONVTOOL")/tests/fault/libfailmalloc.so # built by tests/CMakeLists.txt
[ -f "$FAILMALLOC" ] || FAILMALLOC=
if [ -z "$FAILMALLOC" ] && [ "$ASAN_BUILD" = 0 ]; then
    # run.sh on a binary from elsewhere: build the shim here.
    cc -shared -fPIC -O2 -o libfailmalloc.so "$SOURCE_DIR/tests/fault/failmalloc.c" -ldl &&
        FAILMALLOC=$PWD/libfailmalloc.so
fi
if [ "$ASAN_BUILD" = 1 ]; then
    echo "note: sanitizer build: the allocation-failure part is skipped"
elif [ -z "$FAILMALLOC" ]; then
    _count
    _fail "no failmalloc shim (build tests/fault/failmalloc.c)"
else
    export FAILMALLOC
    expect_py_checks '
import hashlib, glob, os, subprocess
ct = os.environ["CONVTOOL"]
shim = os.environ["FAILMALLOC"]
old = b"the previous contents of the destination\n"
def check(cond, text): print(("ok: " if cond else "not ok: ") + text)
def temps(): return glob.glob("**/.*.convtool-*", recursive=True) + glob.glob("**/*.convtool-*", recursive=True)
def digest(p): return hashlib.sha256(open(p, "rb").read()).hexdigest()
inputs = {p: digest(p) for p in ("small.png", "small.npy")}

def run(args, dest, prefill, nth=0):
    if dest:
        if os.path.exists(dest): os.remove(dest)
        if prefill: open(dest, "wb").write(old)
    env = dict(os.environ, LD_PRELOAD=shim, FAILMALLOC_COUNT="fm.count")
    env.pop("FAILMALLOC_NTH", None)
    if nth: env["FAILMALLOC_NTH"] = str(nth)
    p = subprocess.run([ct, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    calls, injected = (int(x) for x in open("fm.count").read().split()) if os.path.exists("fm.count") else (-1, 0)
    if os.path.exists("fm.count"): os.remove("fm.count")
    out = open(dest, "rb").read() if dest and os.path.exists(dest) else None
    return p, calls, injected, out

def walk(name, args, dest=None, prefill=False):
    p, calls, _, ref_out = run(args, dest, prefill)
    check(p.returncode == 0 and calls > 0, "%s: counting run exits 0 with %d allocations (%r)" % (name, calls, p.stderr[-200:]))
    ref_stdout = p.stdout
    problems = {}
    def bad(kind, n, detail):
        problems.setdefault(kind, []).append("N=%d %s" % (n, detail))
    exits = {}
    for n in range(1, calls + 1):
        p, _, injected, out = run(args, dest, prefill, n)
        rc, err = p.returncode, p.stderr.decode(errors="replace")
        exits[rc] = exits.get(rc, 0) + 1
        first = err.splitlines()[0] if err else ""
        if rc >= 128 or rc < 0:
            bad("crash", n, "exit %d %r" % (rc, err[-200:]))
        elif rc == 0:
            # the failed allocation was optional: the result must be the full one
            if out != ref_out or p.stdout != ref_stdout:
                bad("exit 0 with a different result", n, "")
        elif rc != 1:
            bad("exit %d (expected 1)" % rc, n, repr(first))
        else:
            if not first.startswith("convtool:"):
                bad("message without the prefix", n, repr(err[:200]))
            elif not any(w in err.lower() for w in ("memory", "thread")):
                bad("message does not say out of memory", n, repr(first))
        if rc != 0 and dest:
            if prefill and out != old:
                bad("destination changed", n, "")
            if not prefill and out is not None:
                bad("destination created", n, "")
        if "Sanitizer" in err:
            bad("sanitizer report", n, "")
        if temps():
            bad("temp left", n, str(temps()))
            for t in temps(): os.remove(t)
        if not injected:
            bad("no failure injected (the job is not deterministic)", n, "")
    for p_, h in inputs.items():
        check(digest(p_) == h, "%s: input %s untouched" % (name, p_))
    check(not problems.get("crash"), "%s: no crash in %d runs: %s" % (name, calls, problems.pop("crash", [])[:5]))
    for kind, ns in sorted(problems.items()):
        check(False, "%s: %s at %d of %d allocations: %s" % (name, kind, len(ns), calls, "; ".join(ns[:4])))
    check(True, "%s: %d allocations walked, exits %s" % (name, calls, exits))

walk("apply png->png (new file)", ["apply", "-j", "1", "-k", "sharpen", "small.png", "fm-out.png"], "fm-out.png")
walk("apply png->png (existing file)", ["apply", "-j", "1", "-k", "sharpen", "small.png", "fm-old.png"], "fm-old.png", True)
walk("apply npy->npy", ["apply", "-j", "1", "-k", "sharpen", "small.npy", "fm-out.npy"], "fm-out.npy", True)
walk("apply batch", ["apply", "-j", "1", "-J", "1", "-k", "sharpen", "-o", "fm-dir", "small.npy"], "fm-dir/small.npy")
walk("shape", ["shape", "-k", "3", "small.png"])
walk("kernels show", ["kernels", "show", "sharpen"])
walk("kernels show --as npy", ["kernels", "show", "--as", "npy", "blur"])
'
fi

expect_py 'import subprocess; r = subprocess.run(["sha256sum", "-c", "--quiet", "inputs.sha256"]); assert r.returncode == 0, "an input changed"'
expect_no_temp .
