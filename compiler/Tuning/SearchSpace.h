//===- SearchSpace.h - the schedules a tuner may try for a kernel -*- C++ -*-===//
//
// Each schedule knob of KernelParams.def gets a short list of values worth
// trying (its default always among them): register-tile shapes up to what
// the ISA's register file holds, blocks and per-task work in powers of two.
// admissible() prunes the products that cannot be good or cannot build: a
// register tile that spills (accumulators + loaded vectors + a broadcast over
// the register count), an unroll that does not divide its block, a pack
// that does not divide the tile, and a parallel split that leaves a thread
// idle on the largest call where the default does not.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TUNING_SEARCHSPACE_H
#define LOOM_TUNING_SEARCHSPACE_H

#include "Tuning/Workload.h"

#include <map>
#include <optional>

namespace loom::tuning {

struct KnobDomain {
  std::string name;
  std::vector<int64_t> values; // ascending, distinct
  int64_t defaultValue;
};

/// Knob name -> value: one schedule.
using Schedule = std::map<std::string, int64_t>;

/// The family's knobs (KernelParams.def order) with their values for ISA
/// `isa` (an index into abi::kIsas).
std::vector<KnobDomain> searchSpace(abi::Family family, int isa);

/// The default schedule: every knob at its default.
Schedule defaultSchedule(const std::vector<KnobDomain> &space);

/// False where `schedule` breaks a structural rule above for `workload`
/// run on `threads` threads.
bool admissible(const KernelWorkload &workload, int isa, int threads,
                const Schedule &schedule);

/// The baseline schedule of Halide's Adams2019 autoscheduler for the
/// workload (the family's scheduler knob at 2, estimates from its largest
/// call), where the family has one (linear, attention, layer_norm,
/// add_norm, add_norm_sum); loomc tune times it next to its own candidates.
std::optional<Schedule> adams2019Schedule(const KernelWorkload &workload, int isa);

} // namespace loom::tuning

#endif // LOOM_TUNING_SEARCHSPACE_H
