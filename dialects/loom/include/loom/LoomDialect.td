//===- LoomDialect.td - the loom dialect ---------------------*- tablegen -*-===//
//
// The `loom` dialect describes a Transformer as a graph of tensor ops whose
// shapes live in their types (batch and sequence dims are dynamic, model dims
// are static). Importing a spec produces the unfused ops; passes raise the hot
// patterns to `loom.fused_attention` and `loom.add_norm`.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_TD
#define LOOM_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Loom_Dialect : Dialect {
  let name = "loom";
  let cppNamespace = "::loom";
  let summary = "Transformer ops for the Loom compiler";
  let description = [{
    Tensors are builtin ranked tensors. Activations are `f32`; token ids and
    lengths are `i32` or `i64`. Batch (`B`) and sequence (`S`, `T`) dims are
    usually dynamic (`?`); model width, heads and vocabularies are static.
    Every op documents its exact semantics; the executable reference is
    `shared/reference/loom_reference.py`.
  }];
  let useDefaultAttributePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Loom_MaskNone : I32EnumAttrCase<"none", 0>;
def Loom_MaskCausal : I32EnumAttrCase<"causal", 1>;
def Loom_MaskKeyPadding : I32EnumAttrCase<"key_padding", 2>;
def Loom_MaskCausalKeyPadding : I32EnumAttrCase<"causal_key_padding", 3>;

def Loom_MaskKind : I32EnumAttr<"MaskKind",
    "which positions attention may not look at",
    [Loom_MaskNone, Loom_MaskCausal, Loom_MaskKeyPadding,
     Loom_MaskCausalKeyPadding]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::loom";
}

def Loom_MaskKindAttr : EnumAttr<Loom_Dialect, Loom_MaskKind, "mask"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Loom_F32Tensor : RankedTensorOf<[F32]>;
def Loom_IdTensor : RankedTensorOf<[I32, I64]>;
def Loom_ScalarF32Tensor : 0DTensorOf<[F32]>;

#endif // LOOM_DIALECT_TD
