//===- BufferLiveness.cpp - when each arena buffer is in use --------------===//
#include "Lowering/BufferLiveness.h"

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

ArenaSlot loom::arenaSlotOf(BufferType type) {
  // Every element is 4 bytes. B * S (or B * T, or B) rows of `static`
  // elements fit in `static` units of rows_max = B * max(S, T) floats.
  if (type.hasSymbol(kBatch))
    return {true, type.getStaticElements()};
  return {false, type.getStaticElements() * 4};
}

llvm::StringRef loom::arenaUnitName(bool source, bool target) {
  if (source && target)
    return "B*max(S,T)";
  return source ? "B*S" : target ? "B*T" : "B";
}

bool loom::parseArenaUnit(llvm::StringRef name, bool &source, bool &target) {
  for (bool s : {false, true})
    for (bool t : {false, true})
      if (name == arenaUnitName(s, t)) {
        source = s;
        target = t;
        return true;
      }
  return false;
}

AllocOp loom::rootAlloc(Value buffer) {
  while (Operation *def = buffer.getDefiningOp()) {
    if (auto alloc = dyn_cast<AllocOp>(def))
      return alloc;
    if (auto columns = dyn_cast<ColumnsOp>(def))
      buffer = columns.getSource();
    else if (auto heads = dyn_cast<SplitHeadsOp>(def))
      buffer = heads.getSource();
    else if (auto slice = dyn_cast<SliceOp>(def))
      buffer = slice.getSource();
    else
      return nullptr;
  }
  return nullptr;
}

SmallVector<Value> loom::buffersWrittenBy(Operation *op) {
  SmallVector<Value> written;
  if (auto kernel = dyn_cast<KernelOp>(op)) {
    SmallVector<AbiValue> args;
    kernel.getAbiArguments(args);
    abi::ArgumentList abi = abi::arguments(kernel.getFamily());
    for (int i = 0; i < abi.size(); ++i)
      if (abi[i].isOutput && args[i].buffer)
        written.push_back(args[i].buffer);
  } else if (auto append = dyn_cast<CacheAppendOp>(op)) {
    written.push_back(append.getCache());
  } else if (auto zero = dyn_cast<ZeroOp>(op)) {
    written.push_back(zero.getBuffer());
  }
  return written;
}

namespace {

/// The buffer a kernel passes as ABI argument `name`.
Value abiBuffer(KernelOp op, StringRef name) {
  SmallVector<AbiValue> args;
  op.getAbiArguments(args);
  abi::ArgumentList abi = abi::arguments(op.getFamily());
  for (int i = 0; i < abi.size(); ++i)
    if (name == abi[i].name)
      return args[i].buffer;
  return nullptr;
}

} // namespace

FailureOr<BufferLiveness> BufferLiveness::compute(func::FuncOp func) {
  BufferLiveness live;
  func.walk([&](AllocOp alloc) {
    live.allocs_.push_back(alloc);
    live.ranges_[alloc] = LiveRange();
  });
  int position = 0;
  for (Operation &op : func.getBody().front()) {
    // Views are not uses in time; the ops that read through them are.
    if (isa<AllocOp, ColumnsOp, SplitHeadsOp, SliceOp>(op)) {
      ++position;
      continue;
    }
    SmallVector<Value> written = buffersWrittenBy(&op);
    for (Value w : written)
      if (AllocOp alloc = rootAlloc(w)) {
        LiveRange &r = live.ranges_[alloc];
        if (r.begin < 0)
          r.begin = position;
      }
    for (Value operand : op.getOperands()) {
      AllocOp alloc = rootAlloc(operand);
      if (!alloc)
        continue;
      LiveRange &r = live.ranges_[alloc];
      if (r.begin < 0)
        return op.emitError("reads a buffer that no kernel has written yet");
      r.end = position;
    }
    ++position;
  }
  position = 0;
  for (Operation &op : func.getBody().front()) {
    if (auto kernel = dyn_cast<KernelOp>(op))
      live.recordInPlace(kernel, position);
    ++position;
  }
  return live;
}

void BufferLiveness::recordInPlace(KernelOp op, int position) {
  std::optional<StringRef> input = op.getInPlaceInput();
  if (!input)
    return;
  // Whole buffers only: a view would hand over part of its storage.
  Value in = abiBuffer(op, *input);
  auto dying = in ? in.getDefiningOp<AllocOp>() : AllocOp();
  if (!dying || ranges_[dying].end != position)
    return;
  // The output that takes it over: the first one of the same size.
  ArenaSlot a = arenaSlotOf(dying.getType());
  for (Value out : buffersWrittenBy(op)) {
    auto born = out.getDefiningOp<AllocOp>();
    if (!born || born == dying || ranges_[born].begin != position)
      continue;
    ArenaSlot b = arenaSlotOf(born.getType());
    if (a.rows == b.rows && a.size == b.size) {
      inPlace_[born] = dying;
      return;
    }
  }
}
