//===- LoomTrainingOps.cpp - verifiers of the training ops ----------------===//
//
// The gradient, join and optimizer ops of LoomTrainingOps.td. Each checks
// its operands against the forward op whose gradient it is, as far as the
// types tell (OpVerification.h).
//
//===----------------------------------------------------------------------===//
#include "loom/LoomOps.h"

#include "OpVerification.h"

using namespace mlir;
using namespace loom;
using namespace loom::verify;

namespace {

/// Dims [0, count) of `a` against the same dims of `b`.
LogicalResult expectLeadingDims(Operation *op, Value a, StringRef aName,
                                Value b, StringRef bName, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    if (failed(expectCompatibleDim(op, a, i, aName, b, i, bName)))
      return failure();
  return success();
}

/// Emits "<what> must have rank >= 1, got <type>" for a rank-0 `v`: the
/// row-wise ops read a feature dim.
LogicalResult expectRankAtLeastOne(Operation *op, Value v, StringRef what) {
  if (tensorType(v).getRank() >= 1)
    return success();
  return op->emitOpError() << what << " must have rank >= 1, got "
                           << v.getType();
}

} // namespace

LogicalResult FusedAttentionGradOp::verify() {
  for (auto [v, name] : {std::pair<Value, StringRef>{getQuery(), "query"},
                         {getKey(), "key"},
                         {getValue(), "value"}})
    if (failed(expectRank(*this, v, 4, name)))
      return failure();
  // out = P · value has the query's type: the value's head width is the
  // query's, as the key's is.
  if (failed(expectLeadingDims(*this, getKey(), "key", getQuery(), "query", 2)) ||
      failed(expectLeadingDims(*this, getValue(), "value", getKey(), "key", 3)) ||
      failed(expectCompatibleDim(*this, getKey(), 3, "key", getQuery(), 3,
                                 "query")) ||
      failed(expectCompatibleDim(*this, getValue(), 3, "value", getQuery(), 3,
                                 "query")) ||
      failed(expectRank(*this, getLse(), 3, "lse")) ||
      failed(expectLeadingDims(*this, getLse(), "lse", getQuery(), "query", 3)))
    return failure();
  int64_t heads = getHeadsAttr().getInt();
  if (heads < 1 || !compatibleDims(getQuery().getType().getDimSize(1), heads))
    return emitOpError("heads attribute (")
           << heads << ") does not match the query's head dim ("
           << getQuery().getType().getDimSize(1) << ")";
  double scale = getScale().convertToDouble();
  if (!(scale > 0.0) || !std::isfinite(scale))
    return emitOpError("scale must be positive and finite, got ")
           << formatFloat(scale);
  bool padded = hasKeyPadding(getMask());
  if (padded != bool(getKeyLengths()))
    return emitOpError("mask '")
           << stringifyMaskKind(getMask()) << "' "
           << (padded ? "needs key_lengths" : "takes no key_lengths");
  // One length per batch row, as loom.fused_attention checks.
  if (Value lengths = getKeyLengths())
    if (failed(expectRank(*this, lengths, 1, "key_lengths")) ||
        failed(expectCompatibleDim(*this, lengths, 0, "key_lengths",
                                   getQuery(), 0, "query")))
      return failure();
  return verifyAttentionDropout(*this, getDropout(),
                                getDropoutStreamAttr().getInt());
}

LogicalResult LayerNormGradOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (failed(expectRankAtLeastOne(*this, getInput(), "input")) ||
      failed(expectRank(*this, getGamma(), 1, "gamma")) ||
      failed(expectCompatibleDim(*this, getGamma(), 0, "gamma", getInput(),
                                 rank - 1, "input")) ||
      failed(expectRank(*this, getStats(), rank, "stats (input rank)")) ||
      failed(expectLeadingDims(*this, getStats(), "stats", getInput(), "input",
                               rank - 1)))
    return failure();
  if (getStats().getType().getDimSize(rank - 1) != 2)
    return emitOpError("stats must hold 2 values per row (mean, 1/std), got ")
           << getStats().getType();
  if (Value acc = getAccumulate(); acc && acc.getType() != getInput().getType())
    return emitOpError("accumulate must have the input type ")
           << getInput().getType();
  return success();
}

LogicalResult CrossEntropyGradOp::verify() {
  if (failed(expectRank(*this, getLogits(), 3, "logits")) ||
      failed(expectRank(*this, getLabels(), 2, "labels")) ||
      failed(expectRank(*this, getLse(), 2, "lse")) ||
      failed(expectLeadingDims(*this, getLabels(), "labels", getLogits(),
                               "logits", 2)) ||
      failed(expectLeadingDims(*this, getLse(), "lse", getLogits(), "logits",
                               2)))
    return failure();
  double eps = getLabelSmoothing().convertToDouble();
  if (!(eps >= 0.0 && eps < 1.0))
    return emitOpError("label_smoothing must be in [0, 1), got ")
           << formatFloat(eps);
  return success();
}

LogicalResult LinearGradInputOp::verify() {
  int64_t rank = getDy().getType().getRank();
  if (failed(expectRankAtLeastOne(*this, getDy(), "dy")) ||
      failed(expectRank(*this, getWeight(), 2, "weight")) ||
      failed(expectRank(*this, getDx(), rank, "dx (dy rank)")) ||
      failed(expectLeadingDims(*this, getDx(), "dx", getDy(), "dy", rank - 1)) ||
      failed(expectCompatibleDim(*this, getDx(), rank - 1, "dx", getWeight(), 1,
                                 "weight")))
    return failure();
  int64_t first = 0, count = getWeight().getType().getDimSize(0);
  if (auto rows = getWeightRows()) {
    if (rows->size() != 2)
      return emitOpError("weight_rows must be [first, count], got ")
             << rows->size() << " values";
    first = (*rows)[0];
    count = (*rows)[1];
    int64_t all = getWeight().getType().getDimSize(0);
    if (first < 0 || count < 1 ||
        (!ShapedType::isDynamic(all) && first + count > all))
      return emitOpError("weight_rows [")
             << first << ", " << first << " + " << count
             << ") is not a non-empty range inside the " << all
             << " weight rows";
  }
  if (!compatibleDims(getDy().getType().getDimSize(rank - 1), count))
    return emitOpError("dy has ")
           << getDy().getType().getDimSize(rank - 1)
           << " features but the selected weight rows give " << count;
  if (Value acc = getAccumulate(); acc && acc.getType() != getDx().getType())
    return emitOpError("accumulate must have the dx type ")
           << getDx().getType();
  return success();
}

LogicalResult LinearGradWeightOp::verify() {
  int64_t rank = getDy().getType().getRank();
  if (failed(expectRankAtLeastOne(*this, getDy(), "dy")) ||
      failed(expectRank(*this, getInput(), rank, "input (dy rank)")) ||
      failed(expectLeadingDims(*this, getInput(), "input", getDy(), "dy",
                               rank - 1)) ||
      failed(expectRank(*this, getDw(), 2, "dw")) ||
      failed(expectRank(*this, getDb(), 1, "db")) ||
      failed(expectCompatibleDim(*this, getDw(), 0, "dw", getDy(), rank - 1,
                                 "dy")) ||
      failed(expectCompatibleDim(*this, getDw(), 1, "dw", getInput(), rank - 1,
                                 "input")) ||
      failed(expectCompatibleDim(*this, getDb(), 0, "db", getDy(), rank - 1,
                                 "dy")) ||
      // dw and db are the same N rows' gradients, also when dy's width is
      // dynamic and the two checks above pass either way.
      failed(expectCompatibleDim(*this, getDb(), 0, "db", getDw(), 0, "dw")))
    return failure();
  if (!getDw().getType().hasStaticShape() || !getDb().getType().hasStaticShape())
    return emitOpError("parameter gradients must have static shapes");
  return success();
}

LogicalResult EmbeddingGradOp::verify() {
  int64_t rank = getTokens().getType().getRank();
  if (failed(expectRank(*this, getDy(), rank + 1, "dy (tokens rank + 1)")) ||
      failed(expectLeadingDims(*this, getDy(), "dy", getTokens(), "tokens",
                               rank)) ||
      failed(expectRank(*this, getResult(), 2, "result")) ||
      failed(expectCompatibleDim(*this, getResult(), 1, "result", getDy(), rank,
                                 "dy")))
    return failure();
  if (!getResult().getType().hasStaticShape())
    return emitOpError("the table gradient must have a static shape, got ")
           << getResult().getType();
  return success();
}

LogicalResult SoftmaxGradOp::verify() {
  int64_t rank = getDy().getType().getRank();
  int64_t axis = getAxisAttr().getInt();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is not in [0, " << rank << ")";
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  int64_t rank = getResult().getType().getRank();
  int64_t axis = getAxisAttr().getInt();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is not in [0, " << rank << ")";
  int64_t total = 0;
  for (Value input : getInputs()) {
    if (failed(expectRank(*this, input, rank, "every input (result rank)")))
      return failure();
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis && failed(expectCompatibleDim(*this, input, i, "input",
                                                  getResult(), i, "result")))
        return failure();
    int64_t size = tensorType(input).getDimSize(axis);
    total = ShapedType::isDynamic(size) || ShapedType::isDynamic(total)
                ? ShapedType::kDynamic
                : total + size;
  }
  if (!compatibleDims(total, getResult().getType().getDimSize(axis)))
    return emitOpError("inputs give ")
           << total << " along axis " << axis << ", the result has "
           << getResult().getType().getDimSize(axis);
  return success();
}

LogicalResult ZeroRowsOp::verify() {
  auto type = getInput().getType();
  int64_t start = getStartAttr().getInt(), count = getCountAttr().getInt();
  if (type.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  int64_t rows = type.getDimSize(0);
  if (start < 0 || count < 1 || (!ShapedType::isDynamic(rows) && start + count > rows))
    return emitOpError("rows [")
           << start << ", " << start << " + " << count
           << ") are not a non-empty range inside the " << rows << " rows";
  return success();
}

LogicalResult AdamOp::verify() {
  if (getName().empty())
    return emitOpError("name must not be empty");
  if (!getGradient().getType().hasStaticShape())
    return emitOpError("the gradient of '")
           << getName() << "' must have a static shape (a weight's)";
  for (auto [value, name] : {std::pair<double, StringRef>{
                                 getBeta1().convertToDouble(), "beta1"},
                             {getBeta2().convertToDouble(), "beta2"}})
    if (!(value >= 0.0 && value < 1.0))
      return emitOpError() << name << " must be in [0, 1), got "
                           << formatFloat(value);
  double eps = getEpsilon().convertToDouble();
  if (!(eps > 0.0) || !std::isfinite(eps))
    return emitOpError("epsilon must be positive and finite, got ")
           << formatFloat(eps);
  return success();
}
