//===- PlanCheck.cpp - is a planned function safe to run? -----------------===//
#include "Lowering/PlanCheck.h"

#include "Lowering/BufferLiveness.h"

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

namespace {

LogicalResult checkArenaAttributes(func::FuncOp func) {
  auto rows = func->getAttrOfType<IntegerAttr>(kArenaRowsAttr);
  auto bytes = func->getAttrOfType<IntegerAttr>(kArenaBytesAttr);
  auto unit = func->getAttrOfType<StringAttr>(kArenaUnitAttr);
  bool source, target;
  if (!rows || !bytes || !unit)
    return func.emitError("is not planned: it needs ")
           << kArenaRowsAttr << ", " << kArenaUnitAttr << " and "
           << kArenaBytesAttr << " (run --loom-plan-buffers)";
  if (rows.getInt() < 0 || bytes.getInt() < 0)
    return func.emitError("arena sizes must be >= 0");
  if (!parseArenaUnit(unit.getValue(), source, target))
    return func.emitError("unknown arena unit \"")
           << unit.getValue() << "\" (expected B, B*S, B*T or B*max(S,T))";
  return success();
}

/// A row buffer's lengths must be ones its function's unit covers.
LogicalResult checkUnit(func::FuncOp func, AllocOp alloc) {
  bool source = false, target = false;
  parseArenaUnit(func->getAttrOfType<StringAttr>(kArenaUnitAttr).getValue(),
                 source, target);
  BufferType type = alloc.getType();
  if ((type.hasSymbol(kSource) && !source) ||
      (type.hasSymbol(kTarget) && !target))
    return alloc.emitError("has a length dim the arena unit \"")
           << func->getAttrOfType<StringAttr>(kArenaUnitAttr).getValue()
           << "\" does not cover";
  return success();
}

struct Placed {
  AllocOp alloc;
  ArenaSlot slot;
  int64_t offset;
  LiveRange live;
};

bool overlap(const Placed &a, const Placed &b) {
  return a.slot.rows == b.slot.rows && a.offset < b.offset + b.slot.size &&
         b.offset < a.offset + a.slot.size && a.live.begin <= b.live.end &&
         b.live.begin <= a.live.end;
}

} // namespace

LogicalResult loom::checkPlannedFunction(func::FuncOp func) {
  if (failed(checkArenaAttributes(func)))
    return failure();
  WalkResult unselected = func.walk([](KernelOp op) {
    if (op->getAttrOfType<FlatSymbolRefAttr>("kernel"))
      return WalkResult::advance();
    op.emitOpError("has no kernel instance (run --loom-select-kernels)");
    return WalkResult::interrupt();
  });
  if (unselected.wasInterrupted())
    return failure();
  FailureOr<BufferLiveness> live = BufferLiveness::compute(func);
  if (failed(live))
    return failure();
  int64_t limit[2] = {
      func->getAttrOfType<IntegerAttr>(kArenaBytesAttr).getInt(),
      func->getAttrOfType<IntegerAttr>(kArenaRowsAttr).getInt()};
  SmallVector<Placed> placed;
  for (AllocOp alloc : live->allocs()) {
    if (!alloc.getOffset())
      return alloc.emitError("has no arena offset (run --loom-plan-buffers)");
    ArenaSlot slot = arenaSlotOf(alloc.getType());
    int64_t offset = *alloc.getOffset();
    if (offset + slot.size > limit[slot.rows])
      return alloc.emitError("ends at ")
             << offset + slot.size << (slot.rows ? " row units" : " bytes")
             << ", past the arena's " << limit[slot.rows];
    if (!slot.rows && offset % 64 != 0)
      return alloc.emitError("a static buffer's offset must be a multiple of "
                             "64 bytes, got ")
             << offset;
    if (failed(checkUnit(func, alloc)))
      return failure();
    placed.push_back({alloc, slot, offset, live->range(alloc)});
  }
  for (size_t i = 0; i < placed.size(); ++i)
    for (size_t j = i + 1; j < placed.size(); ++j) {
      Placed a = placed[i], b = placed[j];
      if (a.live.begin < 0 || b.live.begin < 0 || !overlap(a, b) ||
          live->inPlaceSource(b.alloc) == a.alloc ||
          live->inPlaceSource(a.alloc) == b.alloc)
        continue;
      return b.alloc.emitError("shares arena memory with a buffer that is "
                               "live at the same time")
                 .attachNote(a.alloc.getLoc())
             << "the other buffer";
    }
  return success();
}
