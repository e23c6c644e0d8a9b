//===- Passes.h - loom passes -----------------------------------*- C++ -*-===//
#ifndef LOOM_TRANSFORMS_PASSES_H
#define LOOM_TRANSFORMS_PASSES_H

#include "loom/LoomOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace loom {

#define GEN_PASS_DECL
#include "Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Transforms/Passes.h.inc"

/// The inference pipeline that `loomc --emit=fused` prints: strip dropout,
/// canonicalize, fuse attention, fuse add + norm, clean up.
void buildInferencePipeline(mlir::OpPassManager &pm);

} // namespace loom

#endif // LOOM_TRANSFORMS_PASSES_H
