//===- Passes.h - loom code generation passes -------------------*- C++ -*-===//
#ifndef LOOM_CODEGEN_PASSES_H
#define LOOM_CODEGEN_PASSES_H

#include "loom_kernel/LoomKernelOps.h"

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace loom {

#define GEN_PASS_DECL
#include "Lowering/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Lowering/Passes.h.inc"

/// The steps from fused loom IR to the planned kernel program, in order.
enum class PlanStep { Lowered, Decoding, Selected, Planned };

/// Adds the passes from fused loom IR up to and including `last`: lower to
/// kernels, derive decoding and cross_attention, select kernels, plan buffers
/// (`loomc --emit=plan` prints the result).
/// With `tuning.records` set, --loom-apply-tuning-records follows
/// --loom-select-kernels.
void buildPlanPipeline(mlir::OpPassManager &pm,
                       PlanStep last = PlanStep::Planned,
                       const LoomApplyTuningRecordsOptions &tuning = {});

/// Every dialect and external model the codegen passes need.
void registerCodegenDialects(mlir::DialectRegistry &registry);

} // namespace loom

#endif // LOOM_CODEGEN_PASSES_H
