# convtool apply -o DIR at scale: --files-from, --name, -J, --shard, --skip-existing,
# --fail-fast, --report, progress, --quiet/--verbose; and shell citizenship (pipes, --).

# 40 tiny PNGs (made by convtool itself from random tensors), one of them corrupt, one
# name with a space and one with a quote and a backslash.
py "
r = np.random.default_rng(7)
for i in range(40):
    np.save('t%02d.npy' % i, r.random((3, 9 + i % 5, 7 + i % 6)).astype('float32'))
"
ct apply -k identity -f png -o in --quiet t*.npy || echo "could not make the inputs" >&2
rm -f t*.npy
echo 'not an image' >in/t13.png
mv in/t07.png 'in/t 07.png'
mv in/t21.png 'in/t"21\.png'
find in -type f -print0 >all.list0
N=40

# report_check FILE...: every line is a JSON object with the documented fields.
report_check() {
    expect_py '
for path in ARGS:
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        base = {"input", "outputs", "bytes", "ms", "status", "message"}
        # issue 12: what was dropped, and how the outputs of an ok file were encoded
        assert base <= set(r) <= base | {"dropped", "depth", "quality", "sampling"}, r
        assert r["status"] in ("ok", "failed", "skipped"), r
        assert isinstance(r["outputs"], list) and r["bytes"] >= 0 and r["ms"] >= 0, r
        assert (r["status"] == "failed") == (r["message"] != "" and r["bytes"] == 0), r
' "$@"
}

## The whole folder in one run: a bad file does not stop the others.
expect_exit 1 -- ct apply -k blur -o whole --report whole.jsonl --files-from all.list0 -0
expect_stderr_contains 'in/t13.png'
expect_stderr_contains "$N inputs: 39 done, 1 failed, 0 skipped"
expect_eq "$(find whole -type f | wc -l)" 39 "outputs of the whole run"
expect_eq "$(wc -l <whole.jsonl)" $N "report lines"
report_check whole.jsonl
expect_py '
rows = [json.loads(l) for l in open(ARGS[0], encoding="utf-8")]
bad = [r for r in rows if r["status"] == "failed"]
assert len(bad) == 1 and bad[0]["input"] == "in/t13.png" and "unsupported" in bad[0]["message"], bad
q = [r for r in rows if "21" in r["input"]][0]
assert q["input"] == "in/t\"21\\.png" and q["outputs"] == ["whole/t\"21\\.png"], q
' whole.jsonl
expect_no_temp whole

## Files at once give the same bytes as one at a time.
expect_exit 1 -- ct apply -k sharpen -J 1 -j 1 -o seq --files-from all.list0 -0
expect_exit 1 -- ct apply -k sharpen -J 4 -j 4 -o par --files-from all.list0 -0
expect_exit 0 -- diff -r seq par

## Four shards, each given the list in another order, make exactly the whole run.
for i in 0 1 2 3; do
    py "
import random
names = open('all.list0', 'rb').read().split(b'\0')[:-1]
random.Random($i).shuffle(names)
open('list$i', 'wb').write(b''.join(n + b'\0' for n in names))
"
    run ct apply -k blur -o sharded --shard "$i/4" --report "shard$i.jsonl" --files-from - -0 \
        <"list$i"
    expect_eq "$LAST_RC" "$(grep -q t13 "shard$i.jsonl" && echo 1 || echo 0)" "exit of shard $i"
    expect_stderr_contains "(shard $i/4 of $N inputs)"
done
expect_exit 0 -- diff -r whole sharded
report_check shard0.jsonl shard1.jsonl shard2.jsonl shard3.jsonl
expect_py '
rows = [json.loads(l) for p in ARGS for l in open(p, encoding="utf-8")]
inputs = [r["input"] for r in rows]
outputs = [o for r in rows for o in r["outputs"] if r["status"] == "ok"]
assert len(inputs) == 40 and len(set(inputs)) == 40, "each input in exactly one shard"
assert len(outputs) == 39 and len(set(outputs)) == 39, "each output written once"
assert all(len([l for l in open(p)]) > 0 for p in ARGS), "a shard took nothing"
' shard0.jsonl shard1.jsonl shard2.jsonl shard3.jsonl

## Re-running a shard with --skip-existing does no work.
# A rewrite would be a new inode (temp file + rename) and a new mtime.
snapshot() { find sharded -type f -printf '%p %i %T@\n' | sort; }
snapshot >before.txt
for i in 0 1 2 3; do
    run ct apply -k blur -o sharded --shard "$i/4" --skip-existing --report "again$i.jsonl" \
        --files-from "list$i" -0
done
snapshot >after.txt
expect_exit 0 -- cmp before.txt after.txt
expect_py '
rows = [json.loads(l) for p in ARGS for l in open(p, encoding="utf-8")]
st = sorted(r["status"] for r in rows)
assert st == ["failed"] + ["skipped"] * 39, st
' again0.jsonl again1.jsonl again2.jsonl again3.jsonl
# ... but redoes an input newer than its output, and an empty (incomplete) output.
touch -d '+1 hour' in/t05.png
: >sharded/t06.png
expect_exit 1 -- ct apply -k blur -o sharded --skip-existing --report again.jsonl \
    --files-from all.list0 -0
expect_stderr_contains "$N inputs: 2 done, 1 failed, 37 skipped"
expect_py '
rows = {json.loads(l)["input"]: json.loads(l)["status"] for l in open(ARGS[0])}
assert rows["in/t05.png"] == "ok" and rows["in/t06.png"] == "ok", rows
assert rows["in/t00.png"] == "skipped", rows
' again.jsonl
expect_same_bytes sharded/t06.png whole/t06.png

## --shard and -J: usage errors.
for bad in 4/4 1/0 -1/4 1 a/4 '1/4x'; do
    expect_exit 2 -- ct apply -k blur -o x --shard "$bad" in/t00.png
    expect_error_prefix
    expect_stderr_contains '--shard'
done
expect_exit 2 -- ct apply -k blur -o x -J 9 in/t00.png
expect_stderr_contains '--jobs'
expect_exit 2 -- ct apply -k blur -o x -J 0 in/t00.png
expect_file_absent x

## --files-from: lines, CRLF, blank lines, stdin, with positionals; errors.
printf 'in/t00.png\r\n\nin/t01.png\n\n' >list.txt
expect_exit 0 -- ct apply -k blur -o ff --files-from list.txt in/t02.png
expect_stderr_contains '3 inputs: 3 done'
expect_same_bytes ff/t00.png whole/t00.png
expect_file_exists ff/t02.png
expect_exit 0 -- ct apply -k blur -o ff2 --files-from - <list.txt
expect_stderr_contains '2 inputs: 2 done'
expect_exit 0 -- ct apply -k blur -o ff3 --files-from /dev/null
expect_stderr_contains '0 inputs: 0 done'
expect_exit 1 -- ct apply -k blur -o ff4 --files-from no-such-list
expect_error_prefix
expect_stderr_contains 'no-such-list'
expect_exit 2 -- ct apply -k blur -o ff4 --files-from all.list0
expect_stderr_contains '-0'
expect_exit 2 -- ct apply -k blur -o ff4 --files-from - - <list.txt
expect_exit 2 -- ct apply -k blur --files-from list.txt in/t00.png out.png
expect_stderr_contains '-o DIR'
expect_exit 2 -- ct apply -k blur -0 -o ff4 in/t00.png
expect_file_absent ff4

## --name templates.
expect_exit 0 -- ct apply -k sobel -k sobel_y --map abs --name '{stem}_{kernel}.{ext}' \
    -o named in/t00.png in/t01.png
expect_file_exists named/t00_sobel.png
expect_file_exists named/t01_sobel_y.png
expect_exit 0 -- ct apply -k sobel -k sobel_y --combine magnitude -f npy \
    --name '{index:3}-{kernel}.{ext}' -o named in/t00.png in/t01.png
expect_file_exists named/000-sobel+sobel_y.npy
expect_file_exists named/001-sobel+sobel_y.npy
expect_exit 0 -- ct apply -k blur --name '{dir}/{{{stem}}}.{ext}' -o tree in/t02.png
expect_file_exists 'tree/in/{t02}.png'
expect_exit 2 -- ct apply -k blur --name '{stm}.png' -o bad in/t00.png
expect_stderr_contains 'unknown field {stm}'
expect_exit 2 -- ct apply -k blur -k sharpen --name '{stem}.png' -o bad in/t00.png
expect_stderr_contains '{kernel}'
expect_exit 2 -- ct apply -k blur --name 'same.png' -o bad in/t00.png in/t01.png
expect_stderr_contains 'bad/same.png'
expect_exit 2 -- ct apply -k blur --name '../{name}' -o bad in/t00.png
expect_exit 2 -- ct apply -k blur --name '/abs/{name}' -o bad in/t00.png
expect_exit 2 -- ct apply -k blur --name '{stem' -o bad in/t00.png
expect_exit 2 -- ct apply -k blur --name '{stem}.png' in/t00.png out.png
expect_file_absent bad

## --fail-fast stops starting files after a failure.
expect_exit 1 -- ct apply -k blur -J 1 --fail-fast -o fast in/t13.png in/t00.png in/t01.png
expect_stderr_contains '2 not started'
expect_file_absent fast/t00.png

## Messages: summary, --quiet, --verbose, progress only when asked or on a terminal.
expect_exit 0 -- ct apply -k blur -o msg in/t00.png in/t01.png
expect_stderr_not_contains 'ETA'
expect_exit 0 -- ct apply -k blur --quiet -o msg in/t00.png in/t01.png
expect_stderr_empty
expect_exit 1 -- ct apply -k blur --quiet -o msg in/t00.png in/t13.png
expect_stderr_contains 'in/t13.png'
expect_stderr_not_contains 'inputs:'
expect_exit 0 -- ct apply -k blur --verbose -o msg in/t00.png in/t01.png
expect_stderr_contains 'in/t00.png -> msg/t00.png ('
expect_exit 0 -- ct apply -k blur --progress -o msg in/t00.png in/t01.png in/t02.png
expect_stderr_contains '3/3'
expect_stderr_contains 'ETA'
expect_exit 0 -- env NO_COLOR=1 "$CONVTOOL" apply -k blur --progress -v -o msg in/t00.png in/t01.png
expect_eq "$(tr -cd '\033' <"$ERR" | wc -c)" 0 "escape bytes on stderr"
if command -v script >/dev/null; then
    # A terminal on stderr: the progress line is drawn in place, and cleared for the summary.
    script -qec "\"$CONVTOOL\" apply -k blur -o tty --files-from all.list0 -0" /dev/null \
        </dev/null >tty.log 2>&1
    expect_eq "$(grep -c 'ETA' tty.log | awk '$1 > 0 {print "shown"}')" shown \
        "progress on a terminal"
    expect_eq "$(tr '\r' '\n' <tty.log | grep -c "^convtool: $N inputs: 39 done")" 1 \
        "summary on its own line"
    expect_eq "$(tr -cd '\r' <tty.log | wc -c | awk '$1 > 2 {print "redrawn"}')" redrawn \
        "progress redrawn in place"
    expect_eq "$(tr -cd '\033' <tty.log | wc -c)" 0 "escape bytes on a terminal"
fi

## Warnings in a batch: one line for all of them; each in the report and with --verbose.
expect_exit 0 -- ct apply -k top_edge --report warn.jsonl -o warn in/t00.png in/t01.png in/t02.png
expect_stderr_contains 'warning: 3 warnings'
expect_eq "$(grep -c 'clipped' "$ERR")" 1 "warning lines of a batch"
expect_eq "$(grep -c 'clipped' warn.jsonl)" 3 "warnings in the report"
expect_exit 0 -- ct apply -k top_edge -v -o warn in/t00.png in/t01.png in/t02.png
expect_eq "$(grep -c 'clipped' "$ERR")" 3 "warning lines with --verbose"
expect_exit 0 -- ct apply -k top_edge --quiet -o warn in/t00.png in/t01.png
expect_stderr_empty

## --report - writes JSON lines to stdout; nothing else goes there.
expect_exit 0 -- ct apply -k blur --report - -o rep in/t00.png in/t01.png
expect_eq "$(wc -l <"$OUT")" 2 "report lines on stdout"
cp "$OUT" rep.jsonl
report_check rep.jsonl
expect_exit 2 -- ct apply -k blur -f png --report - in/t00.png -
expect_exit 0 -- ct apply -k blur --report single.jsonl in/t00.png single.png
expect_py 'r = json.loads(open(ARGS[0]).read()); assert r["outputs"] == ["single.png"], r' \
    single.jsonl

## Single files take --skip-existing too.
expect_exit 0 -- ct apply -k blur --skip-existing -v in/t00.png single.png
expect_stderr_contains 'skipped'

## A closed stdout: a clean message or silence, never a hang or a crash.
many=()
for ((i = 0; i < 5000; i++)); do many+=(28x28); done
timeout 60 "$CONVTOOL" shape -k 3 "${many[@]}" 2>pipe.err | head -1 >/dev/null
rc=${PIPESTATUS[0]}
expect_eq "$( [ "$rc" = 0 ] || [ "$rc" = 1 ] && echo ok)" ok "shape | head -1 exit ($rc)"
expect_eq "$(grep -vc '^convtool: cannot write to standard output: Broken pipe$' pipe.err)" 0 \
    "shape | head -1 messages"
for cmd in "kernels" "kernels show blur sobel sharpen" "apply --help" "shape --help"; do
    # shellcheck disable=SC2086
    timeout 60 "$CONVTOOL" $cmd 2>pipe.err | head -c 1 >/dev/null
    rc=${PIPESTATUS[0]}
    expect_eq "$( [ "$rc" = 0 ] || [ "$rc" = 1 ] && echo ok)" ok "$cmd | head exit ($rc)"
done
expect_exit 1 -- bash -c '"$CONVTOOL" kernels --help >/dev/full'
expect_exit 1 -- bash -c '"$CONVTOOL" shape -k 3 28x28 >/dev/full'
expect_error_prefix

## -- ends the options of every command.
cp in/t00.png ./-dash.png
expect_exit 0 -- ct apply -k blur -o dash -- -dash.png
expect_file_exists dash/-dash.png
expect_exit 0 -- ct apply -k blur -- -dash.png -out.png
expect_file_exists ./-out.png
expect_exit 0 -- ct shape -k 3 -- 28x28
expect_stdout_contains '28x28 -> 28x28'
expect_exit 0 -- ct kernels show -- sobel
expect_stdout_contains 'sobel: 3x3'

## SIGTERM in the middle of a parallel batch: exit 143, no temp file left, no partial file.
py "
r = np.random.default_rng(3)
for i in range(24):
    np.save('big%02d.npy' % i, r.random((3, 500, 500)).astype('float32'))
"
"$CONVTOOL" apply -k gaussian7 -J 2 -j 2 --quiet -o sig big*.npy &
pid=$!
for ((i = 0; i < 600; i++)); do
    [ -n "$(find sig -name 'big*.npy' 2>/dev/null | head -1)" ] && break
    sleep 0.05
done
kill -TERM $pid
wait $pid
expect_eq $? 143 "exit after SIGTERM"
expect_no_temp sig
expect_py '
import glob
for p in glob.glob("sig/*.npy"):
    assert np.load(p).shape == (3, 500, 500), p
'
