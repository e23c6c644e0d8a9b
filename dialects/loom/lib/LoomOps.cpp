//===- LoomOps.cpp - loom op verifiers and folders ------------------------===//
//
// The forward ops (LoomOps.td); the training ops' verifiers are in
// LoomTrainingOps.cpp and every op's gradient in LoomGradients.cpp.
//
//===----------------------------------------------------------------------===//
#include "loom/LoomOps.h"

#include "OpVerification.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace loom;

using namespace loom::verify;

namespace {

/// The LayerNorm parameters shared by loom.layer_norm and loom.add_norm.
LogicalResult verifyNormParams(Operation *op, Value input, Value gamma,
                               Value beta, APFloat epsilon) {
  if (tensorType(input).getRank() < 1)
    return op->emitOpError("input must have rank >= 1");
  if (failed(expectRank(op, gamma, 1, "gamma")) ||
      failed(expectRank(op, beta, 1, "beta")))
    return failure();
  int64_t last = tensorType(input).getRank() - 1;
  if (failed(expectCompatibleDim(op, gamma, 0, "gamma", input, last, "input")))
    return failure();
  double eps = epsilon.convertToDouble();
  if (!(eps > 0.0) || !std::isfinite(eps))
    return op->emitOpError("epsilon must be positive and finite, got ")
           << formatFloat(eps);
  return success();
}

/// A norm's saved statistics: [..., 2] over the input's rows.
LogicalResult verifyStats(Operation *op, Value input, Value stats) {
  int64_t rank = tensorType(input).getRank();
  if (failed(expectRank(op, stats, rank, "stats (input rank)")))
    return failure();
  for (int64_t i = 0; i + 1 < rank; ++i)
    if (failed(expectCompatibleDim(op, stats, i, "stats", input, i, "input")))
      return failure();
  if (tensorType(stats).getDimSize(rank - 1) != 2)
    return op->emitOpError("stats must hold 2 values per row (mean, 1/std), "
                           "got ")
           << stats.getType();
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("name must not be empty");
  if (!getType().hasStaticShape())
    return emitOpError("weight '") << getName()
                                   << "' must have a static shape, got "
                                   << getType();
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  if (failed(expectRank(*this, getTable(), 2, "table")))
    return failure();
  int64_t rank = getTokens().getType().getRank();
  if (failed(expectRank(*this, getResult(), rank + 1,
                        "result (tokens rank + 1)")))
    return failure();
  for (int64_t i = 0; i < rank; ++i)
    if (failed(expectCompatibleDim(*this, getResult(), i, "result",
                                   getTokens(), i, "tokens")))
      return failure();
  return expectCompatibleDim(*this, getResult(), rank, "result", getTable(), 1,
                             "table");
}

//===----------------------------------------------------------------------===//
// PositionalEncodingOp
//===----------------------------------------------------------------------===//

LogicalResult PositionalEncodingOp::verify() {
  if (failed(expectRank(*this, getInput(), 3, "input")))
    return failure();
  if (getMaxLenAttr().getInt() < 1)
    return emitOpError("max_len must be >= 1, got ") << getMaxLenAttr().getInt();
  auto type = getInput().getType();
  int64_t d = type.getDimSize(2);
  if (ShapedType::isDynamic(d) || d % 2 != 0)
    return emitOpError("model width must be static and even, got ") << type;
  int64_t s = type.getDimSize(1);
  if (!ShapedType::isDynamic(s) && s > getMaxLenAttr().getInt())
    return emitOpError("sequence length ")
           << s << " exceeds max_len " << getMaxLenAttr().getInt();
  return success();
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

std::pair<int64_t, int64_t> LinearOp::getRowRange() {
  if (auto rows = getWeightRows())
    return {(*rows)[0], (*rows)[1]};
  return {0, getWeight().getType().getDimSize(0)};
}

LogicalResult LinearOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (rank < 1)
    return emitOpError("input must have rank >= 1");
  if (failed(expectRank(*this, getWeight(), 2, "weight")) ||
      failed(expectRank(*this, getResult(), rank, "result (input rank)")))
    return failure();
  if (failed(expectCompatibleDim(*this, getInput(), rank - 1, "input",
                                 getWeight(), 1, "weight")))
    return failure();
  int64_t weightRows = getWeight().getType().getDimSize(0);
  if (auto rows = getWeightRows()) {
    if (rows->size() != 2)
      return emitOpError("weight_rows must be [first, count], got ")
             << rows->size() << " values";
    int64_t first = (*rows)[0], count = (*rows)[1];
    if (first < 0 || count < 1 ||
        (!ShapedType::isDynamic(weightRows) && first + count > weightRows))
      return emitOpError("weight_rows [")
             << first << ", " << first << " + " << count
             << ") is not a non-empty range inside the " << weightRows
             << " weight rows";
  }
  if (Value bias = getBias()) {
    if (failed(expectRank(*this, bias, 1, "bias")) ||
        failed(expectCompatibleDim(*this, bias, 0, "bias", getWeight(), 0,
                                   "weight")))
      return failure();
  }
  for (int64_t i = 0; i + 1 < rank; ++i)
    if (failed(expectCompatibleDim(*this, getResult(), i, "result", getInput(),
                                   i, "input")))
      return failure();
  int64_t n = getRowRange().second;
  int64_t out = getResult().getType().getDimSize(rank - 1);
  if (!compatibleDims(out, n))
    return emitOpError("result has ")
           << out << " features but the selected weight rows give " << n;
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  int64_t rank = getLhs().getType().getRank();
  if (rank < 2)
    return emitOpError("operands must have rank >= 2, got ")
           << getLhs().getType();
  if (failed(expectRank(*this, getRhs(), rank, "rhs (lhs rank)")) ||
      failed(expectRank(*this, getResult(), rank, "result (lhs rank)")))
    return failure();
  for (int64_t i = 0; i + 2 < rank; ++i)
    if (failed(expectCompatibleDim(*this, getRhs(), i, "rhs", getLhs(), i,
                                   "lhs")) ||
        failed(expectCompatibleDim(*this, getResult(), i, "result", getLhs(),
                                   i, "lhs")))
      return failure();
  int64_t m = getTransposeLhs() ? rank - 1 : rank - 2;
  int64_t k = getTransposeLhs() ? rank - 2 : rank - 1;
  int64_t rhsK = getTransposeRhs() ? rank - 1 : rank - 2;
  int64_t rhsN = getTransposeRhs() ? rank - 2 : rank - 1;
  if (failed(expectCompatibleDim(*this, getRhs(), rhsK, "rhs contraction",
                                 getLhs(), k, "lhs")) ||
      failed(expectCompatibleDim(*this, getResult(), rank - 2, "result",
                                 getLhs(), m, "lhs")) ||
      failed(expectCompatibleDim(*this, getResult(), rank - 1, "result",
                                 getRhs(), rhsN, "rhs")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// SplitHeadsOp / MergeHeadsOp
//===----------------------------------------------------------------------===//

LogicalResult SplitHeadsOp::verify() {
  if (failed(expectRank(*this, getInput(), 3, "input")) ||
      failed(expectRank(*this, getResult(), 4, "result")))
    return failure();
  // I64Attr getters are unsigned: read the attributes as signed values.
  int64_t heads = getHeadsAttr().getInt(), chunks = getChunksAttr().getInt(),
          chunk = getChunkAttr().getInt();
  if (heads < 1)
    return emitOpError("heads must be >= 1, got ") << heads;
  if (chunks < 1 || chunk < 0 || chunk >= chunks)
    return emitOpError("chunk ") << chunk << " is not in [0, " << chunks
                                 << ")";
  int64_t width = getInput().getType().getDimSize(2);
  if (ShapedType::isDynamic(width) || width % (chunks * heads) != 0)
    return emitOpError("input features (")
           << width << ") must be static and a multiple of chunks * heads ("
           << chunks * heads << ")";
  auto result = getResult().getType();
  if (result.getDimSize(1) != heads)
    return emitOpError("result head dim must be ")
           << heads << ", got " << result;
  if (!compatibleDims(result.getDimSize(3), width / (chunks * heads)))
    return emitOpError("result head width must be ")
           << width / (chunks * heads) << ", got " << result;
  if (failed(expectCompatibleDim(*this, getResult(), 0, "result", getInput(),
                                 0, "input")) ||
      failed(expectCompatibleDim(*this, getResult(), 2, "result", getInput(),
                                 1, "input")))
    return failure();
  return success();
}

LogicalResult MergeHeadsOp::verify() {
  if (failed(expectRank(*this, getInput(), 4, "input")) ||
      failed(expectRank(*this, getResult(), 3, "result")))
    return failure();
  auto input = getInput().getType();
  if (ShapedType::isDynamic(input.getDimSize(1)) ||
      ShapedType::isDynamic(input.getDimSize(3)))
    return emitOpError("input heads and head width must be static, got ")
           << input;
  int64_t width = input.getDimSize(1) * input.getDimSize(3);
  if (!compatibleDims(getResult().getType().getDimSize(2), width))
    return emitOpError("result features must be heads * head width = ")
           << width << ", got " << getResult().getType();
  if (failed(expectCompatibleDim(*this, getResult(), 0, "result", getInput(),
                                 0, "input")) ||
      failed(expectCompatibleDim(*this, getResult(), 1, "result", getInput(),
                                 2, "input")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// ScaleOp / DropoutOp
//===----------------------------------------------------------------------===//

OpFoldResult ScaleOp::fold(FoldAdaptor) {
  if (getFactor().convertToDouble() == 1.0)
    return getInput();
  return {};
}

LogicalResult DropoutOp::verify() {
  double p = getProbability().convertToDouble();
  if (!(p >= 0.0 && p < 1.0))
    return emitOpError("probability must be in [0, 1), got ") << formatFloat(p);
  if (getStreamAttr().getInt() < 0)
    return emitOpError("stream must be >= 0, got ") << getStreamAttr().getInt();
  return success();
}

OpFoldResult DropoutOp::fold(FoldAdaptor) {
  if (getProbability().convertToDouble() == 0.0)
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Masks and softmax
//===----------------------------------------------------------------------===//

LogicalResult CausalMaskOp::verify() {
  if (getScores().getType().getRank() < 2)
    return emitOpError("scores must have rank >= 2, got ")
           << getScores().getType();
  return success();
}

LogicalResult KeyPaddingMaskOp::verify() {
  if (getScores().getType().getRank() < 2)
    return emitOpError("scores must have rank >= 2, got ")
           << getScores().getType();
  if (failed(expectRank(*this, getLengths(), 1, "lengths")) ||
      failed(expectCompatibleDim(*this, getLengths(), 0, "lengths",
                                 getScores(), 0, "scores")))
    return failure();
  return success();
}

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  int64_t axis = getAxisAttr().getInt();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is not in [0, " << rank
                                << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  if (failed(verifyNormParams(*this, getInput(), getGamma(), getBeta(),
                              getEpsilon())))
    return failure();
  return getStats() ? verifyStats(*this, getInput(), getStats()) : success();
}

LogicalResult AddNormOp::verify() {
  Type type = getInput().getType();
  if (getSaved().size() > 2)
    return emitOpError("returns at most the result, the sum and the stats, "
                       "got ")
           << getNumResults() << " results";
  if (getSum() && getSum().getType() != type)
    return emitOpError("sum must have the input type ") << type;
  if (failed(verifyNormParams(*this, getInput(), getGamma(), getBeta(),
                              getEpsilon())))
    return failure();
  return getStats() ? verifyStats(*this, getInput(), getStats()) : success();
}

//===----------------------------------------------------------------------===//
// CrossEntropyOp
//===----------------------------------------------------------------------===//

LogicalResult CrossEntropyOp::verify() {
  if (failed(expectRank(*this, getLogits(), 3, "logits")) ||
      failed(expectRank(*this, getLabels(), 2, "labels")))
    return failure();
  for (int64_t i = 0; i < 2; ++i)
    if (failed(expectCompatibleDim(*this, getLabels(), i, "labels",
                                   getLogits(), i, "logits")))
      return failure();
  double eps = getLabelSmoothing().convertToDouble();
  if (!(eps >= 0.0 && eps < 1.0))
    return emitOpError("label_smoothing must be in [0, 1), got ")
           << formatFloat(eps);
  if (Value lse = getLse()) {
    if (failed(expectRank(*this, lse, 2, "lse")))
      return failure();
    for (int64_t i = 0; i < 2; ++i)
      if (failed(expectCompatibleDim(*this, lse, i, "lse", getLogits(), i,
                                     "logits")))
        return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// FusedAttentionOp
//===----------------------------------------------------------------------===//

bool loom::verify::hasKeyPadding(MaskKind kind) {
  return kind == MaskKind::key_padding || kind == MaskKind::causal_key_padding;
}

LogicalResult loom::verify::verifyAttentionDropout(Operation *op,
                                                   APFloat probability,
                                                   int64_t stream) {
  double p = probability.convertToDouble();
  if (!(p >= 0.0 && p < 1.0))
    return op->emitOpError("dropout must be in [0, 1), got ") << formatFloat(p);
  if (stream < 0)
    return op->emitOpError("dropout_stream must be >= 0, got ") << stream;
  return success();
}

LogicalResult FusedAttentionOp::verify() {
  for (auto [v, name] : {std::pair<Value, StringRef>{getQuery(), "query"},
                         {getKey(), "key"},
                         {getValue(), "value"},
                         {getResult(), "result"}})
    if (failed(expectRank(*this, v, 4, name)))
      return failure();
  if (getResult().getType() != getQuery().getType())
    return emitOpError("result type must equal the query type ")
           << getQuery().getType();
  for (int64_t i = 0; i < 2; ++i)
    if (failed(expectCompatibleDim(*this, getKey(), i, "key", getQuery(), i,
                                   "query")) ||
        failed(expectCompatibleDim(*this, getValue(), i, "value", getQuery(),
                                   i, "query")))
      return failure();
  if (failed(expectCompatibleDim(*this, getKey(), 3, "key", getQuery(), 3,
                                 "query")) ||
      failed(expectCompatibleDim(*this, getValue(), 2, "value", getKey(), 2,
                                 "key")) ||
      failed(expectCompatibleDim(*this, getValue(), 3, "value", getQuery(), 3,
                                 "query")))
    return failure();
  int64_t heads = getHeadsAttr().getInt();
  if (heads < 1)
    return emitOpError("heads must be >= 1, got ") << heads;
  int64_t h = getQuery().getType().getDimSize(1);
  if (!compatibleDims(h, heads))
    return emitOpError("heads attribute (")
           << heads << ") does not match the query's head dim (" << h
           << ")";
  double scale = getScale().convertToDouble();
  if (!(scale > 0.0) || !std::isfinite(scale))
    return emitOpError("scale must be positive and finite, got ")
           << formatFloat(scale);
  bool padded = hasKeyPadding(getMask());
  if (padded && !getKeyLengths())
    return emitOpError("mask '")
           << stringifyMaskKind(getMask()) << "' needs key_lengths";
  if (!padded && getKeyLengths())
    return emitOpError("key_lengths given but mask '")
           << stringifyMaskKind(getMask()) << "' has no key padding";
  if (Value lengths = getKeyLengths())
    if (failed(expectRank(*this, lengths, 1, "key_lengths")) ||
        failed(expectCompatibleDim(*this, lengths, 0, "key_lengths",
                                   getQuery(), 0, "query")))
      return failure();
  if (failed(verifyAttentionDropout(*this, getDropout(),
                                    getDropoutStreamAttr().getInt())))
    return failure();
  if (Value lse = getLse()) {
    if (failed(expectRank(*this, lse, 3, "lse")))
      return failure();
    for (int64_t i = 0; i < 3; ++i)
      if (failed(expectCompatibleDim(*this, lse, i, "lse", getQuery(), i,
                                     "query")))
        return failure();
  }
  return success();
}

#define GET_OP_CLASSES
#include "loom/LoomOps.cpp.inc"
