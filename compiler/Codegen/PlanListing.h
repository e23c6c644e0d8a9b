//===- PlanListing.h - readable views of the planned program ----*- C++ -*-===//
#ifndef LOOM_CODEGEN_PLANLISTING_H
#define LOOM_CODEGEN_PLANLISTING_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace loom {

/// `loomc --emit=kernels`: per function, one line per step (kernel call or
/// cache append): outputs = kernel instance(inputs), scalars, source.
void printKernelListing(mlir::ModuleOp planned, llvm::raw_ostream &os);

/// `loomc --emit=buffers`: per function, the arena, then every buffer's
/// dims, offset, live steps and in-place reuse; then the weights.
void printBufferListing(mlir::ModuleOp planned, llvm::raw_ostream &os);

} // namespace loom

#endif // LOOM_CODEGEN_PLANLISTING_H
