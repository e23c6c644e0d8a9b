//===- Toolchain.h - what a library is built with ---------------*- C++ -*-===//
#ifndef LOOM_CODEGEN_TOOLCHAIN_H
#define LOOM_CODEGEN_TOOLCHAIN_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"

#include <string>
#include <vector>

namespace loom {

/// Where the pieces a library is built from live (defaults come from the
/// build that produced loomc; LOOM_* environment variables override them).
struct Toolchain {
  std::string kernelgen;      // loom-kernelgen executable
  std::string cxx;            // C++ compiler for the glue and the link
  std::string runtimeLib;     // libloom_runtime.a
  std::string exportsSource;  // ModelExports.cpp, compiled once per library
  std::vector<std::string> includeDirs; // runtime + Halide runtime headers
  std::string kernelCache;    // generated kernels, keyed by their build
  std::string kernelTime;     // loom-kernel-time (loomc tune's timing harness)
  std::string fmaPeak;        // loom-fma-peak ("" if not built)
  std::string adams2019;      // Halide's Adams2019 autoscheduler plugin ("" if absent)
  /// Extra flags for the glue and exports compiles and for the link (after
  /// Loom's own, so they may override them): the sanitizer flags of a
  /// -DLOOM_SANITIZE build and -g1, else none; LOOM_CXXFLAGS (split at
  /// whitespace) replaces them when set, even to nothing. Kernel objects
  /// are never built with them.
  std::vector<std::string> cxxFlags;
  static Toolchain fromBuild();
};

/// Runs `argv` and waits at most `seconds` (0: no limit): `out` gets its
/// stdout, `err` the tail of its stderr (and why it could not run). Returns
/// its exit code, or a negative value where it had none: -1 it could not
/// start, a signal ended it, or its output could not be read (it is killed
/// then), -2 it timed out (and was killed), -3 no pipe for its output. No
/// file holds the output, so a Ctrl-C leaves none.
int runCaptured(llvm::ArrayRef<std::string> argv, unsigned seconds,
                std::string &out, std::string &err);

/// Runs `argv` and waits; on failure `log` gets the command and the tail of
/// what it printed.
mlir::LogicalResult runProcess(llvm::ArrayRef<std::string> argv,
                               std::string &log);

} // namespace loom

#endif // LOOM_CODEGEN_TOOLCHAIN_H
