//===- ZeroKeyBiasGradient.cpp - the key bias's gradient is exactly 0 -----===//
//
// Softmax is invariant to adding one constant to a row of scores. A key
// projection's bias b_k adds q_i · b_k to every score of query row i, so
// the loss does not depend on b_k: its gradient is 0 for every input.
// Computed, it is rounding noise (about 1e-9 here), which Adam with
// eps = 1e-9 turns into steps of up to the learning rate; PyTorch's own
// float32 training moves these biases by ~1e-3 per step where float64
// leaves them still. This pass states the identity: it zeroes those rows
// of the bias gradients that loom.adam reads, where the identity holds:
// the rows reach the loss only through attention's keys (the split_heads
// chunk is read only as keys, the projection only by split_heads, the bias
// only by linear layers). Anywhere else the gradient is left alone.
//
//===----------------------------------------------------------------------===//
#include "Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace loom {
#define GEN_PASS_DEF_LOOMZEROKEYBIASGRADIENT
#include "Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;

namespace {

/// Rows [first, first + count) of a named bias.
struct BiasRows {
  int64_t first, count;

  bool overlaps(BiasRows other) const {
    return first < other.first + other.count && other.first < first + count;
  }
};

/// The bias rows that a split_heads chunk of `linear`'s output reads, or
/// nullopt when they are not known statically.
std::optional<BiasRows> chunkRows(LinearOp linear, SplitHeadsOp split) {
  auto [first, rows] = linear.getRowRange();
  int64_t chunks = split.getChunksAttr().getInt();
  if (ShapedType::isDynamic(rows) || chunks < 1 || rows % chunks != 0)
    return std::nullopt;
  int64_t width = rows / chunks;
  return BiasRows{first + split.getChunkAttr().getInt() * width, width};
}

/// Whether `use` is the key operand of an attention or of its gradient.
bool isKeyUse(OpOperand &use) {
  Operation *user = use.getOwner();
  if (auto attention = dyn_cast<FusedAttentionOp>(user))
    return &use == &attention.getKeyMutable();
  if (auto grad = dyn_cast<FusedAttentionGradOp>(user))
    return &use == &grad.getKeyMutable();
  return false;
}

/// The bias rows that make `attention`'s keys, when the keys are a
/// split_heads chunk of a linear layer with a bias weight.
std::optional<std::pair<StringRef, BiasRows>> keyBiasRows(FusedAttentionOp attention) {
  auto split = attention.getKey().getDefiningOp<SplitHeadsOp>();
  auto linear = split ? split.getInput().getDefiningOp<LinearOp>() : LinearOp();
  auto bias = linear && linear.getBias() ? linear.getBias().getDefiningOp<WeightOp>()
                                         : WeightOp();
  if (!bias)
    return std::nullopt;
  std::optional<BiasRows> rows = chunkRows(linear, split);
  if (!rows)
    return std::nullopt;
  return std::make_pair(bias.getName(), *rows);
}

/// Whether rows `rows` of the bias `name` reach `func`'s results only as
/// attention keys, so that softmax's shift invariance makes their gradient
/// exactly 0. Every loom.weight `name` may be read only as a linear's bias;
/// every linear that reads those rows may feed only split_heads ops; and
/// every split_heads whose chunk overlaps the rows may be read only as the
/// key of a fused attention (or of its gradient, which backward adds and
/// which does not change the loss).
bool onlyKeys(func::FuncOp func, StringRef name, BiasRows rows) {
  WalkResult result = func.walk([&](WeightOp weight) {
    if (weight.getName() != name)
      return WalkResult::advance();
    for (OpOperand &biasUse : weight.getResult().getUses()) {
      auto linear = dyn_cast<LinearOp>(biasUse.getOwner());
      if (!linear || linear.getBias() != biasUse.get() ||
          linear.getWeight() == biasUse.get() ||
          linear.getInput() == biasUse.get())
        return WalkResult::interrupt();
      auto [first, count] = linear.getRowRange();
      if (ShapedType::isDynamic(count))
        return WalkResult::interrupt();
      if (!rows.overlaps(BiasRows{first, count}))
        continue; // reads other rows of the bias
      for (Operation *user : linear.getResult().getUsers()) {
        auto split = dyn_cast<SplitHeadsOp>(user);
        if (!split)
          return WalkResult::interrupt();
        std::optional<BiasRows> chunk = chunkRows(linear, split);
        if (!chunk)
          return WalkResult::interrupt();
        if (!rows.overlaps(*chunk))
          continue; // another chunk (queries, values)
        for (OpOperand &use : split.getResult().getUses())
          if (!isKeyUse(use))
            return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

struct ZeroKeyBiasGradientPass
    : loom::impl::LoomZeroKeyBiasGradientBase<ZeroKeyBiasGradientPass> {
  void runOnOperation() override {
    // Per function: a loom.adam updates from its own function's loss.
    getOperation()->walk([&](func::FuncOp func) { runOnFunction(func); });
  }

  void runOnFunction(func::FuncOp func) {
    llvm::MapVector<StringRef, SmallVector<BiasRows>> zero;
    func.walk([&](FusedAttentionOp attention) {
      auto rows = keyBiasRows(attention);
      if (!rows || !onlyKeys(func, rows->first, rows->second))
        return;
      SmallVector<BiasRows> &list = zero[rows->first];
      if (llvm::none_of(list, [&](BiasRows r) {
            return r.first == rows->second.first &&
                   r.count == rows->second.count;
          }))
        list.push_back(rows->second);
    });
    if (zero.empty())
      return;
    func.walk([&](AdamOp adam) {
      auto it = zero.find(adam.getName());
      if (it == zero.end())
        return;
      OpBuilder b(adam);
      Value g = adam.getGradient();
      auto rowsOfG = cast<RankedTensorType>(g.getType()).getDimSize(0);
      for (BiasRows rows : it->second)
        if ((ShapedType::isDynamic(rowsOfG) ||
             rows.first + rows.count <= rowsOfG) &&
            !isAlreadyZero(g, rows))
          g = b.create<ZeroRowsOp>(adam.getLoc(), g,
                                   b.getI64IntegerAttr(rows.first),
                                   b.getI64IntegerAttr(rows.count));
      adam.getGradientMutable().assign(g);
    });
  }

  /// Running twice changes nothing.
  static bool isAlreadyZero(Value g, BiasRows rows) {
    for (auto z = g.getDefiningOp<ZeroRowsOp>(); z;
         z = z.getInput().getDefiningOp<ZeroRowsOp>())
      if (z.getStartAttr().getInt() == rows.first &&
          z.getCountAttr().getInt() == rows.count)
        return true;
    return false;
  }
};

} // namespace
