//===- Pipelines.cpp - fused loom IR -> the planned program ---------------===//
#include "Lowering/KernelLowering.h"
#include "Lowering/Passes.h"

void loom::buildPlanPipeline(mlir::OpPassManager &pm, PlanStep last,
                             const LoomApplyTuningRecordsOptions &tuning) {
  pm.addPass(createLoomLowerToKernels());
  if (last >= PlanStep::Decoding) {
    pm.addPass(createLoomDeriveDecoding());
    pm.addPass(createLoomDeriveCrossAttention());
  }
  if (last >= PlanStep::Selected) {
    pm.addPass(createLoomSelectKernels());
    if (!tuning.records.empty())
      pm.addPass(createLoomApplyTuningRecords(tuning));
  }
  if (last >= PlanStep::Planned)
    pm.addPass(createLoomPlanBuffers());
}

void loom::registerCodegenDialects(mlir::DialectRegistry &registry) {
  registry.insert<kernel::LoomKernelDialect, mlir::emitc::EmitCDialect>();
  registerKernelLoweringExternalModels(registry);
}
