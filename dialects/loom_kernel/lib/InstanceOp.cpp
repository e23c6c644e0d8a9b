//===- InstanceOp.cpp - loom_kernel.instance -------------------------------===//
#include "loom_kernel/KernelParams.h"
#include "loom_kernel/LoomKernelOps.h"

#include <climits>

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

abi::Family InstanceOp::getAbiFamily() {
  abi::Family family = abi::Family::linear;
  abi::familyByName(getFamily().str().c_str(), family);
  return family;
}

DictionaryAttr InstanceOp::getSchedule(StringRef isa) {
  return getSchedules().getAs<DictionaryAttr>(isa);
}

namespace {

/// `dict` has exactly the keys `names`.
LogicalResult expectKeys(InstanceOp op, DictionaryAttr dict,
                         ArrayRef<StringRef> names, StringRef what) {
  for (StringRef name : names)
    if (!dict.get(name))
      return op.emitOpError() << what << " lack '" << name << "'";
  for (NamedAttribute entry : dict)
    if (!llvm::is_contained(names, entry.getName().strref()))
      return op.emitOpError() << what << " have an unknown key '"
                              << entry.getName().strref() << "'";
  return success();
}

LogicalResult verifyParams(InstanceOp op, abi::Family family) {
  SmallVector<StringRef> names;
  for (const KernelParam &p : kernelParams(family))
    names.push_back(p.name);
  if (failed(expectKeys(op, op.getParams(), names, "params")))
    return failure();
  // Which strings a param accepts is the Generator's to say (kernelgen
  // refuses others by name); sizes are i64, 0 for "read at run time".
  for (const KernelParam &p : kernelParams(family)) {
    Attribute value = op.getParams().get(p.name);
    auto integer = dyn_cast<IntegerAttr>(value);
    bool ok = p.isString ? isa<StringAttr>(value)
                         : integer && integer.getType().isSignlessInteger(64) &&
                               integer.getInt() >= 0;
    if (!ok)
      return op.emitOpError("param '")
             << p.name << "' must be "
             << (p.isString ? "a string" : "an i64 >= 0 (0: read at run time)");
  }
  return success();
}

LogicalResult verifySchedules(InstanceOp op, abi::Family family) {
  SmallVector<StringRef> isas, knobs;
  for (const abi::Isa &isa : abi::kIsas)
    isas.push_back(isa.name);
  for (const ScheduleKnob &k : scheduleKnobs(family))
    knobs.push_back(k.name);
  if (failed(expectKeys(op, op.getSchedules(), isas, "schedules")))
    return failure();
  for (StringRef isa : isas) {
    auto schedule = op.getSchedule(isa);
    if (!schedule)
      return op.emitOpError("the ") << isa << " schedule must be a dictionary";
    if (failed(expectKeys(op, schedule, knobs,
                          ("the " + isa + " schedule's knobs").str())))
      return failure();
    // Knobs are Generator ints (GeneratorParam<int>).
    for (NamedAttribute knob : schedule) {
      auto value = dyn_cast<IntegerAttr>(knob.getValue());
      if (!value || !value.getType().isSignlessInteger(64) ||
          value.getInt() < 1 || value.getInt() > INT32_MAX)
        return op.emitOpError("knob '")
               << knob.getName().strref() << "' of the " << isa
               << " schedule must be an i64 in [1, 2^31)";
    }
  }
  return success();
}

} // namespace

LogicalResult InstanceOp::verify() {
  abi::Family family;
  if (!abi::familyByName(getFamily().str().c_str(), family))
    return emitOpError("unknown kernel family '") << getFamily() << "'";
  if (failed(verifyParams(*this, family)))
    return failure();
  return verifySchedules(*this, family);
}
