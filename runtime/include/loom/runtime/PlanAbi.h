//===- PlanAbi.h - loom/abi/PlanAbi.def for the runtime ---------*- C++ -*-===//
#ifndef LOOM_RUNTIME_PLANABI_H
#define LOOM_RUNTIME_PLANABI_H

#include "loom/abi/PlanAbi.def"

#include <cstddef>

namespace loom {

#define LOOM_PLAN_ENUMERATOR(name, ...) name,
/// The plan functions, and the slots of a Frame's inputs, outputs and
/// scalars, in the order of PlanAbi.def (loomc emits these numbers).
enum class PlanFunctionId { LOOM_PLAN_FUNCTIONS(LOOM_PLAN_ENUMERATOR) };
enum class InputSlot { LOOM_PLAN_INPUTS(LOOM_PLAN_ENUMERATOR) };
enum class OutputSlot { LOOM_PLAN_OUTPUTS(LOOM_PLAN_ENUMERATOR) };
enum class ScalarSlot { LOOM_PLAN_SCALARS(LOOM_PLAN_ENUMERATOR) };
#undef LOOM_PLAN_ENUMERATOR

#define LOOM_PLAN_COUNT(name, ...) +1
inline constexpr int kNumPlanFunctions = 0 LOOM_PLAN_FUNCTIONS(LOOM_PLAN_COUNT);
inline constexpr int kNumInputSlots = 0 LOOM_PLAN_INPUTS(LOOM_PLAN_COUNT);
inline constexpr int kNumOutputSlots = 0 LOOM_PLAN_OUTPUTS(LOOM_PLAN_COUNT);
inline constexpr int kNumScalarSlots = 0 LOOM_PLAN_SCALARS(LOOM_PLAN_COUNT);
#undef LOOM_PLAN_COUNT

/// What a scalar slot holds (PlanAbi.def's kind): an integer is read with
/// exec::scalar from Frame::scalars, a real with exec::real from
/// Frame::reals.
enum class ScalarKind { integer, real };
#define LOOM_PLAN_SCALAR_KIND(name, kind) ScalarKind::kind,
inline constexpr ScalarKind kScalarKinds[] = {
    LOOM_PLAN_SCALARS(LOOM_PLAN_SCALAR_KIND)};
#undef LOOM_PLAN_SCALAR_KIND
static_assert(sizeof(kScalarKinds) / sizeof(kScalarKinds[0]) ==
                  size_t(kNumScalarSlots),
              "one kind per scalar slot");

} // namespace loom

#endif // LOOM_RUNTIME_PLANABI_H
