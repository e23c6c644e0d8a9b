//===- OpVerification.h - what loom verifiers share -------------*- C++ -*-===//
//
// Verifiers check what the types can tell: ranks, the static dims that must
// agree, and attribute ranges. Dynamic dims (`?`) are compatible with
// anything; the runtime checks them against real inputs.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_LIB_OPVERIFICATION_H
#define LOOM_LIB_OPVERIFICATION_H

#include "loom/LoomDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

#include <cstdio>
#include <string>

namespace loom::verify {

/// A float attribute as a person writes it ("0.1", "-1", "1e-05").
inline std::string formatFloat(double value) {
  char text[32];
  snprintf(text, sizeof(text), "%g", value);
  return text;
}

inline bool compatibleDims(int64_t a, int64_t b) {
  return mlir::ShapedType::isDynamic(a) || mlir::ShapedType::isDynamic(b) || a == b;
}

inline mlir::RankedTensorType tensorType(mlir::Value v) {
  return mlir::cast<mlir::RankedTensorType>(v.getType());
}

/// Emits "<what> must have rank <rank>, got <type>" unless `v` has that rank.
inline mlir::LogicalResult expectRank(mlir::Operation *op, mlir::Value v, int64_t rank, llvm::StringRef what) {
  if (tensorType(v).getRank() == rank)
    return mlir::success();
  return op->emitOpError() << what << " must have rank " << rank << ", got "
                           << v.getType();
}

/// Checks dim `i` of `a` against dim `j` of `b`.
inline mlir::LogicalResult expectCompatibleDim(mlir::Operation *op, mlir::Value a, int64_t i,
                                  llvm::StringRef aName, mlir::Value b, int64_t j,
                                  llvm::StringRef bName) {
  int64_t x = tensorType(a).getDimSize(i), y = tensorType(b).getDimSize(j);
  if (compatibleDims(x, y))
    return mlir::success();
  return op->emitOpError() << aName << " dim " << i << " (" << x
                           << ") does not match " << bName << " dim " << j
                           << " (" << y << ")";
}

/// Whether a mask hides padding keys (and so needs key lengths).
bool hasKeyPadding(loom::MaskKind kind);
/// Attention's dropout attributes: a probability in [0, 1), a stream >= 0.
mlir::LogicalResult verifyAttentionDropout(mlir::Operation *op,
                                           llvm::APFloat probability,
                                           int64_t stream);

} // namespace loom::verify

#endif // LOOM_LIB_OPVERIFICATION_H
