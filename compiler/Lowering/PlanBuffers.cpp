//===- PlanBuffers.cpp - arena offsets from live ranges -------------------===//
//
// First fit in program order: at each op, the buffers it writes first take
// the lowest free space that fits (an in-place kernel's output takes its
// dying input's), then the buffers it used last are freed. Row-sized
// buffers and static ones are placed in two regions (ArenaSlot), since
// rows_max is only known per call.
//
//===----------------------------------------------------------------------===//
#include "Lowering/BufferLiveness.h"
#include "Lowering/Passes.h"

#include "llvm/ADT/DenseSet.h"

#include <map>

namespace loom {
#define GEN_PASS_DEF_LOOMPLANBUFFERS
#include "Lowering/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

namespace {

/// Free space of one arena region, merged when neighbours are released.
class FirstFit {
public:
  explicit FirstFit(int64_t alignment) : alignment_(alignment) {}

  int64_t take(int64_t size) {
    size = aligned(size);
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->second < size)
        continue;
      int64_t offset = it->first, rest = it->second - size;
      free_.erase(it);
      if (rest)
        free_.emplace(offset + size, rest);
      return offset;
    }
    int64_t offset = end_;
    end_ += size;
    return offset;
  }

  void release(int64_t offset, int64_t size) {
    auto [it, inserted] = free_.emplace(offset, aligned(size));
    assert(inserted && "released twice");
    auto next = std::next(it);
    if (next != free_.end() && it->first + it->second == next->first) {
      it->second += next->second;
      free_.erase(next);
    }
    if (it != free_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free_.erase(it);
      }
    }
  }

  int64_t end() const { return end_; }

private:
  int64_t aligned(int64_t size) const {
    return (size + alignment_ - 1) / alignment_ * alignment_;
  }

  int64_t alignment_;
  int64_t end_ = 0;
  std::map<int64_t, int64_t> free_; // offset -> size
};

LogicalResult planFunction(func::FuncOp func) {
  FailureOr<BufferLiveness> live = BufferLiveness::compute(func);
  if (failed(live))
    return failure();
  // Row units need no alignment; static buffers start on cache lines.
  FirstFit rows(1), bytes(64);
  auto region = [&](AllocOp a) -> FirstFit & {
    return arenaSlotOf(a.getType()).rows ? rows : bytes;
  };
  // An in-place source's storage passes to the buffer born where it dies.
  llvm::DenseSet<AllocOp> handedOver;
  for (AllocOp a : live->allocs())
    if (AllocOp source = live->inPlaceSource(a))
      handedOver.insert(source);
  int positions = func.getBody().front().getOperations().size();
  llvm::DenseMap<AllocOp, int64_t> offsets;
  for (int p = 0; p < positions; ++p) {
    SmallVector<AllocOp> dying;
    for (AllocOp a : live->allocs()) {
      LiveRange r = live->range(a);
      if (r.begin == p) {
        AllocOp source = live->inPlaceSource(a);
        offsets[a] = source ? offsets[source]
                            : region(a).take(arenaSlotOf(a.getType()).size);
      }
      if (r.end == p && !handedOver.contains(a))
        dying.push_back(a);
    }
    for (AllocOp a : dying)
      region(a).release(offsets[a], arenaSlotOf(a.getType()).size);
  }
  Builder b(func.getContext());
  bool source = false, target = false;
  for (AllocOp a : live->allocs()) {
    a.setOffset(offsets.lookup(a)); // 0 for a buffer nothing uses
    if (arenaSlotOf(a.getType()).rows) {
      source |= a.getType().hasSymbol(kSource);
      target |= a.getType().hasSymbol(kTarget);
    }
  }
  func->setAttr(kArenaRowsAttr, b.getI64IntegerAttr(rows.end()));
  func->setAttr(kArenaUnitAttr, b.getStringAttr(arenaUnitName(source, target)));
  func->setAttr(kArenaBytesAttr, b.getI64IntegerAttr(bytes.end()));
  return success();
}

struct PlanBuffersPass : loom::impl::LoomPlanBuffersBase<PlanBuffersPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(planFunction(func)))
        return signalPassFailure();
  }
};

} // namespace
