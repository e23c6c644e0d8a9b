//===- LowerTrainingToKernels.cpp - @train_step's ops -> loom_kernel ------===//
//
// KernelLoweringOp for the ops --loom-autodiff adds (and the activations,
// which training uses on their own). The fusions kernels offer are taken
// here:
//   - linear_grad_input -> dropout -> relu_grad | gelu_grad: one kernel
//     (the dropout undone and the activation's backward in its epilogue);
//     a relu's backward reads the dropout's output when it can (positive
//     exactly where the relu was and the element survived), so the relu's
//     own output need not outlive forward;
//   - gelu -> dropout (forward): one dropout kernel with the activation;
//   - scale -> embedding_grad: the scale becomes the kernel's factor;
//   - cross_entropy + cross_entropy_grad: one kernel, loss and gradient;
//   - a gradient sum folded into `accumulate` (--loom-fuse-gradient-sums)
//     is the kernel's acc.
// Parameter gradients are written straight into the gradient block
// (KernelLoweringState::destination); loom.adam only records that the
// parameter was reached.
//
//===----------------------------------------------------------------------===//
#include "Lowering/KernelLowering.h"

#include "loom/LoomOps.h"

using namespace mlir;
using namespace loom;
using namespace loom::kernel;
using namespace loom::lowering;

namespace {

ActivationAttr activation(MLIRContext *ctx, Activation kind) {
  return ActivationAttr::get(ctx, kind);
}

/// A dropout kernel: y = act(x), dropped out when `p` > 0.
Value emitDropout(KernelLoweringState &s, Location loc, Value x, Value y,
                  Activation act, FloatAttr p, IntegerAttr stream) {
  s.builder().create<kernel::DropoutOp>(
      loc, x, s.rng(p.getValue()), y, activation(s.builder().getContext(), act),
      p, stream, FlatSymbolRefAttr());
  return y;
}

//===----------------------------------------------------------------------===//
// Forward ops training uses on their own
//===----------------------------------------------------------------------===//

LogicalResult lowerDropout(loom::DropoutOp op, KernelLoweringState &s) {
  FailureOr<Value> x = s.buffer(op, op.getInput());
  if (failed(x))
    return failure();
  Value y = s.destination(op.getResult(), bufferType(*x).getContiguous());
  emitDropout(s, op.getLoc(), *x, y, Activation::none,
              op.getProbabilityAttr(), op.getStreamAttr());
  s.map(op.getResult(), y);
  return success();
}

/// relu or gelu that no linear kernel took as its epilogue (its input has
/// other uses: a gelu's backward reads it), with the dropout that follows
/// it when that is its only user.
template <typename OpT, Activation kind>
LogicalResult lowerActivation(OpT op, KernelLoweringState &s) {
  FailureOr<Value> x = s.buffer(op, op.getInput());
  if (failed(x))
    return failure();
  Value result = op.getResult();
  Builder b(op.getContext());
  FloatAttr p = b.getF32FloatAttr(0.0f);
  IntegerAttr stream = b.getI64IntegerAttr(0);
  if (auto dropout = soleUser<loom::DropoutOp>(result)) {
    s.absorb(dropout);
    result = dropout.getResult();
    p = dropout.getProbabilityAttr();
    stream = dropout.getStreamAttr();
  }
  Value y = s.destination(result, bufferType(*x).getContiguous());
  emitDropout(s, op.getLoc(), *x, y, kind, p, stream);
  s.map(result, y);
  return success();
}

/// Only as an embedding's factor: in forward the embedding takes it, in
/// backward the embedding gradient.
LogicalResult lowerScale(ScaleOp op, KernelLoweringState &) {
  if (soleUser<EmbeddingGradOp>(op.getResult()))
    return success(); // read by lowerEmbeddingGrad
  return op.emitError("'loom.scale' has no kernel of its own: it is computed "
                      "only as an embedding's (or its gradient's) factor, "
                      "when it is the only user between them");
}

//===----------------------------------------------------------------------===//
// Gradients
//===----------------------------------------------------------------------===//

/// The relu or gelu backward (with the dropout before it undone) that
/// follows `grad` as its only users, if any: the kernel's epilogue.
struct Epilogue {
  Activation kind = Activation::none;
  Value saved;   // the loom value the activation's backward reads
  Value result;  // the epilogue's last result
  loom::DropoutOp dropout;
};

Epilogue findEpilogue(loom::LinearGradInputOp op, KernelLoweringState &s) {
  Epilogue e;
  e.result = op.getDx();
  if (op.getAccumulate())
    return e; // the kernel adds acc last; an epilogue would apply to the sum
  if (auto dropout = soleUser<loom::DropoutOp>(e.result)) {
    e.dropout = dropout;
    e.result = dropout.getResult();
  }
  if (auto relu = soleUser<ReluGradOp>(e.result);
      relu && relu.getScale().isExactlyValue(1.0)) {
    e.kind = Activation::relu;
    e.saved = relu.getOutput();
    e.result = relu.getResult();
    // The forward dropout of the same stream kept exactly the positive
    // outputs that survived: read its result, so the relu's can be freed.
    if (e.dropout)
      for (Operation *user : e.saved.getUsers())
        if (auto fwd = dyn_cast<loom::DropoutOp>(user);
            fwd && fwd.getStream() == e.dropout.getStream() && fwd != e.dropout)
          e.saved = fwd.getResult();
    s.absorb(relu);
  } else if (auto gelu = soleUser<GeluGradOp>(e.result)) {
    e.kind = Activation::gelu;
    e.saved = gelu.getInput();
    e.result = gelu.getResult();
    s.absorb(gelu);
  } else if (e.dropout) {
    e.dropout = nullptr; // a dropout alone is its own kernel
    e.result = op.getDx();
  }
  if (e.dropout)
    s.absorb(e.dropout);
  return e;
}

LogicalResult lowerLinearGradInput(loom::LinearGradInputOp op, KernelLoweringState &s) {
  FailureOr<Value> dy = s.buffer(op, op.getDy());
  FailureOr<Value> wt = s.weight(op, op.getWeight(), /*transposed=*/true);
  if (failed(dy) || failed(wt))
    return failure();
  if (auto rows = op.getWeightRows())
    *wt = columns(s.builder(), op.getLoc(), *wt, (*rows)[0], (*rows)[1]);
  FailureOr<Value> acc = s.optionalBuffer(op, op.getAccumulate());
  if (failed(acc))
    return failure();
  Epilogue e = findEpilogue(op, s);
  FailureOr<Value> saved = s.optionalBuffer(op, e.saved);
  if (failed(saved))
    return failure();
  int64_t k = bufferType(*wt).getDims()[0];
  Value dx = s.destination(e.result, withLast(bufferType(*dy), k));
  Builder b(op.getContext());
  FloatAttr p = e.dropout ? e.dropout.getProbabilityAttr() : b.getF32FloatAttr(0);
  IntegerAttr stream =
      e.dropout ? e.dropout.getStreamAttr() : b.getI64IntegerAttr(0);
  s.builder().create<kernel::LinearGradInputOp>(
      op.getLoc(), *dy, *wt, *saved, *acc, s.rng(p.getValue()), dx,
      activation(op.getContext(), e.kind), p, stream, FlatSymbolRefAttr());
  s.map(e.result, dx);
  return success();
}

LogicalResult lowerLinearGradWeight(loom::LinearGradWeightOp op,
                                    KernelLoweringState &s) {
  FailureOr<Value> x = s.buffer(op, op.getInput());
  FailureOr<Value> dy = s.buffer(op, op.getDy());
  if (failed(x) || failed(dy))
    return failure();
  int64_t k = bufferType(*x).getDims().back(),
          n = bufferType(*dy).getDims().back();
  Value dwt = s.destination(op.getDw(), BufferType::get({k, n},
                                                        s.builder().getF32Type()));
  Value db = s.destination(op.getDb(), BufferType::get({n},
                                                       s.builder().getF32Type()));
  if (!dwt.getDefiningOp<GradientOp>() && !dwt.getDefiningOp<ColumnsOp>())
    return op.emitError("a weight gradient must flow into loom.adam");
  s.builder().create<kernel::LinearGradWeightOp>(op.getLoc(), *x, *dy, dwt, db,
                                                 FlatSymbolRefAttr());
  s.map(op.getDw(), dwt);
  s.map(op.getDb(), db);
  return success();
}

LogicalResult lowerLayerNormGrad(loom::LayerNormGradOp op, KernelLoweringState &s) {
  auto in = s.buffers(op, {op.getDy(), op.getInput(), op.getStats(),
                           op.getGamma()});
  if (failed(in))
    return failure();
  FailureOr<Value> acc = s.optionalBuffer(op, op.getAccumulate());
  if (failed(acc))
    return failure();
  BufferType gamma = bufferType((*in)[3]);
  Value dx = s.destination(op.getDx(), bufferType((*in)[1]).getContiguous());
  Value dgamma = s.destination(op.getDgamma(), gamma);
  Value dbeta = s.destination(op.getDbeta(), gamma);
  s.builder().create<kernel::LayerNormGradOp>(
      op.getLoc(), (*in)[0], (*in)[1], (*in)[2], (*in)[3], *acc, dx, dgamma,
      dbeta, FlatSymbolRefAttr());
  s.map(op.getDx(), dx);
  s.map(op.getDgamma(), dgamma);
  s.map(op.getDbeta(), dbeta);
  return success();
}

LogicalResult lowerEmbeddingGrad(EmbeddingGradOp op, KernelLoweringState &s) {
  Value dy = op.getDy();
  FloatAttr scale = Builder(op.getContext()).getF32FloatAttr(1.0f);
  if (auto factor = dy.getDefiningOp<ScaleOp>(); factor && factor->hasOneUse()) {
    scale = factor.getFactorAttr();
    dy = factor.getInput();
  }
  FailureOr<Value> dout = s.buffer(op, dy);
  FailureOr<Value> tokens = s.buffer(op, op.getTokens());
  if (failed(dout) || failed(tokens))
    return failure();
  auto table = op.getResult().getType();
  Value dtable = s.destination(
      op.getResult(), BufferType::get(table.getShape(), s.builder().getF32Type()));
  s.builder().create<kernel::EmbedGradOp>(op.getLoc(), *tokens, *dout, dtable,
                                          scale, FlatSymbolRefAttr());
  s.map(op.getResult(), dtable);
  return success();
}

LogicalResult lowerAttentionGrad(FusedAttentionGradOp op,
                                 KernelLoweringState &s) {
  auto in = s.buffers(op, {op.getQuery(), op.getKey(), op.getValue(),
                           op.getOut(), op.getDOut(), op.getLse()});
  if (failed(in))
    return failure();
  FailureOr<Value> lengths = s.optionalBuffer(op, op.getKeyLengths());
  if (failed(lengths))
    return failure();
  Value dq = s.headsDestination(op.getDq(), bufferType((*in)[0]));
  Value dk = s.headsDestination(op.getDk(), bufferType((*in)[1]));
  Value dv = s.headsDestination(op.getDv(), bufferType((*in)[2]));
  s.builder().create<kernel::AttentionGradOp>(
      op.getLoc(), (*in)[0], (*in)[1], (*in)[2], (*in)[3], (*in)[4], (*in)[5],
      *lengths, s.rng(op.getDropout()), dq, dk, dv, op.getMaskAttr(),
      op.getScaleAttr(), op.getDropoutAttr(), op.getDropoutStreamAttr(),
      FlatSymbolRefAttr());
  s.map(op.getDq(), dq);
  s.map(op.getDk(), dk);
  s.map(op.getDv(), dv);
  return success();
}

/// The loss and its gradient in one pass over the logits.
LogicalResult lowerCrossEntropy(loom::CrossEntropyOp op, KernelLoweringState &s) {
  auto grad = op.getLse() ? soleUser<CrossEntropyGradOp>(op.getLse())
                          : CrossEntropyGradOp();
  if (!grad || grad.getLogits() != op.getLogits() ||
      grad.getLabels() != op.getLabels() || grad.getDLoss() ||
      grad.getIgnoreIndex() != op.getIgnoreIndex() ||
      grad.getLabelSmoothing() != op.getLabelSmoothing())
    return op.emitError("the loss has a kernel only together with its "
                        "gradient (cross_entropy_grad of the same logits and "
                        "labels, scaled by nothing)");
  s.absorb(grad);
  FailureOr<Value> logits = s.buffer(op, op.getLogits());
  FailureOr<Value> labels = s.buffer(op, op.getLabels());
  if (failed(logits) || failed(labels))
    return failure();
  Value loss = s.destination(op.getResult(),
                             BufferType::get({1}, s.builder().getF32Type()));
  Value dlogits = s.destination(grad.getResult(),
                                bufferType(*logits).getContiguous());
  s.builder().create<kernel::CrossEntropyOp>(
      op.getLoc(), *logits, *labels, loss, dlogits, op.getIgnoreIndexAttr(),
      op.getLabelSmoothingAttr(), FlatSymbolRefAttr());
  s.map(op.getResult(), loss);
  s.map(grad.getResult(), dlogits);
  return success();
}

//===----------------------------------------------------------------------===//
// Joins and the optimizer
//===----------------------------------------------------------------------===//

/// Every input was written into the concat's buffer (destination()); the
/// result is that buffer. A row concat of parameter gradients is their
/// gradient's storage already.
LogicalResult lowerConcat(ConcatOp op, KernelLoweringState &s) {
  auto in = s.buffers(op, op.getInputs());
  if (failed(in))
    return failure();
  Value whole;
  for (Value piece : *in) {
    auto window = piece.getDefiningOp<ColumnsOp>();
    if (!window || (whole && window.getSource() != whole))
      return op.emitError("a concat input was not written into the concat's "
                          "buffer (its producer's only user must be the "
                          "concat)");
    whole = window.getSource();
  }
  s.map(op.getResult(), whole);
  return success();
}

LogicalResult lowerZeroRows(ZeroRowsOp op, KernelLoweringState &s) {
  FailureOr<Value> in = s.buffer(op, op.getInput());
  if (failed(in))
    return failure();
  Value rows = columns(s.builder(), op.getLoc(), *in, op.getStart(),
                       op.getCount());
  s.builder().create<ZeroOp>(op.getLoc(), rows);
  s.map(op.getResult(), *in);
  return success();
}

LogicalResult lowerAdam(loom::AdamOp op, KernelLoweringState &s) {
  FailureOr<Value> g = s.buffer(op, op.getGradient());
  FailureOr<Value> slot = s.gradient(op, op.getName());
  if (failed(g) || failed(slot))
    return failure();
  if (*g != *slot)
    return op.emitError("the gradient of '")
           << op.getName() << "' was not written into the gradient block";
  KernelLoweringState::Optimizer &opt = s.optimizer();
  double beta1 = op.getBeta1().convertToDouble(),
         beta2 = op.getBeta2().convertToDouble(),
         eps = op.getEpsilon().convertToDouble();
  if (!opt.updated.empty() &&
      (beta1 != opt.beta1 || beta2 != opt.beta2 || eps != opt.epsilon))
    return op.emitError("every parameter must have the same Adam "
                        "hyper-parameters: one kernel updates them all");
  opt.beta1 = beta1;
  opt.beta2 = beta2;
  opt.epsilon = eps;
  if (!opt.updated.try_emplace(op.getName(), op.getLoc()).second)
    return op.emitError("parameter '") << op.getName() << "' is updated twice";
  return success();
}

/// Ops an anchor lowers as its epilogue, or nothing lowers alone.
template <typename OpT> LogicalResult onlyAsEpilogue(OpT op, KernelLoweringState &) {
  return op.emitError("'")
         << op->getName()
         << "' has no kernel of its own: it is computed only in the epilogue "
            "of the op it follows (a linear layer's input gradient, or the "
            "loss)";
}

} // namespace

void loom::registerTrainingLoweringModels(MLIRContext *ctx) {
  loom::DropoutOp::attachInterface<LoweringModel<loom::DropoutOp, lowerDropout>>(*ctx);
  ReluOp::attachInterface<
      LoweringModel<ReluOp, lowerActivation<ReluOp, Activation::relu>>>(*ctx);
  GeluOp::attachInterface<
      LoweringModel<GeluOp, lowerActivation<GeluOp, Activation::gelu>>>(*ctx);
  ScaleOp::attachInterface<LoweringModel<ScaleOp, lowerScale>>(*ctx);
  loom::LinearGradInputOp::attachInterface<
      LoweringModel<loom::LinearGradInputOp, lowerLinearGradInput>>(*ctx);
  loom::LinearGradWeightOp::attachInterface<
      LoweringModel<loom::LinearGradWeightOp, lowerLinearGradWeight>>(*ctx);
  loom::LayerNormGradOp::attachInterface<
      LoweringModel<loom::LayerNormGradOp, lowerLayerNormGrad>>(*ctx);
  EmbeddingGradOp::attachInterface<
      LoweringModel<EmbeddingGradOp, lowerEmbeddingGrad>>(*ctx);
  FusedAttentionGradOp::attachInterface<
      LoweringModel<FusedAttentionGradOp, lowerAttentionGrad>>(*ctx);
  loom::CrossEntropyOp::attachInterface<
      LoweringModel<loom::CrossEntropyOp, lowerCrossEntropy>>(*ctx);
  ConcatOp::attachInterface<LoweringModel<ConcatOp, lowerConcat>>(*ctx);
  ZeroRowsOp::attachInterface<LoweringModel<ZeroRowsOp, lowerZeroRows>>(*ctx);
  loom::AdamOp::attachInterface<LoweringModel<loom::AdamOp, lowerAdam>>(*ctx);
  ReluGradOp::attachInterface<
      LoweringModel<ReluGradOp, onlyAsEpilogue<ReluGradOp>>>(*ctx);
  GeluGradOp::attachInterface<
      LoweringModel<GeluGradOp, onlyAsEpilogue<GeluGradOp>>>(*ctx);
  CrossEntropyGradOp::attachInterface<
      LoweringModel<CrossEntropyGradOp, onlyAsEpilogue<CrossEntropyGradOp>>>(*ctx);
}
