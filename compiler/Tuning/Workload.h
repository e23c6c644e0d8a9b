//===- Workload.h - what a kernel instance computes at given shapes -*- C++ -*-===//
//
// A schedule is tuned for a workload: every call of one kernel instance
// (family + params, loom_kernel.instance) in the functions being tuned, with
// B, S and T bound. Each distinct call becomes one loom-kernel-time command
// line (its buffers' extents and strides as the runtime passes them to
// Halide, its scalars); the workload's key is a hash of those lines, so a
// record tuned for other shapes or another model's calls never applies.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TUNING_WORKLOAD_H
#define LOOM_TUNING_WORKLOAD_H

#include "loom/abi/KernelAbi.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace loom::tuning {

/// The sizes symbolic buffer dims take while tuning: "B=8,S=128,T=128".
struct TuningShapes {
  int64_t batch = 8, source = 128, target = 128;
  std::string str() const;
};

/// Parses "B=..,S=..,T=.." (any subset, any order; values in [1, 65536])
/// over `shapes`; false with `error` naming the bad part.
bool parseShapes(llvm::StringRef text, TuningShapes &shapes, std::string &error);

/// One distinct call: the harness arguments and how often the model makes it.
struct KernelCall {
  std::vector<std::string> harnessArgs; // --buffer=..., --scalar=..., --int-fill=...
  std::map<std::string, std::vector<int64_t>> extents; // buffers, Halide order
  int64_t count = 0;
  double flops = 0; // multiply-adds x 2 of its matrix products; 0 if it has none
};

struct KernelWorkload {
  std::string instance; // the loom_kernel.instance's symbol, e.g. "linear_relu"
  abi::Family family;
  std::vector<std::string> params; // "activation=relu", as kernelgen takes them
  std::vector<KernelCall> calls;
  std::string key;           // hex hash of the calls (see above)
  std::string untunableWhy;  // non-empty: why this harness cannot run it
  double flops() const;      // of all calls, counted
};

/// The functions tuned unless the user names others.
inline constexpr const char *kDefaultTunedFunctions = "forward";

/// The workloads of `module` (after --loom-select-kernels) for the calls in
/// `functions`, in instance order. Instances that no such function calls are
/// left out.
std::vector<KernelWorkload> collectWorkloads(mlir::ModuleOp module,
                                             const TuningShapes &shapes,
                                             llvm::ArrayRef<std::string> functions);

} // namespace loom::tuning

#endif // LOOM_TUNING_WORKLOAD_H
