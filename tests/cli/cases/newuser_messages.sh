# Issue 11, "what a new user trips on": each mistake gets one message that
# starts "convtool:", names the thing and says how to fix it; exit 2 for a
# wrong command line, 1 for a failed file operation. Messages are checked
# whole, so a change of wording is a deliberate one.

convert -size 40x30 gradient:red-blue -strip PNG24:in.png
mkdir photos outdir
cp in.png photos/a.png
cp in.png photos/b.png

# expect_message CODE 'whole stderr' -- CMD...: that exit, that message, nothing else.
expect_message() {
    local code=$1 text=$2
    shift 2
    [ "$1" = "--" ] && shift
    expect_exit "$code" -- "$@"
    expect_eq "$(cat "$ERR")" "$text" "stderr of $LAST_CMD"
}

## 1. A directory as INPUT or OUTPUT is a usage mistake: show the batch form.
expect_message 2 'convtool: photos: is a directory; give its files (photos/*.png) with -o DIR, or --files-from' \
    -- ct apply -k blur photos/ out.png
expect_file_absent out.png
expect_message 2 'convtool: photos: is a directory; give its files (photos/*.png) with -o DIR, or --files-from' \
    -- ct apply -k blur photos out.png
# in a batch too, before any file is written
expect_message 2 'convtool: photos: is a directory; give its files (photos/*.png) with -o DIR, or --files-from' \
    -- ct apply -k blur -o res in.png photos
expect_file_absent res
expect_message 2 'convtool: outdir: is a directory; to write into it use -o DIR (convtool apply -k blur -o outdir in.png)' \
    -- ct apply -k blur in.png outdir/
expect_message 2 'convtool: outdir: is a directory; to write into it use -o DIR (convtool apply -k blur -o outdir in.png)' \
    -- ct apply -k blur in.png outdir
# even with --format (it used to fail late, at the write, with exit 1)
expect_message 2 'convtool: outdir: is a directory; to write into it use -o DIR (convtool apply -k blur -o outdir in.png)' \
    -- ct apply -k blur -f png in.png outdir
# a name ending in '/' that does not exist yet
expect_message 2 'convtool: newdir: names a directory (it ends in /); to write into it use -o DIR (convtool apply -k blur -o newdir in.png)' \
    -- ct apply -k blur in.png newdir/
expect_file_absent newdir
# the suggested command is pasteable: every -k once, odd names quoted
mkdir 'my out'
expect_message 2 "convtool: my out: is a directory; to write into it use -o DIR (convtool apply -k sobel_xy -k '1 2 1' -o 'my out' in.png)" \
    -- ct apply -k sobel_xy -k '1 2 1' in.png 'my out'
# ... and it works
expect_exit 0 -- ct apply -k blur -o outdir in.png
expect_file_exists outdir/in.png
expect_no_temp .

## 3. --quiet silences stderr only: --report still records the warnings.
# -k 2 doubles every value: a third of them clip, a warning
expect_exit 0 -- ct apply -k 2 -o loud --report loud.jsonl in.png
loud=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["message"])' loud.jsonl)
expect_eq "$([ -n "$loud" ] && echo set)" set "the report's message without --quiet"
expect_exit 0 -- ct apply -k 2 --quiet -o quiet --report quiet.jsonl in.png
expect_stderr_empty
quiet=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["message"])' quiet.jsonl)
expect_eq "${quiet//quiet\//loud/}" "$loud" "the report's message with --quiet"
# single-file mode with --report too
expect_exit 0 -- ct apply -k 2 --quiet --report one.jsonl in.png one.png
expect_stderr_empty
expect_py 'import json; assert json.loads(open("one.jsonl").readline())["message"].startswith("one.png: ")'
# several inputs: both lines keep their message
expect_exit 0 -- ct apply -k 2 --quiet -o two --report two.jsonl photos/a.png photos/b.png
expect_stderr_empty
expect_py 'import json; assert all(json.loads(l)["message"] for l in open("two.jsonl"))'

## 4. Near misses get the name they missed.
expect_message 2 "convtool: -k sharpn: no kernel of that name; did you mean sharpen? (see 'convtool kernels')" \
    -- ct apply -k sharpn in.png x.png
# a swap of two letters is one edit
expect_message 2 "convtool: -k shrapen: no kernel of that name; did you mean sharpen? (see 'convtool kernels')" \
    -- ct apply -k shrapen in.png x.png
expect_message 2 "convtool: -k sharpn: no kernel of that name; did you mean sharpen? (see 'convtool kernels')" \
    -- ct kernels show sharpn
# nothing near: the old advice
expect_message 2 "convtool: -k zzzzzz: no kernel of that name (see 'convtool kernels'; use ./zzzzzz for a file)" \
    -- ct apply -k zzzzzz in.png x.png
# names in --kernels-dir count too
mkdir kd
printf '1 2 1\n' >kd/smooth3.txt
expect_message 2 "convtool: -k smoth3: no kernel of that name; did you mean smooth3? (see 'convtool kernels')" \
    -- ct apply --kernels-dir kd -k smoth3 in.png x.png
expect_message 2 "convtool: unknown command 'aply'; did you mean apply? (see 'convtool --help')" -- ct aply
expect_message 2 "convtool: unknown command 'frobnicate' (try 'convtool --help')" -- ct frobnicate
expect_message 2 "convtool: kernels: unknown subcommand 'shwo'; did you mean show? (list or show)" \
    -- ct kernels shwo
expect_message 2 "convtool: kernels: unknown option '--ass'; did you mean --as? (see 'convtool kernels --help')" \
    -- ct kernels --ass npy show blur
expect_message 2 "convtool: --stride '2x2': not a number; write N or SY,SX, e.g. --stride 2 or --stride 2,2" \
    -- ct apply -k blur --stride 2x2 in.png x.png
expect_message 2 "convtool: --dilation '2x2': not a number; write N or DY,DX, e.g. --dilation 2 or --dilation 2,2" \
    -- ct apply -k blur --dilation 2x2 in.png x.png
expect_message 2 "convtool: --padding '1x1': not a number; write N, PY,PX, same or valid, e.g. --padding 1 or --padding 1,1" \
    -- ct shape 28x28 -k 3 --padding 1x1
expect_message 2 "convtool: --stride '1.5': not a whole number; write N or SY,SX, e.g. --stride 2 or --stride 2,2" \
    -- ct shape 28x28 -k 3 --stride 1.5
# a number out of range says so, as before
expect_message 2 "convtool: --stride '0': out of range 1..65536" -- ct shape 28x28 -k 3 --stride 0
expect_message 2 "convtool: -k 'sharpen,blur': several kernels in one -k; give each its own: -k sharpen -k blur" \
    -- ct apply -k sharpen,blur in.png x.png
expect_message 2 "convtool: -k 'sharpen, smooth3': several kernels in one -k; give each its own: -k sharpen -k smooth3" \
    -- ct apply --kernels-dir kd -k 'sharpen, smooth3' in.png x.png
# numbers with commas stay an inline kernel
expect_exit 0 -- ct apply -k '0,1,0' in.png row.png
expect_file_absent x.png

## 5. An output in a missing directory names it; nothing is created.
expect_message 1 'convtool: out/x.png: the directory out/ does not exist (create it with mkdir -p out, or use -o out --name x.png to have convtool create it)' \
    -- ct apply -k blur in.png out/x.png
expect_file_absent out
expect_message 1 'convtool: out/sub/x.png: the directory out/sub/ does not exist (create it with mkdir -p out/sub, or use -o out/sub --name x.png to have convtool create it)' \
    -- ct apply -k blur in.png out/sub/x.png
# the suggested fix works
expect_exit 0 -- ct apply -k blur -o out --name x.png in.png
expect_file_exists out/x.png
# a link to a missing directory is not followed into existence
ln -s nowhere gone
expect_message 1 'convtool: gone/x.png: the directory gone/ is a symbolic link to a missing directory (nowhere); create it or fix the link' \
    -- ct apply -k blur in.png gone/x.png
expect_file_absent nowhere
expect_no_temp .

## 8. Binary data never goes to a terminal: apply and kernels show alike.
if command -v script >/dev/null; then
    expect_exit 2 -- script -qec "$CONVTOOL apply -k blur -f png in.png -" /dev/null
    expect_eq "$(tr -d '\r' <"$OUT")" 'convtool: refusing to write PNG data to a terminal; redirect stdout (> out.png) or give an OUTPUT file' \
        "apply -f png to a terminal"
    expect_exit 2 -- script -qec "$CONVTOOL apply -k blur -f npy in.png /dev/stdout" /dev/null
    expect_eq "$(tr -d '\r' <"$OUT")" 'convtool: refusing to write NPY data to a terminal; redirect stdout (> out.npy) or give an OUTPUT file' \
        "apply -f npy to /dev/stdout on a terminal"
    expect_exit 2 -- script -qec "$CONVTOOL kernels show --as npy blur" /dev/null
    expect_eq "$(tr -d '\r' <"$OUT")" 'convtool: refusing to write NPY data to a terminal; redirect stdout (> kernel.npy)' \
        "kernels show --as npy to a terminal"
else
    echo "note: no script(1): the terminal part is skipped"
fi
# a pipe is fine
expect_exit 0 -- bash -c '"$CONVTOOL" apply -k blur -f png in.png - | cat >piped.png'
expect_magic piped.png png

## Unknown long options of apply and shape get the nearest real one.
expect_exit 2 -- ct apply --stirde 2 -k blur in.png out.png
expect_stderr_contains "apply: unknown option '--stirde'; did you mean --stride?"
expect_exit 2 -- ct shape --explian -k 3 5x5
expect_stderr_contains "shape: unknown option '--explian'; did you mean --explain?"
expect_exit 2 -- ct apply -Z -k blur in.png out.png
expect_stderr_contains "apply: unknown option '-Z' (see 'convtool apply --help')"

## The command left out: an option where the command goes.
expect_exit 2 -- ct -k sharpen in.png out.png
expect_stderr_contains "'-k' is an option of a command, not a command; did you mean 'convtool apply -k"

## ImageMagick's one-dash long options, -o -, and a kernel file named like a built-in.
expect_exit 2 -- ct apply -stride 2 -k blur in.png out.png
expect_stderr_contains "'-stride': long options take two dashes: --stride"
expect_exit 2 -- ct shape -explain -k 3 5x5
expect_stderr_contains "long options take two dashes: --explain"
expect_exit 2 -- ct apply -k blur -o - in.png
expect_stderr_contains "-o -: -o takes a directory for a batch"
expect_file_absent ./-
expect_exit 1 -- ct apply -k sharpen.txt in.png out.png
expect_stderr_contains "-k sharpen.txt: no such kernel file; the built-in kernel of that name is -k sharpen"
