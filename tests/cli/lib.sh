# Helpers for tests/cli/cases/*.sh. Sourced by run.sh into a fresh bash whose
# cwd is the case's own temp dir ($CASE_TMP). Assertions never abort the case:
# each failure is printed with its context, and run.sh reports the count.
#
#   expect_exit CODE -- CMD...      run CMD, keep its stdout/stderr, check the exit status
#   expect_stderr_contains TEXT     (of the last expect_exit; fixed string)
#   expect_stderr_not_contains TEXT / expect_stdout_contains TEXT / expect_stderr_empty
#   expect_stdout_equals TEXT       exact stdout (trailing newline ignored)
#   expect_file_absent F / expect_file_exists F / expect_no_temp [DIR]
#   expect_same_bytes A B / expect_different_bytes A B
#   npy_equals FILE 'python-literal' [ATOL]   shape and values (exact unless ATOL)
#   npy_shape FILE '(2, 3)'
#   expect_py 'python code'         code runs with numpy as np; must not raise
#   mknpy FILE 'numpy expression' [DTYPE]     writes an input tensor
#   ct ARGS...                      the convtool binary under test

ASSERTS=0
FAILS=0
LAST_CMD=""
LAST_RC=""
OUT=$CASE_META/stdout
ERR=$CASE_META/stderr
: >"$OUT"
: >"$ERR"

ct() { "$CONVTOOL" "$@"; }

_fail() {
    FAILS=$((FAILS + 1))
    # The outermost line of the case file (a case's own helpers are looked through).
    local i where=${BASH_SOURCE[2]##*/}:${BASH_LINENO[1]}
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        [ "${BASH_SOURCE[i]}" = "$CASE_FILE" ] && where=${CASE_FILE##*/}:${BASH_LINENO[i - 1]}
    done
    echo "FAIL [$where] $*"
}
_pass() { :; }
_count() { ASSERTS=$((ASSERTS + 1)); }

_show_last() {
    echo "      command: $LAST_CMD"
    echo "      exit:    $LAST_RC"
    if [ -s "$OUT" ]; then echo "      stdout:"; head -c 600 "$OUT" | cat -v | sed 's/^/        /'; echo; fi
    if [ -s "$ERR" ]; then echo "      stderr:"; head -c 1200 "$ERR" | sed 's/^/        /'; fi
}

# expect_exit CODE -- CMD...   (CODE may be "128+SIG" style numbers only)
expect_exit() {
    local want=$1
    shift
    [ "${1:-}" = "--" ] && shift
    LAST_CMD=$(printf '%q ' "$@")
    "$@" >"$OUT" 2>"$ERR"
    LAST_RC=$?
    _count
    if [ "$LAST_RC" != "$want" ]; then
        _fail "expected exit $want, got $LAST_RC"
        _show_last
        return 1
    fi
    return 0
}

# Like expect_exit, but only records the run (no assertion).
run() {
    LAST_CMD=$(printf '%q ' "$@")
    "$@" >"$OUT" 2>"$ERR"
    LAST_RC=$?
    return $LAST_RC
}

expect_stderr_contains() {
    [ "$1" = "--" ] && shift
    _count
    if ! grep -qF -- "$1" "$ERR"; then
        _fail "stderr does not contain: $1"
        _show_last
        return 1
    fi
}

expect_stderr_not_contains() {
    [ "$1" = "--" ] && shift
    _count
    if grep -qF -- "$1" "$ERR"; then
        _fail "stderr unexpectedly contains: $1"
        _show_last
        return 1
    fi
}

expect_stderr_empty() {
    _count
    if [ -s "$ERR" ]; then
        _fail "stderr is not empty"
        _show_last
        return 1
    fi
}

# The SPEC's prefix: the first line of stderr starts with "convtool:".
expect_error_prefix() {
    _count
    if [ "$(head -c 9 "$ERR")" != "convtool:" ]; then
        _fail "first stderr line does not start with 'convtool:'"
        _show_last
        return 1
    fi
}

expect_stdout_contains() {
    [ "$1" = "--" ] && shift
    _count
    if ! grep -qF -- "$1" "$OUT"; then
        _fail "stdout does not contain: $1"
        _show_last
        return 1
    fi
}

expect_stdout_empty() {
    _count
    if [ -s "$OUT" ]; then
        _fail "stdout is not empty"
        _show_last
        return 1
    fi
}

expect_stdout_equals() {
    _count
    local got
    got=$(cat "$OUT")
    if [ "$got" != "$1" ]; then
        _fail "stdout differs"
        echo "      expected: $(printf '%s' "$1" | head -c 600)"
        _show_last
        return 1
    fi
}

# The stdout of the last run, as a file path (for copying).
last_stdout() { echo "$OUT"; }
last_stderr() { echo "$ERR"; }

expect_file_absent() {
    _count
    if [ -e "$1" ] || [ -L "$1" ]; then
        _fail "file exists but should not: $1"
        return 1
    fi
}

expect_file_exists() {
    _count
    if [ ! -s "$1" ]; then
        _fail "file missing or empty: $1"
        return 1
    fi
}

# No ".NAME.convtool-XXXXXX" temp file anywhere under DIR (default: cwd).
expect_no_temp() {
    _count
    local left
    left=$(find "${1:-.}" -name '*.convtool-*' 2>/dev/null)
    if [ -n "$left" ]; then
        _fail "temp files left behind: $left"
        return 1
    fi
}

expect_same_bytes() {
    _count
    if ! cmp -s -- "$1" "$2"; then
        _fail "files differ: $1 $2 ($(cmp -- "$1" "$2" 2>&1 | head -1))"
        return 1
    fi
}

expect_different_bytes() {
    _count
    if cmp -s -- "$1" "$2"; then
        _fail "files are identical but should differ: $1 $2"
        return 1
    fi
}

# Runs python with numpy; the code sees np, sys and the extra args as ARGS.
py() {
    local code=$1
    shift
    "$PY" - "$@" <<PYEOF
import sys, json
import numpy as np
ARGS = sys.argv[1:]
$code
PYEOF
}

# expect_py 'code' [ARGS...]: fails if the code raises (its message is shown).
expect_py() {
    _count
    local msg
    if ! msg=$(py "$@" 2>&1); then
        _fail "python check failed: $(printf '%s' "$1" | head -c 300)"
        echo "$msg" | tail -5 | sed 's/^/      /'
        return 1
    fi
}

# mknpy FILE 'expr' [dtype]: np.save(FILE, np.array(expr, dtype)).
mknpy() {
    py "np.save(ARGS[0], np.array($2, dtype='${3:-float32}'))" "$1" ||
        { echo "mknpy failed: $1 $2" >&2; return 1; }
}

# npy_equals FILE 'literal' [ATOL]: same shape, same values (|d| <= ATOL + ATOL*|e|).
npy_equals() {
    _count
    local msg
    if ! msg=$(py "
a = np.load(ARGS[0])
e = np.array($2, dtype=np.float64)
tol = float(ARGS[1])
if a.shape != e.shape:
    raise SystemExit('shape %s, expected %s\n got %s' % (a.shape, e.shape, np.array2string(a, threshold=50)))
a64 = a.astype(np.float64)
bad = np.abs(a64 - e) > tol + tol * np.abs(e)
if bad.any():
    raise SystemExit('values differ at %d places (tol %g)\n got %s\n expected %s' % (bad.sum(), tol, np.array2string(a, threshold=50), np.array2string(e, threshold=50)))
" "$1" "${3:-0}" 2>&1); then
        _fail "npy_equals $1"
        echo "$msg" | sed 's/^/      /'
        return 1
    fi
}

npy_shape() {
    _count
    local got
    got=$(py "print(tuple(np.load(ARGS[0]).shape))" "$1" 2>&1)
    if [ "$got" != "$2" ]; then
        _fail "npy_shape $1: got $got, expected $2"
        return 1
    fi
}

# png_channels FILE: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (from the IHDR colour type).
png_channels() {
    py "
b = open(ARGS[0], 'rb').read(32)
assert b[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
print({0: 1, 4: 2, 2: 3, 6: 4, 3: 'P'}[b[25]])" "$1"
}

# png_bitdepth FILE
png_bitdepth() { py "print(open(ARGS[0], 'rb').read(32)[24])" "$1"; }

expect_eq() {  # expect_eq GOT WANT [what]
    _count
    if [ "$1" != "$2" ]; then
        _fail "${3:-value}: got '$1', expected '$2'"
        return 1
    fi
}

# A file type by magic bytes: png, jpg, bmp, tga?, hdr, npy, gif.
magic() {
    local head
    head=$(head -c 10 -- "$1" | od -An -c | tr -d ' \n')
    case $head in
        211PNG*) echo png ;;
        377330377*) echo jpg ;;
        BM*) echo bmp ;;
        '#?RADIANCE'* | '#?RGBE'*) echo hdr ;;
        223NUMPY*) echo npy ;;
        GIF8*) echo gif ;;
        *) echo "unknown:$head" ;;
    esac
}

expect_magic() {  # expect_magic FILE TYPE
    _count
    local got
    got=$(magic "$1" 2>/dev/null)
    if [ "$got" != "$2" ]; then
        _fail "$1: file type $got, expected $2"
        return 1
    fi
}

# The sample photo (or a generated stand-in).
sample_photo() {
    local p
    for p in "$SOURCE_DIR/samples/chelsea.png" "$SOURCE_DIR/../shared/samples/chelsea.png"; do
        [ -f "$p" ] && { echo "$p"; return; }
    done
    convert -size 96x64 gradient:red-blue -swirl 90 "$CASE_TMP/.photo.png" && echo "$CASE_TMP/.photo.png"
}

# The strip engine's channel layouts from the sample photo, 211x157: rgb.png, rgba.png,
# gray.png, gray-alpha.png, rgb16.png (16 bits), rgb.jpg (quality 90).
make_layouts() {
    local photo
    photo=$(sample_photo)
    convert "$photo" -resize 211x157! rgb.png
    convert rgb.png -alpha set -channel A -evaluate set 60% +channel rgba.png
    convert rgb.png -colorspace Gray gray.png
    convert rgba.png -colorspace Gray -alpha on gray-alpha.png
    convert rgb.png -depth 16 rgb16.png
    convert rgb.png -quality 90 rgb.jpg
}

skip_case() {
    echo "$*" >"$CASE_META/skipped"
}

case_done() {
    echo "$ASSERTS $FAILS" >"$CASE_META/result"
}

# expect_py_checks 'code' [ARGS...]: the code prints "ok: TEXT" or "not ok: TEXT"
# lines, each one assertion; a crash of the code is one more failure.
expect_py_checks() {
    local out rc line
    out=$(py "$@" 2>&1)
    rc=$?
    while IFS= read -r line; do
        case $line in
            "ok: "*) _count ;;
            "not ok: "*) _count; _fail "${line#not ok: }" ;;
            *) [ -n "$line" ] && echo "      $line" ;;
        esac
    done <<<"$out"
    if [ "$rc" -ne 0 ]; then
        _count
        _fail "python checks exited with $rc"
    fi
}
