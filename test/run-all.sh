#!/usr/bin/env bash
# Runs every Loom test: sets up and builds, then the lit/FileCheck suite, the
# runtime's GoogleTest unit tests, PyTorch parity and the bad-input checks,
# the libFuzzer targets (a bounded time each) and the sanitizer lane (ASan +
# UBSan and TSan builds, test/run-sanitizers.sh).
# Prints one closing line "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/cmake/setup.sh" || exit 1

passed=0
failed=0
log="$root/build/test-lit.log"
/usr/bin/python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv "$root/build/test" 2>&1 | tee "$log"
# lit's summary lines look like "  Passed: 77 (100.00%)".
count() { awk -v what="$1" '$0 ~ "^ *(" what ") *:" {split($0, a, ":"); split(a[2], b, " "); s += b[1]} END {print s + 0}' "$log"; }
passed=$((passed + $(count "Passed")))
failed=$((failed + $(count "Failed|Unresolved|Timed Out")))
if ! grep -qP '^\s*Passed\s*:' "$log"; then
  echo "lit ran no test"; failed=$((failed + 1))
fi

# GoogleTest: the runtime's unit tests and the tuner's (search, records).
for gtest in loom-runtime-tests loom-tuning-tests; do
  gtest_log="$root/build/test-${gtest#loom-}.log"
  "$root/build/bin/$gtest" 2>&1 | tee "$gtest_log"
  gpassed=$(grep -oP '^\[  PASSED  \] \K[0-9]+' "$gtest_log" || echo 0)
  gfailed=$(grep -oP '^\[  FAILED  \] \K[0-9]+(?= tests?, listed below)' "$gtest_log" || echo 0)
  [ "$gpassed" -gt 0 ] || { echo "$gtest ran no test"; gfailed=$((gfailed + 1)); }
  passed=$((passed + gpassed))
  failed=$((failed + gfailed))
done

# Every Halide kernel family against naive loops ("N checks, M failed").
klog="$root/build/test-kernels.log"
"$root/build/bin/loom-kernel-check" > "$klog" 2>&1
kline=$(grep -E '^[0-9]+ checks, [0-9]+ failed$' "$klog" | tail -1)
if [ -z "$kline" ]; then
  tail -20 "$klog"; echo "loom-kernel-check did not finish"; failed=$((failed + 1))
else
  echo "loom-kernel-check: $kline"
  grep -E '^FAIL' "$klog" || true
  passed=$((passed + $(echo "$kline" | cut -d' ' -f1) - $(echo "$kline" | cut -d' ' -f3)))
  failed=$((failed + $(echo "$kline" | cut -d' ' -f3)))
fi

# PyTorch parity (forward, translate, generate; train_step; cross_attention) and refused bad
# inputs: each script ends with its own "N passed, M failed" line.
# Parity runs twice: with the AVX-512 kernels this CPU picks, and with the
# AVX2 fallback forced (LOOM_ISA=avx2), so both code paths are checked; and
# once more for two specs with schedules loomc tune found in 15 s each
# (a tuned library must give the same numbers).
for run in "run_parity.py" "run_parity.py avx2" "run_parity.py tuned" \
    "run_train_parity.py" "run_train_parity.py avx2" "run_cross_attention_parity.py" \
    "run_cross_attention_parity.py avx2" "run_bad_inputs.py"; do
  script=${run%% *}
  variant=${run#"$script"}; variant=${variant# }
  isa=""; [ "$variant" = avx2 ] && isa=avx2
  args=(); [ "$variant" = tuned ] &&
    args=(--only ed_pre_gelu --only dec_post_relu --tune-seconds 15)
  log="$root/build/test-${script%.py}${variant:+-$variant}.log"
  echo "== $script${isa:+ (LOOM_ISA=$isa)}${args:+ ${args[*]}}"
  LOOM_ISA=$isa /usr/bin/python3 "$root/test/parity/$script" "${args[@]}" 2>&1 | tee "$log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "$run did not finish"; failed=$((failed + 1)); continue
  fi
  passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
done

# The libFuzzer targets, 20 s each from their seed corpora, and the
# sanitizer lane (its own builds in build-asan/ and build-tsan/): each
# script ends with its own "N passed, M failed" line.
for script in fuzz/run-fuzzers.sh run-sanitizers.sh; do
  log="$root/build/test-$(basename "$script" .sh).log"
  echo "== $script"
  LOOM_SETUP_DONE=1 bash "$root/test/$script" 2>&1 | tee "$log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "$script did not finish"; failed=$((failed + 1)); continue
  fi
  passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
  failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
