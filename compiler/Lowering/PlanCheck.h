//===- PlanCheck.h - is a planned function safe to run? ---------*- C++ -*-===//
#ifndef LOOM_LOWERING_PLANCHECK_H
#define LOOM_LOWERING_PLANCHECK_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace loom {

/// Checks what emission trusts in a planned function (as --emit=plan prints
/// it, perhaps edited): the arena attributes, a kernel instance on every
/// kernel op, an offset on every alloc,
/// every buffer inside its region, and no two buffers live at once in the
/// same memory (but for an in-place kernel's input and output). Errors are
/// reported on the function or the alloc.
mlir::LogicalResult checkPlannedFunction(mlir::func::FuncOp func);

} // namespace loom

#endif // LOOM_LOWERING_PLANCHECK_H
