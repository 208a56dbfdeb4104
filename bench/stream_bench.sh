#!/usr/bin/env bash
# The streaming engine's benchmark (issue 14, item 7): convtool beside libvips and
# ImageMagick's mogrify on the issue's jobs, wall time and peak RSS, with the goals' ratios.
#
#   bench/stream_bench.sh [BIN] [--runs N] [--huge] [--huge-size N] [--huge-runs N]
#                         [--baseline OLD_BIN] [--jobs LIST]
#
#   BIN             the convtool to measure (default $CONVTOOL, else build/convtool)
#   --runs N        timed runs of each tool per job, alternating (default 5), after one
#                   warm-up run each (not counted); the table gives medians
#   --huge          also the 32768x32768 gray PNG (1 gigapixel), 1 run each, no warm-up
#                   run (the input is read once into the page cache first); its input is
#                   made once (~2 min, 0.89 GB) and kept
#   --huge-size N   that image's side instead (e.g. 16384: what stb-decoding builds can do)
#   --huge-runs N   timed runs of each tool on that image, alternating (default 1)
#   --baseline OLD  an older convtool joins every rotation with the same arguments; its
#                   outputs are compared byte for byte with BIN's ("same bytes"/"DIFFERENT")
#   --jobs LIST     a comma list of: noisy, mosaic, jpeg, blur, thumbs, huge (default: all
#                   but huge)
#
# Jobs: 1 noisy   4096² noisy photo PNG -> sharpen -> PNG        (vs vips conv)
#       2 mosaic  bench/make_inputs.py's 4096² mosaic -> sharpen -> PNG   (vs vips conv)
#       3 jpeg    4096² noisy photo JPEG -> sharpen -> JPEG q90 (vs vips conv [Q=90])
#       4 blur    4096² and 8192² mosaic PNG -> blur -> PNG      (vs vips conv)
#       5 huge    32768² gray PNG -> sharpen -> PNG             (vs vips conv)
#       6 thumbs  300 256x192 PNGs -> sharpen, -o DIR; --no-sandbox; mogrify -path DIR
# Inputs and outputs live in $BENCH_TMP (default /tmp/convtool-bench), never in the
# repository; inputs are cached there between runs. Wall time is measured around each
# process, peak RSS is GNU time's %M (the largest of the process and its children). Prints
# the load average at the start and the end: figures from a busy machine are noisy.
# Output: Markdown (table, goals, output checks, commands) on stdout, progress on stderr;
# exit status 1 when a run failed (the table says which), 2 for usage errors.
set -euo pipefail
export LC_ALL=C
self=$(realpath "$0")
root=$(cd "$(dirname "$self")/.." && pwd)
py=/usr/bin/python3
helper=$root/bench/stream_inputs.py
invocation="bench/stream_bench.sh $*"

usage() {
  echo "usage: bench/stream_bench.sh [BIN] [--runs N] [--huge] [--huge-size N] [--huge-runs N] [--baseline OLD_BIN] [--jobs LIST]" >&2
  exit 2
}
bin=${CONVTOOL:-build/convtool} runs=5 baseline="" want="noisy,mosaic,jpeg,blur,thumbs" huge=32768 huge_runs=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage; runs=$2; shift ;;
    --huge) want+=",huge" ;;
    --huge-size) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ && $2 -le 65535 ]] || usage; huge=$2; shift ;;
    --huge-runs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage; huge_runs=$2; shift ;;
    --baseline) [[ $# -ge 2 ]] || usage; baseline=$2; shift ;;
    --jobs) [[ $# -ge 2 && $2 =~ ^(noisy|mosaic|jpeg|blur|thumbs|huge)(,(noisy|mosaic|jpeg|blur|thumbs|huge))*$ ]] ||
              usage; want=$2; shift ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "stream_bench.sh: unknown option $1" >&2; usage ;;
    *) bin=$1 ;;
  esac
  shift
done
wanted() { [[ ,$want, == *,$1,* ]]; }

absolute() { [[ $1 == /* ]] && echo "$1" || echo "$PWD/$1"; }
bin=$(absolute "$bin")
[[ -x $bin ]] || { echo "stream_bench.sh: $bin: no convtool there (build it, or give BIN)" >&2; exit 2; }
if [[ -n $baseline ]]; then
  baseline=$(absolute "$baseline")
  [[ -x $baseline ]] || { echo "stream_bench.sh: --baseline $baseline: not an executable" >&2; exit 2; }
fi
for tool in vips mogrify /usr/bin/time "$py"; do
  command -v "$tool" >/dev/null ||
    { echo "stream_bench.sh: $tool is needed (scripts/install-deps --test)" >&2; exit 2; }
done

tmp=${BENCH_TMP:-/tmp/convtool-bench}
in=$tmp/in out=$tmp/out times=$tmp/times
mkdir -p "$in" "$out"
rm -rf "$times" && mkdir -p "$times"

echo "stream_bench.sh: load at start: $(cat /proc/loadavg)" >&2
load_start=$(cat /proc/loadavg)

# ---- inputs (cached in $BENCH_TMP/in) --------------------------------------------------
# The kernels exactly as convtool has them, in libvips's and ImageMagick's formats.
for k in sharpen blur; do
  "$bin" kernels show "$k" | "$py" "$helper" mat "$in/$k.mat" >"$in/$k.magick"
done
if wanted noisy || wanted jpeg; then
  [[ -f $in/noisy-4096.png && -f $in/noisy-4096.jpg ]] || {
    echo "stream_bench.sh: making the noisy 4096² photo (PNG, JPEG) in $in" >&2
    "$py" "$helper" photo "$in/noisy-4096.png" "$in/noisy-4096.jpg"
  }
fi
if wanted mosaic || wanted blur; then
  sizes=(4096)
  wanted blur && sizes+=(8192)
  # bench/run.sh's generator: it skips the sizes it has made already.
  "$py" "$root/bench/make_inputs.py" "$in" "${sizes[@]}" 2> >(grep -v iCCP >&2)
fi
thumbs=300
if wanted thumbs; then
  [[ -f $in/thumbs/t$(printf %03d $((thumbs - 1))).png ]] || {
    echo "stream_bench.sh: making $thumbs thumbnails in $in/thumbs" >&2
    "$py" "$helper" thumbs "$in/thumbs" "$thumbs"
  }
fi
if wanted huge; then
  [[ -f $in/gray-$huge.png ]] || {
    echo "stream_bench.sh: making the ${huge}² gray PNG row by row in $in (a few minutes)" >&2
    "$py" "$helper" huge "$in/gray-$huge.png" "$huge"
  }
fi

# ---- the jobs ---------------------------------------------------------------------------
# Each job: a title, its tools in rotation order, and per tool a command (a string for
# eval, so that the thumbnails' glob expands at run time and the commands print as run)
# and its output (a file, or a directory when it ends in /).
declare -A CMD OUT TITLE TOOLS
jobs=()
q() { # quoted for eval and for a reader: as is when safe, else in single quotes
  if [[ $1 =~ ^[A-Za-z0-9_./=+:,-]+$ ]]; then printf '%s' "$1"
  elif [[ $1 != *\'* ]]; then printf "'%s'" "$1"
  else printf '%q' "$1"; fi
}
add_job() { jobs+=("$1"); TITLE[$1]=$2; TOOLS[$1]=""; }
add_tool() { # JOB TOOL OUTPUT COMMAND
  TOOLS[$1]+=" $2"; OUT[$1/$2]=$3; CMD[$1/$2]=$4
}
# convtool, and the baseline with the same arguments: ARGS is everything after the binary.
add_convtool() { # JOB TOOL-SUFFIX OUTPUT-EXT ARGS-BEFORE-OUTPUT ARGS-AFTER
  local job=$1 tool=convtool$2 ext=$3 o
  o=$out/$job.$tool$ext
  add_tool "$job" "$tool" "$o" "$(q "$bin") $4 $(q "$o")$5"
  if [[ -n $baseline ]]; then
    o=$out/$job.baseline$2$ext
    add_tool "$job" "baseline$2" "$o" "$(q "$baseline") $4 $(q "$o")$5"
  fi
}
vips_conv() { # JOB INPUT OUTPUT-EXT KERNEL [SAVE-OPTIONS]
  local o=$out/$1.vips$3
  add_tool "$1" vips "$o" "vips conv $(q "$2") $(q "$o${5:-}") $(q "$in/$4.mat") --precision integer"
}
png_job() { # JOB TITLE INPUT KERNEL [EXTRA-CONVTOOL-ARGS]
  add_job "$1" "$2"
  add_convtool "$1" "" .png "apply --quiet -k $4 ${5:-}$(q "$3")" ""
  vips_conv "$1" "$3" .png "$4"
}

wanted noisy && png_job noisy "1. 4096² noisy photo PNG → sharpen → PNG" "$in/noisy-4096.png" sharpen
wanted mosaic && png_job mosaic "2. 4096² bench mosaic PNG → sharpen → PNG" "$in/photo-4096.png" sharpen
if wanted jpeg; then
  add_job jpeg "3. 4096² noisy photo JPEG → sharpen → JPEG q90"
  add_convtool jpeg "" .jpg "apply --quiet -k sharpen -q 90 $(q "$in/noisy-4096.jpg")" ""
  vips_conv jpeg "$in/noisy-4096.jpg" .jpg sharpen "[Q=90]"
fi
if wanted blur; then
  png_job blur4096 "4a. 4096² bench mosaic PNG → blur → PNG" "$in/photo-4096.png" blur
  png_job blur8192 "4b. 8192² bench mosaic PNG → blur → PNG" "$in/photo-8192.png" blur
fi
if wanted huge; then
  # The default limits refuse a gigapixel (100M pixels, half the RAM, 1 GiB input files).
  png_job huge "5. ${huge}² gray PNG ($(awk -v n="$huge" 'BEGIN { printf "%.2f", n * n / 2^30 }') Gi pixels) → sharpen → PNG" \
    "$in/gray-$huge.png" sharpen \
    "--max-pixels 2G --max-memory 0 --max-input-bytes 0 "
fi
if wanted thumbs; then
  add_job thumbs "6. $thumbs PNG thumbnails 256×192 → sharpen, -o DIR"
  glob=" $(q "$in/thumbs")/*.png"
  add_convtool thumbs "" / "apply --quiet -k sharpen -o" "$glob"
  add_convtool thumbs "-nosandbox" / "apply --quiet -k sharpen --no-sandbox -o" "$glob"
  add_tool thumbs mogrify "$out/thumbs.mogrify/" \
    "mogrify -path $(q "$out/thumbs.mogrify") -morphology Correlate $(q "$(cat "$in/sharpen.magick")")$glob"
fi

# ---- running ----------------------------------------------------------------------------
# One timed run: appends "seconds peak_kB" to $times/JOB.TOOL. A failure is kept in
# $times/JOB.TOOL.failed (its message), that tool's later runs of the job are skipped, the
# table says so and the script exits 1 at the end: the other figures are still worth having
# (today's convtool cannot decode a gigapixel, libvips can).
failures=0
run_one() { # JOB TOOL
  local k=$1/$2 o=${OUT[$1/$2]} t0 t1
  [[ -f $times/$1.$2.failed ]] && return 0
  rm -rf "$o"
  [[ $o == */ ]] && mkdir -p "$o"
  t0=$EPOCHREALTIME
  if ! eval "/usr/bin/time -f %M -o \"\$tmp/rss\" ${CMD[$k]}" >/dev/null 2>"$tmp/err"; then
    echo "stream_bench.sh: $k failed: ${CMD[$k]}" >&2
    grep -v '^Command exited' "$tmp/err" | tail -3 | tee "$times/$1.$2.failed" >&2
    failures=$((failures + 1))
    return 0
  fi
  t1=$EPOCHREALTIME
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(tail -1 "$tmp/rss")" \
    >>"$times/$1.$2"
}

for job in "${jobs[@]}"; do
  read -r -a tools <<<"${TOOLS[$job]}"
  n=$runs
  if [[ $job == huge ]]; then
    n=$huge_runs # minutes each: no warm-up run, but the input read once into the page cache,
    cat "$in/gray-$huge.png" >/dev/null # so the first tool does not pay the disk for both
  else
    for tool in "${tools[@]}"; do run_one "$job" "$tool"; done
    for f in "$times/$job".*; do # the warm-up's times go; its failures stay
      [[ $f == *.failed ]] || rm -f "$f"
    done
  fi
  echo "stream_bench.sh: ${TITLE[$job]}: $n round(s) of ${tools[*]}" >&2
  for ((r = 0; r < n; r++)); do
    # Alternate: each round starts with the next tool, so no tool always runs first.
    for ((i = 0; i < ${#tools[@]}; i++)); do
      run_one "$job" "${tools[(i + r) % ${#tools[@]}]}"
    done
  done
done
load_end=$(cat /proc/loadavg)
echo "stream_bench.sh: load at end: $load_end" >&2

# ---- the table --------------------------------------------------------------------------
declare -A MED RSS
stats() { # FILE -> "median min max max_peak_kB"
  sort -n "$1" | awk '{ t[NR] = $1; if ($2 > m) m = $2 }
    END { med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
          printf "%.3f %.3f %.3f %d", med, t[1], t[NR], m }'
}
size_mb() { du -sb "$1" | awk '{ printf "%.1f", $1 / 1e6 }'; }
ratio() { # A B: A/B, or — when either is missing
  awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else printf "—" }'
}

git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
echo "Made by \`$invocation\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores."
echo "convtool: $bin ($("$bin" --version 2>&1 | head -1); this checkout is git $git_rev)."
[[ -z $baseline ]] || echo "baseline: $baseline ($("$baseline" --version 2>&1 | head -1))."
echo "Peers: $(vips --version), $(mogrify -version | sed -n '1s/^Version: //p' | cut -d' ' -f1-3)."
echo "Load average at start: $load_start; at end: $load_end."
echo "Each tool: median of $runs alternating runs after a warm-up$(wanted huge && echo " (the ${huge}² job: $huge_runs run(s), no warm-up)");"
echo "peak RSS is the largest of the runs. Ratio columns: convtool's figure over that row's."
echo
echo "| job | tool | median s | min–max s | peak RSS MB | output MB | wall: convtool/this | RSS: convtool/this |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for job in "${jobs[@]}"; do
  read -r -a tools <<<"${TOOLS[$job]}"
  for tool in "${tools[@]}"; do
    [[ -s $times/$job.$tool ]] || continue
    read -r med lo hi peak <<<"$(stats "$times/$job.$tool")"
    MED[$job/$tool]=$med RSS[$job/$tool]=$peak
  done
  for tool in "${tools[@]}"; do
    # Over convtool's row (for --no-sandbox: the sandbox's cost), but the baseline's
    # --no-sandbox run over convtool's own --no-sandbox run.
    ref=convtool
    [[ $tool == baseline-nosandbox ]] && ref=convtool-nosandbox
    if [[ ! -s $times/$job.$tool ]]; then
      printf '| %s | %s | failed: %s | | | | | |\n' "${TITLE[$job]}" "$tool" \
        "$(tr '\n|' ' /' <"$times/$job.$tool.failed")"
      continue
    fi
    read -r med lo hi peak <<<"$(stats "$times/$job.$tool")"
    wr="—" rr="—"
    if [[ $tool != convtool ]]; then
      wr=$(ratio "${MED[$job/$ref]:-}" "$med") rr=$(ratio "${RSS[$job/$ref]:-}" "$peak")
    fi
    printf '| %s | %s | %s | %s–%s | %.1f | %s | %s | %s |\n' "${TITLE[$job]}" "$tool" "$med" "$lo" "$hi" \
      "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')" "$(size_mb "${OUT[$job/$tool]}")" "$wr" "$rr"
  done
done

# ---- the goals --------------------------------------------------------------------------
goal() { # TEXT VALUE LIMIT
  local verdict="not measured"
  [[ $2 == — ]] || verdict=$(awk -v v="$2" -v l="$3" 'BEGIN { print (v <= l) ? "met" : "not met" }')
  printf -- '- %s: **%s** (goal ≤ %s: %s)\n' "$1" "$2" "$3" "$verdict"
}
has() { [[ -n ${MED[$1]:-} ]]; }
echo
echo "Goals of issue 14 (ratios of medians, and of peak RSS):"
echo
m() { echo "${MED[$1]:-}"; }
k() { echo "${RSS[$1]:-}"; }
for job in noisy mosaic; do
  wanted $job || continue
  goal "${TITLE[$job]#* }, wall convtool/vips" "$(ratio "$(m $job/convtool)" "$(m $job/vips)")" 0.25
  goal "${TITLE[$job]#* }, peak RSS convtool/vips" "$(ratio "$(k $job/convtool)" "$(k $job/vips)")" 0.5
done
wanted jpeg && goal "JPEG → sharpen → JPEG q90, wall convtool/vips" \
  "$(ratio "$(m jpeg/convtool)" "$(m jpeg/vips)")" 0.6
wanted blur && goal "convtool's peak RSS, 8192² blur / 4096² blur" \
  "$(ratio "$(k blur8192/convtool)" "$(k blur4096/convtool)")" 1.5
if wanted huge; then
  goal "${huge}², convtool's peak RSS in MB" \
    "$(awk -v k="$(k huge/convtool)" 'BEGIN { if (k > 0) printf "%.1f", k / 1024; else printf "—" }')" 128
  goal "${huge}², wall convtool/vips" "$(ratio "$(m huge/convtool)" "$(m huge/vips)")" 0.3
fi
if wanted thumbs; then
  goal "$thumbs thumbnails, wall sandboxed/--no-sandbox" \
    "$(ratio "$(m thumbs/convtool)" "$(m thumbs/convtool-nosandbox)")" 1.3
  goal "$thumbs thumbnails, wall convtool/mogrify" "$(ratio "$(m thumbs/convtool)" "$(m thumbs/mogrify)")" 0.3
  has thumbs/convtool && has thumbs/convtool-nosandbox &&
    awk -v s="$(m thumbs/convtool)" -v b="$(m thumbs/convtool-nosandbox)" -v n="$thumbs" \
      'BEGIN { printf "- the sandbox'"'"'s cost per file: %.3f ms (goal < 0.5 ms)\n", (s - b) * 1000 / n }'
fi

# ---- the outputs ------------------------------------------------------------------------
echo
echo "Outputs, convtool against the peer (8-bit levels; the last run's files):"
echo
compare() { # A B
  if [[ -f $1 && -f $2 ]]; then "$py" "$helper" compare "$1" "$2"; else echo "not compared (a run failed)"; fi
}
for job in "${jobs[@]}"; do
  case $job in
    huge) # Too big for the checker, which holds whole images: libvips compares in strips.
      if [[ -f ${OUT[huge/convtool]} && -f ${OUT[huge/vips]} ]] &&
         vips subtract "${OUT[huge/convtool]}" "${OUT[huge/vips]}" "$tmp/diff.v"; then
        echo "- ${TITLE[$job]}, vips: convtool − vips from $(vips min "$tmp/diff.v") to $(vips max "$tmp/diff.v") (vips subtract, min, max)"
      else
        echo "- ${TITLE[$job]}, vips: not compared (a run failed, or the sizes differ)"
      fi
      rm -f "$tmp/diff.v" ;;
    thumbs) echo "- ${TITLE[$job]}, t000.png, mogrify: $(compare \
              "${OUT[thumbs/convtool]}t000.png" "${OUT[thumbs/mogrify]}t000.png")" ;;
    *) echo "- ${TITLE[$job]}, vips: $(compare "${OUT[$job/convtool]}" "${OUT[$job/vips]}")" ;;
  esac
done
if [[ -n $baseline ]]; then
  echo
  echo "Outputs, convtool against the baseline, byte for byte:"
  echo
  for job in "${jobs[@]}"; do
    read -r -a tools <<<"${TOOLS[$job]}"
    for tool in "${tools[@]}"; do
      [[ $tool == baseline* ]] || continue
      a=${OUT[$job/convtool${tool#baseline}]} b=${OUT[$job/$tool]}
      if [[ ! -e $a || ! -e $b || -f $times/$job.$tool.failed ||
            -f $times/$job.convtool${tool#baseline}.failed ]]; then
        verdict="not compared (a run failed)"
      elif [[ $a == */ ]]; then
        differ=0
        for f in "$a"*; do cmp -s "$f" "$b${f##*/}" || differ=$((differ + 1)); done
        [[ $(find "$a" -type f | wc -l) -eq $(find "$b" -type f | wc -l) ]] || differ=$((differ + 1))
        verdict="same bytes"
        [[ $differ -eq 0 ]] || verdict="DIFFERENT ($differ files)"
      else
        verdict="same bytes"
        cmp -s "$a" "$b" || verdict="DIFFERENT"
      fi
      echo "- ${TITLE[$job]}, convtool${tool#baseline} vs $tool: $verdict"
    done
  done
fi

echo
echo "Commands (one run of each):"
echo
echo '```'
for job in "${jobs[@]}"; do
  read -r -a tools <<<"${TOOLS[$job]}"
  echo "# ${TITLE[$job]}"
  for tool in "${tools[@]}"; do echo "${CMD[$job/$tool]}"; done
done
echo '```'
if [[ $failures -gt 0 ]]; then
  echo "stream_bench.sh: $failures run(s) failed: see the table" >&2
  exit 1
fi
