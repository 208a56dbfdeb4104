#!/usr/bin/env bash
# batch_filter.sh - filter every PNG/JPEG of a directory with convtool.
#
# usage: samples/batch_filter.sh [-k KERNEL]... [-j N] [-r] [-q] INPUT_DIR OUTPUT_DIR [-- CONVTOOL_OPTIONS...]
#
#   -k KERNEL   a kernel for `convtool apply -k` (library name, kernel file or inline
#               matrix such as "0 -1 0; -1 5 -1; 0 -1 0"); repeatable. With several
#               kernels convtool writes one output per kernel, NAME-KERNEL.ext
#               (its default --combine separate). Default: sharpen.
#   -j N        filter N files at once (convtool's --jobs, 1-8; default: convtool's
#               choice, one file per CPU). The output does not depend on it.
#   -r          also search the subdirectories of INPUT_DIR; the tree is mirrored in
#               OUTPUT_DIR (convtool's --name '{dir}/{name}').
#   -q          pass --quiet to convtool (no warnings, progress or summary).
#   -h          this help.
#   -- ...      everything after `--` goes to `convtool apply` unchanged, e.g.
#               `-- --map abs --gray`, `-- --skip-existing --report run.jsonl`,
#               `-- --shard 0/4`.
#
# Every regular file in INPUT_DIR whose name ends in .png, .jpg or .jpeg (any case) is
# handed to ONE `convtool apply -o OUTPUT_DIR --files-from - -0` run, which keeps each
# file's name (and format), works on several files at once, shows a progress line on a
# terminal and prints a summary. Names with spaces, newlines or other odd characters are
# fine (the list is NUL-separated); files are handled in sorted order; OUTPUT_DIR is
# created if missing. Files are written atomically by convtool, so an interrupted run
# leaves no partial outputs, and a re-run with `-- --skip-existing` redoes only what is
# missing or older than its input.
#
# The convtool binary is taken from $CONVTOOL if set, else `convtool` on PATH, else a
# build directory of this checkout (build/, build-samples/, any build*/).
#
# Exit status: convtool's: 0 if every file was filtered, 1 if any file failed (the
# others are still done; each failure is named on stderr), 2 on a usage error.
#
# Examples:
#   samples/batch_filter.sh samples/ /tmp/sharp
#   samples/batch_filter.sh -k sobel -k sobel_y -j 4 samples/ /tmp/edges -- --map abs --gray
#   samples/batch_filter.sh -r -k blur photos/ /tmp/blurred -- --skip-existing
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
jobs=()
quiet=()
depth=(-maxdepth 1)
naming=()
while getopts ':k:j:rqh' opt; do
    case $opt in
        k) kernels+=(-k "$OPTARG") ;;
        j) case $OPTARG in
               ''|*[!0-9]*) die_usage "-j: '$OPTARG' is not a positive whole number" ;;
           esac
           [ "$OPTARG" -ge 1 ] || die_usage "-j: '$OPTARG' is not a positive whole number"
           jobs=(--jobs "$OPTARG") ;;
        r) depth=() ;;
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
# Absolute, because -r changes directory.
case $convtool in
    */*) convtool=$(cd -- "$(dirname -- "$convtool")" && pwd)/${convtool##*/} ;;
esac

# With -r the tree below INPUT_DIR is mirrored: find runs inside INPUT_DIR so that
# {dir} is the path below it.
if [ ${#depth[@]} -eq 0 ]; then
    naming=(--name '{dir}/{name}')
    out_dir=$(mkdir -p -- "$out_dir" && cd -- "$out_dir" && pwd) || exit 1
    cd -- "$in_dir" || exit 1
    in_dir=.
fi

# One convtool for the whole folder; the list is NUL-separated, so any name works.
find "$in_dir" -mindepth 1 "${depth[@]}" -type f \
     \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) -print0 |
    LC_ALL=C sort -z |
    "$convtool" apply "${kernels[@]}" "${jobs[@]}" "${quiet[@]}" "${naming[@]}" "${extra[@]}" \
        --files-from - -0 -o "$out_dir"
