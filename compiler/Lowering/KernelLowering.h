//===- KernelLowering.h - loom ops -> loom_kernel IR ------------*- C++ -*-===//
//
// The state `--loom-lower-to-kernels` threads through every op's
// KernelLoweringOp::lowerToKernels: the function being built, which buffer
// holds each tensor, and which ops an anchor absorbed.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_KERNELLOWERING_H
#define LOOM_CODEGEN_KERNELLOWERING_H

#include "loom_kernel/LoomKernelOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>

namespace loom {

class KernelLoweringState {
public:
  /// Builds into `target`, whose arguments are the inputs (already mapped);
  /// `returned` is the value the loom function returns, written to the
  /// output argument of role `outputRole` ("out", or "loss" for training).
  KernelLoweringState(mlir::func::FuncOp target, mlir::Value returned,
                      llvm::StringRef outputRole);

  mlir::OpBuilder &builder() { return builder_; }

  /// The buffer that holds `tensor` (a weight in its plain layout); an
  /// error at `user` if no kernel computed it.
  mlir::FailureOr<mlir::Value> buffer(mlir::Operation *user,
                                      mlir::Value tensor);
  /// buffer() of an optional operand: a null Value when `tensor` is null.
  mlir::FailureOr<mlir::Value> optionalBuffer(mlir::Operation *user,
                                              mlir::Value tensor);
  /// buffer() of each tensor, in order; fails at the first that fails.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>>
  buffers(mlir::Operation *user, mlir::ValueRange tensors);
  /// The buffer of the loom.weight `tensor`, stored transposed or not; an
  /// error if the same weight is wanted in both layouts.
  mlir::FailureOr<mlir::Value> weight(mlir::Operation *user,
                                      mlir::Value tensor, bool transposed);
  /// The positional table [max_len, D], one per function.
  mlir::Value positionalTable(mlir::Location loc, int64_t maxLen, int64_t d);
  /// Where a kernel writes `result`: the function's output if the loom
  /// function returns it; the rows of a parameter's gradient if it flows
  /// (through loom.zero_rows and row concats) into that parameter's
  /// loom.adam; the column window of a loom.concat's buffer if that concat
  /// is its only user; else a fresh arena buffer.
  mlir::Value destination(mlir::Value result, kernel::BufferType type);
  /// destination() of a heads-view result [B, H, S, Dh]: when its only user
  /// is loom.merge_heads, the heads view of that op's destination (the
  /// merge is absorbed); else the heads view of a fresh [B, S, H*Dh].
  /// `like` is the query's heads view (its B, H, S and Dh).
  mlir::Value headsDestination(mlir::Value result, kernel::BufferType like);

  /// The gradient block's buffer for parameter `name`, in the layout its
  /// weight was lowered in (its first use in forward decides).
  mlir::FailureOr<mlir::Value> gradient(mlir::Operation *user,
                                        llvm::StringRef name);
  /// The target function's scalar argument of `role` (PlanAbi.def),
  /// added on first use.
  mlir::Value scalarArgument(llvm::StringRef role, mlir::Type type);
  /// A dropout kernel's rng operands: (dropout_seed, step) when it drops
  /// something, else none.
  llvm::SmallVector<mlir::Value, 2> rng(llvm::APFloat probability);

  /// The loom.adam ops lowered so far: the parameters whose gradients the
  /// function writes, and the optimizer's hyper-parameters.
  struct Optimizer {
    llvm::StringMap<mlir::Location> updated;
    double beta1 = 0, beta2 = 0, epsilon = 0;
  };
  Optimizer &optimizer() { return optimizer_; }
  /// Each weight lowered so far, by name: its buffer and layout.
  const llvm::StringMap<std::pair<mlir::Value, bool>> &weights() const {
    return weights_;
  }

  void map(mlir::Value tensor, mlir::Value buffer) { buffers_[tensor] = buffer; }
  /// An epilogue op its anchor lowered; the pass skips it.
  void absorb(mlir::Operation *op) { absorbed_.insert(op); }
  bool isAbsorbed(mlir::Operation *op) const { return absorbed_.contains(op); }
  /// The output argument, once a kernel writes it (else null).
  mlir::Value output() const { return output_; }

private:
  /// The buffer of the loom.concat `concat` (one per concat, made when
  /// its first input asks for its destination).
  mlir::Value concatBuffer(mlir::Operation *concat, kernel::BufferType piece);
  /// The gradient view `result` is written to, if it flows into loom.adam.
  std::optional<mlir::Value> gradientDestination(mlir::Value result);

  mlir::func::FuncOp target_;
  mlir::OpBuilder builder_;
  mlir::Value returned_, output_, positional_;
  std::string outputRole_;
  Optimizer optimizer_;
  llvm::StringMap<mlir::Value> gradients_, scalars_;
  llvm::DenseMap<mlir::Operation *, mlir::Value> concats_;
  llvm::DenseMap<mlir::Value, mlir::Value> buffers_;
  llvm::StringMap<std::pair<mlir::Value, bool>> weights_; // name -> (buffer, transposed)
  llvm::DenseSet<mlir::Operation *> absorbed_;
};

/// Attaches KernelLoweringOp to the loom ops that have a kernel.
void registerKernelLoweringExternalModels(mlir::DialectRegistry &registry);
/// The training ops' part of it (LowerTrainingToKernels.cpp).
void registerTrainingLoweringModels(mlir::MLIRContext *ctx);

namespace lowering {
/// The buffer type of a kernel-level value.
inline kernel::BufferType bufferType(mlir::Value v) {
  return mlir::cast<kernel::BufferType>(v.getType());
}
/// A contiguous f32 buffer with `like`'s dims, the last replaced by `last`.
kernel::BufferType withLast(kernel::BufferType like, int64_t last);
/// Columns [offset, offset + width) of each row of `source`.
mlir::Value columns(mlir::OpBuilder &b, mlir::Location loc, mlir::Value source,
                    int64_t offset, int64_t width);
/// [B, S, H*Dh] viewed as [B, H, S, Dh].
mlir::Value heads(mlir::OpBuilder &b, mlir::Location loc, mlir::Value source,
                  int64_t heads);
/// The single user of `v` if it has exactly one use and that user is OpT.
template <typename OpT> OpT soleUser(mlir::Value v) {
  if (!v.hasOneUse())
    return nullptr;
  return mlir::dyn_cast<OpT>(*v.getUsers().begin());
}
/// Attaches `Lower` to OpT as its KernelLoweringOp.
template <typename OpT, mlir::LogicalResult (*Lower)(OpT, KernelLoweringState &)>
struct LoweringModel;
} // namespace lowering

} // namespace loom

#include "Lowering/KernelLowering.h.inc"

namespace loom::lowering {
template <typename OpT, mlir::LogicalResult (*Lower)(OpT, KernelLoweringState &)>
struct LoweringModel
    : KernelLoweringOp::ExternalModel<LoweringModel<OpT, Lower>, OpT> {
  mlir::LogicalResult lowerToKernels(mlir::Operation *op,
                                     KernelLoweringState &s) const {
    return Lower(mlir::cast<OpT>(op), s);
  }
};
} // namespace loom::lowering

#endif // LOOM_CODEGEN_KERNELLOWERING_H
