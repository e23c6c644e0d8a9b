//===- ForwardSides.cpp - @forward's source and target sides --------------===//
#include "Lowering/ForwardSides.h"

#include "Lowering/BufferLiveness.h"

#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

static bool writesTargetRows(Operation *op) {
  return llvm::any_of(buffersWrittenBy(op), [](Value v) {
    return cast<BufferType>(v.getType()).hasSymbol(kTarget);
  });
}

bool ForwardSides::isCrossAttention(AttentionOp op) const {
  return crossing.contains(rootAlloc(op.getK()));
}

ForwardSides loom::splitForwardSides(func::FuncOp forward) {
  ForwardSides sides;
  forward.walk([&](KernelOp op) {
    (writesTargetRows(op) ? sides.target : sides.source).push_back(op);
  });
  llvm::DenseSet<Operation *> sourceWritten;
  for (KernelOp op : sides.source)
    for (Value written : buffersWrittenBy(op))
      if (AllocOp alloc = rootAlloc(written))
        sourceWritten.insert(alloc);
  for (KernelOp op : sides.target)
    for (Value operand : op->getOperands())
      if (AllocOp alloc = rootAlloc(operand))
        if (sourceWritten.contains(alloc))
          sides.crossing.insert(alloc);
  return sides;
}
