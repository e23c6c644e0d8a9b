#include "GeneratorParams.h"

// Errors are Halide user errors (_halide_user_assert: Halide.h's user_assert
// outside Halide itself): generate_filter_main reports them as "Error: ...".

namespace loom::halide {

int isaColumn(const Halide::Target &target) {
  const int lanes = target.natural_vector_size<float>();
  for (int i = 0; i < abi::kNumIsas; ++i)
    if (Halide::Target(abi::kIsas[i].halideTarget).natural_vector_size<float>() <= lanes) return i;
  return abi::kNumIsas - 1;
}

int Knob::forTarget(const Halide::Target &target) const {
  const int v = value();
  _halide_user_assert(v >= 0) << "knob " << name() << "=" << v
                      << " must be positive (0 or absent: the target's default, "
                      << defaults_[isaColumn(target)] << " here)\n";
  return v > 0 ? v : defaults_[isaColumn(target)];
}

void requireOneOf(const char *generator, const char *param, const std::string &value,
                  const std::vector<std::string> &allowed) {
  for (const std::string &a : allowed)
    if (value == a) return;
  std::string list;
  for (const std::string &a : allowed) list += (list.empty() ? "" : " | ") + a;
  _halide_user_assert(false) << generator << ": unknown " << param << "=" << value
                             << " (expected " << list << ")\n";
}

void requireNonNegative(const char *generator, const char *param, int value) {
  _halide_user_assert(value >= 0) << generator << ": " << param << "=" << value
                          << " must be >= 0 (0: read at run time)\n";
}

void requireDivides(const char *generator, const char *part, int partValue, const char *whole,
                    int wholeValue) {
  _halide_user_assert(wholeValue % partValue == 0)
      << generator << ": knob " << part << "=" << partValue << " must divide " << whole << "="
      << wholeValue << "\n";
}

}  // namespace loom::halide
