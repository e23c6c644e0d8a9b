//===- LoomKernelTypes.td - loom_kernel types ----------------*- tablegen -*-===//
#ifndef LOOM_KERNEL_TYPES_TD
#define LOOM_KERNEL_TYPES_TD

include "loom_kernel/LoomKernelDialect.td"

def LoomKernel_BufferType : TypeDef<LoomKernel_Dialect, "Buffer"> {
  let mnemonic = "buffer";
  let summary = "a strided window of memory with symbolic batch and lengths";
  let description = [{
    `!loom_kernel.buffer<[d0, ..., dn-1], elt>` (at most 5 dims) with each
    `di` a static size or one of the symbols `B`, `S`, `T` (each at most
    once). `elt` is f32 or i32. Only a caller-owned output and its views may
    have both `S` and `T` (cross_attention's weights `[L, B, H, T, S]`):
    `loom_kernel.alloc` and `loom_kernel.state` refuse them, so no arena or
    decoding state is ever sequence x sequence.

    Layout: the last dim is a row, contiguous; the leading dims index rows,
    row-major, `row_stride` elements apart (default: the row's size). A
    column window of a wider buffer sets `row_stride`. A `heads` view is
    `[B, H, S, Dh]` over rows of `H*Dh` (element `(b, h, s, e)` at row
    `b*S + s`, column `h*Dh + e`): the per-head layout attention reads, as
    PyTorch's view + transpose of a `[B, S, H*Dh]` tensor. A buffer is
    contiguous when it has neither.

    ```mlir
    !loom_kernel.buffer<[B, S, 48], f32>
    !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
    !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>
    !loom_kernel.buffer<[48, 16], f32>
    !loom_kernel.buffer<[B], i32>
    !loom_kernel.buffer<[2, B, 4, T, S], f32>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "dims (symbols are negative)">:$dims,
    "::mlir::Type":$elementType,
    "bool":$heads,
    "int64_t":$rowStride
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilderWithInferredContext<(ins "::llvm::ArrayRef<int64_t>":$dims,
                                        "::mlir::Type":$elementType), [{
      return $_get(elementType.getContext(), dims, elementType, false, 0);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getRank() const { return getDims().size(); }
    /// The elements of one row (the last dim; H*Dh for heads), if static.
    std::optional<int64_t> getRowSize() const;
    /// The distance between rows: row_stride, else the row size.
    std::optional<int64_t> getEffectiveRowStride() const;
    bool isContiguous() const { return !getHeads() && getRowStride() == 0; }
    bool hasSymbol(int64_t symbol) const;
    /// The product of the static dims (1 for a scalar).
    int64_t getStaticElements() const;
    /// The same dims and element type, contiguous.
    BufferType getContiguous() const;
  }];
}

#endif // LOOM_KERNEL_TYPES_TD
