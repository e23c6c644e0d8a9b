//===- DeriveCrossAttention.cpp - @cross_attention from @forward ----------===//
//
// @cross_attention(src, src_len, tgt, tgt_len, weights) runs @forward's
// kernels on the same inputs, with the logits in scratch (an alloc in place
// of @forward's `out`), and after each decoder cross-attention an
// attention_probs on the same q and k views, mask, scale and key lengths,
// writing layer i's probabilities [B, H, T, S] into `slice i` of the output
// `weights` [L, B, H, T, S]. A cross-attention is found as
// --loom-derive-decoding finds one (ForwardSides.h): an attention on the
// target side (it writes a buffer with the T dim) whose keys are a buffer the
// source side (kernels that write no T buffer) wrote.
//
//===----------------------------------------------------------------------===//
#include "Lowering/ForwardSides.h"
#include "Lowering/Passes.h"
#include "Lowering/PlanRoles.h"

#include "mlir/IR/IRMapping.h"

namespace loom {
#define GEN_PASS_DEF_LOOMDERIVECROSSATTENTION
#include "Lowering/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

namespace {

/// @forward's cross-attentions, in program order (one per decoder layer).
SmallVector<AttentionOp> crossAttentions(func::FuncOp forward) {
  ForwardSides sides = splitForwardSides(forward);
  SmallVector<AttentionOp> cross;
  for (KernelOp op : sides.target)
    if (auto attention = dyn_cast<AttentionOp>(op.getOperation());
        attention && sides.isCrossAttention(attention))
      cross.push_back(attention);
  return cross;
}

/// Builds @cross_attention from @forward's ops, as DeriveDecoding's
/// FunctionBuilder does: an op's operands are cloned on demand (views,
/// weights, allocs), @forward's arguments map to the new function's by role.
class FunctionBuilder {
public:
  FunctionBuilder(func::FuncOp forward, StringRef name)
      : forward(forward), b(forward) {
    b.setInsertionPointToEnd(forward->getBlock());
    func = b.create<func::FuncOp>(forward.getLoc(), name,
                                  b.getFunctionType({}, {}));
    b.setInsertionPointToStart(func.addEntryBlock());
  }

  /// A new argument with `role`, after the ones before it.
  Value argument(RoleKind kind, StringRef role, Type type) {
    unsigned index = func.getNumArguments();
    NamedAttribute attr =
        b.getNamedAttr(roleAttrName(kind), b.getStringAttr(role));
    func.insertArgument(index, type, b.getDictionaryAttr(attr),
                        forward.getLoc());
    return func.getArgument(index);
  }

  Value lookup(Value v) {
    if (Value mapped = map.lookupOrNull(v))
      return mapped;
    Operation *def = v.getDefiningOp();
    assert(def && "every argument of @forward is mapped up front");
    for (Value operand : def->getOperands())
      lookup(operand);
    b.clone(*def, map);
    return map.lookup(v);
  }

  Operation *clone(Operation *op) {
    for (Value operand : op->getOperands())
      lookup(operand);
    return b.clone(*op, map);
  }

  func::FuncOp forward, func;
  OpBuilder b;
  IRMapping map;
};

LogicalResult buildCrossAttention(func::FuncOp forward,
                                  ArrayRef<AttentionOp> cross) {
  // Every layer's probabilities have one shape: [B, H, T, S].
  auto layerDims = [](AttentionOp op) {
    ArrayRef<int64_t> q = op.getQ().getType().getDims(),
                      k = op.getK().getType().getDims();
    return SmallVector<int64_t>{q[0], q[1], q[2], k[2]};
  };
  SmallVector<int64_t> dims = layerDims(cross.front());
  for (AttentionOp op : cross)
    if (layerDims(op) != dims)
      return op.emitOpError("is a cross-attention of another shape than the "
                            "first one's; @cross_attention needs one [B, H, "
                            "T, S] for every layer");
  auto layerType = BufferType::get(dims, Float32Type::get(forward.getContext()));
  SmallVector<int64_t> allDims = {int64_t(cross.size())};
  allDims.append(dims);
  auto weightsType = BufferType::get(allDims, layerType.getElementType());

  FunctionBuilder fb(forward, "cross_attention");
  // @forward's inputs in its order, then the output; its `out` is scratch.
  for (BlockArgument arg : forward.getArguments()) {
    unsigned i = arg.getArgNumber();
    if (auto role = forward.getArgAttrOfType<StringAttr>(
            i, roleAttrName(RoleKind::Input)))
      fb.map.map(arg, fb.argument(RoleKind::Input, role, arg.getType()));
    else if (forward.getArgAttrOfType<StringAttr>(
                 i, roleAttrName(RoleKind::Output)))
      fb.map.map(arg, fb.b.create<AllocOp>(forward.getLoc(), arg.getType(),
                                           IntegerAttr()));
    else
      return forward.emitError("argument #")
             << i << " of @forward is neither an input nor an output";
  }
  Value weights = fb.argument(RoleKind::Output, "weights", weightsType);
  int layer = 0;
  for (Operation &op : forward.getBody().front()) {
    if (op.getNumResults() != 0 || isa<func::ReturnOp>(op))
      continue; // sources and views are cloned where they are used
    fb.clone(&op);
    auto attention = dyn_cast<AttentionOp>(op);
    if (!attention || !llvm::is_contained(cross, attention))
      continue;
    Location loc = attention.getLoc();
    Value slice = fb.b.create<SliceOp>(loc, layerType, weights,
                                       fb.b.getI64IntegerAttr(layer++));
    Value lengths = attention.getKeyLengths()
                        ? fb.lookup(attention.getKeyLengths())
                        : Value();
    fb.b.create<AttentionProbsOp>(loc, fb.lookup(attention.getQ()),
                                  fb.lookup(attention.getK()), lengths, slice,
                                  attention.getMaskAttr(),
                                  attention.getScaleAttr(),
                                  FlatSymbolRefAttr());
  }
  fb.b.create<func::ReturnOp>(forward.getLoc());
  return success();
}

struct DeriveCrossAttentionPass
    : loom::impl::LoomDeriveCrossAttentionBase<DeriveCrossAttentionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    // Derived already (the pass is idempotent), or nothing to derive from.
    if (!forward || module.lookupSymbol("cross_attention"))
      return;
    SmallVector<AttentionOp> cross = crossAttentions(forward);
    if (cross.empty())
      return; // an encoder or a decoder-only model: no cross-attention
    if (failed(buildCrossAttention(forward, cross)))
      signalPassFailure();
  }
};

} // namespace
