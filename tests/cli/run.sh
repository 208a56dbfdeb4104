#!/usr/bin/env bash
# CLI tests in the spirit of zstd's tests/cli-tests: every tests/cli/cases/*.sh
# runs in a fresh temporary directory with the helpers of lib.sh, and prints
# one line.  Usage: tests/cli/run.sh BINARY [CASE...]   (CASE: a file stem, e.g. seeds)
# Environment: SOURCE_DIR (repo root, defaults to this file's ../..),
# CLI_TESTS_VERBOSE=1 prints every case's log, CLI_TESTS_KEEP=1 keeps temp dirs.
set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 BINARY [CASE...]" >&2
    exit 2
fi
BIN=$(readlink -f -- "$1") || { echo "run.sh: no such binary: $1" >&2; exit 2; }
shift
[ -x "$BIN" ] || { echo "run.sh: not executable: $BIN" >&2; exit 2; }

HERE=$(cd -- "$(dirname -- "$0")" && pwd)
export SOURCE_DIR=${SOURCE_DIR:-$(cd -- "$HERE/../.." && pwd)}
export CONVTOOL=$BIN
export PY=/usr/bin/python3
export CLI_LIB=$HERE/lib.sh
export LC_ALL=C
# The tests must not depend on the environment of whoever runs them.
unset CONVTOOL_KERNELS_DIR OMP_NUM_THREADS

cases=()
if [ $# -gt 0 ]; then
    for name in "$@"; do cases+=("$HERE/cases/${name%.sh}.sh"); done
else
    cases=("$HERE"/cases/*.sh)
fi

total=0 failed=0 asserts_total=0
t_start=$(date +%s.%N)
for case_file in "${cases[@]}"; do
    name=$(basename -- "$case_file" .sh)
    total=$((total + 1))
    work=$(mktemp -d "${TMPDIR:-/tmp}/convtool-cli.$name.XXXXXX")
    meta=$(mktemp -d "${TMPDIR:-/tmp}/convtool-cli-meta.$name.XXXXXX")
    c_start=$(date +%s.%N)
    # Each case: a fresh bash, cwd = its own temp dir, a 300 s ceiling.
    CASE_TMP=$work CASE_META=$meta CASE_NAME=$name CASE_FILE=$case_file \
        timeout -k 5 300 bash -c 'cd "$CASE_TMP" && source "$CLI_LIB" && { source "$CASE_FILE"; case_done; }' \
        </dev/null >"$meta/log" 2>&1
    rc=$?
    c_time=$(awk -v a="$c_start" -v b="$(date +%s.%N)" "BEGIN{print b-a}")
    n_asserts=0 n_fails=0
    if [ -f "$meta/result" ]; then read -r n_asserts n_fails <"$meta/result"; fi
    asserts_total=$((asserts_total + n_asserts))
    status=PASS
    if [ ! -f "$meta/result" ]; then
        status=FAIL; extra=" (case aborted, exit $rc)"
    elif [ "$n_fails" -ne 0 ]; then
        status=FAIL; extra=" ($n_fails of $n_asserts assertions failed)"
    elif [ -f "$meta/skipped" ]; then
        status=SKIP; extra=" ($(cat "$meta/skipped"))"
    else
        extra=" ($n_asserts assertions)"
    fi
    printf '%-4s %-10s %6.2fs%s\n' "$status" "$name" "$c_time" "$extra"
    if [ "$status" = FAIL ] || [ "${CLI_TESTS_VERBOSE:-0}" = 1 ]; then
        sed 's/^/    | /' "$meta/log"
    fi
    [ "$status" = FAIL ] && failed=$((failed + 1))
    if [ "${CLI_TESTS_KEEP:-0}" = 1 ]; then
        echo "    kept: $work"
    else
        rm -rf -- "$work"
    fi
    rm -rf -- "$meta"
done
t_all=$(awk -v a="$t_start" -v b="$(date +%s.%N)" "BEGIN{print b-a}")
printf '%d case files, %d assertions, %d failed, %.1fs\n' "$total" "$asserts_total" "$failed" "$t_all"
[ "$failed" -eq 0 ]
