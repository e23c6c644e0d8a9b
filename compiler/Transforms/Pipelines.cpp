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

void loom::buildTrainingPipeline(mlir::OpPassManager &pm) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createLoomFuseAttention());
  pm.addPass(createLoomFuseAddNorm());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createLoomAutodiff());
  pm.addPass(createLoomZeroKeyBiasGradient());
  pm.addPass(createLoomFuseGradientSums());
  pm.addPass(mlir::createCSEPass());
}
