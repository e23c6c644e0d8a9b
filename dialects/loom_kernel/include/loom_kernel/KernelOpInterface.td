//===- KernelOpInterface.td - ops that call one kernel -------*- tablegen -*-===//
#ifndef LOOM_KERNEL_OP_INTERFACE_TD
#define LOOM_KERNEL_OP_INTERFACE_TD

include "mlir/IR/OpBase.td"

def LoomKernel_KernelOpInterface : OpInterface<"KernelOp"> {
  let cppNamespace = "::loom::kernel";
  let description = [{
    An op that calls one Halide kernel. The op knows its ABI family
    (loom/abi/KernelAbi.def), hands out its operands and scalar attributes
    by the family's argument names (so emission follows the ABI's order
    whatever the op's operand order), and says which instance parameters
    (compiler/halide/KernelParams.def) it needs. Kernel selection, buffer
    planning and emission work through this interface only.
  }];
  let methods = [
    InterfaceMethod<"The ABI family this op calls.",
      "::loom::abi::Family", "getFamily">,
    InterfaceMethod<[{
        The kernel's arguments in ABI order. Implementations fill the
        family's argument struct by name (`loom::kernel::abi_args::linear a;
        a.x.buffer = getX(); ...`), which lists them in order: a renamed ABI
        argument fails to compile, a reordered one is followed.
      }],
      "void", "getAbiArguments",
      (ins "::llvm::SmallVectorImpl<::loom::kernel::AbiValue> &":$arguments)>,
    InterfaceMethod<[{
        The instance parameters this op needs (LOOM_PARAM rows of its
        family), as named attributes.
      }],
      "void", "getInstanceParams",
      (ins "::llvm::SmallVectorImpl<::mlir::NamedAttribute> &":$params)>,
    InterfaceMethod<[{
        The ABI input whose buffer the kernel may overwrite with an
        output of the same size (its first such output; each element is
        read before it is written), if any.
      }],
      "::std::optional<::llvm::StringRef>", "getInPlaceInput", (ins), "",
      "return std::nullopt;">,
  ];
  let verify = [{ return ::loom::kernel::verifyKernelOp($_op); }];
}

#endif // LOOM_KERNEL_OP_INTERFACE_TD
