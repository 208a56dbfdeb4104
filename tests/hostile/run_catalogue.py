#!/usr/bin/python3
"""Runs convtool on every case of the bad-input catalogue (tests/cli/cases/hostile.sh).

usage: run_catalogue.py CATALOGUE_DIR WORK_DIR
Environment: CONVTOOL (the binary), SANITIZED=1 for an ASan/TSan binary.

Prints "ok: ..." or "not ok: ..." lines, one per check (the format of lib.sh's
expect_py_checks). Each run is checked for: the expected exit status; no hang
(killed after HANG seconds); no crash (a signal or a status of 128 or more); no
sanitizer or valgrind report; when it fails, a first line starting "convtool:",
naming the file (or option) and giving one of the reasons; the destination,
filled with known bytes beforehand, byte-identical afterwards (or, on success,
a complete image); no ".convtool-" temp file; at most RSS_LIMIT of memory.
"""
import glob
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

CT = os.environ["CONVTOOL"]
SANITIZED = os.environ.get("SANITIZED") == "1"
CAT, WORK = sys.argv[1], sys.argv[2]
HANG = 20  # seconds: a hang detector, not a speed requirement
# What must be refused without reading (FIFOs with no writer, /dev/zero) gets less:
# the answer takes milliseconds, and the wait for a hanging one adds to the run.
QUICK = 3
RSS_LIMIT_KB = 512 * 1024  # tiny hostile files must not make convtool take more
OLD = b"known bytes that were in the destination before the run\n"
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "npy": b"\x93NUMPY"}
CRASH_WORDS = ("Sanitizer", "runtime error:", "Assertion", "core dumped", "Segmentation")


class Result:
    pass


def default_signals():
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(s, signal.SIG_DFL)


def execute(args, env=None, stdin=subprocess.DEVNULL, limit_as=0, timeout=HANG):
    """Runs args; its own max RSS (wait4), and 'hang' if it outlives timeout."""
    def pre():
        default_signals()
        if limit_as:
            resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(args, stdin=stdin, stdout=out, stderr=err, env=env, preexec_fn=pre)
        r = Result()
        r.rc = None
        while r.rc is None:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                r.rc = os.waitstatus_to_exitcode(status)
                r.maxrss = usage.ru_maxrss
            elif time.monotonic() - t0 > timeout:
                p.kill()
                _, status, usage = os.wait4(p.pid, 0)
                r.rc, r.maxrss = "hang", usage.ru_maxrss
            else:
                time.sleep(0.002)
        p.returncode = 0  # reaped by hand: keep Popen from waiting again
        r.seconds = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        r.out, r.err = out.read(), err.read().decode(errors="replace")
    r.cmd = " ".join(args)
    r.timeout = timeout
    return r


def emit(ok, text):
    print(("ok: " if ok else "not ok: ") + text.replace("\n", " | "))
    sys.stdout.flush()


def temps(where):
    return glob.glob(os.path.join(where, "**", ".*.convtool-*"), recursive=True)


def check(label, r, expect, named=(), reasons=(), dest=None, before=OLD, out_kind="png", rss=True):
    """One assertion for one run; the problems found are listed in its line."""
    bad = []
    if r.rc == "hang":
        bad.append("no answer in %d s (killed)" % r.timeout)
    elif r.rc < 0 or r.rc >= 128:
        bad.append("crashed: exit %d" % r.rc)
    elif r.rc not in expect:
        bad.append("exit %d, expected %s" % (r.rc, "|".join(map(str, sorted(expect)))))
    for w in CRASH_WORDS:
        if w in r.err:
            bad.append("'%s' in stderr" % w)
    if r.rc != 0 and r.rc != "hang":
        if not r.err.startswith("convtool:"):
            bad.append("message does not start with 'convtool:'")
        for n in named:
            if n not in r.err:
                bad.append("message does not name %r" % n)
        if reasons and not any(w.lower() in r.err.lower() for w in reasons):
            bad.append("message gives none of the reasons %s" % "|".join(reasons))
    if dest:
        now = open(dest, "rb").read() if os.path.exists(dest) else None
        if r.rc != 0 and now != before:
            bad.append("the destination changed" if before is not None else "a destination was written")
        if r.rc == 0 and (now is None or not now.startswith(MAGIC[out_kind])):
            bad.append("exit 0 but the destination is not a complete %s" % out_kind)
    left = temps(WORK)
    if left:
        bad.append("temp files left: %s" % left)
        for t in left:
            os.remove(t)
    if rss and r.maxrss > RSS_LIMIT_KB:
        bad.append("used %d MB of memory (limit %d MB)" % (r.maxrss // 1024, RSS_LIMIT_KB // 1024))
    if r.seconds > 2:
        print("note: %s took %.1f s" % (label, r.seconds))
    if bad:
        emit(False, "%s: %s\n   command: %s\n   exit %s, %.2f s, stderr: %s"
             % (label, "; ".join(bad), r.cmd, r.rc, r.seconds, r.err[:300].strip()))
    else:
        emit(True, label)
    return not bad


def prefill(dest):
    with open(dest, "wb") as f:
        f.write(OLD)


def exits(spec):
    return {int(x) for x in spec.split("|")}


DEST = os.path.join(WORK, "dest.png")
BASE = os.path.join(CAT, "good.png")


def image_case(kind, path, expect, reasons, note, env=None, tag=""):
    name = os.path.basename(path)
    label = "%s%s (%s)" % (name, tag, note)
    limit = 1 << 30 if kind == "bomb" else 0
    prefill(DEST)
    r = execute([CT, "apply", "-j", "1", "-k", "blur", path, DEST], env=env, limit_as=limit)
    # a bomb under an address-space limit may take up to that limit
    check("apply " + label, r, expect, (name,), reasons, DEST, rss=kind != "bomb")
    # shape reads the header only: a file cut in its pixel data may pass.
    r = execute([CT, "shape", "-k", "3", path], env=env, limit_as=limit)
    check("shape " + label, r, {0, 1} if 0 in expect or expect == {1} else expect, (name,), ())
    if kind == "same":
        same_bytes(path, label)


def same_bytes(path, label):
    """Uninitialised bytes show as outputs that change with the garbage around them."""
    outs = []
    for i, extra in enumerate(({}, {"MALLOC_PERTURB_": "85"}, {"MALLOC_PERTURB_": "170", "PAD": "x" * 3000})):
        dest = os.path.join(WORK, "same%d.png" % i)
        r = execute([CT, "apply", "-j", "1", "-k", "blur", path, dest], env=dict(os.environ, **extra))
        outs.append((r.rc, open(dest, "rb").read() if os.path.exists(dest) else None))
    emit(len(set(outs)) == 1, "%s: the same result with different heap and stack garbage %s"
         % (label, [(rc, len(o or b"")) for rc, o in outs]))
    if SANITIZED or not shutil.which("valgrind"):
        return
    dest = os.path.join(WORK, "vg.png")
    r = execute(["valgrind", "-q", "--error-exitcode=99", "--exit-on-first-error=yes", CT, "apply",
                 "-j", "1", "-k", "blur", path, dest], timeout=120)
    emit(r.rc in (0, 1), "%s: valgrind finds no uninitialised bytes (exit %s) %s"
         % (label, r.rc, r.err[:400].strip() if r.rc not in (0, 1) else ""))


def kernel_case(path, expect, reasons, note):
    name = os.path.basename(path)
    label = "%s (%s)" % (name, note)
    prefill(DEST)
    r = execute([CT, "apply", "-j", "1", "-k", path, BASE, DEST])
    check("apply -k " + label, r, expect, (name,), reasons, DEST)
    r = execute([CT, "kernels", "show", path])
    check("kernels show " + label, r, expect, (name,), reasons)


def catalogue():
    with open(os.path.join(CAT, "manifest.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for kind, name, expect, reasons, note in rows:
        path = os.path.join(CAT, name)
        reasons = tuple(w for w in reasons.split("|") if w)
        if kind == "kernel":
            kernel_case(path, exits(expect), reasons, note)
        elif kind == "jpeg":
            image_case(kind, path, exits(expect), reasons, note)
            image_case(kind, path, exits(expect), reasons, note,
                       env=dict(os.environ, CONVTOOL_JPEG_CODEC="stb"), tag=" [stb]")
        elif kind == "bomb" and SANITIZED:
            print("note: %s skipped (an address-space limit and the sanitizers do not mix)" % name)
        else:
            image_case(kind, path, exits(expect), reasons, note)


# ------------------------------------------------ not regular files

def special_inputs():
    d = os.path.join(WORK, "adir.png")
    os.makedirs(d, exist_ok=True)
    prefill(DEST)
    check("a directory as input", execute([CT, "apply", "-k", "blur", d, DEST]), {2}, ("adir.png",), (), DEST)
    check("shape of a directory", execute([CT, "shape", "-k", "3", d]), {1}, ("adir.png",), ())
    check("a directory as kernel", execute([CT, "apply", "-k", d + "/", BASE, DEST]), {1, 2}, ("adir.png",), (),
          DEST)

    # /dev/zero: refused without being read whole (not 2 GiB into memory).
    for args, label in (([CT, "apply", "-k", "blur", "/dev/zero", DEST], "apply /dev/zero"),
                        ([CT, "shape", "-k", "3", "/dev/zero"], "shape /dev/zero"),
                        ([CT, "apply", "-k", "/dev/zero", BASE, DEST], "apply -k /dev/zero"),
                        ([CT, "apply", "-k", "blur", "-f", "png", "-", DEST], "apply - < /dev/zero")):
        prefill(DEST)
        with open("/dev/zero", "rb") as z:
            r = execute(args, stdin=z, timeout=QUICK)
        check(label, r, {1}, ("/dev/zero",) if "-" not in args else (), (), DEST)
    # /dev/null: an empty input.
    prefill(DEST)
    check("apply /dev/null", execute([CT, "apply", "-k", "blur", "/dev/null", DEST]), {1}, ("/dev/null",), (),
          DEST)

    # FIFOs: garbage then EOF, a real PNG, and no writer at all (must not hang).
    fifo = os.path.join(WORK, "fifo.png")
    for payload, expect, label in ((os.urandom(5000), {1}, "a FIFO of garbage"),
                                   (open(BASE, "rb").read(), {0, 1}, "a FIFO carrying a PNG")):
        os.mkfifo(fifo)

        def writer(data=payload):
            try:
                fd = os.open(fifo, os.O_WRONLY)
                os.write(fd, data)
                os.close(fd)
            except OSError:
                pass

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        prefill(DEST)
        check(label, execute([CT, "apply", "-k", "blur", fifo, DEST]), expect, ("fifo.png",), (), DEST)
        t.join(1)
        if t.is_alive():  # convtool never opened it: unblock the writer
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            os.close(fd)
        os.remove(fifo)
    os.mkfifo(fifo)
    prefill(DEST)
    check("a FIFO with no writer", execute([CT, "apply", "-k", "blur", fifo, DEST], timeout=QUICK), {1},
          ("fifo.png",), (), DEST)
    check("shape of a FIFO with no writer", execute([CT, "shape", "-k", "3", fifo], timeout=QUICK), {1},
          ("fifo.png",), ())
    os.remove(fifo)
    kfifo = os.path.join(WORK, "fifo.txt")
    os.mkfifo(kfifo)
    check("a FIFO with no writer as kernel", execute([CT, "apply", "-k", kfifo, BASE, DEST], timeout=QUICK), {1},
          ("fifo.txt",), (), DEST)
    os.remove(kfifo)


# ------------------------------------------------------------ arguments

def argument_cases():
    png = BASE
    npy_in = os.path.join(WORK, "in.npy")
    with open(npy_in, "wb") as f:  # a 4x4 float32 .npy, written by hand
        h = b"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }"
        h += b" " * (64 - 10 - len(h) - 1) + b"\n"
        f.write(b"\x93NUMPY\x01\x00" + bytes([len(h), 0]) + h + b"\0" * 64)
    big = "99999999999999999999"
    # option, values that must be refused (exit 2), values that must work (exit 0)
    table = [
        ("--stride", ["0", "-1", big, "2junk", "", "1,", ",1", "1,2,3", "0x2", " 2"], ["1", "2", "2,1"]),
        ("--dilation", ["0", "-2", big, "3junk", "", "1.5"], ["1", "2,1"]),
        ("--padding", ["-1", big, "1junk", "", "1,2,3", "samex"], ["0", "1", "same", "valid", "2,0"]),
        ("--threads", ["0", "-1", "257", big, "2junk", ""], ["1", "3"]),
        ("--quality", ["0", "-5", "101", big, "9x", ""], ["1", "100"]),
        ("--png-level", ["0", "-1", "10", big, "5x", ""], ["1", "9"]),
        ("--scale", ["nan", "inf", "-inf", "1e999", "1junk", "", "1/0", "0x1p3"], ["0", "-1", "0.5", "1/16"]),
        ("--bias", ["nan", "inf", "1e999", "0.5junk", "", "2/0"], ["0", "-0.5", "1/2"]),
        ("--max-pixels", ["0", "-1", big, "lots", "10q", "", "1.5k"], ["1000", "1k", "1M"]),
        ("--pad-mode", ["", "bogus", "zeros1"], ["zeros", "edge", "wrap"]),
        ("--map", ["", "bogus"], ["abs", "shift"]),
        ("--alpha", ["", "bogus"], ["drop"]),
        ("--combine", ["", "bogus"], ["sum"]),
        ("--format", ["", "gif", "png1"], ["png"]),
    ]
    for opt, bad, good in table:
        # One thread, unless --threads itself is tested: a value given twice is refused.
        threads = [] if opt == "--threads" else ["-j", "1"]
        for v in bad:
            prefill(DEST)
            r = execute([CT, "apply", *threads, "-k", "sharpen", opt, v, png, DEST])
            check("apply %s %r" % (opt, v), r, {2}, (opt,), (), DEST)
        for v in good:
            prefill(DEST)
            r = execute([CT, "apply", *threads, "-k", "sharpen", opt, v, png, DEST])
            check("apply %s %r works" % (opt, v), r, {0}, (), (), DEST)
    # Batch-only numbers.
    for opt, bad in (("--jobs", ["0", "-1", "9", big, "2junk", ""]),
                     ("--shard", ["0/0", "-1/4", "4/4", big + "/4", "1/" + big, "1/4x", "1", "", "/"])):
        for v in bad:
            out = os.path.join(WORK, "bdir")
            r = execute([CT, "apply", "-k", "sharpen", opt, v, "-o", out, png])
            check("apply %s %r" % (opt, v), r, {2}, (opt,), ())
            if os.path.exists(out) and os.listdir(out):
                emit(False, "apply %s %r: wrote into %s" % (opt, v, os.listdir(out)))
            shutil.rmtree(out, ignore_errors=True)
    # Kernel numbers.
    for v, want in (("1e999", {2}), ("nan", {2}), ("-inf", {2}), ("1/0", {1, 2}), ("0x10", {1, 2}),
                    (big, {0}), ("0", {0}), ("-1", {0})):
        prefill(DEST)
        r = execute([CT, "apply", "-j", "1", "-k", v, npy_in, DEST.replace(".png", ".npy")])
        # "1/0" has a '/': it is a kernel file name, which does not exist
        check("apply -k %r" % v, r, want, ("1/0" if "/" in v else "-k",), ())
    # shape's numbers.
    for args, want, named in ((["-k", "0", "5x5"], {2}, "-k"), (["-k", big, "5x5"], {2}, "-k"),
                              (["-k", "3", "-s", "0", "5x5"], {2}, "--stride"),
                              (["-k", "3", "-d", big, "5x5"], {2}, "--dilation"),
                              (["-k", "3", "-p", "-1", "5x5"], {2}, "--padding"),
                              (["-k", "3", "0x5"], {1, 2}, "0x5"), (["-k", "3", big + "x5"], {1, 2}, big),
                              (["-k", "3", "5x5x0"], {1, 2}, "5x5x0"), (["-k", "3", "5x5x" + big], {1, 2}, "5x5x"),
                              (["--layers", "conv 0 k3", "28x28"], {2}, "conv"),
                              (["--layers", "conv 3 k%s" % big, "28x28"], {2}, "conv"),
                              (["--layers", "repeat %s { relu }" % big, "28x28"], {2}, "repeat")):
        r = execute([CT, "shape", *args])
        check("shape %s" % " ".join(args), r, want, (named,), ())

    # Unknown options, missing values, '--' and names starting with '-'.
    for args, want, named in ((["apply", "--nope", "-k", "blur", png, DEST], {2}, "--nope"),
                              (["apply", "-X", "-k", "blur", png, DEST], {2}, "-X"),
                              (["apply", "-k", "blur", png, DEST, "--nope"], {2}, "--nope"),
                              (["apply", "-k"], {2}, "-k"),
                              (["apply", "-k", "blur", png, DEST, "--stride"], {2}, "--stride"),
                              (["apply", "--stride=0", "-k", "blur", png, DEST], {2}, "--stride"),
                              (["apply", "-k", "blur", png], {2}, ""),
                              (["apply", "-k", "blur", png, DEST, "extra.png"], {2}, ""),
                              (["shape", "--nope", "5x5"], {2}, "--nope"),
                              (["kernels", "--nope"], {2}, "--nope"),
                              (["kernels", "show", "--as", "bogus", "blur"], {2}, "bogus"),
                              (["kernels", "show"], {2}, ""),
                              (["--nope"], {2}, "--nope"), (["nope"], {2}, "nope")):
        prefill(DEST)
        r = execute([CT, *args])
        check("convtool %s" % " ".join(args), r, want, (named,) if named else (), (), DEST)

    dash_in = os.path.join(WORK, "-in.png")
    shutil.copy(png, dash_in)
    os.chdir(WORK)
    prefill("-out.png")
    r = execute([CT, "apply", "-k", "blur", "--", "-in.png", "-out.png"])
    check("apply -- -in.png -out.png", r, {0}, (), (), "-out.png")
    prefill("dest.png")
    r = execute([CT, "apply", "-k", "blur", "-in.png", "dest.png"])
    check("apply -in.png (no --) is an unknown option", r, {2}, ("-i",), (), "dest.png")
    r = execute([CT, "apply", "-k", "blur", "--", "-missing.png", "dest.png"])
    check("apply -- -missing.png", r, {1}, ("-missing.png",), (), "dest.png")
    r = execute([CT, "apply", "-k", "blur", "--", "-in.png", "--"])
    check("apply -- -in.png -- (an output named --)", r, {0, 2}, (), ())
    if os.path.exists("--"):
        os.remove("--")
    r = execute([CT, "apply", "-k", "blur", "-f", "png", "-", "dest.png"], stdin=subprocess.DEVNULL)
    check("apply - with an empty stdin", r, {1}, (), (), "dest.png")
    # a bare "convtool" prints its usage (not a "convtool:" message) and exits 2
    r = execute([CT])
    emit(r.rc == 2 and r.err.startswith("usage:"), "convtool with no arguments: usage, exit %s" % r.rc)
    r = execute([CT, "apply", "-k", "blur", "-in.png", "-"], stdin=subprocess.DEVNULL)
    check("apply to - without --format", r, {2}, (), ())
    r = execute([CT, "apply", "-k", "./-in.png", png, "dest.png"])
    check("apply -k ./-in.png (an image as kernel)", r, {1}, ("-in.png",), (), "dest.png")


def main():
    os.makedirs(WORK, exist_ok=True)
    catalogue()
    special_inputs()
    argument_cases()


main()
