//===- LoomKernelTrainingOps.cpp - training ops: verifiers, ABI bindings --===//
//
// LoomKernelTrainingOps.td. Dropout operands bind to the ABI's dropout
// scalars: the probability and stream as constants, the seed and step from
// `rng` (constant 0 when the op drops nothing and so has no rng).
//
//===----------------------------------------------------------------------===//
#include "loom_kernel/LoomKernelOps.h"

#include "KernelOpVerification.h"

using namespace mlir;
using namespace loom;
using namespace loom::kernel;
using namespace loom::kernel::verify;

namespace {

bool drops(APFloat probability) { return !probability.isZero(); }

/// rng is (seed, step) exactly when the op drops something; p in [0, 1).
LogicalResult verifyDropout(Operation *op, ValueRange rng, APFloat probability,
                            int64_t stream) {
  double p = probability.convertToDouble();
  if (!(p >= 0.0 && p < 1.0))
    return op->emitOpError("dropout must be in [0, 1)");
  if (stream < 0)
    return op->emitOpError("dropout_stream must be >= 0");
  if (rng.size() != (drops(probability) ? 2u : 0u))
    return op->emitOpError(drops(probability)
                               ? "a dropout needs rng(seed, step)"
                               : "rng is read only when dropout > 0");
  return success();
}

/// The four dropout scalars of an ABI argument struct.
template <typename Args>
void bindDropout(Args &a, Builder &b, ValueRange rng, FloatAttr probability,
                 IntegerAttr stream) {
  a.dropout.scalar = probability;
  a.rng_stream.scalar = b.getI32IntegerAttr(int32_t(stream.getInt()));
  if (rng.empty()) {
    a.rng_seed.scalar = b.getI64IntegerAttr(0);
    a.rng_step.scalar = b.getI32IntegerAttr(0);
  } else {
    a.rng_seed.runtimeScalar = rng[0];
    a.rng_step.runtimeScalar = rng[1];
  }
}

/// Every heads view of `views` has q's heads and head width; rows as given.
LogicalResult verifyHeads(Operation *op, ValueRange views) {
  for (Value v : views)
    if (!bufferOf(v).getHeads())
      return op->emitOpError("every attention operand is a heads view "
                             "[B, H, S, Dh], got ")
             << v.getType();
  ArrayRef<int64_t> q = bufferOf(views[0]).getDims();
  for (Value v : views) {
    ArrayRef<int64_t> d = bufferOf(v).getDims();
    if (d[1] != q[1] || d[3] != q[3])
      return op->emitOpError("every operand must have q's heads (")
             << q[1] << ") and head width (" << q[3] << ")";
  }
  return success();
}

bool hasPadding(MaskKind kind) {
  return kind == MaskKind::key_padding || kind == MaskKind::causal_key_padding;
}

/// The shared part of attention_train and attention_grad.
LogicalResult verifyAttentionCall(Operation *op, Value q, Value k, Value lse,
                                  Value lengths, MaskKind mask, APFloat scale) {
  if (rowDims(q)[0] != rowDims(k)[0])
    return op->emitOpError("q and k must have the same batch dim");
  ArrayRef<int64_t> qd = bufferOf(q).getDims();
  if (failed(expectDims(op, lse, {qd[0], qd[1], qd[2]}, "lse")))
    return failure();
  if (hasPadding(mask) != bool(lengths))
    return op->emitOpError(hasPadding(mask)
                               ? "a key_padding mask needs key_lengths"
                               : "key_lengths are read only by key_padding "
                                 "masks");
  if (lengths && failed(expectDims(op, lengths, {qd[0]}, "key_lengths")))
    return failure();
  return expectPositiveFinite(op, scale, "scale");
}

void attentionParams(Builder &b, MaskKind mask, Value q, APFloat dropout,
                     SmallVectorImpl<NamedAttribute> &params) {
  params.push_back(stringParam(b, "mask", stringifyMaskKind(mask)));
  params.push_back(intParam(b, "head_dim", bufferOf(q).getDims().back()));
  params.push_back(intParam(b, "with_dropout", drops(dropout)));
}

} // namespace

//===----------------------------------------------------------------------===//
// Sources and data movement
//===----------------------------------------------------------------------===//

LogicalResult GradientOp::verify() {
  BufferType type = getType();
  if (getName().empty())
    return emitOpError("name must not be empty");
  if (type.getRank() < 1 || type.getRank() > 2 || !type.isContiguous() ||
      llvm::any_of(type.getDims(), isSymbol))
    return emitOpError("the gradient of '")
           << getName() << "' must be a static, contiguous rank-1 or rank-2 "
           << "buffer, got " << type;
  if (getTransposed() && type.getRank() != 2)
    return emitOpError("only a rank-2 gradient can be stored transposed");
  return expectElement(*this, getResult(), false, "a gradient");
}

LogicalResult TrainingBlockOp::verify() {
  if (!llvm::is_contained({"parameters", "gradients", "first_moment",
                           "second_moment"},
                          getBlock()))
    return emitOpError("block must be parameters, gradients, first_moment or "
                       "second_moment, got '")
           << getBlock() << "'";
  BufferType type = getType();
  if (type.getRank() != 1 || isSymbol(type.getDims()[0]) ||
      !type.isContiguous())
    return emitOpError("a training block is a static, contiguous [P], got ")
           << type;
  return expectElement(*this, getResult(), false, "a training block");
}

//===----------------------------------------------------------------------===//
// attention_train, attention_grad
//===----------------------------------------------------------------------===//

LogicalResult AttentionTrainOp::verify() {
  if (failed(verifyHeads(*this, {getQ(), getK(), getV(), getO()})))
    return failure();
  if (rowDims(getO()) != rowDims(getQ()) || rowDims(getV()) != rowDims(getK()))
    return emitOpError("o must have q's rows and v k's");
  if (failed(verifyAttentionCall(*this, getQ(), getK(), getLse(),
                                 getKeyLengths(), getMask(),
                                 getScaleAttr().getValue())))
    return failure();
  return verifyDropout(*this, getRng(), getDropout(),
                       getDropoutStreamAttr().getInt());
}
abi::Family AttentionTrainOp::getFamily() { return abi::Family::attention_train; }
void AttentionTrainOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  Builder b(getContext());
  abi_args::attention_train a;
  a.q.buffer = getQ();
  a.k.buffer = getK();
  a.v.buffer = getV();
  a.key_lengths.buffer = getKeyLengths();
  a.scale.scalar = getScaleAttr();
  bindDropout(a, b, getRng(), getDropoutAttr(), getDropoutStreamAttr());
  a.o.buffer = getO();
  a.lse.buffer = getLse();
  a.ordered(arguments);
}
void AttentionTrainOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &params) {
  Builder b(getContext());
  attentionParams(b, getMask(), getQ(), getDropout(), params);
}

LogicalResult AttentionGradOp::verify() {
  if (failed(verifyHeads(*this, {getQ(), getK(), getV(), getO(), getDO(),
                                 getDq(), getDk(), getDv()})))
    return failure();
  for (auto [a, b] : {std::pair(getO(), getQ()), std::pair(getDO(), getQ()),
                      std::pair(getDq(), getQ()), std::pair(getV(), getK()),
                      std::pair(getDk(), getK()), std::pair(getDv(), getK())})
    if (rowDims(a) != rowDims(b))
      return emitOpError("o, d_o and dq must have q's rows; v, dk and dv k's");
  if (failed(verifyAttentionCall(*this, getQ(), getK(), getLse(),
                                 getKeyLengths(), getMask(),
                                 getScaleAttr().getValue())))
    return failure();
  return verifyDropout(*this, getRng(), getDropout(),
                       getDropoutStreamAttr().getInt());
}
abi::Family AttentionGradOp::getFamily() { return abi::Family::attention_grad; }
void AttentionGradOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  Builder b(getContext());
  abi_args::attention_grad a;
  a.q.buffer = getQ();
  a.k.buffer = getK();
  a.v.buffer = getV();
  a.o.buffer = getO();
  a.d_o.buffer = getDO();
  a.lse.buffer = getLse();
  a.key_lengths.buffer = getKeyLengths();
  a.scale.scalar = getScaleAttr();
  bindDropout(a, b, getRng(), getDropoutAttr(), getDropoutStreamAttr());
  a.dq.buffer = getDq();
  a.dk.buffer = getDk();
  a.dv.buffer = getDv();
  a.ordered(arguments);
}
void AttentionGradOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &params) {
  Builder b(getContext());
  attentionParams(b, getMask(), getQ(), getDropout(), params);
}

//===----------------------------------------------------------------------===//
// linear_grad_input, linear_grad_weight, dropout
//===----------------------------------------------------------------------===//

LogicalResult LinearGradInputOp::verify() {
  BufferType wt = getWt().getType();
  if (wt.getRank() != 2)
    return emitOpError("wt must be [K, N], got ") << wt;
  int64_t k = wt.getDims()[0], n = wt.getDims()[1];
  ArrayRef<int64_t> dy = getDy().getType().getDims();
  if (dy.back() != n)
    return emitOpError("dy has ") << dy.back() << " features but wt has " << n
                                  << " columns";
  SmallVector<int64_t> dx = withLast(dy, k);
  if (failed(expectDims(*this, getDx(), dx, "dx")))
    return failure();
  bool activation = getActivation() != Activation::none;
  if (activation != bool(getSaved()))
    return emitOpError(activation ? "a relu or gelu backward reads saved"
                                  : "saved is read only by relu and gelu");
  for (Value v : {getSaved(), getAcc()})
    if (v && failed(expectDims(*this, v, dx, "saved and acc")))
      return failure();
  return verifyDropout(*this, getRng(), getDropout(),
                       getDropoutStreamAttr().getInt());
}
abi::Family LinearGradInputOp::getFamily() {
  return abi::Family::linear_grad_input;
}
void LinearGradInputOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  Builder b(getContext());
  abi_args::linear_grad_input a;
  a.dy.buffer = getDy();
  a.wt.buffer = getWt();
  a.saved.buffer = getSaved();
  a.acc.buffer = getAcc();
  bindDropout(a, b, getRng(), getDropoutAttr(), getDropoutStreamAttr());
  a.dx.buffer = getDx();
  a.ordered(arguments);
}
void LinearGradInputOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &params) {
  Builder b(getContext());
  params.push_back(
      stringParam(b, "activation", stringifyActivation(getActivation())));
  params.push_back(intParam(b, "with_dropout", drops(getDropout())));
  params.push_back(intParam(b, "accumulate", bool(getAcc())));
}
// dx[m, k] reads acc[m, k] (and dy's row m) only.
std::optional<StringRef> LinearGradInputOp::getInPlaceInput() {
  if (!getAcc())
    return std::nullopt;
  return StringRef("acc");
}

LogicalResult LinearGradWeightOp::verify() {
  ArrayRef<int64_t> x = getX().getType().getDims(), dy = getDy().getType().getDims();
  if (x.drop_back() != dy.drop_back())
    return emitOpError("x and dy must have the same rows, got ")
           << formatDims(x) << " and " << formatDims(dy);
  if (failed(expectDims(*this, getDwt(), {x.back(), dy.back()}, "dwt")))
    return failure();
  return expectDims(*this, getDbias(), {dy.back()}, "dbias");
}
abi::Family LinearGradWeightOp::getFamily() {
  return abi::Family::linear_grad_weight;
}
void LinearGradWeightOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::linear_grad_weight a;
  a.x.buffer = getX();
  a.dy.buffer = getDy();
  a.dwt.buffer = getDwt();
  a.dbias.buffer = getDbias();
  a.ordered(arguments);
}
void LinearGradWeightOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}

LogicalResult DropoutOp::verify() {
  if (failed(expectDims(*this, getY(), getX().getType().getDims(), "y")))
    return failure();
  if (!drops(getDropout()) && getActivation() == Activation::none)
    return emitOpError("drops nothing and applies no activation");
  return verifyDropout(*this, getRng(), getDropout(),
                       getDropoutStreamAttr().getInt());
}
abi::Family DropoutOp::getFamily() { return abi::Family::dropout; }
void DropoutOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  Builder b(getContext());
  abi_args::dropout a;
  a.x.buffer = getX();
  bindDropout(a, b, getRng(), getDropoutAttr(), getDropoutStreamAttr());
  a.y.buffer = getY();
  a.ordered(arguments);
}
void DropoutOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &params) {
  Builder b(getContext());
  params.push_back(
      stringParam(b, "activation", stringifyActivation(getActivation())));
  params.push_back(intParam(b, "with_dropout", drops(getDropout())));
}
std::optional<StringRef> DropoutOp::getInPlaceInput() { return StringRef("x"); }

//===----------------------------------------------------------------------===//
// layer_norm_grad, embed_grad, cross_entropy, adam
//===----------------------------------------------------------------------===//

LogicalResult LayerNormGradOp::verify() {
  ArrayRef<int64_t> rows = getX().getType().getDims();
  for (Value v : {getDy(), getDx()})
    if (failed(expectDims(*this, v, rows, "dy and dx")))
      return failure();
  if (getAcc() && failed(expectDims(*this, getAcc(), rows, "acc")))
    return failure();
  if (failed(expectDims(*this, getStats(), withLast(rows, 2), "stats")))
    return failure();
  for (Value v : {getGamma(), getDgamma(), getDbeta()})
    if (failed(expectDims(*this, v, {rows.back()}, "gamma, dgamma and dbeta")))
      return failure();
  return success();
}
abi::Family LayerNormGradOp::getFamily() { return abi::Family::layer_norm_grad; }
void LayerNormGradOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::layer_norm_grad a;
  a.dy.buffer = getDy();
  a.x.buffer = getX();
  a.stats.buffer = getStats();
  a.gamma.buffer = getGamma();
  a.acc.buffer = getAcc();
  a.dx.buffer = getDx();
  a.dgamma.buffer = getDgamma();
  a.dbeta.buffer = getDbeta();
  a.ordered(arguments);
}
void LayerNormGradOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &params) {
  Builder b(getContext());
  params.push_back(intParam(b, "accumulate", bool(getAcc())));
}
std::optional<StringRef> LayerNormGradOp::getInPlaceInput() {
  if (!getAcc())
    return std::nullopt;
  return StringRef("acc");
}

LogicalResult EmbedGradOp::verify() {
  BufferType table = getDtable().getType(), tokens = getTokens().getType();
  if (table.getRank() != 2 || tokens.getRank() != 2)
    return emitOpError("dtable must be [V, D] and tokens [B, S], got ")
           << table << " and " << tokens;
  SmallVector<int64_t> dout(tokens.getDims());
  dout.push_back(table.getDims()[1]);
  if (failed(expectDims(*this, getDout(), dout, "dout")))
    return failure();
  if (!std::isfinite(getScaleAttr().getValue().convertToDouble()))
    return emitOpError("scale must be finite");
  return success();
}
abi::Family EmbedGradOp::getFamily() { return abi::Family::embed_grad; }
void EmbedGradOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::embed_grad a;
  a.tokens.buffer = getTokens();
  a.dout.buffer = getDout();
  a.scale.scalar = getScaleAttr();
  a.dtable.buffer = getDtable();
  a.ordered(arguments);
}
void EmbedGradOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}

LogicalResult CrossEntropyOp::verify() {
  ArrayRef<int64_t> logits = getLogits().getType().getDims();
  if (failed(expectDims(*this, getLabels(), logits.drop_back(), "labels")) ||
      failed(expectElement(*this, getLabels(), true, "labels")) ||
      failed(expectDims(*this, getLoss(), {1}, "loss")) ||
      failed(expectDims(*this, getDlogits(), logits, "dlogits")))
    return failure();
  double eps = getLabelSmoothing().convertToDouble();
  if (!(eps >= 0.0 && eps < 1.0))
    return emitOpError("label_smoothing must be in [0, 1)");
  return success();
}
abi::Family CrossEntropyOp::getFamily() { return abi::Family::cross_entropy; }
void CrossEntropyOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  Builder b(getContext());
  abi_args::cross_entropy a;
  a.logits.buffer = getLogits();
  a.labels.buffer = getLabels();
  a.ignore_index.scalar = b.getI32IntegerAttr(int32_t(getIgnoreIndex()));
  a.label_smoothing.scalar = getLabelSmoothingAttr();
  a.loss.buffer = getLoss();
  a.dlogits.buffer = getDlogits();
  a.ordered(arguments);
}
void CrossEntropyOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}
// A row's gradient is written after the whole row was read.
std::optional<StringRef> CrossEntropyOp::getInPlaceInput() {
  return StringRef("logits");
}

LogicalResult AdamOp::verify() {
  ArrayRef<int64_t> p = getParam().getType().getDims();
  for (Value v : {getGrad(), getM(), getV()})
    if (failed(expectDims(*this, v, p, "grad, m and v")))
      return failure();
  for (APFloat beta : {getBeta1(), getBeta2()})
    if (!(beta.convertToDouble() >= 0.0 && beta.convertToDouble() < 1.0))
      return emitOpError("beta1 and beta2 must be in [0, 1)");
  return expectPositiveFinite(*this, getEpsilonAttr().getValue(), "epsilon");
}
abi::Family AdamOp::getFamily() { return abi::Family::adam; }
void AdamOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::adam a;
  a.param.buffer = getParam();
  a.grad.buffer = getGrad();
  a.m.buffer = getM();
  a.v.buffer = getV();
  a.step_size.runtimeScalar = getStepSize();
  a.bias_correction2_sqrt.runtimeScalar = getBiasCorrection2Sqrt();
  a.beta1.scalar = getBeta1Attr();
  a.beta2.scalar = getBeta2Attr();
  a.eps.scalar = getEpsilonAttr();
  // Updated in place: the outputs are the inputs' storage.
  a.param_out.buffer = getParam();
  a.m_out.buffer = getM();
  a.v_out.buffer = getV();
  a.ordered(arguments);
}
void AdamOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}

#define LOOM_KERNEL_SYMBOL_USES(Op)                                            \
  LogicalResult Op::verifySymbolUses(SymbolTableCollection &symbols) {         \
    return verifyKernelInstance(*this, symbols);                               \
  }
LOOM_KERNEL_SYMBOL_USES(AttentionTrainOp)
LOOM_KERNEL_SYMBOL_USES(AttentionGradOp)
LOOM_KERNEL_SYMBOL_USES(LinearGradInputOp)
LOOM_KERNEL_SYMBOL_USES(LinearGradWeightOp)
LOOM_KERNEL_SYMBOL_USES(DropoutOp)
LOOM_KERNEL_SYMBOL_USES(LayerNormGradOp)
LOOM_KERNEL_SYMBOL_USES(EmbedGradOp)
LOOM_KERNEL_SYMBOL_USES(CrossEntropyOp)
LOOM_KERNEL_SYMBOL_USES(AdamOp)
#undef LOOM_KERNEL_SYMBOL_USES
