//===- KernelOpInterface.cpp - what every kernel op must satisfy ----------===//
#include "loom_kernel/LoomKernelOps.h"

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

#include "loom_kernel/KernelOpInterface.cpp.inc"

namespace {

/// One bound argument against its ABI row: buffers vs scalars, element
/// type, and a rank the runtime can fold to the kernel's (leading row dims
/// collapse into one, so a [B, S, D] buffer serves a 2-D kernel argument).
LogicalResult checkArgument(Operation *op, const abi::Argument &arg,
                            const AbiValue &value) {
  if (!arg.isBuffer) {
    if (!(value.scalar || value.runtimeScalar) || value.buffer)
      return op->emitOpError("ABI argument '") << arg.name
                                               << "' must be a scalar";
    return success();
  }
  if (value.scalar)
    return op->emitOpError("ABI argument '") << arg.name
                                             << "' must be a buffer";
  if (!value.buffer)
    return success(); // an optional buffer this op does not use
  auto type = cast<BufferType>(value.buffer.getType());
  bool int32 = type.getElementType().isSignlessInteger(32);
  bool wantInt32 = arg.type == abi::ArgType::i32;
  if (int32 != wantInt32)
    return op->emitOpError("ABI argument '")
           << arg.name << "' must hold " << (wantInt32 ? "i32" : "f32")
           << ", got " << type.getElementType();
  if (type.getRank() < arg.rank || (type.getHeads() && arg.rank != 4))
    return op->emitOpError("ABI argument '")
           << arg.name << "' has rank " << type.getRank()
           << ", which does not fold to the kernel's rank " << arg.rank;
  return success();
}

} // namespace

// The count and kind checks guard a new op's getAbiArguments (a programming
// error, not something IR text can produce); the element and rank checks
// are what IR gets wrong.
LogicalResult loom::kernel::verifyKernelOp(Operation *op) {
  auto kernel = cast<KernelOp>(op);
  abi::ArgumentList abi = abi::arguments(kernel.getFamily());
  SmallVector<AbiValue> values;
  kernel.getAbiArguments(values);
  if (int(values.size()) != abi.size())
    return op->emitOpError("binds ") << values.size() << " ABI arguments, its "
                                     << abi::familyName(kernel.getFamily())
                                     << " kernel takes " << abi.size();
  for (int i = 0; i < abi.size(); ++i)
    if (failed(checkArgument(op, abi[i], values[i])))
      return failure();
  return success();
}

LogicalResult
loom::kernel::verifyKernelInstance(KernelOp op,
                                   SymbolTableCollection &symbols) {
  auto symbol = op->getAttrOfType<FlatSymbolRefAttr>("kernel");
  if (!symbol)
    return success();
  auto instance = symbols.lookupNearestSymbolFrom<InstanceOp>(op, symbol);
  if (!instance)
    return op->emitOpError("kernel ")
           << symbol << " is not a loom_kernel.instance";
  if (instance.getAbiFamily() != op.getFamily())
    return op->emitOpError("calls the '")
           << abi::familyName(op.getFamily()) << "' family, but " << symbol
           << " is an instance of '" << instance.getFamily() << "'";
  SmallVector<NamedAttribute> needed;
  op.getInstanceParams(needed);
  auto expected = DictionaryAttr::get(op->getContext(), needed);
  if (instance.getParams() != expected)
    return op->emitOpError("needs a kernel with params ")
           << expected << ", but " << symbol << " has "
           << instance.getParams();
  return success();
}
