//===- KernelOpVerification.h - what loom_kernel verifiers share -*- C++ -*-===//
//
// Dims compare by name (symbols B, S, T included), so [B, S, 48] never
// matches [B, T, 48]; element types and attribute ranges as the ABI wants.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_KERNEL_LIB_KERNELOPVERIFICATION_H
#define LOOM_KERNEL_LIB_KERNELOPVERIFICATION_H

#include "loom_kernel/LoomKernelOps.h"

#include "mlir/IR/Builders.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace loom::kernel::verify {

using namespace mlir;

inline BufferType bufferOf(Value v) { return cast<BufferType>(v.getType()); }

/// "[B, S, 48]".
inline std::string formatDims(ArrayRef<int64_t> dims) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(dims, os, [&](int64_t d) {
    if (isSymbol(d))
      os << symbolName(d);
    else
      os << d;
  });
  os << "]";
  return text;
}

inline LogicalResult expectDims(Operation *op, Value v, ArrayRef<int64_t> dims,
                         StringRef what) {
  if (bufferOf(v).getDims() == dims)
    return success();
  return op->emitOpError() << what << " must have dims " << formatDims(dims)
                           << ", got " << formatDims(bufferOf(v).getDims());
}

inline LogicalResult expectElement(Operation *op, Value v, bool int32,
                            StringRef what) {
  Type element = bufferOf(v).getElementType();
  if (int32 ? element.isSignlessInteger(32) : element.isF32())
    return success();
  return op->emitOpError() << what << " must hold " << (int32 ? "i32" : "f32")
                           << ", got " << element;
}

inline LogicalResult expectPositiveFinite(Operation *op, APFloat value,
                                   StringRef what) {
  double v = value.convertToDouble();
  if (v > 0 && std::isfinite(v))
    return success();
  char text[32];
  snprintf(text, sizeof(text), "%g", v); // "nan", "inf", "-0.5"
  return op->emitOpError() << what << " must be positive and finite, got "
                           << text;
}

/// dims[0 .. n-1] + {last}.
inline SmallVector<int64_t> withLast(ArrayRef<int64_t> dims, int64_t last) {
  SmallVector<int64_t> out(dims.drop_back());
  out.push_back(last);
  return out;
}

/// The rows of a heads view [B, H, S, Dh]: {B, S}.
inline SmallVector<int64_t> rowDims(Value heads) {
  ArrayRef<int64_t> dims = bufferOf(heads).getDims();
  return {dims[0], dims[2]};
}

inline NamedAttribute stringParam(Builder &b, StringRef name, StringRef value) {
  return b.getNamedAttr(name, b.getStringAttr(value));
}
inline NamedAttribute intParam(Builder &b, StringRef name, int64_t value) {
  return b.getNamedAttr(name, b.getI64IntegerAttr(value));
}

} // namespace loom::kernel::verify

#endif // LOOM_KERNEL_LIB_KERNELOPVERIFICATION_H
