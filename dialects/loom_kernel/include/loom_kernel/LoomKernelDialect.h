//===- LoomKernelDialect.h - the loom_kernel dialect ------------*- C++ -*-===//
#ifndef LOOM_KERNEL_LOOMKERNELDIALECT_H
#define LOOM_KERNEL_LOOMKERNELDIALECT_H

#include "loom/LoomDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpImplementation.h"

#include "loom_kernel/LoomKernelDialect.h.inc"
#include "loom_kernel/LoomKernelEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "loom_kernel/LoomKernelAttrs.h.inc"

namespace loom::kernel {

/// Buffer dims that are bound at run time, stored as negative numbers.
enum BufferSymbol : int64_t { kBatch = -1, kSource = -2, kTarget = -3 };

/// "B", "S", "T" for a symbol; "" for a static size.
llvm::StringRef symbolName(int64_t dim);
inline bool isSymbol(int64_t dim) { return dim < 0; }

} // namespace loom::kernel

#define GET_TYPEDEF_CLASSES
#include "loom_kernel/LoomKernelTypes.h.inc"

#endif // LOOM_KERNEL_LOOMKERNELDIALECT_H
