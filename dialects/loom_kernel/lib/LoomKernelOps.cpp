//===- LoomKernelOps.cpp - loom_kernel op verifiers and ABI bindings ------===//
//
// Verifiers check what types can tell: dims that must agree (symbols compare
// by name, so [B, S, 48] never matches [B, T, 48]), element types and
// attribute ranges. Each kernel op also binds its operands to its family's
// ABI arguments by name (getAbiArguments) and states its instance
// parameters (getInstanceParams).
//
//===----------------------------------------------------------------------===//
#include "loom_kernel/LoomKernelOps.h"

#include "KernelOpVerification.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

#define GET_OP_CLASSES
#include "loom_kernel/LoomKernelOps.cpp.inc"

using namespace loom::kernel::verify;

namespace {

/// Only caller-owned buffers (cross_attention's weights) and views of them
/// may be sequence x sequence: the arena's units are rows of B * max(S, T).
bool spansSourceAndTarget(BufferType type) {
  return type.hasSymbol(kSource) && type.hasSymbol(kTarget);
}

} // namespace

//===----------------------------------------------------------------------===//
// Sources and views
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  BufferType type = getType();
  if (getName().empty())
    return emitOpError("name must not be empty");
  if (type.getRank() < 1 || type.getRank() > 2 || !type.isContiguous() ||
      llvm::any_of(type.getDims(), isSymbol))
    return emitOpError("weight '")
           << getName() << "' must be a static, contiguous rank-1 or rank-2 "
           << "buffer, got " << type;
  if (getTransposed() && type.getRank() != 2)
    return emitOpError("only a rank-2 weight can be stored transposed");
  return expectElement(*this, getResult(), false, "a weight");
}

LogicalResult PositionalTableOp::verify() {
  BufferType type = getType();
  if (type.getRank() != 2 || llvm::any_of(type.getDims(), isSymbol) ||
      type.getDims()[1] % 2 != 0 || !type.isContiguous())
    return emitOpError("the table is a contiguous, static [max_len, D] with "
                       "D even, got ")
           << type;
  return expectElement(*this, getResult(), false, "the table");
}

LogicalResult AllocOp::verify() {
  if (!getType().isContiguous())
    return emitOpError("allocates contiguous buffers only, got ") << getType();
  if (spansSourceAndTarget(getType()))
    return emitOpError("cannot allocate a buffer that spans both S and T (no "
                       "arena buffer is sequence x sequence), got ")
           << getType();
  if (getOffsetAttr() && getOffsetAttr().getInt() < 0)
    return emitOpError("offset must be >= 0, got ")
           << getOffsetAttr().getInt();
  return success();
}

LogicalResult StateOp::verify() {
  if (getName().empty())
    return emitOpError("name must not be empty");
  if (!getType().isContiguous())
    return emitOpError("state is contiguous, got ") << getType();
  if (spansSourceAndTarget(getType()))
    return emitOpError("state cannot span both S and T (no state is sequence "
                       "x sequence), got ")
           << getType();
  return success();
}

LogicalResult ColumnsOp::verify() {
  BufferType source = getSource().getType();
  std::optional<int64_t> stride = source.getEffectiveRowStride();
  if (source.getRank() < 1 || source.getHeads() || !stride)
    return emitOpError("source must have static rows and no heads, got ")
           << source;
  int64_t offset = getOffset(), width = getWidth(),
          columns = source.getDims().back();
  if (offset < 0 || width < 1 || offset + width > columns)
    return emitOpError("columns [")
           << offset << ", " << offset + width << ") are not inside the "
           << columns << " columns of the source";
  auto expected =
      BufferType::get(getContext(), withLast(source.getDims(), width),
                      source.getElementType(), false,
                      // A vector's window is contiguous: it has one row.
                      *stride == width || source.getRank() == 1 ? 0 : *stride);
  if (getType() != expected)
    return emitOpError("result must be ") << expected << ", got " << getType();
  return success();
}

LogicalResult SplitHeadsOp::verify() {
  BufferType source = getSource().getType();
  int64_t heads = getHeads();
  if (source.getRank() != 3 || source.getHeads() || !source.getRowSize())
    return emitOpError("source must be [B, S, H*Dh] with static H*Dh, got ")
           << source;
  int64_t width = *source.getRowSize();
  if (heads < 1 || width % heads != 0)
    return emitOpError("heads (") << heads << ") must divide the row width ("
                                  << width << ")";
  ArrayRef<int64_t> rows = source.getDims();
  auto expected = BufferType::get(
      getContext(), {rows[0], heads, rows[1], width / heads},
      source.getElementType(), true, source.getRowStride());
  if (getType() != expected)
    return emitOpError("result must be ") << expected << ", got " << getType();
  return success();
}

LogicalResult RowsOp::verify() {
  BufferType source = getSource().getType(), result = getType();
  if (source.getRank() != 2 || !source.isContiguous() || result.getRank() != 2 ||
      result.getDims()[1] != source.getDims()[1] ||
      result.getElementType() != source.getElementType() ||
      !result.isContiguous())
    return emitOpError("rows of [L, D] are a contiguous [n, D], got ")
           << source << " -> " << result;
  int64_t n = result.getDims()[0], rows = source.getDims()[0];
  if (isSymbol(rows))
    return emitOpError("the source's rows must be static, got ")
           << formatDims(source.getDims());
  if (!isSymbol(n) && n > rows)
    return emitOpError("cannot take ") << n << " of " << rows << " rows";
  return success();
}

LogicalResult SliceOp::verify() {
  BufferType source = getSource().getType(), result = getType();
  if (source.getRank() < 2 || !source.isContiguous() ||
      isSymbol(source.getDims()[0]))
    return emitOpError("source must be a contiguous [N, ...] with a static "
                       "N and at least 2 dims, got ")
           << source;
  int64_t index = getIndex(), n = source.getDims()[0];
  if (index < 0 || index >= n)
    return emitOpError("index ") << index << " is outside [0, " << n << ")";
  auto expected = BufferType::get(source.getDims().drop_front(),
                                  source.getElementType());
  if (result != expected)
    return emitOpError("result must be ") << expected << ", got " << result;
  return success();
}

LogicalResult StepLengthsOp::verify() {
  if (failed(expectDims(*this, getResult(), {kBatch}, "result")))
    return failure();
  return expectElement(*this, getResult(), true, "result");
}

LogicalResult CacheAppendOp::verify() {
  BufferType rows = getRows().getType(), cache = getCache().getType();
  if (rows.getRank() != 3 || rows.getHeads() || rows.getDims()[0] != kBatch ||
      rows.getDims()[1] != kTarget)
    return emitOpError("rows must be [B, T, W], got ") << rows;
  if (cache.getRank() != 3 || !cache.isContiguous() ||
      cache.getDims()[0] != kBatch || isSymbol(cache.getDims()[1]) ||
      cache.getDims()[2] != rows.getDims()[2])
    return emitOpError("cache must be a contiguous [B, L, ")
           << rows.getDims()[2] << "] with a static L, got " << cache;
  if (cache.getElementType() != rows.getElementType())
    return emitOpError("rows and cache must hold one element type");
  return success();
}

//===----------------------------------------------------------------------===//
// Kernel ops: shapes
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  BufferType x = getX().getType(), wt = getWt().getType();
  if (wt.getRank() != 2)
    return emitOpError("wt must be [K, N], got ") << wt;
  int64_t k = wt.getDims()[0], n = wt.getDims()[1];
  if (x.getDims().back() != k)
    return emitOpError("x has ") << x.getDims().back()
                                 << " features but wt has " << k << " rows";
  // (Element types and ranks are checked against the ABI first.)
  if (failed(expectDims(*this, getBias(), {n}, "bias")))
    return failure();
  return expectDims(*this, getY(), withLast(x.getDims(), n), "y");
}

LogicalResult AttentionOp::verify() {
  for (Value v : {getQ(), getK(), getV(), getO()})
    if (!bufferOf(v).getHeads())
      return emitOpError("q, k, v and o are heads views [B, H, S, Dh], got ")
             << v.getType();
  auto headShape = [](Value v) {
    ArrayRef<int64_t> dims = bufferOf(v).getDims();
    return std::make_pair(dims[1], dims[3]);
  };
  for (Value v : {getK(), getV(), getO()})
    if (headShape(v) != headShape(getQ()))
      return emitOpError("every operand must have q's heads (")
             << headShape(getQ()).first << ") and head width ("
             << headShape(getQ()).second << ")";
  if (rowDims(getO()) != rowDims(getQ()))
    return emitOpError("o must have q's rows ")
           << formatDims(rowDims(getQ())) << ", got "
           << formatDims(rowDims(getO()));
  if (rowDims(getV()) != rowDims(getK()))
    return emitOpError("v must have k's rows ")
           << formatDims(rowDims(getK())) << ", got "
           << formatDims(rowDims(getV()));
  if (rowDims(getQ())[0] != rowDims(getK())[0])
    return emitOpError("q and k must have the same batch dim");
  bool padding = getMask() == MaskKind::key_padding ||
                 getMask() == MaskKind::causal_key_padding;
  if (padding != bool(getKeyLengths()))
    return emitOpError(padding ? "a key_padding mask needs key_lengths"
                               : "key_lengths are read only by key_padding "
                                 "masks");
  if (Value lengths = getKeyLengths())
    if (failed(expectDims(*this, lengths, {rowDims(getQ())[0]},
                          "key_lengths")))
      return failure();
  return expectPositiveFinite(*this, getScaleAttr().getValue(), "scale");
}

LogicalResult AttentionProbsOp::verify() {
  for (Value v : {getQ(), getK()})
    if (!bufferOf(v).getHeads())
      return emitOpError("q and k are heads views [B, H, S, Dh], got ")
             << v.getType();
  ArrayRef<int64_t> q = getQ().getType().getDims(),
                    k = getK().getType().getDims();
  if (k[1] != q[1] || k[3] != q[3])
    return emitOpError("k must have q's heads (")
           << q[1] << ") and head width (" << q[3] << "), got " << k[1]
           << " and " << k[3];
  if (k[0] != q[0])
    return emitOpError("q and k must have the same batch dim");
  BufferType probs = getProbs().getType();
  if (!probs.isContiguous())
    return emitOpError("probs must be contiguous, got ") << probs;
  if (failed(expectDims(*this, getProbs(), {q[0], q[1], q[2], k[2]},
                        "probs")))
    return failure();
  bool padding = getMask() == MaskKind::key_padding ||
                 getMask() == MaskKind::causal_key_padding;
  if (padding != bool(getKeyLengths()))
    return emitOpError(padding ? "a key_padding mask needs key_lengths"
                               : "key_lengths are read only by key_padding "
                                 "masks");
  if (Value lengths = getKeyLengths())
    if (failed(expectDims(*this, lengths, {q[0]}, "key_lengths")))
      return failure();
  return expectPositiveFinite(*this, getScaleAttr().getValue(), "scale");
}

namespace {
/// layer_norm / add_norm: rows of x (and the other row operands) with
/// gamma, beta [D].
LogicalResult verifyNorm(Operation *op, Value x, ValueRange rows, Value gamma,
                         Value beta, APFloat epsilon) {
  BufferType type = bufferOf(x);
  for (Value v : rows)
    if (failed(expectDims(op, v, type.getDims(), "every row operand")))
      return failure();
  for (Value v : {gamma, beta})
    if (failed(expectDims(op, v, {type.getDims().back()}, "gamma and beta")))
      return failure();
  return expectPositiveFinite(op, epsilon, "epsilon");
}
} // namespace

LogicalResult LayerNormOp::verify() {
  if (Value stats = getStats())
    if (failed(expectDims(*this, stats, withLast(getX().getType().getDims(), 2),
                          "stats")))
      return failure();
  return verifyNorm(*this, getX(), {getX(), getY()}, getGamma(), getBeta(),
                    getEpsilonAttr().getValue());
}

LogicalResult AddNormOp::verify() {
  SmallVector<Value> rows = {getX(), getR(), getY()};
  if (getSum())
    rows.push_back(getSum());
  if (Value stats = getStats()) {
    if (!getSum())
      return emitOpError("stats are written only with the sum (training)");
    if (failed(expectDims(*this, stats, withLast(getX().getType().getDims(), 2),
                          "stats")))
      return failure();
  }
  return verifyNorm(*this, getX(), rows, getGamma(), getBeta(),
                    getEpsilonAttr().getValue());
}

LogicalResult EmbedOp::verify() {
  BufferType table = getTable().getType(), tokens = getTokens().getType();
  if (table.getRank() != 2 || tokens.getRank() != 2)
    return emitOpError("table must be [V, D] and tokens [B, S], got ")
           << table << " and " << tokens;
  int64_t d = table.getDims()[1];
  SmallVector<int64_t> out(tokens.getDims());
  out.push_back(d);
  if (failed(expectDims(*this, getOut(), out, "out")))
    return failure();
  BufferType positions = getPositions().getType();
  if (positions.getRank() != 2 || positions.getDims()[1] != d)
    return emitOpError("positions must be [L, ") << d << "], got " << positions;
  if (!std::isfinite(getScaleAttr().getValue().convertToDouble()))
    return emitOpError("scale must be finite");
  return success();
}

LogicalResult ArgmaxOp::verify() {
  return expectDims(*this, getIndex(),
                    getLogits().getType().getDims().drop_back(), "index");
}

LogicalResult AddOp::verify() {
  for (Value v : {getB(), getOut()})
    if (failed(expectDims(*this, v, getA().getType().getDims(),
                          "every operand")))
      return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Kernel ops: ABI bindings and instance parameters
//===----------------------------------------------------------------------===//



abi::Family LinearOp::getFamily() { return abi::Family::linear; }
void LinearOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::linear a;
  a.x.buffer = getX();
  a.wt.buffer = getWt();
  a.bias.buffer = getBias();
  a.y.buffer = getY();
  a.ordered(arguments);
}
void LinearOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &params) {
  Builder b(getContext());
  params.push_back(
      stringParam(b, "activation", stringifyActivation(getActivation())));
  // Static N and K are not specialised by default: every linear shape would
  // be its own kernel build, for no measured gain at these sizes.
  params.push_back(intParam(b, "k", 0));
  params.push_back(intParam(b, "n", 0));
}

abi::Family AttentionOp::getFamily() { return abi::Family::attention; }
void AttentionOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::attention a;
  a.q.buffer = getQ();
  a.k.buffer = getK();
  a.v.buffer = getV();
  a.key_lengths.buffer = getKeyLengths();
  a.scale.scalar = getScaleAttr();
  a.o.buffer = getO();
  a.ordered(arguments);
}
void AttentionOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &params) {
  Builder b(getContext());
  params.push_back(stringParam(b, "mask", stringifyMaskKind(getMask())));
  params.push_back(intParam(b, "head_dim", getQ().getType().getDims().back()));
}

abi::Family AttentionProbsOp::getFamily() {
  return abi::Family::attention_probs;
}
void AttentionProbsOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::attention_probs a;
  a.q.buffer = getQ();
  a.k.buffer = getK();
  a.key_lengths.buffer = getKeyLengths();
  a.scale.scalar = getScaleAttr();
  a.probs.buffer = getProbs();
  a.ordered(arguments);
}
void AttentionProbsOp::getInstanceParams(
    SmallVectorImpl<NamedAttribute> &params) {
  Builder b(getContext());
  params.push_back(stringParam(b, "mask", stringifyMaskKind(getMask())));
}

abi::Family LayerNormOp::getFamily() {
  return getStats() ? abi::Family::layer_norm_stats : abi::Family::layer_norm;
}
void LayerNormOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  auto bind = [&](auto a) {
    a.x.buffer = getX();
    a.gamma.buffer = getGamma();
    a.beta.buffer = getBeta();
    a.eps.scalar = getEpsilonAttr();
    a.y.buffer = getY();
    return a;
  };
  if (!getStats())
    return bind(abi_args::layer_norm()).ordered(arguments);
  abi_args::layer_norm_stats a = bind(abi_args::layer_norm_stats());
  a.stats.buffer = getStats();
  a.ordered(arguments);
}
void LayerNormOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}

abi::Family AddNormOp::getFamily() {
  if (getStats())
    return abi::Family::add_norm_stats;
  return getSum() ? abi::Family::add_norm_sum : abi::Family::add_norm;
}
void AddNormOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  auto bind = [&](auto a) {
    a.x.buffer = getX();
    a.r.buffer = getR();
    a.gamma.buffer = getGamma();
    a.beta.buffer = getBeta();
    a.eps.scalar = getEpsilonAttr();
    a.y.buffer = getY();
    return a;
  };
  if (!getSum())
    return bind(abi_args::add_norm()).ordered(arguments);
  if (getStats()) {
    abi_args::add_norm_stats a = bind(abi_args::add_norm_stats());
    a.sum.buffer = getSum();
    a.stats.buffer = getStats();
    return a.ordered(arguments);
  }
  abi_args::add_norm_sum a = bind(abi_args::add_norm_sum());
  a.sum.buffer = getSum();
  a.ordered(arguments);
}
void AddNormOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}

abi::Family EmbedOp::getFamily() { return abi::Family::embed; }
void EmbedOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::embed a;
  a.tokens.buffer = getTokens();
  a.table.buffer = getTable();
  a.positions.buffer = getPositions();
  a.scale.scalar = getScaleAttr();
  a.out.buffer = getOut();
  a.ordered(arguments);
}
void EmbedOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}

abi::Family ArgmaxOp::getFamily() { return abi::Family::argmax_rows; }
void ArgmaxOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::argmax_rows a;
  a.logits.buffer = getLogits();
  a.index.buffer = getIndex();
  a.ordered(arguments);
}
void ArgmaxOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}

abi::Family AddOp::getFamily() { return abi::Family::add; }
void AddOp::getAbiArguments(SmallVectorImpl<AbiValue> &arguments) {
  abi_args::add a;
  a.a.buffer = getA();
  a.b.buffer = getB();
  a.out.buffer = getOut();
  a.ordered(arguments);
}
void AddOp::getInstanceParams(SmallVectorImpl<NamedAttribute> &) {}
// Each element of `out` depends on the same element of `a` only.
std::optional<StringRef> AddOp::getInPlaceInput() { return StringRef("a"); }

//===----------------------------------------------------------------------===//
// Kernel ops: the instance they name
//===----------------------------------------------------------------------===//

#define LOOM_KERNEL_SYMBOL_USES(Op)                                            \
  LogicalResult Op::verifySymbolUses(SymbolTableCollection &symbols) {         \
    return verifyKernelInstance(*this, symbols);                               \
  }
LOOM_KERNEL_SYMBOL_USES(LinearOp)
LOOM_KERNEL_SYMBOL_USES(AttentionOp)
LOOM_KERNEL_SYMBOL_USES(AttentionProbsOp)
LOOM_KERNEL_SYMBOL_USES(LayerNormOp)
LOOM_KERNEL_SYMBOL_USES(AddNormOp)
LOOM_KERNEL_SYMBOL_USES(EmbedOp)
LOOM_KERNEL_SYMBOL_USES(ArgmaxOp)
LOOM_KERNEL_SYMBOL_USES(AddOp)
#undef LOOM_KERNEL_SYMBOL_USES
