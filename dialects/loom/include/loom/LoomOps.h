//===- LoomOps.h - loom dialect ops -----------------------------*- C++ -*-===//
#ifndef LOOM_LOOMOPS_H
#define LOOM_LOOMOPS_H

#include "loom/GradientOpInterface.h"
#include "loom/LoomDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "loom/LoomOps.h.inc"

#endif // LOOM_LOOMOPS_H
