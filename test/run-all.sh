#!/usr/bin/env bash
# Runs every Loom test: sets up and builds, then the lit/FileCheck suite and
# the runtime's GoogleTest unit tests.
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

# GoogleTest: the runtime's unit tests.
gtest_log="$root/build/test-runtime.log"
"$root/build/bin/loom-runtime-tests" 2>&1 | tee "$gtest_log"
gpassed=$(grep -oP '^\[  PASSED  \] \K[0-9]+' "$gtest_log" || echo 0)
gfailed=$(grep -oP '^\[  FAILED  \] \K[0-9]+(?= tests?, listed below)' "$gtest_log" || echo 0)
[ "$gpassed" -gt 0 ] || { echo "loom-runtime-tests ran no test"; gfailed=$((gfailed + 1)); }
passed=$((passed + gpassed))
failed=$((failed + gfailed))

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
