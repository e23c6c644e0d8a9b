//===- PlanListing.cpp - readable views of the planned program ------------===//
#include "Codegen/PlanListing.h"

#include "Lowering/BufferLiveness.h"
#include "Lowering/PlanRoles.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

namespace {

std::string formatFloat(double value) {
  char text[32];
  snprintf(text, sizeof(text), "%g", value);
  return text;
}

std::string formatDims(BufferType type) {
  std::string text = "[";
  for (auto [i, dim] : llvm::enumerate(type.getDims()))
    text += (i ? ", " : "") +
            (isSymbol(dim) ? symbolName(dim).str() : std::to_string(dim));
  return text + "]";
}

/// A function's buffers as the listings name them: allocs %0, %1, ... in
/// order; weights @name; arguments $role; views as windows of those.
class Names {
public:
  explicit Names(func::FuncOp func) : func(func) {
    func.walk([&](AllocOp a) { allocs.try_emplace(a, allocs.size()); });
  }

  std::string of(Value v) const {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      for (RoleKind kind :
           {RoleKind::Input, RoleKind::Output, RoleKind::Scalar})
        if (auto role = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                          roleAttrName(kind)))
          return "$" + role.str();
      return "$?";
    }
    return llvm::TypeSwitch<Operation *, std::string>(v.getDefiningOp())
        .Case([&](AllocOp a) { return "%" + std::to_string(allocs.lookup(a)); })
        .Case([&](WeightOp w) { return "@" + w.getName().str(); })
        .Case([&](StateOp s) { return "state(" + s.getName().str() + ")"; })
        .Case([&](PositionalTableOp) { return std::string("positions"); })
        .Case([&](StepLengthsOp) { return std::string("step+1"); })
        .Case([&](RowsOp r) { return of(r.getSource()) + "[step:]"; })
        .Case([&](SplitHeadsOp h) { return of(h.getSource()); })
        .Case([&](SliceOp s) {
          return of(s.getSource()) + "[" + std::to_string(s.getIndex()) + "]";
        })
        .Case([&](ColumnsOp c) {
          return llvm::formatv("{0}[:, {1}:{2}]", of(c.getSource()),
                               c.getOffset(), c.getOffset() + c.getWidth())
              .str();
        })
        .Default([](Operation *op) { return op->getName().getStringRef().str(); });
  }

  int number(AllocOp a) const { return allocs.lookup(a); }

private:
  mutable func::FuncOp func; // MLIR's op accessors are not const
  llvm::DenseMap<AllocOp, int> allocs;
};

std::string locationName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return "";
}

/// The ops the listings number as steps.
bool isStep(Operation &op) { return isa<KernelOp, CacheAppendOp>(op); }

void printStep(Operation &op, int index, const Names &names,
               llvm::raw_ostream &os) {
  SmallVector<Value> written = buffersWrittenBy(&op);
  SmallVector<std::string> outs, ins;
  for (Value w : written)
    outs.push_back(names.of(w));
  std::string callee, scalars;
  if (auto kernel = dyn_cast<KernelOp>(op)) {
    auto symbol = op.getAttrOfType<FlatSymbolRefAttr>("kernel");
    callee = symbol ? symbol.getValue().str() : abi::familyName(kernel.getFamily());
    SmallVector<AbiValue> args;
    kernel.getAbiArguments(args);
    abi::ArgumentList abi = abi::arguments(kernel.getFamily());
    for (int i = 0; i < abi.size(); ++i) {
      if (auto f = dyn_cast_or_null<FloatAttr>(args[i].scalar))
        scalars += llvm::formatv(" {0}={1}", abi[i].name,
                                 formatFloat(f.getValueAsDouble()));
      else if (args[i].buffer && !abi[i].isOutput)
        ins.push_back(names.of(args[i].buffer));
    }
  } else {
    auto append = cast<CacheAppendOp>(op);
    callee = "cache_append";
    ins.push_back(names.of(append.getRows()));
  }
  os << llvm::formatv("{0,3}: {1} = {2} {3}{4}", index,
                      llvm::join(outs, ", "), callee, llvm::join(ins, ", "),
                      scalars);
  std::string where = locationName(op.getLoc());
  if (!where.empty())
    os << "  // " << where;
  os << "\n";
}

} // namespace

void loom::printKernelListing(ModuleOp planned, llvm::raw_ostream &os) {
  for (auto func : planned.getOps<func::FuncOp>()) {
    Names names(func);
    int steps = llvm::count_if(func.getBody().front(), isStep);
    os << "// @" << func.getName() << ": " << steps << " steps\n";
    int index = 0;
    for (Operation &op : func.getBody().front())
      if (isStep(op))
        printStep(op, index++, names, os);
  }
}

void loom::printBufferListing(ModuleOp planned, llvm::raw_ostream &os) {
  llvm::MapVector<StringRef, WeightOp> weights;
  for (auto func : planned.getOps<func::FuncOp>()) {
    FailureOr<BufferLiveness> live = BufferLiveness::compute(func);
    if (failed(live))
      return;
    // Op positions -> step numbers, as --emit=kernels numbers them.
    SmallVector<int> stepAt;
    int step = 0;
    for (Operation &op : func.getBody().front()) {
      stepAt.push_back(step);
      step += isStep(op);
      if (auto w = dyn_cast<WeightOp>(op))
        weights.insert({w.getName(), w});
    }
    auto attr = [&](StringRef name) { return func->getAttr(name); };
    os << llvm::formatv("// @{0}: arena {1} x rows_max floats (rows_max = "
                        "{2}) + {3} bytes\n",
                        func.getName(),
                        cast<IntegerAttr>(attr(kArenaRowsAttr)).getInt(),
                        cast<StringAttr>(attr(kArenaUnitAttr)).getValue(),
                        cast<IntegerAttr>(attr(kArenaBytesAttr)).getInt());
    Names names(func);
    for (AllocOp a : live->allocs()) {
      LiveRange r = live->range(a);
      os << llvm::formatv("%{0} = {1} {2}  offset {3}{4}  live {5}..{6}",
                          names.number(a), formatDims(a.getType()),
                          a.getType().getElementType(), *a.getOffset(),
                          arenaSlotOf(a.getType()).rows ? "" : " bytes",
                          r.begin < 0 ? -1 : stepAt[r.begin],
                          r.end < 0 ? -1 : stepAt[r.end]);
      if (AllocOp source = live->inPlaceSource(a))
        os << "  in place of %" << names.number(source);
      os << "\n";
    }
  }
  for (auto [name, w] : weights) {
    SmallVector<int64_t> shape(w.getType().getDims());
    if (w.getTransposed())
      std::swap(shape[0], shape[1]);
    os << "@" << name << " = [";
    llvm::interleaveComma(shape, os);
    os << "]" << (w.getTransposed() ? " stored transposed" : "") << "\n";
  }
}
