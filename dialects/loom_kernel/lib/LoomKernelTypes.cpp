//===- LoomKernelTypes.cpp - !loom_kernel.buffer ---------------------------===//
#include "loom_kernel/LoomKernelOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace loom::kernel;

#define GET_TYPEDEF_CLASSES
#include "loom_kernel/LoomKernelTypes.cpp.inc"

void LoomKernelDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "loom_kernel/LoomKernelTypes.cpp.inc"
      >();
}

namespace {
/// The elements of one row, if static: the last dim, or H*Dh of heads.
std::optional<int64_t> rowSizeOf(ArrayRef<int64_t> dims, bool heads) {
  if (dims.empty())
    return 1;
  int64_t last = dims.back(), perRow = heads ? dims[1] : 1;
  if (isSymbol(last) || isSymbol(perRow))
    return std::nullopt;
  return last * perRow;
}
} // namespace

std::optional<int64_t> BufferType::getRowSize() const {
  return rowSizeOf(getDims(), getHeads());
}

std::optional<int64_t> BufferType::getEffectiveRowStride() const {
  if (getRowStride() != 0)
    return getRowStride();
  return getRowSize();
}

bool BufferType::hasSymbol(int64_t symbol) const {
  return llvm::is_contained(getDims(), symbol);
}

int64_t BufferType::getStaticElements() const {
  int64_t n = 1;
  for (int64_t dim : getDims())
    if (!isSymbol(dim))
      n *= dim;
  return n;
}

BufferType BufferType::getContiguous() const {
  return get(getContext(), getDims(), getElementType(), false, 0);
}

LogicalResult
BufferType::verify(function_ref<InFlightDiagnostic()> emitError,
                   ArrayRef<int64_t> dims, Type elementType, bool heads,
                   int64_t rowStride) {
  if (!elementType.isF32() && !elementType.isSignlessInteger(32))
    return emitError() << "buffer elements must be f32 or i32, got "
                       << elementType;
  if (dims.size() > 5)
    return emitError() << "buffers have at most 5 dims, got " << dims.size();
  llvm::SmallSet<int64_t, 3> symbols;
  for (int64_t dim : dims) {
    if (dim == 0 || dim < kTarget)
      return emitError() << "a buffer dim is a size >= 1 or B, S, T; got "
                         << dim;
    if (isSymbol(dim) && !symbols.insert(dim).second)
      return emitError() << "dim " << symbolName(dim)
                         << " appears twice in one buffer";
  }
  if (heads && (dims.size() != 4 || isSymbol(dims[1]) || isSymbol(dims[3])))
    return emitError() << "a heads view is [B, H, S, Dh] with static H and Dh";
  if (rowStride != 0) {
    std::optional<int64_t> rowSize = rowSizeOf(dims, heads);
    if (!rowSize || dims.empty())
      return emitError() << "a strided buffer needs static rows";
    if (rowStride <= *rowSize)
      return emitError() << "row_stride must be larger than a row ("
                         << *rowSize << "; omit it for rows that touch), got "
                         << rowStride;
  }
  return success();
}

namespace {
ParseResult parseDim(AsmParser &parser, int64_t &dim) {
  for (auto [name, symbol] : {std::pair<StringRef, int64_t>{"B", kBatch},
                              {"S", kSource},
                              {"T", kTarget}})
    if (succeeded(parser.parseOptionalKeyword(name))) {
      dim = symbol;
      return success();
    }
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseInteger(dim))
    return failure();
  if (dim < 1)
    return parser.emitError(loc, "a buffer dim is a size >= 1 or B, S, T; got ")
           << dim;
  return success();
}
} // namespace

/// <[B, S, 48], f32> with optional `, heads` and `, row_stride = N`.
Type BufferType::parse(AsmParser &parser) {
  SmallVector<int64_t> dims;
  Type elementType;
  if (parser.parseLess() ||
      parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
        return parseDim(parser, dims.emplace_back());
      }) ||
      parser.parseComma() || parser.parseType(elementType))
    return {};
  bool heads = false;
  int64_t rowStride = 0;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    if (parser.parseKeyword(&key))
      return {};
    if (key == "heads") {
      heads = true;
    } else if (key == "row_stride") {
      if (parser.parseEqual() || parser.parseInteger(rowStride))
        return {};
    } else {
      parser.emitError(parser.getCurrentLocation(),
                       "expected 'heads' or 'row_stride', got '")
          << key << "'";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(parser.getNameLoc()); },
                    parser.getContext(), dims, elementType, heads, rowStride);
}

void BufferType::print(AsmPrinter &printer) const {
  printer << "<[";
  llvm::interleaveComma(getDims(), printer, [&](int64_t dim) {
    if (isSymbol(dim))
      printer << symbolName(dim);
    else
      printer << dim;
  });
  printer << "], " << getElementType();
  if (getHeads())
    printer << ", heads";
  if (getRowStride() != 0)
    printer << ", row_stride = " << getRowStride();
  printer << ">";
}
