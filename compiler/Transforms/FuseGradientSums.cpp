//===- FuseGradientSums.cpp - sums of gradients into the kernels' epilogue ===//
//
// Backward sums the gradients of a value's uses with loom.add (a residual
// connection's input gets one from each branch). Where one of the two
// addends is the input gradient of a linear layer or a norm, that op takes
// the other as its `accumulate` operand and adds it as it writes: one
// buffer and one pass fewer.
//
//===----------------------------------------------------------------------===//
#include "Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace loom {
#define GEN_PASS_DEF_LOOMFUSEGRADIENTSUMS
#include "Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;

namespace {

/// add(a, linear_grad_input(dy, w)) -> linear_grad_input(dy, w) accumulate(a)
/// add(a, layer_norm_grad(...).dx)  -> layer_norm_grad(...) accumulate(a)
/// (either operand order). The gradient op must have no accumulate yet and
/// its dx no other use.
struct FuseGradientSum : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (auto [addend, other] : {std::pair(add.getLhs(), add.getRhs()),
                                 std::pair(add.getRhs(), add.getLhs())}) {
      Operation *def = addend.getDefiningOp();
      if (!def || !addend.hasOneUse() ||
          (!isa<LinearGradInputOp>(def) && !isa<LayerNormGradOp>(def)))
        continue;
      // The other addend must be available where the gradient op is.
      if (Operation *otherDef = other.getDefiningOp();
          otherDef && !otherDef->isBeforeInBlock(def))
        continue;
      MutableOperandRange acc =
          isa<LinearGradInputOp>(def)
              ? cast<LinearGradInputOp>(def).getAccumulateMutable()
              : cast<LayerNormGradOp>(def).getAccumulateMutable();
      if (!acc.empty())
        continue;
      rewriter.modifyOpInPlace(def, [&] { acc.append(other); });
      rewriter.replaceOp(add, addend);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "no addend takes an accumulate");
  }
};

struct FuseGradientSumsPass
    : loom::impl::LoomFuseGradientSumsBase<FuseGradientSumsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGradientSum>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
