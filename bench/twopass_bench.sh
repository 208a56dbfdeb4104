#!/usr/bin/env bash
# The strip engine's two-pass jobs (issue 14): --map normalize and circular padding,
# streamed in two passes (CONVTOOL_STREAM=1) beside the whole-image fused path
# (CONVTOOL_STREAM=0) and the float path (CONVTOOL_STREAM=0 CONVTOOL_FUSED=0, where
# --map normalize went before), and the one-pass stream of the same kernel for scale.
#
#   bench/twopass_bench.sh [BIN] [--runs N] [--inputs "A.png B.png"]
#
# BIN defaults to $CONVTOOL, else build/convtool. Inputs default to the stream bench's
# 4096² noisy photo and 8192² photo in $BENCH_TMP/in (bench/stream_bench.sh makes them).
# Each job runs N times (default 3) per path, alternating, after one warm-up; the table
# gives the median wall time, the largest peak RSS (GNU time's %M: the process and its
# worker), the stream's ratios to the float path, and whether all wrote the same bytes.
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
declare -A t m

# measure PATH OUT ARGS...: "seconds kilobytes" of one run; PATH: stream, whole or float
measure() {
    local path=$1 dst=$2 env
    shift 2
    case $path in
        stream) env="CONVTOOL_STREAM=1" ;;
        whole) env="CONVTOOL_STREAM=0" ;;
        float) env="CONVTOOL_STREAM=0 CONVTOOL_FUSED=0" ;;
    esac
    env $env /usr/bin/time -f '%e %M' -o "$out/time" \
        "$bin" apply --quiet --no-progress "$@" "$dst" >/dev/null 2>"$out/err" ||
        { echo "failed: $env $bin apply $* $dst" >&2; cat "$out/err" >&2; exit 1; }
    tail -1 "$out/time"
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
largest() { sort -n | tail -1; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| input | job | stream s, MB | whole s, MB | float s, MB | stream/float time, RSS | bytes |"
echo "|---|---|---|---|---|---|---|"
for input in $inputs; do
    name=$(basename "$input" .png)
    for job in "sharpen (1 pass)|-k sharpen" "normalize|-k sobel --map normalize" \
        "circular|-k sharpen -m circular" "circular+normalize|-k sobel -m circular --map normalize"; do
        label=${job%%|*}
        read -r -a args <<<"${job#*|}"
        for p in stream whole float; do
            measure $p "$out/$p.png" "${args[@]}" "$input" >/dev/null # warm-up
            : >"$out/$p.txt"
        done
        for ((i = 0; i < runs; i++)); do
            for p in stream whole float; do
                measure $p "$out/$p.png" "${args[@]}" "$input" >>"$out/$p.txt"
            done
        done
        for p in stream whole float; do
            t[$p]=$(cut -d' ' -f1 "$out/$p.txt" | median)
            m[$p]=$(cut -d' ' -f2 "$out/$p.txt" | largest)
        done
        same=$(cmp -s "$out/stream.png" "$out/whole.png" && cmp -s "$out/stream.png" "$out/float.png" &&
            echo same || echo DIFFERENT)
        awk -v i="$name" -v j="$label" -v b="$same" \
            -v st="${t[stream]}" -v wt="${t[whole]}" -v ft="${t[float]}" \
            -v sm="${m[stream]}" -v wm="${m[whole]}" -v fm="${m[float]}" \
            'BEGIN {printf "| %s | %s | %.2f, %.0f | %.2f, %.0f | %.2f, %.0f | %.2f, %.3f | %s |\n", i, j, st, sm / 1024, wt, wm / 1024, ft, fm / 1024, st / ft, sm / fm, b}'
    done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commands: CONVTOOL_STREAM=1 | CONVTOOL_STREAM=0 | CONVTOOL_STREAM=0 CONVTOOL_FUSED=0 $bin apply --quiet --no-progress ARGS INPUT OUT.png ($runs runs each)"
