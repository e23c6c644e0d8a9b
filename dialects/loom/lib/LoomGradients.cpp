//===- LoomGradients.cpp - each loom op's adjoint -------------------------===//
//
// GradientOpInterface for every forward op (LoomOps.td): given the
// gradients of its results, an op builds the gradients of its operands as
// loom ops. The fused ops also build their training forms, which return
// what their gradients read (attention and the loss their log-sum-exp, the
// norms their mean and 1/std and the sum they normalised).
//
//===----------------------------------------------------------------------===//
#include "loom/LoomOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace loom;

#include "loom/GradientOpInterface.cpp.inc"

namespace {

RankedTensorType tensorTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// `like` with its last dim replaced by `last` (a norm's [..., 2] stats).
RankedTensorType withLastDim(Value like, int64_t last) {
  RankedTensorType type = tensorTypeOf(like);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = last;
  return RankedTensorType::get(shape, type.getElementType());
}

/// `like` without its last dim (per-row values: a loss's or attention's
/// log-sum-exp).
RankedTensorType withoutLastDim(Value like) {
  RankedTensorType type = tensorTypeOf(like);
  return RankedTensorType::get(type.getShape().drop_back(),
                               type.getElementType());
}

/// No operand has a gradient when no result has one.
bool noGradient(ArrayRef<Value> resultGradients) {
  return llvm::all_of(resultGradients, [](Value g) { return !g; });
}

/// The matmul C = op(A) · op(B) (op: transposed or not) with these flags.
Value matmul(OpBuilder &b, Location loc, Type type, Value lhs, Value rhs,
             bool transposeLhs, bool transposeRhs) {
  return b.create<MatmulOp>(loc, type, lhs, rhs,
                            transposeLhs ? b.getUnitAttr() : UnitAttr(),
                            transposeRhs ? b.getUnitAttr() : UnitAttr());
}

} // namespace

//===----------------------------------------------------------------------===//
// Data movement and elementwise ops
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                          SmallVectorImpl<OperandGradient> &grads) {
  Value table = b.create<EmbeddingGradOp>(getLoc(), getTable().getType(),
                                          dys[0], getTokens());
  grads.append({table, {}});
  return success();
}

LogicalResult PositionalEncodingOp::buildGradients(
    OpBuilder &, ArrayRef<Value> dys, SmallVectorImpl<OperandGradient> &grads) {
  grads.push_back(dys[0]); // the table is a constant
  return success();
}

LogicalResult ScaleOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                      SmallVectorImpl<OperandGradient> &grads) {
  grads.push_back(b.create<ScaleOp>(getLoc(), dys[0], getFactorAttr()).getResult());
  return success();
}

LogicalResult DropoutOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                        SmallVectorImpl<OperandGradient> &grads) {
  // The same stream draws the same mask: backward drops what forward did.
  grads.push_back(b.create<DropoutOp>(getLoc(), dys[0].getType(), dys[0],
                                      getProbabilityAttr(), getStreamAttr()).getResult());
  return success();
}

LogicalResult ReluOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                     SmallVectorImpl<OperandGradient> &grads) {
  grads.push_back(b.create<ReluGradOp>(getLoc(), dys[0].getType(), dys[0],
                                       getResult(), b.getF32FloatAttr(1.0f)).getResult());
  return success();
}

LogicalResult GeluOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                     SmallVectorImpl<OperandGradient> &grads) {
  grads.push_back(
      b.create<GeluGradOp>(getLoc(), dys[0].getType(), dys[0], getInput())
          .getResult());
  return success();
}

LogicalResult AddOp::buildGradients(OpBuilder &, ArrayRef<Value> dys,
                                    SmallVectorImpl<OperandGradient> &grads) {
  grads.append({dys[0], dys[0]});
  return success();
}

LogicalResult MulOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                    SmallVectorImpl<OperandGradient> &grads) {
  grads.push_back(b.create<MulOp>(getLoc(), dys[0], getRhs()).getResult());
  grads.push_back(b.create<MulOp>(getLoc(), dys[0], getLhs()).getResult());
  return success();
}

LogicalResult SplitHeadsOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                           SmallVectorImpl<OperandGradient> &grads) {
  // Chunk `chunk` of `chunks` is a window of the input's features: its
  // gradient is that window's (the other chunks' come from their own ops).
  RankedTensorType in = getInput().getType();
  int64_t width = in.getDimSize(2) / getChunksAttr().getInt();
  auto type = RankedTensorType::get({in.getDimSize(0), in.getDimSize(1), width},
                                    in.getElementType());
  Value merged = b.create<MergeHeadsOp>(getLoc(), type, dys[0]);
  if (getChunksAttr().getInt() == 1)
    grads.push_back(merged);
  else
    grads.push_back({merged, 2, getChunkAttr().getInt() * width});
  return success();
}

LogicalResult MergeHeadsOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                           SmallVectorImpl<OperandGradient> &grads) {
  RankedTensorType in = getInput().getType();
  grads.push_back(b.create<SplitHeadsOp>(
      getLoc(), in, dys[0], b.getI64IntegerAttr(in.getDimSize(1)),
      b.getI64IntegerAttr(1), b.getI64IntegerAttr(0)).getResult());
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                       SmallVectorImpl<OperandGradient> &grads) {
  Value dy = dys[0];
  auto [first, rows] = getRowRange();
  RankedTensorType weight = getWeight().getType();
  Value dx = b.create<LinearGradInputOp>(getLoc(), getInput().getType(), dy,
                                         getWeight(), /*accumulate=*/Value(),
                                         getWeightRowsAttr());
  auto dwType = RankedTensorType::get({rows, weight.getDimSize(1)},
                                      weight.getElementType());
  auto dbType = RankedTensorType::get({rows}, weight.getElementType());
  auto params = b.create<LinearGradWeightOp>(getLoc(), dwType, dbType, dy,
                                             getInput());
  // Rows [first, first + rows) of a packed weight: a slice of its gradient.
  bool whole = rows == weight.getDimSize(0);
  auto slice = [&](Value g) {
    return whole ? OperandGradient(g) : OperandGradient(g, 0, first);
  };
  grads.append({dx, slice(params.getDw())});
  if (getBias())
    grads.push_back(slice(params.getDb()));
  return success();
}

LogicalResult MatmulOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                       SmallVectorImpl<OperandGradient> &grads) {
  // C = op(A) op(B): d op(A) = dC op(B)^T and d op(B) = op(A)^T dC, each
  // transposed back when its operand is read transposed.
  Value dc = dys[0], lhs = getLhs(), rhs = getRhs();
  bool tl = getTransposeLhs(), tr = getTransposeRhs();
  Value da = tl ? matmul(b, getLoc(), lhs.getType(), rhs, dc, tr, true)
                : matmul(b, getLoc(), lhs.getType(), dc, rhs, false, !tr);
  Value db = tr ? matmul(b, getLoc(), rhs.getType(), dc, lhs, true, tl)
                : matmul(b, getLoc(), rhs.getType(), lhs, dc, !tl, false);
  grads.append({da, db});
  return success();
}

//===----------------------------------------------------------------------===//
// Masks, softmax, attention
//===----------------------------------------------------------------------===//

LogicalResult CausalMaskOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                           SmallVectorImpl<OperandGradient> &grads) {
  grads.push_back(b.create<CausalMaskOp>(getLoc(), dys[0].getType(), dys[0],
                                         b.getF32FloatAttr(0.0f)).getResult());
  return success();
}

LogicalResult KeyPaddingMaskOp::buildGradients(
    OpBuilder &b, ArrayRef<Value> dys, SmallVectorImpl<OperandGradient> &grads) {
  grads.push_back(b.create<KeyPaddingMaskOp>(getLoc(), dys[0].getType(),
                                             dys[0], getLengths(),
                                             b.getF32FloatAttr(0.0f)).getResult());
  grads.push_back({});
  return success();
}

LogicalResult SoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                        SmallVectorImpl<OperandGradient> &grads) {
  grads.push_back(b.create<SoftmaxGradOp>(getLoc(), dys[0].getType(), dys[0],
                                          getResult(), getAxisAttr()).getResult());
  return success();
}

Operation *FusedAttentionOp::buildTrainingForm(OpBuilder &b) {
  if (getLse())
    return getOperation();
  return b.create<FusedAttentionOp>(
      getLoc(), getResult().getType(), withoutLastDim(getQuery()), getQuery(),
      getKey(), getValue(), getKeyLengths(), getMaskAttr(), getScaleAttr(),
      getHeadsAttr(), getDropoutAttr(), getDropoutStreamAttr());
}

LogicalResult FusedAttentionOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                               SmallVectorImpl<OperandGradient> &grads) {
  if (!getLse())
    return emitOpError("has no saved log-sum-exp: its gradient needs the "
                       "training form (buildTrainingForm)");
  auto grad = b.create<FusedAttentionGradOp>(
      getLoc(), getQuery().getType(), getKey().getType(), getValue().getType(),
      dys[0], getQuery(), getKey(), getValue(), getResult(), getLse(),
      getKeyLengths(), getMaskAttr(), getScaleAttr(), getHeadsAttr(),
      getDropoutAttr(), getDropoutStreamAttr());
  grads.append({grad.getDq(), grad.getDk(), grad.getDv()});
  if (getKeyLengths())
    grads.push_back({});
  return success();
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

Operation *LayerNormOp::buildTrainingForm(OpBuilder &b) {
  if (getStats())
    return getOperation();
  return b.create<LayerNormOp>(getLoc(), getType(0), withLastDim(getInput(), 2),
                               getInput(), getGamma(), getBeta(),
                               getEpsilonAttr());
}

LogicalResult LayerNormOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                          SmallVectorImpl<OperandGradient> &grads) {
  if (!getStats())
    return emitOpError("has no saved statistics: its gradient needs the "
                       "training form (buildTrainingForm)");
  if (!dys[0]) { // only the statistics are used: they carry no gradient
    grads.append(3, {});
    return success();
  }
  auto grad = b.create<LayerNormGradOp>(getLoc(), dys[0], getInput(),
                                        getStats(), getGamma(), Value());
  grads.append({grad.getDx(), grad.getDgamma(), grad.getDbeta()});
  return success();
}

Operation *AddNormOp::buildTrainingForm(OpBuilder &b) {
  if (getStats())
    return getOperation();
  Type type = getInput().getType();
  return b.create<AddNormOp>(getLoc(), type,
                             TypeRange{type, withLastDim(getInput(), 2)},
                             getInput(), getResidual(), getGamma(), getBeta(),
                             getEpsilonAttr());
}

LogicalResult AddNormOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                        SmallVectorImpl<OperandGradient> &grads) {
  if (!getStats())
    return emitOpError("has no saved sum and statistics: its gradient needs "
                       "the training form (buildTrainingForm)");
  // The sum's gradient: through the norm, plus its own uses' (pre-norm).
  Value dResult = dys[0], dSum = dys[1];
  if (!dResult) {
    grads.append({dSum, dSum, {}, {}});
    return success();
  }
  auto grad = b.create<LayerNormGradOp>(getLoc(), dResult, getSum(),
                                        getStats(), getGamma(), dSum);
  grads.append({grad.getDx(), grad.getDx(), grad.getDgamma(), grad.getDbeta()});
  return success();
}

//===----------------------------------------------------------------------===//
// The loss
//===----------------------------------------------------------------------===//

Operation *CrossEntropyOp::buildTrainingForm(OpBuilder &b) {
  if (getLse())
    return getOperation();
  return b.create<CrossEntropyOp>(getLoc(), getResult().getType(),
                                  withoutLastDim(getLogits()), getLogits(),
                                  getLabels(), getIgnoreIndexAttr(),
                                  getLabelSmoothingAttr());
}

LogicalResult CrossEntropyOp::buildGradients(OpBuilder &b, ArrayRef<Value> dys,
                                             SmallVectorImpl<OperandGradient> &grads) {
  if (!getLse())
    return emitOpError("has no saved log-sum-exp: its gradient needs the "
                       "training form (buildTrainingForm)");
  // Asked as the root, the loss's own gradient is 1: no scaling operand.
  Value logits = b.create<CrossEntropyGradOp>(
      getLoc(), getLogits().getType(), getLogits(), getLabels(), getLse(),
      dys[0], getIgnoreIndexAttr(), getLabelSmoothingAttr());
  grads.append({logits, {}});
  return success();
}
