// What the Generators share about their params: the Knob type that
// KernelParams.def's LOOM_KNOB rows become, and the checks every param value
// passes before any Func is defined.
#pragma once

#include "loom/runtime/KernelAbi.h"

#include <Halide.h>

#include <array>
#include <string>
#include <vector>

namespace loom::halide {

static_assert(abi::kNumIsas == 2, "LOOM_KNOB has one default column per LOOM_KERNEL_ISAS entry");

/// The ISA column of KernelParams.def whose defaults suit `target`: the first
/// (most preferred) pinned ISA whose float vectors are no wider than the
/// target's, so any AVX-512 flavour takes the avx512 column.
int isaColumn(const Halide::Target &target);

/// A schedule knob: a GeneratorParam<int> whose default 0 stands for the
/// target's default from KernelParams.def, so a standalone invocation gets the
/// per-ISA schedule and an explicit value (a tuner's) overrides it.
class Knob : public Halide::GeneratorParam<int> {
public:
  Knob(const std::string &name, std::array<int, abi::kNumIsas> defaults)
      : Halide::GeneratorParam<int>(name, 0), defaults_(defaults) {}

  /// The value for `target`; a negative value is a user error.
  int forTarget(const Halide::Target &target) const;

private:
  std::array<int, abi::kNumIsas> defaults_;
};

/// Param checks: each names the generator, the param and what it accepts
/// (Halide user_error), never falls back to a default.
void requireOneOf(const char *generator, const char *param, const std::string &value,
                  const std::vector<std::string> &allowed);
void requireNonNegative(const char *generator, const char *param, int value);
/// The knob `part` must divide `whole`.
void requireDivides(const char *generator, const char *part, int partValue, const char *whole,
                    int wholeValue);

}  // namespace loom::halide
