# SIGINT / SIGTERM / SIGHUP during a long apply: exit 128+signal (or 0 if it
# finished first), no temp file left, and the destination either untouched or complete.

"$PY" -c "import numpy as np; np.save('big.npy', np.random.default_rng(0).random((3000, 3000), dtype=np.float32))"
# a 31x31 kernel with values -3..3 makes the run last about a second
KERNEL=$("$PY" -c "n = 31; print('; '.join(' '.join(str((i * n + j) % 7 - 3) for j in range(n)) for i in range(n)))")
export KERNEL

expect_py_checks '
import os, signal, subprocess, time, glob, hashlib

ct = os.environ["CONVTOOL"]
kernel = os.environ["KERNEL"]
old = b"the previous contents of the destination\n"

def default_signals():
    # The child starts with default dispositions whatever the shell did to us.
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(s, signal.SIG_DFL)

def start(dest, extra=()):
    return subprocess.Popen([ct, "apply", "-j", "2", "--quiet", "-k", kernel, *extra, "big.npy", dest],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=default_signals)

def check(cond, text):
    print(("ok: " if cond else "not ok: ") + text)

def temps():
    return glob.glob(".*.convtool-*") + glob.glob("*.convtool-*")

# The reference: an uninterrupted run, and how long it takes.
t0 = time.monotonic()
p = start("ref.png")
_, err = p.communicate()
duration = time.monotonic() - t0
check(p.returncode == 0, "reference run exits 0 (got %s, %s)" % (p.returncode, err[-300:]))
ref = open("ref.png", "rb").read() if os.path.exists("ref.png") else b""
print("reference run: %.2fs" % duration)

for frac in (0.05, 0.45, 0.9):
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        dest = "dest-%s-%d.png" % (sig.name, int(frac * 100))
        with open(dest, "wb") as f:
            f.write(old)
        p = start(dest)
        time.sleep(frac * duration)
        p.send_signal(sig)
        _, err = p.communicate(timeout=60)
        rc = p.returncode
        what = "%s after %.2fs" % (sig.name, frac * duration)
        check(rc in (128 + sig, 0), "%s: exit %s, expected %d (or 0 if done)" % (what, rc, 128 + sig))
        check(not temps(), "%s: no temp file left (%s)" % (what, temps()))
        data = open(dest, "rb").read()
        if rc == 0:
            check(data == ref, "%s: finished, the destination is the complete result" % what)
        else:
            # A signal that lands after the rename, on the way out, finds the result complete.
            check(data in (old, ref),
                  "%s: interrupted, the destination is untouched or complete (%d bytes)" % (what, len(data)))
        check(b"Traceback" not in err and b"Sanitizer" not in err, "%s: no crash report: %r" % (what, err[-200:]))

# A new destination: none left behind when interrupted (or complete if it finished first).
p = start("fresh.png")
time.sleep(0.3 * duration)
p.send_signal(signal.SIGTERM)
p.communicate(timeout=60)
if p.returncode == 0:
    check(open("fresh.png", "rb").read() == ref and not temps(), "finished before SIGTERM: complete")
else:
    check(p.returncode == 128 + signal.SIGTERM, "SIGTERM on a new destination: exit %s" % p.returncode)
    check((not os.path.exists("fresh.png") or open("fresh.png", "rb").read() == ref) and not temps(),
          "SIGTERM on a new destination: nothing written (or the complete result)")

# In-place over the input itself: the input survives an interrupt intact, or is the result.
import shutil
p = subprocess.Popen([ct, "apply", "-j", "2", "-k", kernel, "big.npy", "ref.npy"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
p.communicate(timeout=120)
shutil.copy("big.npy", "inplace.npy")
h = hashlib.sha256(open("inplace.npy", "rb").read()).hexdigest()
p = subprocess.Popen([ct, "apply", "-j", "2", "-k", kernel, "inplace.npy", "inplace.npy"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=default_signals)
time.sleep(0.4 * duration)
p.send_signal(signal.SIGINT)
p.communicate(timeout=60)
after = open("inplace.npy", "rb").read()
if p.returncode == 0:
    check(after == open("ref.npy", "rb").read() and not temps(), "finished before SIGINT: in place, complete")
else:
    check(p.returncode == 128 + signal.SIGINT, "SIGINT in place: exit %s" % p.returncode)
    check(hashlib.sha256(after).hexdigest() == h or after == open("ref.npy", "rb").read(),
          "SIGINT in place: the input is intact (or complete, if the signal came after the rename)")
    check(not temps(), "SIGINT in place: no temp is left")
'
expect_no_temp .
