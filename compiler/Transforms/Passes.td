//===- Passes.td - loom passes -------------------------------*- tablegen -*-===//
#ifndef LOOM_TRANSFORMS_PASSES_TD
#define LOOM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomStripDropout : Pass<"loom-strip-dropout"> {
  let summary = "Remove dropout for inference";
  let description = [{
    Dropout is the identity at inference time. This pass replaces every
    `loom.dropout` by its input so that the fusions see the inference graph,
    and sets a `loom.fused_attention`'s dropout to 0. Functions marked
    `loom.training` (`@train_step`) keep theirs.

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

    In training graphs a `loom.dropout` may sit between the softmax and the
    second matmul: the fused op then drops its probabilities (its `dropout`
    and `dropout_stream` attributes).

    It does not fire when the chain is broken: a softmax over another axis, a
    scale other than 1/sqrt(Dh), a matmul that transposes anything but K
    (`transpose_lhs` on either, `transpose_rhs` on the second), an
    intermediate with another use (its value would be lost), or anything
    else between the links.

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

def LoomAutodiff : Pass<"loom-autodiff", "mlir::ModuleOp"> {
  let summary = "Derive @train_step (forward, loss, backward, Adam) from @forward";
  let description = [{
    Adds `@train_step(inputs..., labels, lr) -> loss`: a copy of `@forward`
    in training form, the mean label-smoothed cross-entropy of its logits
    against `labels` (`pad_id` ignored), the gradient of every value back to
    the parameters, and one `loom.adam` per parameter. Everything comes from
    the module's `loom.spec` (pad_id, label_smoothing, adam_beta1/2, adam_eps).

    Training form: each `loom.dropout` (and each `loom.fused_attention` with
    dropout) gets its own mask `stream`; `loom.fused_attention`,
    `loom.layer_norm`, `loom.add_norm` and `loom.cross_entropy` return what
    their gradients read (GradientOpInterface::buildTrainingForm).

    Backward: the ops are visited in reverse; each one with a gradient
    builds its operands' gradients (GradientOpInterface::buildGradients).
    The gradients a value receives are summed (`loom.add`); slices of one
    value (the q, k and v parts of a packed projection, the row ranges of a
    packed weight that two layers read) are joined with `loom.concat`. An op
    without a gradient rule on the loss's path is an error. Nothing happens
    when @train_step exists. An encoder-only model (no logits) is refused,
    or, with `if-trainable`, left as it is (loomc's library pipeline).

    Before (the body of a decoder's @forward, abridged):
    ```mlir
    func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %len: tensor<?xi32> {loom.input = "tgt_len"}) -> tensor<?x?x40xf32> {
      ...
      %logits = loom.linear %h, %w, %b : (tensor<?x?x16xf32>, tensor<40x16xf32>, tensor<40xf32>) -> tensor<?x?x40xf32>
      return %logits : tensor<?x?x40xf32>
    }
    ```
    After, added:
    ```mlir
    func.func @train_step(%tgt: ..., %len: ..., %labels: tensor<?x?xi32> {loom.input = "labels"}, %lr: tensor<f32> {loom.scalar = "lr"}) -> (tensor<f32> {loom.output = "loss"}) {
      ...
      %loss, %lse = loom.cross_entropy %logits, %labels {ignore_index = 0 : i64, label_smoothing = 0.000000e+00 : f32} : tensor<?x?x40xf32>, tensor<?x?xi32> -> tensor<f32>, tensor<?x?xf32>
      %dlogits = loom.cross_entropy_grad %logits, %labels, %lse {...} : tensor<?x?x40xf32>, tensor<?x?xi32>, tensor<?x?xf32>
      %dh = loom.linear_grad_input %dlogits, %w : tensor<?x?x40xf32>, tensor<40x16xf32> -> tensor<?x?x16xf32>
      %dw, %db = loom.linear_grad_weight %dlogits, %h : tensor<?x?x40xf32>, tensor<?x?x16xf32> -> tensor<40x16xf32>, tensor<40xf32>
      ...
      loom.adam "output.weight", %dw, %lr {beta1 = 9.000000e-01 : f64, beta2 = 9.800000e-01 : f64, epsilon = 1.000000e-09 : f64} : tensor<40x16xf32>, tensor<f32>
      return %loss : tensor<f32>
    }
    ```
  }];
  let options = [
    Option<"ifTrainable", "if-trainable", "bool", /*default=*/"false",
           "Derive @train_step only if @forward returns logits; otherwise "
           "do nothing instead of failing">,
  ];
  let dependentDialects = ["loom::LoomDialect", "mlir::func::FuncDialect"];
}

def LoomZeroKeyBiasGradient : Pass<"loom-zero-key-bias-gradient"> {
  let summary = "Make the attention key bias's gradient exactly zero";
  let description = [{
    Softmax is invariant to adding one constant to a row of scores, and a
    key projection's bias adds `q_i · b_k` to every score of query row `i`:
    the loss does not depend on `b_k`, so its gradient is exactly 0. The
    computed gradient is rounding noise (~1e-9) that Adam with a small
    epsilon turns into steps of up to the learning rate (PyTorch's float32
    training does exactly that; float64 does not). For every
    `loom.fused_attention` whose keys are a `loom.split_heads` chunk of a
    `loom.linear` with a bias, this pass zeroes those bias rows of the
    gradient the `loom.adam` of the same function reads, when the rows
    reach the loss only as keys: the chunk is read only as the key of
    `loom.fused_attention` or `loom.fused_attention_grad`, every linear
    reading the rows feeds only `loom.split_heads`, and the bias is read
    only as linear layers' bias. Otherwise the gradient is not 0 and is
    left alone. Running it twice changes nothing.

    Before:
    ```mlir
    %kv = loom.linear %m, %w, %b {weight_rows = array<i64: 16, 32>} : ...
    %k = loom.split_heads %kv {chunk = 0 : i64, chunks = 2 : i64, heads = 2 : i64} : ...
    %o = loom.fused_attention %q, %k, %v ...
    ...
    loom.adam "attn.in_proj_bias", %db, %lr {...} : tensor<48xf32>, tensor<f32>
    ```
    After:
    ```mlir
    %z = loom.zero_rows %db {count = 16 : i64, start = 16 : i64} : tensor<48xf32>
    loom.adam "attn.in_proj_bias", %z, %lr {...} : tensor<48xf32>, tensor<f32>
    ```
  }];
  let dependentDialects = ["loom::LoomDialect"];
}

def LoomFuseGradientSums : Pass<"loom-fuse-gradient-sums"> {
  let summary = "Fold gradient sums into the ops that produce an addend";
  let description = [{
    `loom.add(a, g)` where `g` is the only use of a `loom.linear_grad_input`
    result or of a `loom.layer_norm_grad`'s `dx` (and that op has no
    `accumulate` yet) becomes that op with `accumulate(a)`: its kernel adds
    `a` as it writes. `a` must be defined before the gradient op and have
    its type. Sums of a `layer_norm_grad`'s `dgamma` or `dbeta` stay
    `loom.add` (`accumulate` adds to `dx` only).

    Before:
    ```mlir
    %dx = loom.linear_grad_input %dy, %w : tensor<?x?x64xf32>, tensor<64x16xf32> -> tensor<?x?x16xf32>
    %s = loom.add %r, %dx : tensor<?x?x16xf32>
    ```
    After:
    ```mlir
    %s = loom.linear_grad_input %dy, %w accumulate(%r : tensor<?x?x16xf32>) : tensor<?x?x64xf32>, tensor<64x16xf32> -> tensor<?x?x16xf32>
    ```
  }];
  let dependentDialects = ["loom::LoomDialect"];
}

#endif // LOOM_TRANSFORMS_PASSES_TD
