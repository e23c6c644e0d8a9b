//===- StripDropout.cpp - dropout is the identity at inference ------------===//
#include "Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace loom {
#define GEN_PASS_DEF_LOOMSTRIPDROPOUT
#include "Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;

namespace {

/// Training functions (marked loom.training) keep their dropout.
bool inTrainingFunction(Operation *op) {
  auto func = op->getParentOfType<func::FuncOp>();
  return func && func->hasAttr("loom.training");
}

/// dropout(x) -> x
struct RemoveDropout : OpRewritePattern<DropoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DropoutOp op,
                                PatternRewriter &rewriter) const override {
    if (inTrainingFunction(op))
      return rewriter.notifyMatchFailure(op, "in a training function");
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

/// fused_attention {dropout = p} -> fused_attention {dropout = 0}
struct RemoveAttentionDropout : OpRewritePattern<FusedAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(FusedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getDropout().isZero() || inTrainingFunction(op))
      return rewriter.notifyMatchFailure(op, "no dropout to remove");
    rewriter.modifyOpInPlace(op, [&] {
      op.setDropoutAttr(rewriter.getF32FloatAttr(0.0f));
      op.setDropoutStreamAttr(rewriter.getI64IntegerAttr(0));
    });
    return success();
  }
};

struct StripDropoutPass : loom::impl::LoomStripDropoutBase<StripDropoutPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RemoveDropout, RemoveAttentionDropout>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
