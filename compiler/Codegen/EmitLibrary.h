//===- EmitLibrary.h - plan -> lib<name>.so + <name>.h ----------*- C++ -*-===//
#ifndef LOOM_CODEGEN_EMITLIBRARY_H
#define LOOM_CODEGEN_EMITLIBRARY_H

#include "Codegen/Plan.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace loom {

/// Where the pieces a library is built from live (defaults come from the
/// build that produced loomc; LOOM_* environment variables override them).
struct Toolchain {
  std::string kernelgen;      // loom-kernelgen executable
  std::string cxx;            // C++ compiler for the glue and the link
  std::string runtimeLib;     // libloom_runtime.a
  std::vector<std::string> includeDirs; // runtime + Halide runtime headers
  std::string kernelCache;    // generated kernels, keyed by signature
  static Toolchain fromBuild();
};

/// The kernel variants a plan calls (plus those decoding needs).
std::vector<std::string> kernelVariants(const Plan &plan, bool decoding);

/// The C++ glue: model description, kernel tables, the plan as kernel calls,
/// and the C API of <name>.h.
std::string emitGlue(mlir::ModuleOp module, const Plan &plan);
/// <name>.h: plain C declarations of the library's functions.
std::string emitHeader(mlir::ModuleOp module);

/// Generates (or takes from the cache) every kernel, compiles the glue and
/// links `outDir/lib<name>.so` with `outDir/<name>.h`. Progress goes to
/// stderr; on failure nothing is left in outDir and an error is returned.
mlir::LogicalResult emitLibrary(mlir::ModuleOp module, const Plan &plan,
                                const Toolchain &toolchain,
                                llvm::StringRef outDir);

} // namespace loom

#endif // LOOM_CODEGEN_EMITLIBRARY_H
