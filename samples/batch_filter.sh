#!/usr/bin/env bash
# batch_filter.sh - filter every PNG/JPEG of a directory with convtool.
#
# usage: samples/batch_filter.sh [-k KERNEL]... [-j N] [-q] INPUT_DIR OUTPUT_DIR [-- CONVTOOL_OPTIONS...]
#
#   -k KERNEL   a kernel for `convtool apply -k` (library name, kernel file or inline
#               matrix such as "0 -1 0; -1 5 -1; 0 -1 0"); repeatable. With several
#               kernels convtool writes one output per kernel, NAME-KERNEL.ext
#               (its default --combine separate). Default: sharpen.
#   -j N        filter N files at once (default 1). The CPUs are shared out: each
#               convtool gets --threads ceil(CPUs / N). convtool's output does not
#               depend on the thread count, so neither does this script's.
#   -q          pass --quiet to convtool (no clipping warnings).
#   -h          this help.
#   -- ...      everything after `--` goes to `convtool apply` unchanged, e.g.
#               `-- --map abs --gray`.
#
# Every regular file directly in INPUT_DIR whose name ends in .png, .jpg or .jpeg (any
# case) is filtered with `convtool apply -o OUTPUT_DIR FILE`, which keeps the file's
# name (and format). Names with spaces or other odd characters are fine; files are
# handled in sorted order; OUTPUT_DIR is created if missing. Subdirectories are not
# searched. Files are written atomically by convtool, so an interrupted run leaves no
# partial outputs.
#
# The convtool binary is taken from $CONVTOOL if set, else `convtool` on PATH, else a
# build directory of this checkout (build/, build-samples/, any build*/).
#
# Exit status: 0 if every file was filtered, 1 if any file failed (the others are still
# done; the failed names are listed at the end), 2 on a usage error.
#
# Examples:
#   samples/batch_filter.sh samples/ /tmp/sharp
#   samples/batch_filter.sh -k sobel -k sobel_y -j 4 samples/ /tmp/edges -- --map abs --gray
#   CONVTOOL=/usr/local/bin/convtool samples/batch_filter.sh -k blur in/ out/

set -u

prog=${0##*/}

usage() {
    sed -n '4p' "$0" | sed 's/^# \{0,1\}//'
    echo "try '$prog -h' for more"
}

help() {
    sed -n '2,/^$/p' "$0" | sed -e '/^$/d' -e 's/^# \{0,1\}//'
}

die_usage() {
    echo "$prog: $*" >&2
    usage >&2
    exit 2
}

kernels=()
jobs=1
quiet=()
while getopts ':k:j:qh' opt; do
    case $opt in
        k) kernels+=(-k "$OPTARG") ;;
        j) case $OPTARG in
               ''|*[!0-9]*) die_usage "-j: '$OPTARG' is not a positive whole number" ;;
           esac
           [ "$OPTARG" -ge 1 ] || die_usage "-j: '$OPTARG' is not a positive whole number"
           jobs=$OPTARG ;;
        q) quiet=(--quiet) ;;
        h) help; exit 0 ;;
        :) die_usage "-$OPTARG needs a value" ;;
        *) die_usage "unknown option -$OPTARG" ;;
    esac
done
shift $((OPTIND - 1))

[ $# -ge 2 ] || die_usage "need INPUT_DIR and OUTPUT_DIR"
in_dir=$1
out_dir=$2
shift 2
extra=()
if [ $# -gt 0 ]; then
    [ "$1" = "--" ] || die_usage "unexpected argument '$1' (convtool options go after --)"
    shift
    extra=("$@")
fi
[ ${#kernels[@]} -gt 0 ] || kernels=(-k sharpen)

[ -d "$in_dir" ] || { echo "$prog: $in_dir: not a directory" >&2; exit 2; }

# --- find convtool --------------------------------------------------------------------
find_convtool() {
    if [ -n "${CONVTOOL:-}" ]; then
        printf '%s\n' "$CONVTOOL"
        return 0
    fi
    if command -v convtool >/dev/null 2>&1; then
        command -v convtool
        return 0
    fi
    local root cand
    root=$(cd "$(dirname "$0")/.." && pwd) || return 1
    for cand in "$root/build/convtool" "$root/build-samples/convtool" "$root"/build*/convtool; do
        if [ -x "$cand" ] && [ -f "$cand" ]; then
            printf '%s\n' "$cand"
            return 0
        fi
    done
    return 1
}

convtool=$(find_convtool) || {
    echo "$prog: convtool not found: set CONVTOOL, put it on PATH or build it (cmake --build build)" >&2
    exit 1
}
[ -x "$convtool" ] || { echo "$prog: $convtool: not executable" >&2; exit 1; }

# --- collect the inputs (NUL-separated, so any file name works) ------------------------
files=()
while IFS= read -r -d '' f; do
    files+=("$f")
done < <(find "$in_dir" -mindepth 1 -maxdepth 1 -type f \
              \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) -print0 |
         LC_ALL=C sort -z)

if [ ${#files[@]} -eq 0 ]; then
    echo "$prog: no PNG or JPEG files in $in_dir" >&2
    exit 0
fi

mkdir -p -- "$out_dir" || exit 1

# Share the CPUs between the parallel jobs.
threads=()
if [ "$jobs" -gt 1 ]; then
    ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
    threads=(--threads $(( (ncpu + jobs - 1) / jobs )))
fi

status_dir=$(mktemp -d "${TMPDIR:-/tmp}/batch_filter.XXXXXX") || exit 1
trap 'rm -rf -- "$status_dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One file: convtool's own message names the file; record failures by index.
filter_one() {
    local i=$1 f=$2
    local rc
    # convtool's per-run summary ("1 input: 1 done") is dropped: this script prints its own.
    "$convtool" apply "${kernels[@]}" "${threads[@]}" "${quiet[@]}" "${extra[@]}" \
        -o "$out_dir" "$f" 2>&1 | grep -v '^convtool: 1 input: ' >&2
    rc=${PIPESTATUS[0]}
    if [ "$rc" -ne 0 ]; then
        printf '%s\n' "$f" > "$status_dir/fail.$(printf '%06d' "$i")"
        printf '%s: FAILED (exit %d): %s\n' "$prog" "$rc" "$f" >&2
    fi
}

echo "$prog: ${#files[@]} file(s) from $in_dir to $out_dir with $convtool" >&2
running=0
i=0
for f in "${files[@]}"; do
    i=$((i + 1))
    if [ "$jobs" -le 1 ]; then
        filter_one "$i" "$f"
    else
        filter_one "$i" "$f" &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then
            wait -n 2>/dev/null || true
            running=$((running - 1))
        fi
    fi
done
wait

failed=()
for s in "$status_dir"/fail.*; do
    [ -e "$s" ] || continue
    failed+=("$(cat -- "$s")")
done

echo "$prog: ${#files[@]} file(s): $(( ${#files[@]} - ${#failed[@]} )) done, ${#failed[@]} failed" >&2
if [ ${#failed[@]} -gt 0 ]; then
    printf '  failed: %s\n' "${failed[@]}" >&2
    exit 1
fi
exit 0
