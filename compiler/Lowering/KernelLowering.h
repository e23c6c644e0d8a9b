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
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

namespace loom {

class KernelLoweringState {
public:
  /// Builds into `target`, whose arguments are the inputs (already mapped);
  /// `returned` is the value the loom function returns.
  KernelLoweringState(mlir::func::FuncOp target, mlir::Value returned);

  mlir::OpBuilder &builder() { return builder_; }

  /// The buffer that holds `tensor` (a weight in its plain layout); an
  /// error at `user` if no kernel computed it.
  mlir::FailureOr<mlir::Value> buffer(mlir::Operation *user,
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
  /// function returns it, else a fresh arena buffer.
  mlir::Value destination(mlir::Value result, kernel::BufferType type);

  void map(mlir::Value tensor, mlir::Value buffer) { buffers_[tensor] = buffer; }
  /// An epilogue op its anchor lowered; the pass skips it.
  void absorb(mlir::Operation *op) { absorbed_.insert(op); }
  bool isAbsorbed(mlir::Operation *op) const { return absorbed_.contains(op); }
  /// The output argument, once a kernel writes it (else null).
  mlir::Value output() const { return output_; }

private:
  mlir::func::FuncOp target_;
  mlir::OpBuilder builder_;
  mlir::Value returned_, output_, positional_;
  llvm::DenseMap<mlir::Value, mlir::Value> buffers_;
  llvm::StringMap<std::pair<mlir::Value, bool>> weights_; // name -> (buffer, transposed)
  llvm::DenseSet<mlir::Operation *> absorbed_;
};

/// Attaches KernelLoweringOp to the loom ops that have a kernel.
void registerKernelLoweringExternalModels(mlir::DialectRegistry &registry);

} // namespace loom

#include "Lowering/KernelLowering.h.inc"

#endif // LOOM_CODEGEN_KERNELLOWERING_H
