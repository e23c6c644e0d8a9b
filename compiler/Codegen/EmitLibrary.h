//===- EmitLibrary.h - planned IR -> lib<name>.so + <name>.h ----*- C++ -*-===//
#ifndef LOOM_CODEGEN_EMITLIBRARY_H
#define LOOM_CODEGEN_EMITLIBRARY_H

#include "Codegen/Toolchain.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace loom {

/// The library's C++ (`loomc --emit=glue`): --loom-lower-to-emitc on a copy
/// of the planned module, printed by MLIR's translateToCpp.
mlir::FailureOr<std::string> emitGlue(mlir::ModuleOp planned);

/// Generates (or takes from the cache) every kernel, compiles the glue and
/// the library's exports, and links `outDir/lib<name>.so`, with
/// `outDir/<name>.h` and `outDir/loom_model_api.h`. Progress goes to stderr;
/// on failure nothing is left in outDir (not even outDir, if it was new).
mlir::LogicalResult emitLibrary(mlir::ModuleOp planned,
                                const Toolchain &toolchain,
                                llvm::StringRef outDir);

} // namespace loom

#endif // LOOM_CODEGEN_EMITLIBRARY_H
