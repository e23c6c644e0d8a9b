//===- LibraryHeader.h - <name>.h from the C API definition -----*- C++ -*-===//
#ifndef LOOM_CODEGEN_LIBRARYHEADER_H
#define LOOM_CODEGEN_LIBRARYHEADER_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace loom {

/// The plain C header of lib<name>.so: the functions of LOOM_API_FUNCTIONS
/// (loom_model_api.h) that the model's architecture has, each prefixed with
/// the model's name and documented, and for forward, translate and generate
/// which inputs the architecture reads (LOOM_API_CALLS).
std::string emitLibraryHeader(mlir::ModuleOp module);

/// LOOM_ARCH_* for an architecture name; 0 if unknown.
int architectureBit(llvm::StringRef architecture);

} // namespace loom

#endif // LOOM_CODEGEN_LIBRARYHEADER_H
