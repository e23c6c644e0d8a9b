//===- GradientOpInterface.td - ops that know their adjoint --*- tablegen -*-===//
#ifndef LOOM_GRADIENT_OP_INTERFACE_TD
#define LOOM_GRADIENT_OP_INTERFACE_TD

include "mlir/IR/OpBase.td"

def Loom_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::loom";
  let description = [{
    An op that emits its own adjoint: given the gradients of the loss with
    respect to its results, it builds `loom` ops computing the gradients
    with respect to its operands (reverse mode). `--loom-autodiff` walks a
    function backwards and asks each op in turn, as Toy's shape inference
    asks each op for its shape; it never needs to know an op's semantics.

    An operand gradient may cover only a slice of its operand (a
    `loom::OperandGradient` with an axis and offset): a linear layer that
    reads rows [D, 3D) of a packed weight gives that weight's gradient for
    those rows only; the driver joins the slices.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the gradients of the operands at the builder's insertion
        point. `resultGradients` has one entry per result, null where the
        loss does not depend on that result; the loss itself (the root) is
        asked with every entry null, meaning its gradient is 1.
        `operandGradients` gets one entry per operand, null where the
        operand has no gradient (integer inputs) or none flows.
      }],
      "::mlir::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultGradients,
           "::llvm::SmallVectorImpl<::loom::OperandGradient> &":$operandGradients)>,
    InterfaceMethod<[{
        Rebuilds the op in its training form, with the extra results its
        gradient reads (attention's row log-sum-exp, a norm's mean and
        1/std, the loss's log-sum-exp), and returns the new op (which
        replaces this one's results); ops that save nothing return
        themselves.
      }],
      "::mlir::Operation *", "buildTrainingForm",
      (ins "::mlir::OpBuilder &":$builder), "",
      "return $_op.getOperation();">,
  ];
}

#endif // LOOM_GRADIENT_OP_INTERFACE_TD
