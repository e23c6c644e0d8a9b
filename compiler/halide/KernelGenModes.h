// The modes loom-kernelgen handles itself before delegating to Halide's
// generator command line (KernelGenMain.cpp documents all of them).
#pragma once

namespace loom::halide {

/// --identity: prints one hex line identifying this executable and the Halide
/// library it loaded. Returns the exit status.
int printIdentity();

/// --check-set -o DIR [-j N]: builds every row of check/CheckKernels.def for
/// every ISA, plus the Halide runtime, into DIR/libloom_check_kernels.a and
/// DIR/loom_check_kernels.h. Returns the exit status.
int buildCheckSet(int argc, char **argv);

}  // namespace loom::halide
