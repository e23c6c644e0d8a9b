//===- LoomDialect.h - the loom dialect -------------------------*- C++ -*-===//
#ifndef LOOM_LOOMDIALECT_H
#define LOOM_LOOMDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpImplementation.h"

#include "loom/LoomDialect.h.inc"
#include "loom/LoomEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "loom/LoomAttrs.h.inc"

#endif // LOOM_LOOMDIALECT_H
