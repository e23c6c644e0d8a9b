//===- GradientOpInterface.h - ops that know their adjoint ------*- C++ -*-===//
#ifndef LOOM_GRADIENTOPINTERFACE_H
#define LOOM_GRADIENTOPINTERFACE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

namespace loom {

/// The gradient of one operand, or of a slice of it: `value` covers the
/// operand's indices [offset, offset + value's extent) along `axis`, and
/// the whole operand when `axis` is -1. A null value means no gradient.
struct OperandGradient {
  mlir::Value value;
  int64_t axis = -1;
  int64_t offset = 0;

  OperandGradient() = default;
  OperandGradient(mlir::Value value) : value(value) {}
  OperandGradient(mlir::Value value, int64_t axis, int64_t offset)
      : value(value), axis(axis), offset(offset) {}
};

} // namespace loom

#include "loom/GradientOpInterface.h.inc"

#endif // LOOM_GRADIENTOPINTERFACE_H
