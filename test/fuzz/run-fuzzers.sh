#!/usr/bin/env bash
# Runs each libFuzzer target (loom-fuzz-spec, loom-fuzz-safetensors,
# loom-fuzz-npy, loom-fuzz-records) for a bounded time, all at once, each starting from its
# checked-in seed corpus (test/fuzz/corpus/<target>/, written by
# make_corpus.py). A target passes when it runs its time out with no crash,
# sanitizer report, leak, timeout (one input over 20 s) or out-of-memory.
# Prints one line per target and closes with "N passed, M failed"; exits
# non-zero on any failure.
#
#   test/fuzz/run-fuzzers.sh [BUILD_DIR]              (default: build)
#   LOOM_FUZZ_SECONDS=600 test/fuzz/run-fuzzers.sh    (default: 20 each)
#
# The inputs a run finds go to BUILD_DIR/fuzz/<target>/corpus (emptied
# first, so every run starts from the seeds); an input that fails is written
# to BUILD_DIR/fuzz/<target>/crash-<sha1> (or leak-, timeout-, oom-), the
# log with the report and the seed of the run to BUILD_DIR/fuzz/<target>/fuzz.log.
# Reproduce: BUILD_DIR/bin/loom-fuzz-<target> BUILD_DIR/fuzz/<target>/crash-<sha1>
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)" || exit 1
seconds="${LOOM_FUZZ_SECONDS:-20}"
targets=(spec safetensors npy records)

declare -A pid rc
for target in "${targets[@]}"; do
  exe="$build/bin/loom-fuzz-$target"
  work="$build/fuzz/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  [ -x "$exe" ] || continue
  # allow_user_poisoning=0 (spec): LLVM's allocators poison their slabs in
  # code compiled with ASan but not in the prebuilt LLVM/MLIR libraries, a
  # false use-after-poison (test/run-sanitizers.sh says more).
  ASAN_OPTIONS="allow_user_poisoning=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
  timeout -k 10 $((seconds + 120)) "$exe" -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$work/" \
    "$work/corpus" "$root/test/fuzz/corpus/$target" > "$work/fuzz.log" 2>&1 &
  pid[$target]=$!
done
for target in "${!pid[@]}"; do
  wait "${pid[$target]}"
  rc[$target]=$?
done

passed=0
failed=0
for target in "${targets[@]}"; do
  exe="$build/bin/loom-fuzz-$target"
  work="$build/fuzz/$target"
  log="$work/fuzz.log"
  if [ ! -x "$exe" ]; then
    echo "FAIL loom-fuzz-$target: $exe was not built (it needs clang++ with libFuzzer: packages clang, libclang-rt-14-dev)"
    failed=$((failed + 1)); continue
  fi
  artifacts=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | sort)
  runs=$(grep -oP '^Done \K[0-9]+(?= runs)' "$log" | tail -1)
  if [ "${rc[$target]}" -eq 0 ] && [ -z "$artifacts" ] && [ -n "$runs" ] \
      && ! grep -qE '^==[0-9]+==ERROR|runtime error:|^SUMMARY: ' "$log"; then
    echo "PASS loom-fuzz-$target: $runs inputs in ${seconds} s, $(ls "$work/corpus" | wc -l) new corpus files"
    passed=$((passed + 1))
  else
    echo "FAIL loom-fuzz-$target: exit ${rc[$target]}; log $log"
    grep -E '^INFO: Seed:' "$log" | head -1
    grep -nE 'ERROR|runtime error:|^SUMMARY:|^    #[0-9]+ ' "$log" | head -30
    [ -n "$artifacts" ] && echo "  input(s): $artifacts (reproduce: $exe FILE)"
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
