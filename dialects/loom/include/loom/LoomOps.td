//===- LoomOps.td - loom dialect ops -------------------------*- tablegen -*-===//
//
// Shape notation in descriptions: B batch, S/T sequence lengths, D model width,
// H heads, Dh = D / H head width, V vocabulary, N output features, K input
// features. "compatible" dims are equal or at least one is dynamic.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_OPS_TD
#define LOOM_OPS_TD

include "loom/LoomDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "loom/GradientOpInterface.td"

class Loom_Op<string mnemonic, list<Trait> traits = []>
    : Op<Loom_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Parameters and inputs
//===----------------------------------------------------------------------===//

def Loom_WeightOp : Loom_Op<"weight", [Pure]> {
  let summary = "a named model parameter";
  let description = [{
    Yields the parameter called `name` (its safetensors / PyTorch `state_dict`
    name). The result type must be fully static: it is the shape the weights
    file must hold.

    ```mlir
    %w = loom.weight "output.weight" : tensor<1000x512xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Loom_EmbeddingOp : Loom_Op<"embedding", [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "embedding table lookup";
  let description = [{
    `result[b, s, :] = table[tokens[b, s], :]` for `table : [V, D]` and
    `tokens : [B, S]`; the result is `[B, S, D]`. A token id outside `[0, V)`
    is an error reported by the runtime before the lookup runs.

    ```mlir
    %e = loom.embedding %table[%tokens] : tensor<1000x512xf32>, tensor<?x?xi32> -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$table, Loom_IdTensor:$tokens);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = [{
    $table `[` $tokens `]` attr-dict `:` type($table) `,` type($tokens) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_PositionalEncodingOp : Loom_Op<"positional_encoding",
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "adds the sinusoidal position table";
  let description = [{
    `result[b, s, :] = x[b, s, :] + P[s, :]` for `x : [B, S, D]` with `D` even,
    where `P[pos, 2i] = sin(pos / 10000^(2i/D))` and
    `P[pos, 2i+1] = cos(pos / 10000^(2i/D))` (computed in double precision,
    rounded to f32), for `pos < max_len`. `S` must not exceed `max_len`.

    ```mlir
    %p = loom.positional_encoding %x {max_len = 128 : i64} : tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, I64Attr:$max_len);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Loom_LinearOp : Loom_Op<"linear", [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "affine map over the last axis: x · Wᵀ + b";
  let description = [{
    `result[..., n] = sum_k x[..., k] * W[r0 + n, k] + b[r0 + n]` for
    `x : [..., K]`, `W : [R, K]`, optional `b : [R]`, giving `[..., N]`.

    Without `weight_rows` all `R = N` rows are used. With
    `weight_rows = array<i64: r0, N>` only rows `[r0, r0 + N)` of `W` and `b`
    take part: this is how PyTorch's packed `in_proj_weight : [3D, D]` is
    read, e.g. rows `[0, D)` for a cross-attention query and rows `[D, 3D)`
    for its keys and values.

    ```mlir
    %qkv = loom.linear %x, %w, %b : (tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) -> tensor<?x?x1536xf32>
    %q = loom.linear %y, %w, %b {weight_rows = array<i64: 0, 512>} : (tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, Loom_F32Tensor:$weight,
                       Optional<Loom_F32Tensor>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$weight_rows);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// First weight row used and the number of rows (= output features).
    std::pair<int64_t, int64_t> getRowRange();
  }];
}

def Loom_MatmulOp : Loom_Op<"matmul", [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "batched matrix product";
  let description = [{
    `result[..., m, n] = sum_k lhs[..., m, k] * rhs[..., k, n]`, or with
    `transpose_rhs`, `sum_k lhs[..., m, k] * rhs[..., n, k]` (Q · Kᵀ), and
    with `transpose_lhs`, `sum_k lhs[..., k, m] * ...` (Pᵀ · dO, a gradient).
    Both operands have the same rank (at least 2) and compatible batch dims.

    ```mlir
    %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$lhs, Loom_F32Tensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_SplitHeadsOp : Loom_Op<"split_heads", [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "[B, S, chunks·H·Dh] → [B, H, S, Dh], one chunk";
  let description = [{
    Views the last axis as `chunks` consecutive blocks of `H·Dh` features
    (PyTorch's packed q|k|v order), takes block `chunk`, and moves the head
    axis in front of the sequence axis:
    `result[b, h, s, e] = input[b, s, chunk·H·Dh + h·Dh + e]`.
    `H = heads`; the result's head axis must be static and equal `heads`.

    ```mlir
    %k = loom.split_heads %qkv {heads = 8 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x1536xf32> -> tensor<?x8x?x64xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, I64Attr:$heads,
                       DefaultValuedAttr<I64Attr, "1">:$chunks,
                       DefaultValuedAttr<I64Attr, "0">:$chunk);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Loom_MergeHeadsOp : Loom_Op<"merge_heads", [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "[B, H, S, Dh] → [B, S, H·Dh]";
  let description = [{
    The inverse of a one-chunk `loom.split_heads`:
    `result[b, s, h·Dh + e] = input[b, h, s, e]`.

    ```mlir
    %m = loom.merge_heads %a : tensor<?x8x?x64xf32> -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Loom_BinaryOp<string mnemonic, string formula>
    : Loom_Op<mnemonic, [Pure, Commutative, SameOperandsAndResultType,
                         // One type exactly, not merely compatible ones:
                         // the format prints only the result's.
                         AllTypesMatch<["lhs", "rhs", "result"]>,
                         DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "elementwise " # formula;
  let description = "`result = " # formula # "` elementwise; operands and "
      "result have one type (no broadcasting).";
  let arguments = (ins Loom_F32Tensor:$lhs, Loom_F32Tensor:$rhs);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Loom_AddOp : Loom_BinaryOp<"add", "lhs + rhs">;
def Loom_MulOp : Loom_BinaryOp<"mul", "lhs * rhs">;

class Loom_UnaryOp<string mnemonic, list<Trait> traits = []>
    : Loom_Op<mnemonic, !listconcat([SameOperandsAndResultType], traits)> {
  let arguments = (ins Loom_F32Tensor:$input);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Loom_ScaleOp : Loom_Op<"scale", [Pure, SameOperandsAndResultType,
                                       DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "multiplies by a constant";
  let description = [{
    `result = input * factor` elementwise. Scaling by 1 folds away.

    ```mlir
    %y = loom.scale %x {factor = 1.250000e-01 : f32} : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, F32Attr:$factor);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasFolder = 1;
}

def Loom_ReluOp : Loom_UnaryOp<"relu", [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "rectified linear unit";
  let description = "`result = max(input, 0)` elementwise.";
}

def Loom_GeluOp : Loom_UnaryOp<"gelu", [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "Gaussian error linear unit (erf form)";
  let description =
      "`result = 0.5 * x * (1 + erf(x / sqrt(2)))` elementwise (PyTorch's "
      "default, not the tanh approximation).";
}

def Loom_DropoutOp : Loom_UnaryOp<"dropout", [DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "inverted dropout (training only)";
  let description = [{
    In training, each element is zeroed with probability `probability` and
    the survivors are scaled by `1 / (1 - probability)`. In inference it is
    the identity (`--loom-strip-dropout` removes it). `0 <= probability < 1`;
    a probability of 0 folds away. Not `Pure`: it draws random numbers.

    The mask is a pure function of the training run's seed and step, the
    op's `stream` and each element's row-major index (a counter-based
    generator, `compiler/halide/Philox.h`): two dropout ops with one stream
    apply the same mask, which is how backward undoes a dropout (its
    gradient is the same dropout of the incoming gradient).
    `--loom-autodiff` numbers the streams of a training function.

    ```mlir
    %y = loom.dropout %x {probability = 1.000000e-01 : f32, stream = 3 : i64} : tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, F32Attr:$probability,
                       DefaultValuedAttr<I64Attr, "0">:$stream);
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Masking, softmax, normalisation
//===----------------------------------------------------------------------===//

def Loom_CausalMaskOp : Loom_Op<"causal_mask",
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "hides later keys from each query";
  let description = [{
    For scores `[..., Sq, Sk]`: `result[..., i, j] = fill` where `j > i`,
    else `scores[..., i, j]` (query `i` and key `i` are the same position).
    `fill` is -inf (the default) in forward and 0 in a gradient.

    ```mlir
    %m = loom.causal_mask %s : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$scores,
                       DefaultValuedAttr<F32Attr, "-INFINITY">:$fill);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$scores attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Loom_KeyPaddingMaskOp : Loom_Op<"key_padding_mask",
    [Pure, AllTypesMatch<["scores", "result"]>, DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "hides padding keys, given each row's length";
  let description = [{
    For scores `[B, ..., Sk]` and `lengths : [B]`:
    `result[b, ..., j] = fill` where `j >= lengths[b]`, else
    `scores[b, ..., j]`; `fill` is -inf (the default) in forward and 0 in a
    gradient. The runtime refuses lengths outside `[1, Sk]`, so no row is
    masked entirely.

    ```mlir
    %m = loom.key_padding_mask %s, %len : tensor<?x8x?x?xf32>, tensor<?xi32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$scores, Loom_IdTensor:$lengths,
                       DefaultValuedAttr<F32Attr, "-INFINITY">:$fill);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = [{
    $scores `,` $lengths attr-dict `:` type($scores) `,` type($lengths)
  }];
  let hasVerifier = 1;
}

def Loom_SoftmaxOp : Loom_Op<"softmax", [Pure, SameOperandsAndResultType,
                                           DeclareOpInterfaceMethods<Loom_GradientOpInterface>]> {
  let summary = "softmax along one axis";
  let description = [{
    `result = exp(x - max(x)) / sum(exp(x - max(x)))` along `axis`
    (`0 <= axis < rank`). Entries equal to `-inf` get weight 0.

    ```mlir
    %p = loom.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, I64Attr:$axis);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Loom_LayerNormOp : Loom_Op<"layer_norm",
    [Pure, AllTypesMatch<["input", "result"]>, AllTypesMatch<["gamma", "beta"]>,
     DeclareOpInterfaceMethods<Loom_GradientOpInterface, ["buildTrainingForm"]>]> {
  let summary = "layer normalisation over the last axis";
  let description = [{
    For `x : [..., D]`, `gamma, beta : [D]`:
    `result = (x - mean) / sqrt(var + epsilon) * gamma + beta`, where mean and
    the biased variance are taken over the last axis. `epsilon > 0`.

    In training (`--loom-autodiff`) the op also returns `stats : [..., 2]`,
    each row's mean and `1 / sqrt(var + epsilon)`, which its gradient reads
    instead of recomputing them.

    ```mlir
    %n = loom.layer_norm %x, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32>
    %n2, %stats = loom.layer_norm %x, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x2xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, Loom_F32Tensor:$gamma,
                       Loom_F32Tensor:$beta, F32Attr:$epsilon);
  let results = (outs Loom_F32Tensor:$result, Optional<Loom_F32Tensor>:$stats);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
    (`->` type($stats)^)?
  }];
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "mlir::Value":$input, "mlir::Value":$gamma,
                                 "mlir::Value":$beta, "float":$epsilon), [{
    build($_builder, $_state, input.getType(), /*stats=*/mlir::Type(), input,
          gamma, beta, $_builder.getF32FloatAttr(epsilon));
  }]>];
}

//===----------------------------------------------------------------------===//
// Loss
//===----------------------------------------------------------------------===//

def Loom_CrossEntropyOp : Loom_Op<"cross_entropy", [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface, ["buildTrainingForm"]>]> {
  let summary = "mean label-smoothed cross-entropy over non-ignored labels";
  let description = [{
    For `logits : [B, T, V]` and `labels : [B, T]`, with
    `lp = log_softmax(logits)` over the last axis and `eps = label_smoothing`:
    `loss(b, t) = -(1 - eps) * lp[b, t, labels[b, t]] - eps / V * sum_v lp[b, t, v]`,
    and the result is the mean of `loss` over positions whose label is not
    `ignore_index` (PyTorch's `cross_entropy(..., ignore_index,
    label_smoothing)`). `0 <= label_smoothing < 1`.

    In training the op also returns `lse : [B, T]`, each position's
    log-sum-exp of the logits, which its gradient reads.

    ```mlir
    %l = loom.cross_entropy %logits, %labels {ignore_index = 0 : i64, label_smoothing = 1.000000e-01 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32> -> tensor<f32>
    %l2, %lse = loom.cross_entropy %logits, %labels {ignore_index = 0 : i64, label_smoothing = 1.000000e-01 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32> -> tensor<f32>, tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$logits, Loom_IdTensor:$labels,
                       I64Attr:$ignore_index, F32Attr:$label_smoothing);
  let results = (outs Loom_ScalarF32Tensor:$result,
                      Optional<Loom_F32Tensor>:$lse);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type(results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused ops
//===----------------------------------------------------------------------===//

def Loom_FusedAttentionOp : Loom_Op<"fused_attention",
    [Pure, DeclareOpInterfaceMethods<Loom_GradientOpInterface, ["buildTrainingForm"]>]> {
  let summary = "softmax(mask(scale · Q · Kᵀ)) · V in one op";
  let description = [{
    For `query : [B, H, Sq, Dh]`, `key, value : [B, H, Sk, Dh]`:
    `scores = scale * query · keyᵀ`, then the mask (`causal`: key `j > i`
    hidden; `key_padding`: key `j >= key_lengths[b]` hidden;
    `causal_key_padding`: both; `none`), then softmax over the key axis, then
    `· value`. The result is `[B, H, Sq, Dh]`. `heads` equals `H`; `scale > 0`
    (the importer and the fusion use `1/sqrt(Dh)`). `key_lengths : [B]` is
    present exactly when the mask has a key-padding part.

    Semantically equal to the unfused chain it replaces; a kernel may compute
    it block by block with an online softmax and never hold `[B, H, Sq, Sk]`.

    In training, `dropout` (default 0) drops the probabilities before `·
    value`, with mask stream `dropout_stream` (see `loom.dropout`), and the
    op may also return `lse : [B, H, Sq]`, each query row's log-sum-exp of
    its masked, scaled scores: its gradient recomputes the probabilities
    from it.

    ```mlir
    %a = loom.fused_attention %q, %k, %v key_lengths(%len : tensor<?xi32>)
           {heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 1.250000e-01 : f32}
           : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$query, Loom_F32Tensor:$key,
                       Loom_F32Tensor:$value,
                       Optional<Loom_IdTensor>:$key_lengths,
                       Loom_MaskKindAttr:$mask, F32Attr:$scale,
                       I64Attr:$heads,
                       DefaultValuedAttr<F32Attr, "0.0f">:$dropout,
                       DefaultValuedAttr<I64Attr, "0">:$dropout_stream);
  let results = (outs Loom_F32Tensor:$result, Optional<Loom_F32Tensor>:$lse);
  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`key_lengths` `(` $key_lengths^ `:` type($key_lengths) `)`)?
    attr-dict `:` type($query) `,` type($key) `,` type($value) `->` type(results)
  }];
  let hasVerifier = 1;
}

def Loom_AddNormOp : Loom_Op<"add_norm",
    [Pure, AllTypesMatch<["input", "residual", "result"]>,
     AllTypesMatch<["gamma", "beta"]>, DeclareOpInterfaceMethods<Loom_GradientOpInterface, ["buildTrainingForm"]>]> {
  let summary = "LayerNorm(input + residual), optionally also the sum";
  let description = [{
    `sum = input + residual` (same type), then
    `result = layer_norm(sum, gamma, beta, epsilon)` over the last axis, as in
    `loom.layer_norm`. Post-norm layers need only `result`. Pre-norm layers
    also keep `sum` as the next residual: the op then has a second result
    holding it. In training it has both and a third, `stats : [..., 2]`
    (each row's mean and 1/std, as `loom.layer_norm`'s), which its gradient
    reads with the sum.

    ```mlir
    %n = loom.add_norm %x, %r, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>
    %n2, %sum = loom.add_norm %x, %r, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>, tensor<?x?x512xf32>
    %n3, %sum3, %stats = loom.add_norm %x, %r, %g, %b {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<?x?x2xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, Loom_F32Tensor:$residual,
                       Loom_F32Tensor:$gamma, Loom_F32Tensor:$beta,
                       F32Attr:$epsilon);
  let results = (outs Loom_F32Tensor:$result, Variadic<Loom_F32Tensor>:$saved);
  let extraClassDeclaration = [{
    /// The sum input + residual, if the op returns it.
    ::mlir::Value getSum() { return getSaved().empty() ? ::mlir::Value() : getSaved()[0]; }
    /// Each row's (mean, 1/std), in training.
    ::mlir::Value getStats() { return getSaved().size() < 2 ? ::mlir::Value() : getSaved()[1]; }
  }];
  let assemblyFormat = [{
    $input `,` $residual `,` $gamma `,` $beta attr-dict `:` type($input) `,`
    type($gamma) `->` type(results)
  }];
  let hasVerifier = 1;
}

include "loom/LoomTrainingOps.td"

#endif // LOOM_OPS_TD
