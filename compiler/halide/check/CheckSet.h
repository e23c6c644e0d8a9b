// The kernels of CheckKernels.def as loom-kernel-check and loom-kernel-bench
// call them: per family, every instance for every ISA, each typed by
// loom::abi::<family>_fn. The static_assert below makes a Generator whose
// argument types drift from KernelAbi.def fail this build; the checker also
// compares each function's metadata (names, kinds, ranks) with KernelAbi.def.
#pragma once

#include "loom/runtime/KernelAbi.h"
#include "loom_check_kernels.h"

#include "CheckKernels.def"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace loom::check {

/// One generated function of the check set.
template <typename Fn>
struct Kernel {
  const char *name;    // the function: <stem>_<isa>
  const char *isa;     // its ISA (LOOM_KERNEL_ISAS)
  const char *params;  // its Generator params, "name=value ..."
  Fn *fn;
  const halide_filter_metadata_t *(*metadata)();  // Halide's description of fn's arguments

  /// The value of Generator param `key`, or `otherwise` where the row sets none.
  std::string param(const std::string &key, const std::string &otherwise) const {
    std::istringstream in(params);
    for (std::string item; in >> item;)
      if (item.rfind(key + "=", 0) == 0) return item.substr(key.size() + 1);
    return otherwise;
  }
  int intParam(const std::string &key) const { return std::atoi(param(key, "0").c_str()); }
};

struct CheckSet {
#define LOOM_CHECK_FAMILY(family) std::vector<Kernel<abi::family##_fn>> family;
  LOOM_KERNEL_FAMILIES(LOOM_CHECK_FAMILY)
#undef LOOM_CHECK_FAMILY
};

inline CheckSet checkSet() {
  CheckSet set;
#define LOOM_CHECK_INSTANCE(isa, stem, family, params)                                             \
  static_assert(std::is_same_v<decltype(stem##_##isa), abi::family##_fn>,                          \
                #stem "_" #isa ": the generated arguments differ from LOOM_ABI_" #family);         \
  set.family.push_back({#stem "_" #isa, #isa, params, stem##_##isa, stem##_##isa##_metadata});
#define LOOM_CHECK_ISA(isa, target) LOOM_CHECK_KERNELS(LOOM_CHECK_INSTANCE, isa)
  LOOM_KERNEL_ISAS(LOOM_CHECK_ISA)
#undef LOOM_CHECK_ISA
#undef LOOM_CHECK_INSTANCE
  return set;
}

/// The instance `stem` built for the preferred ISA (the first of
/// LOOM_KERNEL_ISAS); exits if CheckKernels.def has no such row.
template <typename Fn>
const Kernel<Fn> &preferred(const std::vector<Kernel<Fn>> &kernels, const std::string &stem) {
  const std::string name = stem + "_" + abi::kIsas[0].name;
  for (const Kernel<Fn> &k : kernels)
    if (name == k.name) return k;
  std::fprintf(stderr, "no kernel %s in CheckKernels.def\n", name.c_str());
  std::exit(2);
}

}  // namespace loom::check
