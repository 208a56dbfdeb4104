#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs them.
#   fuzz/run.sh TARGET|all SECONDS   fuzz each target for SECONDS, one after another
#   fuzz/run.sh minimize TARGET|all  re-merge fuzz/corpus/TARGET (-merge=1) from itself
#                                    and the working corpus: the small committed corpus
#   fuzz/run.sh coverage TARGET|all  line coverage of src/ reached by the working corpus
# TARGET: kernel, image, cli, pipeline, deflate, fused, metadata, jpeg_quality, png_stream or strip.
# Work files go to $FUZZ_BUILD (build-fuzz):
# corpus/TARGET (grows across runs), artifacts/TARGET (crashers: copy the ones that are
# real bugs to fuzz/regressions/TARGET/), logs/TARGET.log, seeds/ (fuzz/make_corpus.sh).
# Runs at low priority: `nice -n 10` unless NICE is set. FUZZ_FLAGS adds libFuzzer flags,
# e.g. FUZZ_FLAGS="-fork=1 -ignore_crashes=1" to go on past a known crash.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${FUZZ_BUILD:-$root/build-fuzz}
targets=(kernel image cli pipeline deflate fused metadata jpeg_quality png_stream strip)
nice=(nice -n "${NICE:-10}")

usage() {
  echo "usage: fuzz/run.sh TARGET|all SECONDS | minimize TARGET|all | coverage TARGET|all" >&2
  echo "       TARGET: ${targets[*]}" >&2
  exit 2
}

# Allocations over 256 MiB fail (the code must report ENOMEM) instead of stopping the fuzzer.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1:max_allocation_size_mb=256:detect_leaks=1}
# stb_image's known integer overflows (fuzz/ubsan.supp) do not stop the search for others.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$root/fuzz/ubsan.supp}

build_fuzzers() {
  scripts/install-deps --fuzz
  CC=clang-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Asan -DCONVTOOL_FUZZ=ON \
    -DCONVTOOL_TESTS=OFF >/dev/null
  "${nice[@]}" cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
  [[ -d $build/seeds ]] || CONVTOOL= fuzz/make_corpus.sh "$build/seeds" >/dev/null
  mkdir -p "${targets[@]/#/$build/seeds/}" # deflate and fused have no generated seeds
}

max_len() {
  case $1 in image | metadata | png_stream) echo 16384 ;; cli) echo 512 ;; *) echo 4096 ;; esac
}

target_flags() { # TARGET: the dictionary and output handling
  local t=$1
  [[ -f fuzz/dict/$t.dict ]] && echo "-dict=$root/fuzz/dict/$t.dict"
  [[ $t == cli ]] && echo "-close_fd_mask=2" # the CLI's messages, not libFuzzer's
  echo "-max_len=$(max_len "$t")"
}

fuzz_one() { # TARGET SECONDS
  local t=$1 secs=$2 log=$build/logs/$1.log
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t" "$build/logs"
  echo "=== fuzz_$t for ${secs}s (log: $log)"
  local status=0
  "${nice[@]}" "$build/fuzz/fuzz_$t" $(target_flags "$t") ${FUZZ_FLAGS:-} -max_total_time="$secs" \
    -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 -print_pcs=0 \
    -artifact_prefix="$build/artifacts/$t/" \
    "$build/corpus/$t" "$root/fuzz/corpus/$t" "$build/seeds/$t" \
    $([[ -d fuzz/regressions/$t ]] && echo "$root/fuzz/regressions/$t") >"$log" 2>&1 ||
    status=$?
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" || true
  grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true # -fork=1
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  if ((status != 0)); then
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5
    echo "fuzz_$t: stopped with status $status; see $log"
  fi
  return "$status"
}

# Keeps one input per new edge (-use_counters=0), so the committed corpus stays small;
# pipeline keeps hit counts too: its inputs are the core's test cases in the replay.
minimize_one() { # TARGET
  local t=$1 fresh counters=0
  fresh=$(mktemp -d)
  [[ $t == pipeline ]] && counters=1
  # Without the suppressions: an input that trips a known stb bug is left out (it would
  # fail ctest's replay), as is every other crasher.
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "${nice[@]}" "$build/fuzz/fuzz_$t" $(target_flags "$t") -merge=1 -use_counters=$counters -timeout=20 \
    "$fresh" "$root/fuzz/corpus/$t" "$build/corpus/$t" "$build/seeds/$t" 2>&1 |
    grep -E 'MERGE-OUTER: [0-9]+ new files' || true
  rm -rf "$root/fuzz/corpus/$t"
  mv "$fresh" "$root/fuzz/corpus/$t"
  chmod 755 "$root/fuzz/corpus/$t"
  echo "fuzz/corpus/$t: $(ls "$root/fuzz/corpus/$t" | wc -l) files," \
    "$(du -sh --apparent-size "$root/fuzz/corpus/$t" | cut -f1)"
}

# Line coverage: the replay driver built with clang's source-based coverage, run on
# the working corpus, reported for src/ only.
coverage_one() { # TARGET
  local t=$1 cov=$build/coverage
  CC=clang-14 cmake -S . -B "$cov" -DCMAKE_BUILD_TYPE=Release -DCONVTOOL_TESTS=ON \
    -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" >/dev/null
  "${nice[@]}" cmake --build "$cov" -j "$(nproc)" --target "fuzz_replay_$t" >/dev/null
  rm -f "$cov/$t".profraw
  LLVM_PROFILE_FILE="$cov/$t.profraw" "$cov/fuzz/fuzz_replay_$t" "$build/corpus/$t" \
    "$root/fuzz/corpus/$t" 2>/dev/null || true
  llvm-profdata-14 merge -o "$cov/$t.profdata" "$cov/$t.profraw"
  echo "=== line coverage of src/ by the $t corpus"
  llvm-cov-14 report "$cov/fuzz/fuzz_replay_$t" -instr-profile="$cov/$t.profdata" \
    "$root/src" | awk 'NR <= 2 || /TOTAL/ || $10 != "0.00%"' | sed "s|$root/||"
}

[[ $# -eq 2 ]] || usage
case $1 in
minimize | coverage)
  build_fuzzers
  list=("$2"); [[ $2 == all ]] && list=("${targets[@]}")
  for t in "${list[@]}"; do "${1}_one" "$t"; done ;;
*)
  [[ $2 =~ ^[0-9]+$ ]] || usage
  build_fuzzers
  list=("$1"); [[ $1 == all ]] && list=("${targets[@]}")
  failed=0
  for t in "${list[@]}"; do fuzz_one "$t" "$2" || failed=1; done
  exit $failed ;;
esac
