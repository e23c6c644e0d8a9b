//===- Passes.td - loom passes -------------------------------*- tablegen -*-===//
#ifndef LOOM_TRANSFORMS_PASSES_TD
#define LOOM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomStripDropout : Pass<"loom-strip-dropout"> {
  let summary = "Remove dropout for inference";
  let description = [{
    Dropout is the identity at inference time. This pass replaces every
    `loom.dropout` by its input so that the fusions see the inference graph.

    Before:
    ```mlir
    %p = loom.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
    %d = loom.dropout %p {probability = 1.000000e-01 : f32} : tensor<?x8x?x?xf32>
    %o = loom.matmul %d, %v : ...
    ```
    After:
    ```mlir
    %p = loom.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
    %o = loom.matmul %p, %v : ...
    ```
  }];
  let dependentDialects = ["loom::LoomDialect"];
}

def LoomFuseAttention : Pass<"loom-fuse-attention"> {
  let summary = "Fuse scaled, masked softmax attention into loom.fused_attention";
  let description = [{
    Raises the chain `matmul(Q, Kᵀ) → scale(1/sqrt(Dh)) → masks → softmax over
    the key axis → matmul(·, V)` to one `loom.fused_attention`, with the mask
    kind, scale and head count as attributes. The masks are at most one
    `loom.causal_mask` and one `loom.key_padding_mask`, in either order.

    It does not fire when the chain is broken: a softmax over another axis, a
    scale other than 1/sqrt(Dh), an intermediate with another use (its value
    would be lost), or anything else between the links (e.g. dropout in
    training graphs).

    Before:
    ```mlir
    %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
    %t = loom.scale %s {factor = 1.250000e-01 : f32} : tensor<?x8x?x?xf32>
    %c = loom.causal_mask %t : tensor<?x8x?x?xf32>
    %m = loom.key_padding_mask %c, %len : tensor<?x8x?x?xf32>, tensor<?xi32>
    %p = loom.softmax %m {axis = 3 : i64} : tensor<?x8x?x?xf32>
    %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
    ```
    After:
    ```mlir
    %o = loom.fused_attention %q, %k, %v key_lengths(%len : tensor<?xi32>)
           {heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 1.250000e-01 : f32}
           : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
    ```
  }];
  let dependentDialects = ["loom::LoomDialect"];
}

def LoomFuseAddNorm : Pass<"loom-fuse-add-norm"> {
  let summary = "Fuse residual add + layer_norm into loom.add_norm";
  let description = [{
    Rewrites `layer_norm(add(x, r))` into `loom.add_norm`. When the sum has
    other uses (pre-norm layers keep it as the next residual), the fused op
    also returns the sum and those uses read it; this needs every other use to
    come after the layer_norm, else the pattern does not fire.

    Before (post-norm):
    ```mlir
    %s = loom.add %x, %r : tensor<?x?x512xf32>
    %n = loom.layer_norm %s, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32>
    ```
    After:
    ```mlir
    %n = loom.add_norm %x, %r, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>
    ```
    Before (pre-norm, %s used again later):
    ```mlir
    %s = loom.add %x, %r : tensor<?x?x512xf32>
    %n = loom.layer_norm %s, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32>
    %y = loom.add %s, %z : tensor<?x?x512xf32>
    ```
    After:
    ```mlir
    %n, %s = loom.add_norm %x, %r, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>, tensor<?x?x512xf32>
    %y = loom.add %s, %z : tensor<?x?x512xf32>
    ```
  }];
  let dependentDialects = ["loom::LoomDialect"];
}

#endif // LOOM_TRANSFORMS_PASSES_TD
