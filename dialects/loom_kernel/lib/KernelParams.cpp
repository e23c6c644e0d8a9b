//===- KernelParams.cpp - compiler/halide/KernelParams.def as data ---------===//
#include "loom_kernel/KernelParams.h"

using namespace loom;
using namespace loom::kernel;

namespace {

#define LOOM_PARAM_IS_STRING_int false
#define LOOM_PARAM_IS_STRING_string true
const KernelParam kParams[] = {
#define LOOM_PARAM(family, name, type, default, doc)                           \
  {abi::Family::family, #name, LOOM_PARAM_IS_STRING_##type, doc},
#define LOOM_KNOB(family, name, avx512, avx2, doc)
#include "halide/KernelParams.def"
#undef LOOM_KNOB
#undef LOOM_PARAM
};

// A knob row has one default per ISA: a new ISA needs a new column.
static_assert(abi::kNumIsas == 2, "KernelParams.def: one default per ISA");
const ScheduleKnob kKnobs[] = {
#define LOOM_PARAM(family, name, type, default, doc)
#define LOOM_KNOB(family, name, avx512, avx2, doc)                             \
  {abi::Family::family, #name, {avx512, avx2}, doc},
#include "halide/KernelParams.def"
#undef LOOM_KNOB
#undef LOOM_PARAM
};

template <typename Row>
llvm::SmallVector<Row> rowsOf(llvm::ArrayRef<Row> rows, abi::Family family) {
  llvm::SmallVector<Row> out;
  for (const Row &row : rows)
    if (row.family == family)
      out.push_back(row);
  return out;
}

} // namespace

llvm::SmallVector<KernelParam> loom::kernel::kernelParams(abi::Family family) {
  return rowsOf<KernelParam>(kParams, family);
}

llvm::SmallVector<ScheduleKnob>
loom::kernel::scheduleKnobs(abi::Family family) {
  return rowsOf<ScheduleKnob>(kKnobs, family);
}
