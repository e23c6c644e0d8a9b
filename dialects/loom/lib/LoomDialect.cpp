//===- LoomDialect.cpp - the loom dialect ----------------------------------===//
#include "loom/LoomDialect.h"
#include "loom/LoomOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace loom;

#include "loom/LoomDialect.cpp.inc"
#include "loom/LoomEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "loom/LoomAttrs.cpp.inc"

void LoomDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "loom/LoomOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "loom/LoomAttrs.cpp.inc"
      >();
}
