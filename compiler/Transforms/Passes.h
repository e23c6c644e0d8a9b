//===- Passes.h - loom passes -----------------------------------*- C++ -*-===//
#ifndef LOOM_TRANSFORMS_PASSES_H
#define LOOM_TRANSFORMS_PASSES_H

#include "loom/LoomOps.h"
#include "mlir/IR/BuiltinOps.h"
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

/// The training pipeline that `loomc --emit=train` prints: canonicalize,
/// the same fusions with dropout kept, then @train_step by autodiff, the
/// key bias's zero gradient, gradient sums folded into their producers,
/// dropout stripped from @forward, clean up. With `ifTrainable`, a model
/// without a loss (encoder-only) just goes through the fusions.
void buildTrainingPipeline(mlir::OpPassManager &pm, bool ifTrainable = false);

} // namespace loom

#endif // LOOM_TRANSFORMS_PASSES_H
