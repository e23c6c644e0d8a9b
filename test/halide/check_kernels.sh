#!/bin/sh
# Builds the Halide kernel generator standalone, generates every kernel family for
# AVX-512 and AVX2 (as Loom links them: kernel .o files + one runtime .o) and runs
# loom-kernel-check against naive loops. Usage: test/halide/check_kernels.sh [BUILD_DIR]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-/tmp/build-halide}
cmake -S "$root/compiler/halide" -B "$build" -G Ninja >/dev/null
ninja -C "$build" -j2 loom-kernel-check
"$build/loom-kernel-check"
