//===- LoomKernelDialect.td - the loom_kernel dialect --------*- tablegen -*-===//
//
// The kernel level: what fused `loom` IR lowers to. A function is a sequence
// of kernel calls writing into buffers (destination-passing style); buffers
// are the function's inputs and outputs, the model's weights, decoding state,
// or arena allocations that `--loom-plan-buffers` places. Every kernel op
// names the kernel instance it runs (`loom_kernel.instance`), which records
// the Halide Generator's parameters and schedule per ISA.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_KERNEL_DIALECT_TD
#define LOOM_KERNEL_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def LoomKernel_Dialect : Dialect {
  let name = "loom_kernel";
  let cppNamespace = "::loom::kernel";
  let summary = "Kernel calls on planned buffers";
  let description = [{
    Buffers are typed `!loom_kernel.buffer<[dims], element>`: each dim is a
    static size or a symbol, `B` (batch), `S` (source length) or `T` (target
    length), bound when a function is called. Kernel ops read their inputs
    and write their outputs in place (`into`); they have no results. Views
    (`loom_kernel.columns`, `loom_kernel.split_heads`) are strided windows
    of a buffer, never copies.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::loom::LoomDialect"];
  let extraClassDeclaration = [{
    void registerTypes();
  }];
}

class LoomKernel_Op<string mnemonic, list<Trait> traits = []>
    : Op<LoomKernel_Dialect, mnemonic, traits>;

def LoomKernel_ActivationNone : I32EnumAttrCase<"none", 0>;
def LoomKernel_ActivationRelu : I32EnumAttrCase<"relu", 1>;
def LoomKernel_ActivationGelu : I32EnumAttrCase<"gelu", 2>;
def LoomKernel_Activation : I32EnumAttr<"Activation",
    "the function a linear kernel applies to its output",
    [LoomKernel_ActivationNone, LoomKernel_ActivationRelu,
     LoomKernel_ActivationGelu]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::loom::kernel";
}
def LoomKernel_ActivationAttr
    : EnumAttr<LoomKernel_Dialect, LoomKernel_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // LOOM_KERNEL_DIALECT_TD
