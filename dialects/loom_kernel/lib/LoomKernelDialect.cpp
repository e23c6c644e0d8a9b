//===- LoomKernelDialect.cpp - the loom_kernel dialect ---------------------===//
#include "loom_kernel/LoomKernelOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace loom::kernel;

#include "loom_kernel/LoomKernelDialect.cpp.inc"
#include "loom_kernel/LoomKernelEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "loom_kernel/LoomKernelAttrs.cpp.inc"

namespace {

/// Short aliases for buffer types in printed IR, e.g.
/// `!BxSx48xf32_ = !loom_kernel.buffer<[B, S, 48], f32>` (MLIR appends `_`
/// to names ending in a digit, and `_` before one starting with one); views
/// add `_h` (heads) and `_r<row stride>`; scalars are `scalar_f32`.
struct LoomKernelAsmInterface : public OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;
  AliasResult getAlias(Type type, raw_ostream &os) const override {
    auto buffer = dyn_cast<BufferType>(type);
    if (!buffer)
      return AliasResult::NoAlias;
    if (buffer.getDims().empty())
      os << "scalar_";
    for (int64_t dim : buffer.getDims()) {
      if (isSymbol(dim))
        os << symbolName(dim);
      else
        os << dim;
      os << "x";
    }
    os << buffer.getElementType();
    if (buffer.getHeads())
      os << "_h";
    if (buffer.getRowStride() != 0)
      os << "_r" << buffer.getRowStride();
    return AliasResult::FinalAlias;
  }
};

} // namespace

void LoomKernelDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "loom_kernel/LoomKernelOps.cpp.inc"
      >();
  registerTypes();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "loom_kernel/LoomKernelAttrs.cpp.inc"
      >();
  addInterfaces<LoomKernelAsmInterface>();
}

llvm::StringRef loom::kernel::symbolName(int64_t dim) {
  switch (dim) {
  case kBatch:
    return "B";
  case kSource:
    return "S";
  case kTarget:
    return "T";
  default:
    return "";
  }
}
