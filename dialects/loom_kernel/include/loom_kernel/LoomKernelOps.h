//===- LoomKernelOps.h - loom_kernel ops ------------------------*- C++ -*-===//
#ifndef LOOM_KERNEL_LOOMKERNELOPS_H
#define LOOM_KERNEL_LOOMKERNELOPS_H

#include "loom_kernel/KernelAbi.h"
#include "loom_kernel/LoomKernelDialect.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace loom::kernel {
/// The checks every kernel op shares (KernelOpInterface's verifier): its
/// arguments match its family's ABI in number, kind, element type and rank.
mlir::LogicalResult verifyKernelOp(mlir::Operation *op);
} // namespace loom::kernel

#include "loom_kernel/KernelOpInterface.h.inc"

namespace loom::kernel {
/// The `kernel` symbol of a kernel op, if set, names an instance of the op's
/// family with exactly the parameters the op needs.
mlir::LogicalResult verifyKernelInstance(KernelOp op,
                                         mlir::SymbolTableCollection &symbols);
} // namespace loom::kernel

#define GET_OP_CLASSES
#include "loom_kernel/LoomKernelOps.h.inc"

#endif // LOOM_KERNEL_LOOMKERNELOPS_H
