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
/// (either operand order). The gradient op must have no accumulate yet, its
/// dx no other use, and the sum dx's type; a layer_norm_grad's other
/// results are never folded.
struct FuseGradientSum : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (auto [addend, other] : {std::pair(add.getLhs(), add.getRhs()),
                                 std::pair(add.getRhs(), add.getLhs())}) {
      Operation *def = addend.getDefiningOp();
      if (!def || !addend.hasOneUse())
        continue;
      // accumulate adds to dx only: a layer_norm_grad's dgamma and dbeta
      // (summed when two norms share a gamma) stay loom.add.
      std::optional<MutableOperandRange> acc;
      if (auto grad = dyn_cast<LinearGradInputOp>(def))
        acc.emplace(grad.getAccumulateMutable());
      else if (auto grad = dyn_cast<LayerNormGradOp>(def);
               grad && addend == grad.getDx())
        acc.emplace(grad.getAccumulateMutable());
      if (!acc || !acc->empty())
        continue;
      // accumulate has dx's type exactly; the sum replaces dx.
      if (other.getType() != addend.getType() ||
          add.getType() != addend.getType())
        continue;
      // The other addend must be available where the gradient op is.
      if (Operation *otherDef = other.getDefiningOp();
          otherDef && (otherDef->getBlock() != def->getBlock() ||
                       !otherDef->isBeforeInBlock(def)))
        continue;
      rewriter.modifyOpInPlace(def, [&] { acc->append(other); });
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
