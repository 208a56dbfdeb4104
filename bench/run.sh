#!/usr/bin/env bash
# convtool beside ImageMagick, libvips and OpenCV on the same machine and the same files.
#
#   bench/run.sh [--quick] [--reps N] [--sizes 1024,2048,4096,8192] [--write-results]
#                [--no-e2e] [--no-core]
#
# 1. installs what is missing: scripts/install-deps, then the peers (imagemagick,
#    libvips-tools, python3-opencv, hyperfine, time);
# 2. builds convtool Release in build-bench/;
# 3. makes the inputs in build-bench/bench-data/ from samples/ (bench/make_inputs.py);
# 4. end to end (bench/e2e.py): each job by each tool as a whole process, N runs, medians,
#    ratios, output sizes, peak RSS; convtool's peak RSS at each --sizes; outputs checked;
# 5. in process (bench/core_compare.py): bench/core_bench.c beside bench/core_vs_opencv.py.
# Prints the tables; --write-results also writes them, with the machine, to bench/RESULTS.md.
# --quick: 3 runs, no warm-up run, 4 of the 6 jobs, memory at 1024..4096 only.
set -euo pipefail
self=$(realpath "$0")
cd "$(dirname "$self")/.."
root=$PWD
build=$root/build-bench
data=$build/bench-data
py=/usr/bin/python3

quick=0 reps="" sizes="" write=0 e2e=1 core=1
usage() { echo "usage: bench/run.sh [--quick] [--reps N] [--sizes A,B,...] [--write-results] [--no-e2e] [--no-core]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --reps) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage; reps=$2; shift ;;
    --sizes) [[ $# -ge 2 && $2 =~ ^[0-9]+([, ][0-9]+)*$ ]] || usage; sizes=${2// /,}; shift ;;
    --write-results) write=1 ;;
    --no-e2e) e2e=0 ;;
    --no-core) core=0 ;;
    -h|--help) sed -n '2,15p' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
  esac
  shift
done
if [[ $quick -eq 1 ]]; then
  reps=${reps:-3} sizes=${sizes:-1024,2048,4096}
else
  reps=${reps:-5} sizes=${sizes:-1024,2048,4096,8192}
fi

# The project's own build dependencies come from scripts/install-deps; the peers from here.
install_peers() {
  local p missing=()
  "$root/scripts/install-deps" --test # the peers and python3-numpy/opencv comparisons
  for p in imagemagick libvips-tools python3-opencv python3-numpy hyperfine time; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) == "install ok installed" ]] ||
      missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  echo "run.sh: installing ${missing[*]}" >&2
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  echo "run.sh: building convtool (Release) in $build" >&2
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j "$(nproc)" --target convtool core_bench >/dev/null
}

machine() {
  local cpu flags mem
  cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
  flags=$(grep -m1 -o -w -E 'sse2|avx|avx2|fma|avx512f|avx512bw|avx512vl' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//')
  mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  echo "- CPU: $cpu, $(nproc) cores online ($(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core); SIMD: ${flags}"
  echo "- memory: $mem; L2 $(lscpu | sed -n 's/^L2 cache: *//p'), L3 $(lscpu | sed -n 's/^L3 cache: *//p')"
  echo "- OS: Debian $(cat /etc/debian_version), Linux $(uname -r)"
  echo "- convtool: $("$build/convtool" --version 2>&1 | head -1), git $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'), gcc $(gcc -dumpfullversion), Release"
  echo "- peers (Debian packages):"
  local p
  for p in imagemagick-6.q16 libvips42 libvips-tools python3-opencv libopencv-imgproc406 \
           python3-numpy hyperfine time libstb-dev libdeflate-dev libturbojpeg0-dev; do
    echo "  - $p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo 'not installed')"
  done
}

install_peers
build
need=$sizes,1024,4096
echo "run.sh: making inputs in $data" >&2
$py bench/make_inputs.py "$data" ${need//,/ } 2> >(grep -v iCCP >&2)

tables=$build/bench-tables.md
: >"$tables"
quick_flag=()
[[ $quick -eq 1 ]] && quick_flag=(--quick)
if [[ $e2e -eq 1 ]]; then
  # Relative paths, so that the commands printed in the results work from any clone.
  $py bench/e2e.py --convtool build-bench/convtool --data build-bench/bench-data --reps "$reps" \
    --sizes "$sizes" "${quick_flag[@]}" >>"$tables"
  echo >>"$tables"
fi
if [[ $core -eq 1 ]]; then
  core_reps=$((reps > 7 ? reps : 7))
  [[ $quick -eq 1 ]] && core_reps=$reps
  $py bench/core_compare.py --core-bench build-bench/bench/core_bench --reps "$core_reps" >>"$tables"
fi

cat "$tables"
if [[ $write -eq 1 ]]; then
  {
    echo "# Benchmark results"
    echo
    echo "Made by \`bench/run.sh$([[ $quick -eq 1 ]] && echo ' --quick') --reps $reps --sizes $sizes --write-results\` on $(date -u +%Y-%m-%d)."
    echo "Reproduce on your machine with the same command, from the repository root"
    echo "(it installs the peers with apt, builds \`build-bench/\` and makes its inputs)."
    echo
    echo "## Machine"
    echo
    machine
    echo
    echo "## Inputs"
    echo
    echo "\`bench/make_inputs.py\`: a 4×4 mosaic of the sample photos, upscaled (bicubic), with"
    echo "seeded noise σ 1.5 levels so the PNG compresses like a real photo:"
    for f in "$data"/photo-*.png "$data"/photo-4096.jpg; do
      echo "- $(basename "$f"): $(stat -c %s "$f" | awk '{printf "%.1f MB", $1 / 1e6}')"
    done
    echo
    echo "## Results"
    echo
    cat "$tables"
    echo
    cat "$root/bench/NOTES.md"
    cat "$root/bench/LARGE_KERNELS.md" # issue 15's figures: made by bench/fft_sizes.py, kept
  } >"$root/bench/RESULTS.md"
  echo "run.sh: wrote bench/RESULTS.md" >&2
fi
