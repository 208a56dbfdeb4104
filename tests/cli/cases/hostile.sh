# The bad-input catalogue (issue 4, part 6): tests/hostile/make_catalogue.py writes
# some 330 hostile or odd files here (PNG and JPEG cut and bit-flipped at many
# offsets, bad CRCs, huge declared sizes, bombs, palette tricks, unsupported
# formats, bad .npy headers, bad kernel files) with the expected outcome of each;
# tests/hostile/run_catalogue.py runs convtool on every one of them, then on a
# directory, FIFOs, /dev/zero, and bad, overflowing and unknown arguments.
#
# Each run: the expected exit status, no hang, no crash or sanitizer report, a
# "convtool:" message naming the file (or option) and the reason, the destination
# (pre-filled with known bytes) unchanged on failure, no temp file, and less than
# 512 MB of memory. One "ok"/"not ok" line per check; see the two scripts.

SANITIZED=0
grep -qa -e __asan_init -e __tsan_init "$CONVTOOL" && SANITIZED=1
export SANITIZED

mkdir catalogue
if ! "$PY" "$SOURCE_DIR/tests/hostile/make_catalogue.py" catalogue >gen.log 2>&1; then
    _count
    _fail "make_catalogue.py failed: $(tail -5 gen.log)"
fi

# Like lib.sh's expect_py_checks, for a script file: each "ok:"/"not ok:" line is
# one assertion; other lines are shown as notes.
expect_script_checks() {
    local line rc
    "$PY" "$@" >checks.log 2>&1
    rc=$?
    while IFS= read -r line; do
        case $line in
            "ok: "*) _count ;;
            "not ok: "*) _count; _fail "${line#not ok: }" ;;
            *) [ -n "$line" ] && echo "      $line" ;;
        esac
    done <checks.log
    if [ "$rc" -ne 0 ]; then
        _count
        _fail "$1 exited with $rc"
    fi
}

expect_script_checks "$SOURCE_DIR/tests/hostile/run_catalogue.py" catalogue work
expect_no_temp .
