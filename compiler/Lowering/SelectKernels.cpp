//===- SelectKernels.cpp - an instance and schedule for every kernel call -===//
//
// A kernel instance is what loom-kernelgen builds once: a family with its
// specialisation parameters. Every kernel op asks for one
// (KernelOpInterface::getInstanceParams); equal requests share an instance,
// named from the family and parameters so the name (and the kernel cache
// entry it leads to) is the same in every model. Schedules are the defaults
// of compiler/halide/KernelParams.def for each ISA.
//
//===----------------------------------------------------------------------===//
#include "Lowering/Passes.h"

#include "loom_kernel/KernelParams.h"

namespace loom {
#define GEN_PASS_DEF_LOOMSELECTKERNELS
#include "Lowering/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

namespace {

/// "linear_relu", "attention_causal_key_padding_head_dim64": the family,
/// then each parameter that is not its neutral value ("none", 0).
/// Fails (naming the parameter) when the op's params and the family's rows
/// in KernelParams.def disagree.
FailureOr<std::string> instanceName(KernelOp op, DictionaryAttr params) {
  std::string name = abi::familyName(op.getFamily());
  if (params.size() != kernelParams(op.getFamily()).size())
    return op.emitOpError("gives ")
           << params.size() << " kernel params, but KernelParams.def has "
           << kernelParams(op.getFamily()).size() << " for " << name;
  for (const KernelParam &param : kernelParams(op.getFamily())) {
    Attribute value = params.get(param.name);
    if (!value)
      return op.emitOpError("gives no kernel param '")
             << param.name << "' (KernelParams.def)";
    if (auto text = dyn_cast<StringAttr>(value)) {
      if (text.getValue() != "none")
        name += "_" + text.getValue().str();
    } else if (int64_t n = cast<IntegerAttr>(value).getInt()) {
      name += "_" + std::string(param.name) + std::to_string(n);
    }
  }
  return name;
}

/// {avx512 = {knob = default, ...}, avx2 = {...}}.
DictionaryAttr defaultSchedules(Builder &b, abi::Family family) {
  SmallVector<NamedAttribute> perIsa;
  for (auto [i, isa] : llvm::enumerate(abi::kIsas)) {
    SmallVector<NamedAttribute> knobs;
    for (const ScheduleKnob &knob : scheduleKnobs(family))
      knobs.push_back(
          b.getNamedAttr(knob.name, b.getI64IntegerAttr(knob.defaults[i])));
    perIsa.push_back(b.getNamedAttr(isa.name, b.getDictionaryAttr(knobs)));
  }
  return b.getDictionaryAttr(perIsa);
}

struct SelectKernelsPass
    : loom::impl::LoomSelectKernelsBase<SelectKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToStart(module.getBody());
    WalkResult result = module.walk([&](KernelOp op) -> WalkResult {
      SmallVector<NamedAttribute> needed;
      op.getInstanceParams(needed);
      DictionaryAttr params = b.getDictionaryAttr(needed);
      FailureOr<std::string> named = instanceName(op, params);
      if (failed(named))
        return WalkResult::interrupt();
      std::string name = *named;
      auto instance = symbols.lookup<InstanceOp>(name);
      if (!instance) {
        instance = b.create<InstanceOp>(
            op.getLoc(), name, abi::familyName(op.getFamily()), params,
            defaultSchedules(b, op.getFamily()));
        symbols.insert(instance);
      } else if (instance.getParams() != params) {
        return op.emitOpError("needs a kernel named @")
               << name << " with params " << params
               << ", but that symbol has " << instance.getParams();
      }
      op->setAttr("kernel", FlatSymbolRefAttr::get(instance));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
