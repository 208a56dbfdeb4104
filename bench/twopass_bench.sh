#!/usr/bin/env bash
# The strip engine's two-pass jobs (issue 14): --map normalize and circular padding,
# streamed in two passes (CONVTOOL_STREAM=1) beside the whole-image path
# (CONVTOOL_STREAM=0), and the one-pass stream of the same kernel for scale.
#
#   bench/twopass_bench.sh [BIN] [--runs N] [--inputs "A.png B.png"]
#
# BIN defaults to $CONVTOOL, else build/convtool. Inputs default to the stream bench's
# 4096² noisy photo and 8192² photo in $BENCH_TMP/in (bench/stream_bench.sh makes them).
# Each job runs N times (default 3) per path, alternating, after one warm-up; the table
# gives the median wall time, the largest peak RSS (GNU time's %M: the process and its
# worker), their ratios two-pass/whole, and whether both paths wrote the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${CONVTOOL:-build/convtool}
runs=3
tmp=${BENCH_TMP:-/tmp/convtool-bench}
inputs="$tmp/in/noisy-4096.png $tmp/in/photo-8192.png"
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --inputs) inputs=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "twopass_bench.sh: unknown option $1" >&2; exit 2 ;;
        *) bin=$1; shift ;;
    esac
done
out="$tmp/twopass"
mkdir -p "$out"

# measure STREAM OUT ARGS...: "seconds kilobytes" of one run
measure() {
    local stream=$1 dst=$2
    shift 2
    CONVTOOL_STREAM=$stream /usr/bin/time -f '%e %M' -o "$out/time" \
        "$bin" apply --quiet --no-progress "$@" "$dst" >/dev/null 2>"$out/err" ||
        { echo "failed: CONVTOOL_STREAM=$stream $bin apply $* $dst" >&2; cat "$out/err" >&2; exit 1; }
    tail -1 "$out/time"
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
largest() { sort -n | tail -1; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| input | job | stream s | whole s | time ratio | stream MB | whole MB | RSS ratio | bytes |"
echo "|---|---|---|---|---|---|---|---|---|"
for input in $inputs; do
    name=$(basename "$input" .png)
    for job in "sharpen (1 pass)|-k sharpen" "normalize|-k sobel --map normalize" \
        "circular|-k sharpen -m circular" "circular+normalize|-k sobel -m circular --map normalize"; do
        label=${job%%|*}
        read -r -a args <<<"${job#*|}"
        measure 1 "$out/s.png" "${args[@]}" "$input" >/dev/null # warm-up
        measure 0 "$out/w.png" "${args[@]}" "$input" >/dev/null
        : >"$out/s.txt"
        : >"$out/w.txt"
        for ((i = 0; i < runs; i++)); do
            measure 1 "$out/s.png" "${args[@]}" "$input" >>"$out/s.txt"
            measure 0 "$out/w.png" "${args[@]}" "$input" >>"$out/w.txt"
        done
        st=$(cut -d' ' -f1 "$out/s.txt" | median)
        wt=$(cut -d' ' -f1 "$out/w.txt" | median)
        sm=$(cut -d' ' -f2 "$out/s.txt" | largest)
        wm=$(cut -d' ' -f2 "$out/w.txt" | largest)
        same=$(cmp -s "$out/s.png" "$out/w.png" && echo same || echo DIFFERENT)
        awk -v i="$name" -v j="$label" -v st="$st" -v wt="$wt" -v sm="$sm" -v wm="$wm" -v b="$same" \
            'BEGIN {printf "| %s | %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.3f | %s |\n", i, j, st, wt, st / wt, sm / 1024, wm / 1024, sm / wm, b}'
    done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commands: CONVTOOL_STREAM=1|0 $bin apply --quiet --no-progress ARGS INPUT OUT.png ($runs runs each)"
