//===- DeriveDecoding.cpp - KV-cache decoding functions from @forward -----===//
//
// A kernel op is on the target side when a buffer it writes has the T dim,
// else on the source side. @decode_init is the source side; each source
// buffer the target side reads becomes decoding state ("cross.i"). 
// @decode_step is the target side for T = 1 at position `step`: embeddings
// read positions from `step`, target lengths are step + 1, and each
// self-attention (its keys from the target side) appends its new key and
// value to a cache state and attends over it. The logits go to the output
// `out` ([B, 1, vocab]: beam search reads them) and their argmax to the
// output `next` (greedy decoding reads only that). A decoder-only model
// also gets @decode_prefill: the target side over a prompt's first T
// positions in one pass, filling the caches @decode_step reads.
//
//===----------------------------------------------------------------------===//
#include "Lowering/ForwardSides.h"
#include "Lowering/Passes.h"
#include "Lowering/PlanRoles.h"

#include "mlir/IR/IRMapping.h"

namespace loom {
#define GEN_PASS_DEF_LOOMDERIVEDECODING
#include "Lowering/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

namespace {

/// The argument of `func` with role `role` of `kind`, or null.
Value argumentWithRole(func::FuncOp func, RoleKind kind, StringRef role) {
  for (BlockArgument arg : func.getArguments())
    if (auto attr = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                      roleAttrName(kind));
        attr && attr.getValue() == role)
      return arg;
  return nullptr;
}

/// Builds a function from ops of @forward: operands are cloned on demand
/// (views, weights, allocs; crossing allocs become state), @forward's
/// arguments become the new function's by role.
class FunctionBuilder {
public:
  FunctionBuilder(func::FuncOp forward, StringRef name,
                  const llvm::SetVector<AllocOp> &crossing)
      : forward(forward), crossing(crossing), b(forward) {
    b.setInsertionPointToEnd(forward->getBlock());
    func = b.create<func::FuncOp>(forward.getLoc(), name,
                                  b.getFunctionType({}, {}));
    b.setInsertionPointToStart(func.addEntryBlock());
  }

  /// The new function's argument with `role`, added at its first request.
  Value argument(RoleKind kind, StringRef role, Type type) {
    std::string key = (roleAttrName(kind) + "=" + role).str();
    if (Value arg = arguments.lookup(key))
      return arg;
    unsigned index = func.getNumArguments();
    NamedAttribute attr = b.getNamedAttr(roleAttrName(kind),
                                         b.getStringAttr(role));
    func.insertArgument(index, type, b.getDictionaryAttr(attr),
                        forward.getLoc());
    return arguments[key] = func.getArgument(index);
  }

  Value lookup(Value v) {
    if (Value mapped = map.lookupOrNull(v))
      return mapped;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      auto role = forward.getArgAttrOfType<StringAttr>(
          arg.getArgNumber(), roleAttrName(RoleKind::Input));
      map.map(v, argument(RoleKind::Input, role.getValue(), v.getType()));
    } else if (auto alloc = v.getDefiningOp<AllocOp>();
               alloc && crossing.contains(alloc)) {
      std::string name =
          "cross." + std::to_string(llvm::find(crossing, alloc) - crossing.begin());
      map.map(v, b.create<StateOp>(alloc.getLoc(), alloc.getType(), name));
    } else {
      Operation *def = v.getDefiningOp();
      for (Value operand : def->getOperands())
        lookup(operand);
      b.clone(*def, map);
    }
    return map.lookup(v);
  }

  Operation *clone(Operation *op) {
    for (Value operand : op->getOperands())
      lookup(operand);
    return b.clone(*op, map);
  }

  func::FuncOp forward, func;
  const llvm::SetVector<AllocOp> &crossing;
  OpBuilder b;
  IRMapping map;
  llvm::StringMap<Value> arguments;
};

/// @decode_init: the source side, writing crossing buffers into state.
void buildDecodeInit(func::FuncOp forward, const ForwardSides &sides) {
  FunctionBuilder fb(forward, "decode_init", sides.crossing);
  for (KernelOp op : sides.source)
    fb.clone(op);
  fb.b.create<func::ReturnOp>(forward.getLoc());
}

/// Writes the rows a self-attention's `view` (a split_heads of a columns
/// view) is made of into the cache state `name.index` [B, max_len, W], at
/// `step` (or from position 0 where step is null); returns the cache.
Value appendToCache(FunctionBuilder &fb, Location loc, Value view,
                    StringRef name, int index, int64_t maxLen, Value step) {
  auto split = view.getDefiningOp<SplitHeadsOp>();
  Value rows = fb.lookup(split.getSource());
  BufferType type = cast<BufferType>(rows.getType());
  auto cacheType = BufferType::get({kBatch, maxLen, type.getDims().back()},
                                   type.getElementType());
  Value cache = fb.b.create<StateOp>(loc, cacheType,
                                     (name + "." + Twine(index)).str());
  fb.b.create<CacheAppendOp>(loc, rows, cache, step);
  return cache;
}

/// A target-side self-attention must be causal: a position's keys and values
/// may then be cached once and read by every later position.
LogicalResult checkCausal(AttentionOp op) {
  if (op.getMask() == MaskKind::causal ||
      op.getMask() == MaskKind::causal_key_padding)
    return success();
  return op.emitOpError("a target-side self-attention must be causal to be "
                        "decoded with a cache");
}

/// A self-attention at step t: append this position's key and value to the
/// caches, attend over positions 0..t.
LogicalResult decodeSelfAttention(FunctionBuilder &fb, AttentionOp op,
                                  int index, int64_t maxLen, Value step,
                                  Value lengths) {
  if (failed(checkCausal(op)))
    return failure();
  auto cached = [&](Value view, StringRef name) {
    Value cache =
        appendToCache(fb, op.getLoc(), view, name, index, maxLen, step);
    auto split = view.getDefiningOp<SplitHeadsOp>();
    int64_t heads = split.getHeadsAttr().getInt();
    int64_t width = cast<BufferType>(cache.getType()).getDims().back();
    auto viewType = BufferType::get(fb.b.getContext(),
                                    {kBatch, heads, maxLen, width / heads},
                                    cast<BufferType>(cache.getType()).getElementType(),
                                    true, 0);
    return fb.b.create<SplitHeadsOp>(op.getLoc(), viewType, cache, heads);
  };
  Value k = cached(op.getK(), "self_keys"), v = cached(op.getV(), "self_values");
  fb.b.create<AttentionOp>(
      op.getLoc(), fb.lookup(op.getQ()), k, v, lengths, fb.lookup(op.getO()),
      MaskKindAttr::get(op.getContext(), MaskKind::key_padding),
      op.getScaleAttr(), FlatSymbolRefAttr());
  return success();
}

/// The positional table's rows from `step`, for an embedding at T = 1.
Value positionsAt(FunctionBuilder &fb, EmbedOp embed, Value step) {
  auto table = cast<BufferType>(embed.getPositions().getType());
  auto rows = BufferType::get({kTarget, table.getDims()[1]},
                              table.getElementType());
  OpBuilder::InsertionGuard guard(fb.b);
  fb.b.setInsertionPoint(embed);
  return fb.b.create<RowsOp>(embed.getLoc(), rows, embed.getPositions(), step);
}

/// Ends a decoding function: the output `next` receives the argmax of
/// `logits` [.., vocab] over the vocabulary.
void finishWithArgmax(FunctionBuilder &fb, Value logits) {
  auto type = cast<BufferType>(logits.getType());
  SmallVector<int64_t> nextDims(type.getDims().drop_back());
  Value next = fb.argument(RoleKind::Output, "next",
                           BufferType::get(nextDims, fb.b.getI32Type()));
  Location loc = fb.forward.getLoc();
  fb.b.create<ArgmaxOp>(loc, logits, next, FlatSymbolRefAttr());
  fb.b.create<func::ReturnOp>(loc);
}

/// @decode_step: the target side for one position per row.
LogicalResult buildDecodeStep(func::FuncOp forward, const ForwardSides &sides,
                              int64_t maxLen) {
  FunctionBuilder fb(forward, "decode_step", sides.crossing);
  Value step =
      fb.argument(RoleKind::Scalar, "step", fb.b.getIndexType());
  Value lengths = fb.b.create<StepLengthsOp>(
      forward.getLoc(),
      BufferType::get({kBatch}, fb.b.getI32Type()), step);
  // The target's lengths at step t are t + 1 for every row.
  if (Value tgtLen = argumentWithRole(forward, RoleKind::Input, "tgt_len"))
    fb.map.map(tgtLen, lengths);
  // The logits go to the caller's `out` (beam search reads them); `next`
  // gets their argmax (greedy decoding reads only that).
  Value out = argumentWithRole(forward, RoleKind::Output, "out");
  if (!out)
    return forward.emitError("@forward has no output to decode from");
  auto logitsType = cast<BufferType>(out.getType());
  fb.map.map(out, fb.argument(RoleKind::Output, "out", logitsType));
  int selfIndex = 0;
  for (KernelOp op : sides.target) {
    auto attention = dyn_cast<AttentionOp>(op.getOperation());
    if (attention && !sides.isCrossAttention(attention)) {
      if (failed(decodeSelfAttention(fb, attention, selfIndex++, maxLen, step,
                                     lengths)))
        return failure();
      continue;
    }
    Operation *copy = fb.clone(op);
    if (auto embed = dyn_cast<EmbedOp>(copy))
      embed.getPositionsMutable().assign(positionsAt(fb, embed, step));
  }
  finishWithArgmax(fb, fb.map.lookup(out));
  return success();
}

/// @decode_prefill (decoder-only models): the target side over the first T
/// positions of every row's prompt in one pass, as @forward computes them,
/// each self-attention also writing its keys and values into the caches
/// (positions 0..T-1) that @decode_step goes on from at step T. The logits
/// go to the arena, their argmax to the output `next` [B, T].
LogicalResult buildDecodePrefill(func::FuncOp forward,
                                 const ForwardSides &sides, int64_t maxLen) {
  FunctionBuilder fb(forward, "decode_prefill", sides.crossing);
  Value out = argumentWithRole(forward, RoleKind::Output, "out");
  if (!out)
    return forward.emitError("@forward has no output to decode from");
  // The logits are scratch: generate reads only their argmax `next`.
  auto logitsType = cast<BufferType>(out.getType());
  fb.map.map(out, fb.b.create<AllocOp>(forward.getLoc(), logitsType,
                                       IntegerAttr()));
  int selfIndex = 0;
  for (KernelOp op : sides.target) {
    auto attention = dyn_cast<AttentionOp>(op.getOperation());
    if (attention && !sides.isCrossAttention(attention)) {
      if (failed(checkCausal(attention)))
        return failure();
      for (auto [view, name] : {std::pair(attention.getK(), "self_keys"),
                                std::pair(attention.getV(), "self_values")})
        appendToCache(fb, attention.getLoc(), view, name, selfIndex, maxLen,
                      Value());
      ++selfIndex;
    }
    fb.clone(op);
  }
  finishWithArgmax(fb, fb.map.lookup(out));
  return success();
}

struct DeriveDecodingPass
    : loom::impl::LoomDeriveDecodingBase<DeriveDecodingPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    // Derived already (the pass is idempotent), or nothing to derive from.
    if (!forward || module.lookupSymbol("decode_step"))
      return;
    ForwardSides sides = splitForwardSides(forward);
    if (sides.target.empty())
      return; // an encoder: nothing to decode
    int64_t maxLen = 0;
    forward.walk([&](PositionalTableOp pe) {
      maxLen = pe.getType().getDims()[0];
    });
    if (maxLen == 0) {
      forward.emitError("decoding needs the positional table's max_len");
      return signalPassFailure();
    }
    if (!sides.source.empty())
      buildDecodeInit(forward, sides);
    if (failed(buildDecodeStep(forward, sides, maxLen)))
      return signalPassFailure();
    // generate's prompts (decoder-only); translation starts from bos alone.
    if (sides.source.empty() &&
        failed(buildDecodePrefill(forward, sides, maxLen)))
      signalPassFailure();
  }
};

} // namespace
