//===- KernelTuning.h - loomc tune: schedules searched on this machine -*- C++ -*-===//
//
// For every kernel instance the tuned functions call (tuning/Workload.h),
// on the ISA this CPU runs: times the default schedule, then searches
// (tuning/Search.h) within a share of the budget proportional to the
// kernel's default time. Each candidate is built by loom-kernelgen (in
// parallel, into the kernel cache under the symbol the library will use, so
// a tuned library reuses it), linked with the Halide runtime into a shared
// object, checked against the default schedule's outputs and timed by
// loom-kernel-time, one process per call, one candidate at a time. Every
// candidate becomes a record (tuning/Records.h), appended as soon as it is
// measured, so an interrupted run keeps what it measured and --resume
// continues it.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELTUNING_H
#define LOOM_CODEGEN_KERNELTUNING_H

#include "Codegen/Toolchain.h"
#include "Tuning/Workload.h"

#include "mlir/IR/BuiltinOps.h"

namespace loom {

struct TuneOptions {
  std::string recordsPath;
  double budgetSeconds = 600;
  tuning::TuningShapes shapes;
  std::vector<std::string> functions;
  int threads = 1;
  bool resume = false;
  uint64_t seed = 1;
  int repeats = 10;
};

/// Tunes the kernels of a module planned up to --loom-select-kernels.
mlir::LogicalResult tuneKernels(mlir::ModuleOp module, const Toolchain &toolchain,
                                const TuneOptions &options, llvm::StringRef modelName);

} // namespace loom

#endif // LOOM_CODEGEN_KERNELTUNING_H
