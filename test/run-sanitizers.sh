#!/usr/bin/env bash
# The sanitizer lane: Loom's own code built with AddressSanitizer +
# UndefinedBehaviorSanitizer (build-asan/) and with ThreadSanitizer
# (build-tsan/), then run on what exercises it. Prints a PASS/FAIL line per
# check and closes with "N passed, M failed"; exits non-zero on any failure,
# and any sanitizer report is a failure (reports go to files, one per
# process, under build-asan/sanitizer-logs and build-tsan/sanitizer-logs, so
# a test that expects a non-zero exit cannot swallow one).
#
#   bash test/run-sanitizers.sh            (runs cmake/setup.sh first)
#   LOOM_SETUP_DONE=1 bash test/run-sanitizers.sh   (build/ is up to date)
#
# ASan + UBSan (-fsanitize=address,undefined -fno-sanitize-recover=all
# -fno-omit-frame-pointer, -O0 -g1): the runtime, loomc, loom-run,
# loom-runtime-tests, loom-spec-fuzz, loom-concurrency-check, and every
# library loomc compiles there (glue and exports compiled with the same
# flags and -g1; Halide kernel objects are not instrumented). Runs the
# runtime's GoogleTests, loom-spec-fuzz's deterministic mutations, `loomc
# compile` and every --emit stage, a check that the flags reached the
# runtime and a library's glue (nm, objdump), loom-concurrency-check, the
# bad-input suite, 11 parity cases (3 specs: one per architecture) and 4
# training parity cases (2 specs).
#
# TSan (-O1 -g1): the runtime, loomc, loom-runtime-tests and
# loom-concurrency-check, against the instrumented TBB stand-in of
# test/fuzz/tsan-tbb (Debian's libtbb is not instrumented: see the README
# there). Runs the runtime's GoogleTests (less two slow single-threaded
# parser tests); loomc compiles libraries with -fsanitize=thread and
# loom-concurrency-check calls them from many threads; a check that the
# runtime and the glue are instrumented and call no libtbb.
# loomc runs with --mlir-disable-threading: MLIR's thread pool lives in the
# uninstrumented libMLIR/libLLVM, where TSan reports its std::future
# hand-offs as races.
#
# Both builds use build/'s loom-kernelgen (-DLOOM_KERNELGEN): kernelgen stays
# uninstrumented and the kernels come from the same cache.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${LOOM_SETUP_DONE:-}" != 1 ]; then
  "$root/cmake/setup.sh" || exit 1
fi
jobs="${LOOM_BUILD_JOBS:-$(nproc)}"
kernelgen="${LOOM_KERNELGEN:-$root/build/bin/loom-kernelgen}"
python=/usr/bin/python3
specs="$root/test/fuzz/corpus/spec" # valid specs of each architecture
models=(ed encoder decoder)         # their files; the model names are read from them

passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
now() { date +%s; }
model_name() { sed -n 's/^name: *//p' "$specs/$1.yaml"; }

# Sanitizer report files under $1 (one per reporting process); prints the
# start of each and how many there are.
reports() {
  local dir=$1 n=0 f
  for f in "$dir"/asan.* "$dir"/tsan.*; do
    [ -f "$f" ] || continue
    # A report, not a warning such as ASan's "failed to allocate" under
    # allocator_may_return_null.
    grep -qE '^==[0-9]+==ERROR: |runtime error: |^WARNING: ThreadSanitizer: |^SUMMARY: ' "$f" || continue
    n=$((n + 1))
    echo "---- sanitizer report: $f"
    head -40 "$f"
    if grep -q __ubsan_handle_ "$f"; then
      echo "(an UndefinedBehaviorSanitizer error: its message, 'runtime error: ...', went to that process's stderr)"
    fi
  done
  return $((n > 0))
}

# A fresh directory for the sanitizer reports of one check ($logdir); exports
# the runtime options that send them there.
logs() {
  local dir="$lane/sanitizer-logs/$1"
  logdir=$dir
  rm -rf "$dir" && mkdir -p "$dir"
  if [ "$lane_kind" = asan ]; then
    # allocator_may_return_null: malloc returns NULL rather than aborting
    # when a request is too large, as without ASan (ArenaTest needs it).
    # allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs in
    # code compiled with ASan; inlined into uninstrumented libMLIR it never
    # unpoisons them, which reads as use-after-poison. Loom poisons nothing.
    # UBSan: gcc's libubsan, loaded beside libasan, writes its message to
    # stderr whatever its log_path (and, once it starts, sets libasan's
    # report path to its own log_path: hence the same one here). So a UBSan
    # error aborts (abort_on_error), and ASan reports the abort
    # (handle_abort), with the stack through __ubsan_handle_*, in the file:
    # a process whose stderr a test swallows cannot hide it.
    export ASAN_OPTIONS="log_path=$dir/asan:halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:allocator_may_return_null=1:allow_user_poisoning=0:strict_string_checks=1:handle_abort=1"
    export UBSAN_OPTIONS="log_path=$dir/asan:halt_on_error=1:abort_on_error=1:print_stacktrace=1"
  else
    export TSAN_OPTIONS="log_path=$dir/tsan:halt_on_error=0:second_deadlock_stack=1:allocator_may_return_null=1"
  fi
}

# Runs a command with its sanitizer reports in a directory of their own:
#   check NAME COMMAND...   PASS when it exits 0 and nothing was reported.
check() {
  local name=$1 dir out rc start
  shift
  logs "$name"
  dir=$logdir
  out="$dir/output.log"
  start=$(now)
  "$@" > "$out" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    fail "$name: exit $rc: $*"; tail -15 "$out"; reports "$dir"
  elif ! reports "$dir"; then
    fail "$name: sanitizer report(s) (above)"
  else
    pass "$name ($(($(now) - start)) s)"
  fi
}

# Runs a suite that ends with "N passed, M failed" (its numbers count), then
# fails once more if anything was reported.
suite() {
  local name=$1 dir out line start
  shift
  logs "$name"
  dir=$logdir
  out="$dir/output.log"
  start=$(now)
  "$@" > "$out" 2>&1
  grep -vE '^PASS ' "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$' | tail -20
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
  if [ -z "$line" ]; then
    fail "$name did not finish: $*"
  else
    echo "$name: $line ($(($(now) - start)) s)"
    passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
    failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
  fi
  reports "$dir" || fail "$name: sanitizer report(s) (above)"
}

# Runs loom-runtime-tests (its counts count), then fails once more if
# anything was reported:   gtests NAME COMMAND...
gtests() {
  local name=$1 dir out gpassed gfailed start
  shift
  logs "$name"
  dir=$logdir
  out="$dir/output.log"
  start=$(now)
  "$@" > "$out" 2>&1
  gpassed=$(grep -oP '^\[  PASSED  \] \K[0-9]+' "$out" || echo 0)
  gfailed=$(grep -oP '^\[  FAILED  \] \K[0-9]+(?= tests?, listed below)' "$out" || echo 0)
  grep -E '^\[  FAILED  \]' "$out" || true
  echo "$name: $gpassed passed, $gfailed failed ($(($(now) - start)) s)"
  [ "$gpassed" -gt 0 ] || { tail -20 "$out"; fail "$name ran no test: $*"; }
  passed=$((passed + gpassed))
  failed=$((failed + gfailed))
  reports "$dir" || fail "$name: sanitizer report(s) (above)"
}

# configure_and_build DIR KIND SANITIZERS OPT TARGETS...
configure_and_build() {
  local dir=$1 kind=$2 sanitize=$3 opt=$4 start
  shift 4
  start=$(now)
  mkdir -p "$dir"
  if ! cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CXX_FLAGS_RELEASE=$opt -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=$opt -DNDEBUG" \
      "-DLOOM_SANITIZE=$sanitize" -DLOOM_FUZZ=OFF "-DLOOM_KERNELGEN=$kernelgen" \
      > "$dir/configure.log" 2>&1; then
    tail -30 "$dir/configure.log"; fail "configure $dir"; return 1
  fi
  echo "== $kind build: $dir ($jobs jobs; $*)"
  if ! cmake --build "$dir" -j "$jobs" --target "$@" > "$dir/build.log" 2>&1; then
    grep -E -A12 '^FAILED' "$dir/build.log" | head -60; fail "build $dir"; return 1
  fi
  echo "$kind build: $(($(now) - start)) s"
}

[ -x "$kernelgen" ] || { echo "no $kernelgen: build Loom first (cmake/setup.sh)"; exit 1; }
lane_start=$(now)

# ---- AddressSanitizer + UndefinedBehaviorSanitizer --------------------------
lane="$root/build-asan"
lane_kind=asan
work="$lane/sanitizer-work"
if configure_and_build "$lane" ASan+UBSan address,undefined "-O0 -g1" \
    loomc loom-run loom-runtime-tests loom-spec-fuzz loom-concurrency-check; then
  start=$(now)
  rm -rf "$work" && mkdir -p "$work"
  bin="$lane/bin"

  # GoogleTest: its own counts, as run-all.sh reads them.
  gtests runtime-tests "$bin/loom-runtime-tests"

  # The spec parser, importer and pipelines on mutated specs (lit runs 20000
  # with seed 7 on the normal build); its summary line ends in "no crash".
  check loom-spec-fuzz bash -c '"$0" --iterations=5000 --seed=11 > "$1" 2>&1; rc=$?
      cat "$1"; [ "$rc" -eq 0 ] && tail -1 "$1" | grep -q "no crash$"' \
    "$bin/loom-spec-fuzz" "$work/spec-fuzz.out"

  # loomc itself: a whole library per architecture, and every --emit stage
  # (the list read from loomc --help, so a new stage is checked too).
  for m in "${models[@]}"; do
    check "loomc-compile-$m" "$bin/loomc" compile "$specs/$m.yaml" -o "$work/$m"
  done
  check loomc-emit bash -c 'stages=$("$0" --help | sed -n "/--emit=</,/^  --/s/^    =\([a-z]*\) .*/\1/p")
      [ "$(echo $stages | wc -w)" -ge 10 ] || { echo "cannot read the stages from loomc --help: $stages"; exit 1; }
      for s in $stages; do
        "$0" compile "$1" --emit=$s > /dev/null || { echo "--emit=$s failed"; exit 1; }
        echo "--emit=$s"; done' \
    "$bin/loomc" "$specs/ed.yaml"
  # The flags reached the code: the runtime, and the glue of a library loomc
  # compiled (Halide kernels, not instrumented, are not looked at).
  check instrumented bash -c '
      runtime=$(nm "$0/lib/libloom_runtime.a" 2>/dev/null)
      glue=$(objdump -d --no-show-raw-insn "--disassemble=_Z13loom_describePN4loom16ModelDescriptionE" "$1")
      for want in "runtime: U __asan_report_load" "runtime: U __ubsan_handle_" \
          "glue:call.*<__asan_report_" "glue:call.*<__ubsan_handle_"; do
        if [ "${want%%:*}" = runtime ]; then text=$runtime; else text=$glue; fi
        echo "$text" | grep -q "${want#*:}" || { echo "no ${want#*:} in the ${want%%:*} ($0, $1)"; exit 1; }
      done' \
    "$lane" "$work/ed/lib$(model_name ed).so"
  # The libraries just built, from many threads (ASan sees use-after-free).
  for m in "${models[@]}"; do
    name=$(model_name "$m")
    check "concurrency-$m" "$bin/loom-concurrency-check" "$work/$m/lib$name.so" "$name" --rounds=5
  done

  # The Python suites, on this build's loomc and loom-run.
  suite bad-inputs env LOOM_BUILD_DIR="$lane" "$python" "$root/test/parity/run_bad_inputs.py"
  # A few parity cases: a spec of each architecture, forward on 1 and 2
  # threads, translate and generate (the whole suite runs on build/).
  suite parity env LOOM_BUILD_DIR="$lane" "$python" "$root/test/parity/run_parity.py" \
    --only ed_post_relu --only enc_pre_relu --only dec_pre_gelu
  # And a few training cases: train_step on an encoder-decoder and a
  # decoder-only model, padded and full rows.
  suite train-parity env LOOM_BUILD_DIR="$lane" "$python" "$root/test/parity/run_train_parity.py" \
    --only ed_post_relu --only dec_pre_gelu
  echo "ASan+UBSan runs: $(($(now) - start)) s"
fi

# ---- ThreadSanitizer --------------------------------------------------------
lane="$root/build-tsan"
lane_kind=tsan
work="$lane/sanitizer-work"
if configure_and_build "$lane" TSan thread "-O1 -g1" loomc loom-runtime-tests \
    loom-concurrency-check; then
  start=$(now)
  rm -rf "$work" && mkdir -p "$work"
  bin="$lane/bin"
  # The runtime's GoogleTests (threads in the executor, Halide's parallel
  # loops, training beside forwards), less the two single-threaded parser
  # limit tests that take most of their time (the ASan lane runs them).
  gtests tsan-runtime-tests "$bin/loom-runtime-tests" \
    --gtest_filter=-Safetensors.AHeaderAtTheLimitIsParsedWithoutADocument:Safetensors.TensorCountLimit
  for m in ed decoder; do
    name=$(model_name "$m")
    check "tsan-loomc-compile-$m" "$bin/loomc" compile "$specs/$m.yaml" -o "$work/$m" \
      --mlir-disable-threading
    check "tsan-concurrency-$m" "$bin/loom-concurrency-check" "$work/$m/lib$name.so" "$name" \
      --rounds=20
  done
  # The flags reached the code, and the runtime and the libraries use the TBB
  # stand-in (no reference to libtbb's entry points).
  check tsan-instrumented bash -c '
      nm "$0/lib/libloom_runtime.a" 2>/dev/null | grep -q " U __tsan_func_entry" \
        || { echo "the runtime is not instrumented"; exit 1; }
      objdump -d --no-show-raw-insn "--disassemble=_Z13loom_describePN4loom16ModelDescriptionE" "$1" \
        | grep -q "call.*<__tsan_" || { echo "the glue of $1 is not instrumented"; exit 1; }
      for f in "$0/lib/libloom_runtime.a" "$1"; do
        if nm -C "$f" 2>/dev/null | grep " U tbb::detail::"; then
          echo "$f calls into libtbb (not the stand-in)"; exit 1
        fi
      done' \
    "$lane" "$work/ed/lib$(model_name ed).so"
  echo "TSan runs: $(($(now) - start)) s"
fi

echo "sanitizer lane: $(($(now) - lane_start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
