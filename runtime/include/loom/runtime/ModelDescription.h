//===- ModelDescription.h - what a generated library describes --*- C++ -*-===//
//
// Everything the runtime needs to know about a compiled model comes from one
// generated function, `loom_describe(ModelDescription *)`, which calls the
// `loom::describe::` functions below: the model's info, its weights (state
// dict names and shapes, and whether kernels read them transposed), the
// decoding state buffers, the plan functions with their arena sizes, and
// the kernels. Kernels are registered per family with one symbol per ISA of
// loom/abi/KernelAbi.def; the registration only compiles when each symbol
// has its family's ABI type, and keeps the one for the selected ISA.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_MODELDESCRIPTION_H
#define LOOM_RUNTIME_MODELDESCRIPTION_H

#include "loom/loom_model_api.h"
#include "loom/runtime/KernelAbi.h"
#include "loom/runtime/PlanAbi.h"
#include "loom/runtime/View.h"

#include <string>
#include <type_traits>
#include <vector>

namespace loom {

struct Frame;
using PlanFn = void (*)(Frame *);

struct WeightSpec {
  std::string name;
  std::vector<int64_t> shape; // state_dict layout
  bool transposed = false;    // kernels read the transpose ([K, N] of [N, K])
  int64_t elements() const;
  /// The shape kernels read: `shape`, or its transpose.
  std::vector<int64_t> kernelShape() const;
};

struct StateSpec {
  std::string name;
  Element element;
  std::vector<int64_t> dims; // sizes, or dims::B / dims::S
};

struct PlanFunction {
  PlanFn fn = nullptr;
  // Row-sized buffers take units of rows_max floats, rows_max = B times the
  // longest of the lengths they use (S if rowsUseSource, T if
  // rowsUseTarget, else 1); static buffers take bytes after them.
  int64_t arenaRows = 0, arenaBytes = 0;
  bool rowsUseSource = false, rowsUseTarget = false;
};

struct KernelEntry {
  abi::Family family;
  std::string name; // the instance, for error messages
  void *fn;         // the selected ISA's symbol, of type abi::<family>_fn
};

/// torch.optim.Adam's hyper-parameters (the spec's adam_*), for training.
struct OptimizerSpec {
  double beta1 = 0, beta2 = 0, epsilon = 0;
  bool present = false; // the model has train_step
};

struct ModelDescription {
  std::string name, architecture; // info.name and info.architecture
  loom_model_info info{};
  OptimizerSpec optimizer;
  std::vector<WeightSpec> weights;
  std::vector<StateSpec> states;
  PlanFunction functions[kNumPlanFunctions];
  std::vector<KernelEntry> kernels;
  int isa = 0; // the abi::kIsas entry whose kernels were kept

  /// LOOM_ARCH_* of the architecture.
  int architectureBit() const;
  const PlanFunction &function(PlanFunctionId id) const {
    return functions[int(id)];
  }
};

/// Runs a library's generated describe function.
ModelDescription describeModel(void (*describe)(ModelDescription *));

/// The first ISA of abi::kIsas this CPU supports; LOOM_ISA=<name> forces a
/// supported one (e.g. LOOM_ISA=avx2 on an AVX-512 CPU, to test it).
int selectedIsa();

namespace describe {

void info(ModelDescription *d, const char *name, const char *architecture,
          int64_t dModel, int64_t heads, int64_t ffnHidden,
          int64_t encoderLayers, int64_t decoderLayers, int64_t srcVocab,
          int64_t tgtVocab, int64_t maxLen, int64_t padId, int64_t bosId,
          int64_t eosId);

template <typename... Dims>
void weight(ModelDescription *d, const char *name, bool transposed,
            Dims... shape) {
  d->weights.push_back({name, {int64_t(shape)...}, transposed});
}

template <typename... Dims>
void state(ModelDescription *d, const char *name, Element element,
           Dims... dims) {
  d->states.push_back({name, element, {int64_t(dims)...}});
}

void function(ModelDescription *d, int id, PlanFn fn, int64_t arenaRows,
              int64_t arenaBytes, bool rowsUseSource, bool rowsUseTarget);

/// The Adam hyper-parameters of a model that can train.
void optimizer(ModelDescription *d, double beta1, double beta2, double epsilon);

/// describe::<family>(d, "instance", symbol_isa0, symbol_isa1, ...).
#define LOOM_DESCRIBE_KERNEL(family)                                           \
  template <typename... Fns>                                                   \
  void family(ModelDescription *d, const char *name, Fns... perIsa) {          \
    static_assert(sizeof...(Fns) == abi::kNumIsas,                             \
                  "one kernel symbol per ISA of KernelAbi.def");               \
    static_assert((std::is_same_v<Fns, abi::family##_fn *> && ...),            \
                  "a " #family " kernel symbol does not have the type "        \
                  "KernelAbi.def gives its family");                           \
    void *symbols[] = {reinterpret_cast<void *>(perIsa)...};                   \
    d->kernels.push_back({abi::Family::family, name, symbols[d->isa]});        \
  }
LOOM_KERNEL_FAMILIES(LOOM_DESCRIBE_KERNEL)
#undef LOOM_DESCRIBE_KERNEL

} // namespace describe

} // namespace loom

#endif // LOOM_RUNTIME_MODELDESCRIPTION_H
