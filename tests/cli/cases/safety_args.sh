# Data safety of the command line (issue 9): closed standard descriptors,
# every fatal signal, one role per file, repeated or swallowed options, the
# --files-from caps, control bytes in names, and two usage errors.
# Each block was a way to lose or corrupt a file with exit 0 in 1.0.

cp "$(sample_photo)" photo.png
"$PY" - <<'PY'
import numpy as np
rng = np.random.default_rng(9)
np.save('t.npy', rng.random((3, 24, 32), dtype=np.float32))
# About 0.3 s with the 31x31 kernel below (--method direct: by FFT it is over in a few
# ms): long enough to be signalled mid-run.
np.save('big.npy', rng.random((1500, 1500), dtype=np.float32))
PY
sha() { sha256sum <"$1"; }
photo_sha=$(sha photo.png)

## 1. Closed standard descriptors: 0, 1 and 2 are opened on /dev/null first.
# stdin closed: `--files-from -` reads an empty list instead of failing with EBADF.
expect_exit 0 -- bash -c "exec <&-; exec \"$CONVTOOL\" apply -k blur --files-from - -o out"
expect_stderr_contains "0 inputs"
expect_stderr_not_contains "Bad file descriptor"
# stdout closed: data written there is discarded, not an EBADF failure.
expect_exit 0 -- bash -c "exec >&-; exec \"$CONVTOOL\" kernels list"
# stderr closed, a batch at -J 4 with bad inputs among good ones, with and without
# -v: no message ever lands inside an output image.
mkdir -p many
for i in $(seq 1 40); do
    if [ $((i % 5)) -eq 0 ]; then echo "not an image $i" >"many/f$i.png"; else cp t.npy "many/f$i.npy"; fi
done
ct apply -k sharpen t.npy ref.npy
for verbose in "" -v; do
    rm -rf closed
    run bash -c "exec 2>&-; exec \"$CONVTOOL\" apply -k sharpen -J 4 -j 1 $verbose -o closed many/*"
    expect_eq "$LAST_RC" 1 "stderr closed$verbose: exit 1 (8 bad inputs)"
    bad=0
    for f in closed/*.npy; do cmp -s "$f" ref.npy || bad=$((bad + 1)); done
    expect_eq "$bad" 0 "stderr closed$verbose: outputs that differ from the reference"
    expect_eq "$(ls closed/*.npy | wc -l)" 32 "stderr closed$verbose: every good input written"
    expect_no_temp closed
done

## 8. Every catchable signal whose default action ends the process cleans up: exit 128+sig.
KERNEL=$("$PY" -c "n = 31; print('; '.join(' '.join(str((i * n + j) % 7 - 3) for j in range(n)) for i in range(n)))")
export KERNEL
expect_py_checks '
import glob, os, signal, time
ct, kernel = os.environ["CONVTOOL"], os.environ["KERNEL"]
FATAL = (signal.SIGQUIT, signal.SIGXCPU, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM,
         signal.SIGVTALRM, signal.SIGPROF, signal.SIGINT, signal.SIGTERM, signal.SIGHUP,
         signal.SIGIO, signal.SIGPWR, signal.SIGSTKFLT, signal.SIGRTMIN, signal.SIGRTMAX)
def temps():
    return glob.glob(".*.convtool-*")
def spawn(args):
    # Default dispositions whatever the caller ignored (no preexec_fn: numpy has threads).
    null = os.open(os.devnull, os.O_WRONLY)
    pid = os.posix_spawn(ct, [ct] + args, os.environ, setsigdef=FATAL + (signal.SIGPIPE,),
                         file_actions=[(os.POSIX_SPAWN_DUP2, null, 2)])
    os.close(null)
    return pid
def status(pid):
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
def running(pid):
    return os.waitpid(pid, os.WNOHANG)[0] == 0
for sig in FATAL:
    dest = "sig-%s.npy" % sig.name
    with open(dest, "wb") as f:
        f.write(b"old contents\n")
    pid = spawn(["apply", "-j", "1", "--quiet", "--method", "direct", "-k", kernel, "big.npy", dest])
    time.sleep(0.1)
    os.kill(pid, sig)
    rc = status(pid)
    data = open(dest, "rb").read()
    print(("ok: " if rc in (128 + sig, 0) else "not ok: ")
          + "%s: exit %s, expected %d" % (sig.name, rc, 128 + sig))
    print(("ok: " if not temps() else "not ok: ") + "%s: no temp left %s" % (sig.name, temps()))
    print(("ok: " if rc == 0 or data == b"old contents\n" else "not ok: ")
          + "%s: the destination is untouched" % sig.name)
# Caught while the temp exists: stop the writer the moment its temp appears.
for sig in (signal.SIGQUIT, signal.SIGUSR1, signal.SIGALRM, signal.SIGPROF, signal.SIGIO,
            signal.SIGRTMIN):
    rc = None
    for attempt in range(5):
        pid = spawn(["apply", "-j", "1", "--quiet", "-f", "npy", "-k", "3", "big.npy", "mid.npy"])
        alive = True
        while not temps():
            pid_done, st = os.waitpid(pid, os.WNOHANG)
            if pid_done:
                alive = False
                break
            time.sleep(0.0005)
        if alive:
            os.kill(pid, signal.SIGSTOP)
            seen = bool(temps())
            os.kill(pid, sig)
            os.kill(pid, signal.SIGCONT)
            rc = status(pid)
            if seen:
                break
            rc = None
        if os.path.exists("mid.npy"):
            os.unlink("mid.npy")
    # Five runs that all finish before their temp is seen would test nothing: a failure.
    print(("ok: " if rc == 128 + sig else "not ok: ")
          + "%s while writing: exit %s (None: the temp was never caught)" % (sig.name, rc))
    print(("ok: " if not temps() else "not ok: ") + "%s while writing: no temp left %s" % (sig.name, temps()))
'

## 2. One role per file: refused before any work, exit 2, both roles named, nothing touched.
cp photo.png a.png
cp photo.png b.png
ln -f a.png hard.png
printf 'a.png\nb.png\n' >list.txt
printf '0 1 0; 1 -4 1; 0 1 0\n' >k.txt
before_list=$(sha list.txt)
before_k=$(sha k.txt)
# The glob before the inputs: --report takes a.png (which is not an input of the run).
expect_exit 2 -- ct apply -k blur -o out --report a.png b.png
expect_stderr_contains "--report a.png: named like an image"
expect_eq "$(sha a.png)" "$photo_sha" "--report *.png: the first image is kept"
expect_file_absent out/b.png
expect_exit 2 -- ct apply -k blur -o out --report hard.png a.png
expect_stderr_contains "(an input) and hard.png (the --report file) are the same file"
expect_exit 2 -- ct apply -k blur --files-from list.txt -o out --report ./list.txt
expect_stderr_contains "(the --files-from list)"
expect_stderr_contains "(the --report file)"
expect_eq "$(sha list.txt)" "$before_list" "the list is kept"
expect_exit 2 -- ct apply -k ./k.txt -o out --report k.txt a.png
expect_stderr_contains "a kernel file"
expect_eq "$(sha k.txt)" "$before_k" "the kernel file is kept"
expect_exit 2 -- ct apply -k ./k.txt -f png a.png k.txt
expect_stderr_contains "./k.txt (a kernel file) and k.txt (an output) are the same file"
expect_eq "$(sha k.txt)" "$before_k" "the kernel file is kept (output)"
expect_exit 2 -- ct apply -k blur -o out --report out/a.png a.png
expect_stderr_contains "out/a.png: is both an output and the --report file"
echo 'some notes' >notes.txt
expect_exit 2 -- ct apply -k blur -o out --report notes.txt a.png
expect_stderr_contains "exists and is not a convtool report"
expect_eq "$(cat notes.txt)" "some notes" "a non-report file is kept"
expect_exit 2 -- ct apply -k blur -o out --files-from list.txt --report list.txt
expect_eq "$(sha list.txt)" "$before_list" "the list is kept (same name)"
# A report from an earlier run is a report: replaced.
expect_exit 0 -- ct apply -k blur -o out --report r.jsonl a.png
expect_exit 0 -- ct apply -k blur -o out --report r.jsonl a.png
expect_eq "$(wc -l <r.jsonl)" 1 "an earlier report is replaced"
# In place in single-file mode stays allowed (temp + rename after a whole read).
cp photo.png inplace.png
expect_exit 0 -- ct apply -k blur inplace.png inplace.png
expect_no_temp .

## 4. A batch output that is also an input of the same run: refused before any work.
mkdir -p same
cp photo.png same/a.png
cp photo.png same/b.png
expect_exit 2 -- ct apply -k blur -J 2 -o same same/a.png same/b.png
expect_stderr_contains "same/a.png: is both an input and an output"
expect_eq "$(sha same/a.png)" "$photo_sha" "the input is untouched"
expect_eq "$(sha same/b.png)" "$photo_sha" "the later input is untouched"
expect_exit 2 -- ct apply -k blur -o . --name '{stem}.png' a.png b.png
expect_exit 2 -- ct apply -k blur -o same --name 'b.png' same/b.png
mkdir -p cross
cp photo.png cross/x.png
cp photo.png y.png
# x's output is cross/y.png? no: y.png's output is cross/y.png; x.png's is cross/x.png = an input.
expect_exit 2 -- ct apply -k blur -o cross y.png cross/x.png
expect_eq "$(sha cross/x.png)" "$photo_sha" "a later input is never overwritten"

## 3. Repeated single-valued options and '-name' files read as options.
cp photo.png ./-odd-name.png
cp photo.png ./-sharp.png
expect_exit 2 -- ct apply -k blur -o out1 -odd-name.png a.png
expect_stderr_contains "put -- before the file names or write ./-odd-name.png"
expect_file_absent dd-name.png
expect_exit 2 -- ct apply -k blur -o out1 a.png -o out2 b.png
expect_stderr_contains "-o given twice, as 'out1' and as 'out2'"
expect_file_absent out1
expect_file_absent out2
expect_exit 2 -- ct apply -k blur -sharp.png a.png x.png
expect_stderr_contains "-s 'harp.png': looks like a file name"
expect_stderr_contains "write ./-sharp.png"
expect_exit 2 -- ct apply -k blur --stride 'harp' a.png x.png
expect_stderr_not_contains "./-"
expect_exit 2 -- ct apply -k blur -s 2 --stride 3 a.png x.png
expect_stderr_contains "--stride given twice, as '2' and as '3'"
expect_exit 2 -- ct apply -k blur --map abs --map=clamp a.png x.png
expect_stderr_contains "--map given twice"
expect_exit 2 -- ct apply -k blur -q 80 --quality 90 a.png x.jpg
expect_exit 2 -- ct shape -s 1 -s 2 -k 3 28x28
expect_stderr_contains "given twice"
expect_exit 2 -- ct kernels --as npy --as mat show sharpen
# A glued value that is the name of an existing file: a glob's file, not an option.
cp photo.png ./-fpng
expect_exit 2 -- ct apply -k blur -o out4 a.png -fpng
expect_stderr_contains "put -- before the file names or write ./-fpng"
expect_file_absent out4
# The same value twice changes nothing; -k is meant to repeat.
expect_exit 0 -- ct apply -k blur -s 2 --stride 2 a.png x.png
expect_exit 0 -- ct apply -k blur -k sharpen -o out3 -- -odd-name.png -sharp.png
expect_file_exists out3/-odd-name-blur.png
expect_exit 0 -- ct apply -k blur ./-sharp.png x2.png

## 14. --files-from is capped: the list's size (--max-list-bytes) and a name's length.
expect_exit 2 -- timeout 20 "$CONVTOOL" apply -k blur -o out --files-from /dev/zero
expect_stderr_contains "NUL bytes"
expect_exit 2 -- timeout 20 "$CONVTOOL" apply -k blur -o out --files-from /dev/zero -0 --max-list-bytes 1Mi
expect_stderr_contains "longer than 1048576 bytes (--max-list-bytes"
expect_exit 2 -- timeout 20 bash -c "yes | \"$CONVTOOL\" apply -k blur -o out --files-from - --max-list-bytes 100k"
expect_stderr_contains "--files-from (stdin): the list is longer than 100000 bytes"
expect_exit 2 -- timeout 20 bash -c "head -c 6000 /dev/zero | tr '\\0' a | \"$CONVTOOL\" apply -k blur -o out --files-from -"
expect_stderr_contains "name 1 is longer than 4095 bytes"
expect_exit 2 -- ct apply -k blur -o out --files-from list.txt --max-list-bytes lots
expect_exit 0 -- ct apply -k blur -o capped --files-from list.txt --max-list-bytes 12
expect_file_exists capped/b.png

## 15. Control bytes in names never reach the terminal raw; long names are cut.
evil=$(printf 'x\nconvtool: forged\033[31m.png')
expect_exit 1 -- ct apply -k blur "$evil" out.png
expect_stderr_contains 'x\nconvtool: forged\033[31m.png'
expect_eq "$(wc -l <"$ERR")" 1 "a newline in a name does not forge a second line"
expect_eq "$(grep -c $'\033' "$ERR")" 0 "no raw escape byte"
cp photo.png "$evil"
expect_exit 0 -- ct shape -k 3 "$evil"
expect_stdout_contains 'x\nconvtool: forged\033[31m.png -> '
long=$(printf 'a%.0s' $(seq 1 3000))
expect_exit 1 -- ct apply -k blur "$long.png" out.png
expect_eq "$(head -c 2000 "$ERR" | wc -c)" "$(wc -c <"$ERR")" "a 3000-byte name is cut in the message"
expect_stderr_contains " ... "
expect_stderr_contains "File name too long"

## 18. Usage errors that said the wrong thing.
expect_exit 2 -- ct ''
expect_error_prefix
expect_stderr_contains "the command is empty"
expect_exit 2 -- ct shape 0x5 -k 3
expect_error_prefix
expect_stderr_contains "0x5: not a valid size"
expect_stderr_contains "at least 1"
expect_exit 2 -- ct shape 5x0x3 -k 3
expect_stderr_not_contains "no such file"

## The report through descriptors and FIFOs (review findings): never truncated, never a hang.
rm -f rfifo
mkfifo rfifo
cat rfifo >fifo-report.txt &
reader=$!
# convtool opens a FIFO without blocking and needs a reader there: wait until cat is in its open().
for _ in $(seq 100); do [[ $(cat /proc/$reader/wchan 2>/dev/null) == wait_for_partner ]] && break; sleep 0.05; done
expect_exit 0 -- timeout 10 "$CONVTOOL" apply -k blur -o out5 --report rfifo a.png
wait $reader
expect_eq "$(grep -c '"status":"ok"' fifo-report.txt)" 1 "--report to a FIFO with a reader"
rm -f rfifo2
mkfifo rfifo2
expect_exit 1 -- timeout 10 "$CONVTOOL" apply -k blur -o out5 --report rfifo2 a.png
expect_stderr_contains "--report rfifo2: a FIFO with no reader"
expect_exit 0 -- timeout 10 bash -c "\"$CONVTOOL\" apply -k blur -o out5 --report /dev/stdout a.png | cat >piped.jsonl"
expect_eq "$(wc -l <piped.jsonl)" 1 "--report /dev/stdout through a pipe"
printf '{"earlier":1}\n' >jlog
expect_exit 0 -- bash -c "\"$CONVTOOL\" apply -k blur -o out5 --report /dev/stdout a.png >>jlog"
expect_eq "$(wc -l <jlog)" 2 "--report /dev/stdout >> log appends"
expect_eq "$(head -1 jlog)" '{"earlier":1}' "the log's earlier line is kept"
expect_exit 0 -- bash -c "\"$CONVTOOL\" apply -k blur -o out5 --report /dev/./fd/3 a.png 3>>jlog"
expect_eq "$(wc -l <jlog)" 3 "--report /dev/./fd/3 appends too"
expect_exit 2 -- ct apply -k blur a.png -f png - --report /dev/stdout
expect_stderr_contains "- (an output) and /dev/stdout (the --report file) are the same file"
expect_exit 2 -- ct apply -k blur a.png -f png /dev/fd/1 --report -
# A long collision message keeps what it is about and what is wrong.
seg=$(printf 'd%.0s' $(seq 1 250))
longdir=$seg/$seg/$seg/$seg/$seg/$seg
mkdir -p "$longdir"
cp photo.png "$longdir/a.png"
ln -f "$longdir/a.png" "$longdir/b.png"
expect_exit 2 -- ct apply -k blur -o outl "$longdir/a.png" --report "$longdir/b.png"
expect_stderr_contains "are the same file"
expect_stderr_contains " ... "
# A stray byte that is not UTF-8 (0x9b is CSI on 8-bit terminals) goes out in octal.
expect_exit 1 -- ct apply -k blur "$(printf 'stray\233[31m.png')" out.png
expect_stderr_contains 'stray\233[31m.png'

## The report obeys the outputs' link rules: no file created through a dangling link.
ln -s no-such-dir/r.jsonl dangling-report
expect_exit 1 -- ct apply -k blur -o out6 --report dangling-report a.png
expect_stderr_contains "dangling-report: is a symbolic link to a missing file"
expect_file_absent no-such-dir
printf '{"earlier":1}\n' >real-report.jsonl
ln -s real-report.jsonl linked-report
expect_exit 0 -- ct apply -k blur -o out6 --report linked-report a.png
expect_eq "$(grep -c '"status":"ok"' real-report.jsonl)" 1 "a link to a report: the report is replaced, the link kept"
expect_eq "$(wc -l <real-report.jsonl)" 1 "the earlier report's line is gone (replaced, as before)"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    mkdir -p sticky && chmod 1777 sticky
    ln -s "$PWD/real-report.jsonl" sticky/planted && chown -h nobody sticky/planted
    expect_exit 1 -- ct apply -k blur -o out6 --report sticky/planted a.png
    expect_stderr_contains "sticky world-writable directory"
fi
