#!/bin/sh
# 300 thumbnails, -o DIR: convtool sandboxed (long-lived decoder workers) vs
# --no-sandbox vs ImageMagick's mogrify (issue 14, item 3 and 7). Inputs are
# 160x120 PNGs cut from samples/ (a few tiles and rotations of each photo),
# made here, not kept. Runs alternate; prints medians, ratios and the peak
# RSS (/usr/bin/time -v) of each. Usage: bench/thumbs.sh [BIN] [RUNS] [COUNT]; with
# BASE=OTHER_BIN (e.g. a build of an older commit) its sandboxed run joins the rotation.
set -eu
BIN=${1:-build/convtool}
BASE=${BASE:-}
RUNS=${2:-7}
COUNT=${3:-300}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v convert >/dev/null && command -v mogrify >/dev/null ||
    { echo "thumbs.sh: ImageMagick (convert, mogrify) is needed" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
mkdir -p "$TMP/in"

# COUNT tiles: each sample photo, cropped at a grid of offsets, rotated by 0/90/180/270.
i=0
while [ "$i" -lt "$COUNT" ]; do
    for src in "$ROOT"/samples/*.png; do
        [ "$i" -lt "$COUNT" ] || break
        x=$(( (i * 37) % 300 )); y=$(( (i * 53) % 200 )); r=$(( (i % 4) * 90 ))
        convert "$src" -crop 320x240+$x+$y +repage -rotate $r -resize 160x120! \
            "$TMP/in/t$(printf %03d $i).png"
        i=$((i + 1))
    done
done

median() { sort -n | awk -v f="$1" '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf f, m}'; }

# One timed run: appends "seconds peak_kB" to $TMP/$1.times
timed() {
    name=$1; shift
    rm -rf "$TMP/out" && mkdir -p "$TMP/out"
    /usr/bin/time -f '%e %M' -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err" ||
        { cat "$TMP/err" >&2; exit 1; }
    cat "$TMP/t" >>"$TMP/$name.times"
}

sandboxed() { timed sandbox "$BIN" apply -k sharpen --quiet -o "$TMP/out" "$TMP"/in/*.png; }
based() { [ -z "$BASE" ] || timed base "$BASE" apply -k sharpen --quiet -o "$TMP/out" "$TMP"/in/*.png; }
bare() { timed nosandbox "$BIN" apply -k sharpen --quiet --no-sandbox -o "$TMP/out" "$TMP"/in/*.png; }
magick() {
    rm -rf "$TMP/mog" && cp -r "$TMP/in" "$TMP/mog"
    /usr/bin/time -f '%e %M' -o "$TMP/t" mogrify -sharpen 0x1 "$TMP"/mog/*.png 2>"$TMP/err" ||
        { cat "$TMP/err" >&2; exit 1; }
    cat "$TMP/t" >>"$TMP/mogrify.times"
}

sandboxed; based; bare; magick # warm-up, not counted
rm -f "$TMP"/*.times
r=0
while [ "$r" -lt "$RUNS" ]; do
    sandboxed; based; bare; magick
    r=$((r + 1))
done

names="sandbox nosandbox mogrify"
[ -z "$BASE" ] || names="$names base"
for n in $names; do
    eval "t_$n=\$(cut -d' ' -f1 \"\$TMP/$n.times\" | median %.3f)"
    eval "m_$n=\$(cut -d' ' -f2 \"\$TMP/$n.times\" | median %d)"
done
echo "$COUNT PNG thumbnails 160x120, -k sharpen -o DIR, median of $RUNS alternating runs ($(nproc) cores)"
printf '%-22s %8s s  peak RSS %6d kB\n' "convtool (sandbox)" "$t_sandbox" "$m_sandbox"
printf '%-22s %8s s  peak RSS %6d kB\n' "convtool --no-sandbox" "$t_nosandbox" "$m_nosandbox"
printf '%-22s %8s s  peak RSS %6d kB\n' "mogrify -sharpen 0x1" "$t_mogrify" "$m_mogrify"
[ -z "$BASE" ] || printf '%-22s %8s s  peak RSS %6d kB\n' "BASE (sandbox)" "$t_base" "$m_base"
[ -z "$BASE" ] || awk -v s="$t_base" -v b="$t_nosandbox" -v n="$COUNT" 'BEGIN {
    printf "BASE / --no-sandbox:    %.2fx, %.3f ms per file\n", s / b, (s - b) * 1000 / n }'
awk -v s="$t_sandbox" -v b="$t_nosandbox" -v m="$t_mogrify" -v n="$COUNT" 'BEGIN {
    printf "sandbox / --no-sandbox: %.2fx (goal <= 1.3x)\n", s / b
    printf "sandbox / mogrify:      %.2fx (goal <= 0.3x)\n", s / m
    printf "sandbox cost per file:  %.3f ms (goal < 0.5 ms)\n", (s - b) * 1000 / n }'
# The same cost in process, without the batch's threads and writes around it.
SB=$(dirname "$BIN")/bench/sandbox_bench
if [ -x "$SB" ]; then "$SB" "$TMP/in/t000.png" 1000; fi
