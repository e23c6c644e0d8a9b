//===- ForwardSides.h - @forward's source and target sides ------*- C++ -*-===//
//
// An encoder-decoder's @forward split as --loom-derive-decoding and
// --loom-derive-cross-attention both need it: a kernel op is on the target
// side when a buffer it writes has the T dim, else on the source side; the
// crossing buffers are the source-side allocs the target side reads (the
// encoder's memory: what decoding keeps as state, and the keys of every
// cross-attention).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_LOWERING_FORWARDSIDES_H
#define LOOM_LOWERING_FORWARDSIDES_H

#include "loom_kernel/LoomKernelOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SetVector.h"

namespace loom {

struct ForwardSides {
  /// Kernel ops in program order.
  llvm::SmallVector<kernel::KernelOp> source, target;
  /// In the order the target side first reads them.
  llvm::SetVector<kernel::AllocOp> crossing;

  /// Whether `op`, a target-side attention, attends over the source side's
  /// keys (a cross-attention) rather than the target's (a self-attention).
  bool isCrossAttention(kernel::AttentionOp op) const;
};

ForwardSides splitForwardSides(mlir::func::FuncOp forward);

} // namespace loom

#endif // LOOM_LOWERING_FORWARDSIDES_H
