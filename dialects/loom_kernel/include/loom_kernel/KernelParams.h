//===- KernelParams.h - compiler/halide/KernelParams.def as data -*- C++ -*-===//
//
// The GeneratorParams of every kernel family (the one definition is
// compiler/halide/KernelParams.def, which the Generators expand too):
// specialisation parameters and schedule knobs with their per-ISA defaults.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_KERNEL_KERNELPARAMS_H
#define LOOM_KERNEL_KERNELPARAMS_H

#include "loom/abi/KernelAbi.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace loom::kernel {

/// A LOOM_PARAM row: part of what an instance is.
struct KernelParam {
  abi::Family family;
  const char *name;
  bool isString; // else int
  const char *doc;
};

/// A LOOM_KNOB row: a schedule knob, with its default per ISA (in the order
/// of abi::kIsas).
struct ScheduleKnob {
  abi::Family family;
  const char *name;
  int64_t defaults[abi::kNumIsas];
  const char *doc;
};

llvm::SmallVector<KernelParam> kernelParams(abi::Family family);
llvm::SmallVector<ScheduleKnob> scheduleKnobs(abi::Family family);

} // namespace loom::kernel

#endif // LOOM_KERNEL_KERNELPARAMS_H
