//===- Pipelines.cpp - the pass pipelines loomc runs ----------------------===//
#include "Transforms/Passes.h"

#include "mlir/Transforms/Passes.h"

void loom::buildInferencePipeline(mlir::OpPassManager &pm) {
  pm.addPass(createLoomStripDropout());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createLoomFuseAttention());
  pm.addPass(createLoomFuseAddNorm());
  pm.addPass(mlir::createCSEPass());
}

void loom::buildTrainingPipeline(mlir::OpPassManager &pm, bool ifTrainable) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createLoomFuseAttention());
  pm.addPass(createLoomFuseAddNorm());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createLoomAutodiff(LoomAutodiffOptions{ifTrainable}));
  pm.addPass(createLoomZeroKeyBiasGradient());
  pm.addPass(createLoomFuseGradientSums());
  // @forward is for inference: its dropout goes (@train_step keeps its own).
  pm.addPass(createLoomStripDropout());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}
