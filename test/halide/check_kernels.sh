#!/bin/sh
# Builds the Halide kernel generator standalone, generates the check set
# (compiler/halide/check/CheckKernels.def, every instance for every ISA of
# KernelAbi.def, plus one runtime object: one `loom-kernelgen --check-set`, as
# Loom links kernels) and runs loom-kernel-check against naive loops.
# Usage: test/halide/check_kernels.sh [BUILD_DIR]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-/tmp/build-halide}
cmake -S "$root/compiler/halide" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 loom-kernel-check
"$build/loom-kernel-check"
