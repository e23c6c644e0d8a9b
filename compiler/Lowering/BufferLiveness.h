//===- BufferLiveness.h - when each arena buffer is in use ------*- C++ -*-===//
//
// Live ranges of a kernel-level function's allocs, in op positions of its
// body: from the first kernel that writes the buffer (through any view) to
// the last op that uses it. Shared by --loom-plan-buffers, which places
// buffers by these ranges, and the plan check that runs before emission.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_LOWERING_BUFFERLIVENESS_H
#define LOOM_LOWERING_BUFFERLIVENESS_H

#include "loom_kernel/LoomKernelOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace loom {

/// Where a buffer lives in a function's arena: row-sized buffers (their
/// dims have B, perhaps with S or T) take `size` units of rows_max floats;
/// static ones `size` bytes after all the row units.
struct ArenaSlot {
  bool rows;
  int64_t size;
};
ArenaSlot arenaSlotOf(kernel::BufferType type);

/// A planned function's attributes: its row units, what one unit is
/// (rows_max: "B", "B*S", "B*T" or "B*max(S,T)"), and its static bytes.
inline constexpr llvm::StringLiteral kArenaRowsAttr = "loom_kernel.arena_rows";
inline constexpr llvm::StringLiteral kArenaUnitAttr = "loom_kernel.arena_unit";
inline constexpr llvm::StringLiteral kArenaBytesAttr = "loom_kernel.arena_bytes";
/// The unit's name for row buffers that use S and/or T.
llvm::StringRef arenaUnitName(bool source, bool target);
/// The inverse; false if `name` is not a unit.
bool parseArenaUnit(llvm::StringRef name, bool &source, bool &target);

struct LiveRange {
  int begin = -1, end = -1; // op positions, inclusive; -1: never used
};

class BufferLiveness {
public:
  /// Fails, with an error on the op, if a buffer is read before any kernel
  /// writes it.
  static mlir::FailureOr<BufferLiveness> compute(mlir::func::FuncOp func);

  llvm::ArrayRef<kernel::AllocOp> allocs() const { return allocs_; }
  LiveRange range(kernel::AllocOp alloc) const { return ranges_.lookup(alloc); }
  /// The alloc whose storage `born` may take over at its first write: an
  /// input of an in-place kernel (KernelOpInterface::getInPlaceInput) that
  /// dies there, same slot size. Null if none.
  kernel::AllocOp inPlaceSource(kernel::AllocOp born) const {
    return inPlace_.lookup(born);
  }

private:
  void recordInPlace(kernel::KernelOp op, int position);

  llvm::SmallVector<kernel::AllocOp> allocs_;
  llvm::DenseMap<kernel::AllocOp, LiveRange> ranges_;
  llvm::DenseMap<kernel::AllocOp, kernel::AllocOp> inPlace_;
};

/// The alloc a buffer value is (or is a view of); null for other buffers
/// (inputs, outputs, weights, state).
kernel::AllocOp rootAlloc(mlir::Value buffer);

/// The buffers `op` writes: a kernel's ABI outputs, a cache append's cache.
llvm::SmallVector<mlir::Value> buffersWrittenBy(mlir::Operation *op);

} // namespace loom

#endif // LOOM_LOWERING_BUFFERLIVENESS_H
