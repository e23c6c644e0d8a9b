//===- KernelBuild.h - loom-kernelgen runs and their cache ------*- C++ -*-===//
//
// Every kernel instance of a planned module (loom_kernel.instance: family,
// params, a schedule per ISA) becomes one loom-kernelgen run per ISA, in
// Halide's generator command line: -g FAMILY -f SYMBOL -e o,h target=T
// param=value... knob=value.... Results are cached by a hash of that command
// line and of kernelgen's --identity (its executable and Halide library), so
// a schedule, a parameter or a Halide build that differs never reuses a
// kernel, and equal kernels of different models share one.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELBUILD_H
#define LOOM_CODEGEN_KERNELBUILD_H

#include "Codegen/Toolchain.h"

#include "loom/abi/KernelAbi.h"

#include "mlir/IR/BuiltinOps.h"

namespace loom {

struct KernelJob {
  std::string label;             // "linear_relu (avx512)", for progress
  std::string symbol;            // the C function, loom_linear_relu_avx512
  std::vector<std::string> argv; // the kernelgen command, without -o
  std::string cacheDir;          // where it puts symbol.o and symbol.h
  std::string object() const { return cacheDir + "/" + symbol + ".o"; }
  std::string header() const { return cacheDir + "/" + symbol + ".h"; }
};

/// `loom-kernelgen --identity`.
mlir::FailureOr<std::string> kernelgenIdentity(const Toolchain &toolchain);

/// The run that builds one kernel: `family` for `isa` as `symbol`, with
/// `settings` (param=value and knob=value, in the instance's order).
KernelJob kernelJob(llvm::StringRef family, llvm::StringRef symbol, const abi::Isa &isa,
                    llvm::ArrayRef<std::string> settings, const Toolchain &toolchain,
                    llvm::StringRef identity);

/// The run that builds the Halide runtime (kernels are built without it).
KernelJob halideRuntimeJob(const Toolchain &toolchain, llvm::StringRef identity);

/// Runs `job` unless its result is cached, into a fresh directory published
/// by one rename; false with `log` set on failure.
bool buildKernel(const KernelJob &job, const Toolchain &toolchain, std::string &log);

/// The runs a planned module needs: each instance for each ISA, and the
/// Halide runtime (once per library; kernels are built without it).
std::vector<KernelJob> kernelJobs(mlir::ModuleOp module,
                                  const Toolchain &toolchain,
                                  llvm::StringRef identity);

/// Runs the jobs whose results are not cached, in parallel; each result is
/// published in the cache by one rename, so a concurrent or interrupted
/// build never sees half a kernel. Progress goes to stderr.
mlir::LogicalResult buildKernels(llvm::ArrayRef<KernelJob> jobs,
                                 const Toolchain &toolchain,
                                 llvm::StringRef modelName);

} // namespace loom

#endif // LOOM_CODEGEN_KERNELBUILD_H
