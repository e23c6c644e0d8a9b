//===- PlanAbi.h - loom/abi/PlanAbi.def for the runtime ---------*- C++ -*-===//
#ifndef LOOM_RUNTIME_PLANABI_H
#define LOOM_RUNTIME_PLANABI_H

#include "loom/abi/PlanAbi.def"

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

} // namespace loom

#endif // LOOM_RUNTIME_PLANABI_H
