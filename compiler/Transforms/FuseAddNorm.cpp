//===- FuseAddNorm.cpp - residual add + layer_norm -> add_norm -------------===//
#include "Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace loom {
#define GEN_PASS_DEF_LOOMFUSEADDNORM
#include "Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;

namespace {

/// %s = loom.add %x, %r
/// %n = loom.layer_norm %s, %g, %b
///   -> %n = loom.add_norm %x, %r, %g, %b            (%s has no other use)
///   -> %n, %s = loom.add_norm %x, %r, %g, %b         (other uses read %s)
struct FuseAddNormPattern : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerNormOp norm,
                                PatternRewriter &rewriter) const override {
    auto add = norm.getInput().getDefiningOp<AddOp>();
    if (!add)
      return rewriter.notifyMatchFailure(norm, "input is not a loom.add");
    // The fused op sits where the norm is; any other reader of the sum must
    // come after it to see the fused op's second result.
    for (Operation *user : add->getUsers())
      if (user != norm.getOperation() &&
          (user->getBlock() != norm->getBlock() ||
           !norm->isBeforeInBlock(user)))
        return rewriter.notifyMatchFailure(
            user, "the sum is read before the layer_norm");

    bool keepSum = !add->hasOneUse();
    if (norm.getStats())
      return rewriter.notifyMatchFailure(norm, "already in training form");
    Type type = norm.getResult().getType();
    SmallVector<Type, 2> resultTypes = {type};
    if (keepSum)
      resultTypes.push_back(type);
    auto fused = rewriter.create<AddNormOp>(
        rewriter.getFusedLoc({add.getLoc(), norm.getLoc()}), resultTypes,
        ValueRange{add.getLhs(), add.getRhs(), norm.getGamma(),
                   norm.getBeta()},
        norm->getAttrs());
    if (keepSum)
      rewriter.replaceAllUsesExcept(add.getResult(), fused.getSum(),
                                    norm.getOperation());
    rewriter.replaceOp(norm, fused.getResult());
    rewriter.eraseOp(add);
    return success();
  }
};

struct FuseAddNormPass : loom::impl::LoomFuseAddNormBase<FuseAddNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAddNormPattern>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
