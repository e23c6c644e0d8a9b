//===- KernelLowering.td - loom ops that lower to kernels ----*- tablegen -*-===//
#ifndef LOOM_CODEGEN_KERNELLOWERING_TD
#define LOOM_CODEGEN_KERNELLOWERING_TD

include "mlir/IR/OpBase.td"

def Loom_KernelLoweringOpInterface : OpInterface<"KernelLoweringOp"> {
  let cppNamespace = "::loom";
  let description = [{
    A fused `loom` op that knows the kernel-level IR computing it.
    `--loom-lower-to-kernels` visits a function's ops in order and asks each
    one to lower itself; an op without this interface has no kernel and is
    reported. Anchors (embedding, linear) also lower the elementwise ops
    that follow them as their kernel's epilogue and mark them absorbed.
    Attached to `loom` ops as external models by the Codegen library.
  }];
  let methods = [
    InterfaceMethod<[{
        Emits kernel IR computing this op's results into buffers and maps
        each result to its buffer in `state`.
      }],
      "::mlir::LogicalResult", "lowerToKernels",
      (ins "::loom::KernelLoweringState &":$state)>,
  ];
}

#endif // LOOM_CODEGEN_KERNELLOWERING_TD
