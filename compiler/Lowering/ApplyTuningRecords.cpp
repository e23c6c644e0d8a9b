//===- ApplyTuningRecords.cpp - schedules from loomc tune's records -------===//
//
// See Passes.td. Matching is all-or-nothing per (instance, ISA): the record
// must be for the same kernel, ISA, workload and machine; among those the
// fastest wins, so an undistilled records file works as well as a
// distilled one.
//
//===----------------------------------------------------------------------===//
#include "Lowering/Passes.h"

#include "Tuning/Records.h"

#include "loom_kernel/KernelParams.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

namespace loom {
#define GEN_PASS_DEF_LOOMAPPLYTUNINGRECORDS
#include "Lowering/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;
using namespace loom::kernel;
using namespace loom::tuning;

namespace {

/// Why records of one instance and ISA were not used, counted.
struct Ignored {
  int otherMachine = 0, otherWorkload = 0, badKnobs = 0;
};

bool knobsMatch(const TuningRecord &r, abi::Family family) {
  SmallVector<ScheduleKnob> knobs = scheduleKnobs(family);
  if (r.schedule.size() != knobs.size())
    return false;
  for (const ScheduleKnob &k : knobs) {
    auto it = r.schedule.find(k.name);
    if (it == r.schedule.end() || it->second < 1 || it->second > INT32_MAX)
      return false;
  }
  return true;
}

struct ApplyTuningRecordsPass
    : loom::impl::LoomApplyTuningRecordsBase<ApplyTuningRecordsPass> {
  using LoomApplyTuningRecordsBase::LoomApplyTuningRecordsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::vector<TuningRecord> all;
    std::string error;
    TuningShapes tuningShapes;
    if (!parseShapes(shapes, tuningShapes, error) || !readRecords(records, all, error)) {
      module.emitError("tuning records: ") << error;
      return signalPassFailure();
    }
    SmallVector<StringRef> names;
    StringRef(functions).split(names, ',', -1, false);
    std::vector<std::string> tuned(names.begin(), names.end());
    Machine here = currentMachine(threads > 0 ? threads : defaultTuningThreads());
    SymbolTable symbols(module);
    for (const KernelWorkload &w : collectWorkloads(module, tuningShapes, tuned))
      applyTo(symbols.lookup<InstanceOp>(w.instance), w, all, here);
  }

  void applyTo(InstanceOp instance, const KernelWorkload &w, ArrayRef<TuningRecord> all,
               const Machine &here) {
    Builder b(instance.getContext());
    SmallVector<NamedAttribute> schedules(instance.getSchedules().getValue());
    SmallVector<NamedAttribute> tunedIsas;
    for (NamedAttribute &entry : schedules) {
      Ignored ignored;
      const TuningRecord *best = nullptr;
      for (const TuningRecord &r : all) {
        if (r.kernel != w.instance || r.isa != entry.getName().strref() || r.status != "ok")
          continue;
        if (isAdams2019Baseline(r))
          continue;
        if (!knobsMatch(r, w.family))
          ++ignored.badKnobs;
        else if (!(r.machine == here))
          ++ignored.otherMachine;
        else if (r.workload != w.key)
          ++ignored.otherWorkload;
        else if (!best || r.medianMicros < best->medianMicros)
          best = &r;
      }
      report(instance, entry.getName().strref(), ignored, best != nullptr);
      if (!best)
        continue;
      SmallVector<NamedAttribute> knobs;
      for (const auto &[name, value] : best->schedule)
        knobs.push_back(b.getNamedAttr(name, b.getI64IntegerAttr(value)));
      entry.setValue(b.getDictionaryAttr(knobs));
      auto micros = [&](double us) { return b.getF64FloatAttr(std::round(us * 10) / 10); };
      tunedIsas.push_back(b.getNamedAttr(
          entry.getName(),
          b.getDictionaryAttr({b.getNamedAttr("median_us", micros(best->medianMicros)),
                               b.getNamedAttr("default_us", micros(best->defaultMicros))})));
    }
    instance.setSchedulesAttr(b.getDictionaryAttr(schedules));
    if (!tunedIsas.empty())
      instance->setAttr("loom.tuned", b.getDictionaryAttr(tunedIsas));
  }

  void report(InstanceOp instance, StringRef isa, const Ignored &ignored, bool used) {
    if (ignored.badKnobs)
      instance.emitWarning() << ignored.badKnobs << " tuning record(s) of @"
                             << instance.getSymName() << " (" << isa
                             << ") have knobs that are not the " << instance.getFamily()
                             << " family's (another Loom version?): ignored";
    if (!used && (ignored.otherMachine || ignored.otherWorkload))
      instance.emitRemark() << "@" << instance.getSymName() << " (" << isa
                            << ") keeps its default schedule: " << ignored.otherMachine
                            << " record(s) measured on another machine or thread count, "
                            << ignored.otherWorkload
                            << " for other shapes or calls (--shapes, --tune-functions)";
  }
};

} // namespace
