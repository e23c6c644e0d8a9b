//===- ZeroKeyBiasGradient.cpp - the key bias's gradient is exactly 0 -----===//
//
// Softmax is invariant to adding one constant to a row of scores. A key
// projection's bias b_k adds q_i · b_k to every score of query row i, so
// the loss does not depend on b_k: its gradient is 0 for every input.
// Computed, it is rounding noise (about 1e-9 here), which Adam with
// eps = 1e-9 turns into steps of up to the learning rate; PyTorch's own
// float32 training moves these biases by ~1e-3 per step where float64
// leaves them still. This pass states the identity: it zeroes those rows
// of the bias gradients that loom.adam reads.
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
};

/// The bias rows that make `attention`'s keys, when the keys are a
/// split_heads chunk of a linear layer with a bias.
std::optional<std::pair<StringRef, BiasRows>> keyBiasRows(FusedAttentionOp attention) {
  auto split = attention.getKey().getDefiningOp<SplitHeadsOp>();
  auto linear = split ? split.getInput().getDefiningOp<LinearOp>() : LinearOp();
  auto bias = linear && linear.getBias() ? linear.getBias().getDefiningOp<WeightOp>()
                                         : WeightOp();
  if (!bias)
    return std::nullopt;
  auto [first, rows] = linear.getRowRange();
  int64_t width = rows / split.getChunksAttr().getInt();
  return std::make_pair(bias.getName(),
                        BiasRows{first + split.getChunkAttr().getInt() * width,
                                 width});
}

struct ZeroKeyBiasGradientPass
    : loom::impl::LoomZeroKeyBiasGradientBase<ZeroKeyBiasGradientPass> {
  void runOnOperation() override {
    llvm::MapVector<StringRef, SmallVector<BiasRows>> zero;
    getOperation()->walk([&](FusedAttentionOp attention) {
      if (auto rows = keyBiasRows(attention))
        zero[rows->first].push_back(rows->second);
    });
    getOperation()->walk([&](AdamOp adam) {
      auto it = zero.find(adam.getName());
      if (it == zero.end())
        return;
      OpBuilder b(adam);
      Value g = adam.getGradient();
      for (BiasRows rows : it->second)
        if (!isAlreadyZero(g, rows))
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
