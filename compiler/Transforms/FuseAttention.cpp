//===- FuseAttention.cpp - raise masked softmax attention -----------------===//
#include "Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace loom {
#define GEN_PASS_DEF_LOOMFUSEATTENTION
#include "Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;

namespace {

/// %s = loom.matmul %q, %k {transpose_rhs}        (not transpose_lhs)
/// %t = loom.scale %s {factor = 1/sqrt(Dh)}       (absent when Dh = 1)
/// %m = [loom.causal_mask] [loom.key_padding_mask %len] %t   (0-2, any order)
/// %p = loom.softmax %m {axis = 3}
/// [%p = loom.dropout %p]                          (training graphs)
/// %o = loom.matmul %p, %v                        (neither transposed)
///   -> %o = loom.fused_attention %q, %k, %v [key_lengths(%len)] [{dropout}]
///
/// Every intermediate must have exactly one use: the fused op does not
/// produce scores or probabilities, so another user would lose its value.
struct FuseAttentionPattern : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp pv,
                                PatternRewriter &rewriter) const override {
    // Pᵀ · V (or P · Vᵀ) is not attention: neither matmul may transpose
    // an operand the pattern does not name.
    if (pv.getTransposeLhs() || pv.getTransposeRhs())
      return rewriter.notifyMatchFailure(pv, "P·V must transpose neither "
                                             "P nor V");
    Value probabilities = pv.getLhs();
    auto dropout = probabilities.getDefiningOp<DropoutOp>();
    if (dropout) {
      if (!dropout->hasOneUse())
        return rewriter.notifyMatchFailure(dropout, "dropped out twice");
      probabilities = dropout.getInput();
    }
    auto softmax = probabilities.getDefiningOp<SoftmaxOp>();
    if (!softmax)
      return rewriter.notifyMatchFailure(pv, "lhs is not a softmax");
    int64_t rank = softmax.getType().getRank();
    if (rank != 4 || softmax.getAxis() != rank - 1)
      return rewriter.notifyMatchFailure(softmax,
                                         "not a softmax over the key axis");
    if (!softmax->hasOneUse())
      return rewriter.notifyMatchFailure(softmax, "probabilities used twice");

    SmallVector<Location> locs = {pv.getLoc(), softmax.getLoc()};
    if (dropout)
      locs.push_back(dropout.getLoc());
    bool causal = false;
    Value lengths;
    Value scores = softmax.getInput();
    while (Operation *def = scores.getDefiningOp()) {
      if (!def->hasOneUse())
        return rewriter.notifyMatchFailure(def, "intermediate used twice");
      if (auto mask = dyn_cast<CausalMaskOp>(def)) {
        if (causal)
          return rewriter.notifyMatchFailure(def, "causal mask given twice");
        causal = true;
        scores = mask.getScores();
      } else if (auto mask = dyn_cast<KeyPaddingMaskOp>(def)) {
        if (lengths)
          return rewriter.notifyMatchFailure(def, "padding mask given twice");
        lengths = mask.getLengths();
        scores = mask.getScores();
      } else {
        break;
      }
      locs.push_back(def->getLoc());
    }

    // Scaling by 1/sqrt(1) folds away, so a missing scale means factor 1.
    double factor = 1.0;
    FloatAttr scaleAttr;
    if (auto scale = scores.getDefiningOp<ScaleOp>()) {
      if (!scale->hasOneUse())
        return rewriter.notifyMatchFailure(scale, "scaled scores used twice");
      factor = scale.getFactor().convertToDouble();
      scaleAttr = scale.getFactorAttr();
      locs.push_back(scale.getLoc());
      scores = scale.getInput();
    }
    auto qk = scores.getDefiningOp<MatmulOp>();
    if (!qk || qk.getTransposeLhs() || !qk.getTransposeRhs() ||
        !qk->hasOneUse())
      return rewriter.notifyMatchFailure(pv, "scores are not Q·Kᵀ");
    locs.push_back(qk.getLoc());

    Value q = qk.getLhs(), k = qk.getRhs(), v = pv.getRhs();
    auto qType = cast<RankedTensorType>(q.getType());
    int64_t heads = qType.getDimSize(1), headDim = qType.getDimSize(3);
    if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(headDim))
      return rewriter.notifyMatchFailure(qk, "heads and head width must be "
                                             "static");
    if (pv.getType() != qType)
      return rewriter.notifyMatchFailure(pv, "result type differs from Q's");
    double expected = 1.0 / std::sqrt(double(headDim));
    if (std::abs(factor - expected) > 1e-6 * expected)
      return rewriter.notifyMatchFailure(pv, "scale is not 1/sqrt(Dh)");
    if (!scaleAttr)
      scaleAttr = rewriter.getF32FloatAttr(1.0f);

    MaskKind kind = causal ? (lengths ? MaskKind::causal_key_padding
                                      : MaskKind::causal)
                           : (lengths ? MaskKind::key_padding : MaskKind::none);
    // The fused op keeps the provenance of the whole chain; the chain's ops
    // are now dead and the greedy driver erases them.
    auto fused = rewriter.create<FusedAttentionOp>(
        rewriter.getFusedLoc(locs), qType, /*lse=*/Type(), q, k, v, lengths,
        MaskKindAttr::get(getContext(), kind), scaleAttr,
        rewriter.getI64IntegerAttr(heads),
        dropout ? dropout.getProbabilityAttr() : rewriter.getF32FloatAttr(0),
        dropout ? dropout.getStreamAttr() : rewriter.getI64IntegerAttr(0));
    rewriter.replaceOp(pv, fused.getResult());
    // Dropout is not Pure (it draws random numbers), so the driver would
    // keep it, and the chain it reads, alive.
    if (dropout)
      rewriter.eraseOp(dropout);
    return success();
  }
};

struct FuseAttentionPass : loom::impl::LoomFuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionPattern>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
