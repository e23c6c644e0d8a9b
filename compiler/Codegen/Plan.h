//===- Plan.h - fused loom IR -> kernel list + buffer plan ------*- C++ -*-===//
//
// The plan is what the generated library executes: an ordered list of kernel
// calls over buffers in one arena. Activations are [rows, width] matrices
// where rows is B·S (source side) or B·T (target side), so every buffer's
// size is `width × rows`. Offsets are planned in units of `rowsMax` floats,
// rowsMax = B·max(S, T): the plan is fixed at compile time and only scaled at
// run time. Per-head tensors are strided views of these matrices, never
// copies; attention scores are never materialised.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_PLAN_H
#define LOOM_CODEGEN_PLAN_H

#include "loom/LoomOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace loom {

enum class KernelKind { Embed, Linear, Attention, LayerNorm, AddNorm, Add };
enum class Activation { None, Relu, Gelu };
enum class RowSpace { Source, Target }; // rows = B·S or B·T

/// Where a kernel operand lives.
struct Operand {
  enum Kind { Buffer, Weight, Input, Output } kind = Buffer;
  int index = -1;        // buffer id, weight id, or input number
  int64_t column = 0;    // first column of a view into a wider matrix
  int64_t width = 0;     // columns the kernel sees
  int64_t rowStride = 0; // columns of the underlying matrix
};

struct KernelStep {
  KernelKind kind;
  /// Kernel family variant, e.g. "linear_relu", "attention_causal_key_padding".
  std::string variant;
  std::vector<Operand> inputs, outputs;
  RowSpace rows = RowSpace::Source; // rows of the (first) output
  RowSpace keyRows = RowSpace::Source; // attention: rows of keys/values
  // Kernel parameters.
  int64_t heads = 0, headDim = 0, maxLen = 0;
  float scale = 1, epsilon = 0;
  int keyLengthsInput = -1; // attention: which function input holds lengths
  // A linear step's weight rows [r0, r0 + n) are its weight operand's
  // columns (weights are stored transposed).
  std::string location; // the op's name location, for listings
};

struct PlannedBuffer {
  int64_t width = 0;
  RowSpace rows = RowSpace::Source;
  int firstStep = 0, lastStep = 0; // live range, inclusive
  int64_t offset = 0;              // in units of rowsMax floats
  int inPlaceOf = -1;              // buffer whose storage this one takes over
};

struct PlannedWeight {
  std::string name;
  std::vector<int64_t> shape;
  /// Linear weights are stored transposed ([K, R]) so kernels stream rows.
  bool transposed = false;
};

struct PlannedInput {
  std::string name; // src, src_len, tgt, tgt_len
  bool isLengths = false;
  RowSpace rows = RowSpace::Source;
};

struct Plan {
  std::vector<PlannedInput> inputs;
  std::vector<PlannedWeight> weights;
  std::vector<PlannedBuffer> buffers;
  std::vector<KernelStep> steps;
  int64_t outputWidth = 0;
  RowSpace outputRows = RowSpace::Source;
  /// Arena size in units of rowsMax floats.
  int64_t arenaUnits = 0;
};

/// Plans `func` (fused loom IR, as `loomc --emit=fused` prints it). Emits an
/// error on the first op the plan cannot express and returns failure.
mlir::FailureOr<Plan> buildPlan(mlir::func::FuncOp func);

/// `loomc --emit=kernels`: one line per kernel call.
void printKernels(const Plan &plan, llvm::raw_ostream &os);
/// `loomc --emit=buffers`: sizes, live ranges, offsets and in-place reuse.
void printBuffers(const Plan &plan, llvm::raw_ostream &os);

llvm::StringRef kernelFamily(KernelKind kind);

} // namespace loom

#endif // LOOM_CODEGEN_PLAN_H
