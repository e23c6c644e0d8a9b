//===- LoomTrainingOps.td - gradients and the optimizer ------*- tablegen -*-===//
//
// The ops `--loom-autodiff` emits: each forward op's gradient (the fused
// ones keep what forward saved instead of recomputing it), the joins of
// gradient slices, and the optimizer update. Shapes as in LoomOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_TRAINING_OPS_TD
#define LOOM_TRAINING_OPS_TD

//===----------------------------------------------------------------------===//
// Gradients of the fused ops
//===----------------------------------------------------------------------===//

def Loom_FusedAttentionGradOp : Loom_Op<"fused_attention_grad",
    [Pure, AllTypesMatch<["d_out", "query", "out", "dq"]>,
     AllTypesMatch<["key", "dk"]>, AllTypesMatch<["value", "dv"]>]> {
  let summary = "the gradients of loom.fused_attention's query, key and value";
  let description = [{
    For the `loom.fused_attention` with these operands and attributes that
    produced `out` and `lse`, and the gradient `d_out` of `out`: with
    `P = exp(mask(scale · query · keyᵀ) − lse)` (the probabilities,
    recomputed from the saved log-sum-exp), `Pd` the same after its dropout
    (mask `dropout_stream`) and `D = rowsum(d_out ∘ out)`:
    `dv = Pdᵀ · d_out`, `dP = d_out · valueᵀ` with the dropout undone,
    `dS = P ∘ (dP − D)`, `dq = scale · dS · key`, `dk = scale · dSᵀ · query`.
    A kernel computes it block by block (FlashAttention-2) and never holds
    `[B, H, Sq, Sk]`.

    ```mlir
    %dq, %dk, %dv = loom.fused_attention_grad %do, %q, %k, %v, %o, %lse key_lengths(%len : tensor<?xi32>)
        {heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 1.250000e-01 : f32}
        : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$d_out, Loom_F32Tensor:$query,
                       Loom_F32Tensor:$key, Loom_F32Tensor:$value,
                       Loom_F32Tensor:$out, Loom_F32Tensor:$lse,
                       Optional<Loom_IdTensor>:$key_lengths,
                       Loom_MaskKindAttr:$mask, F32Attr:$scale, I64Attr:$heads,
                       DefaultValuedAttr<F32Attr, "0.0f">:$dropout,
                       DefaultValuedAttr<I64Attr, "0">:$dropout_stream);
  let results = (outs Loom_F32Tensor:$dq, Loom_F32Tensor:$dk,
                      Loom_F32Tensor:$dv);
  let assemblyFormat = [{
    $d_out `,` $query `,` $key `,` $value `,` $out `,` $lse
    (`key_lengths` `(` $key_lengths^ `:` type($key_lengths) `)`)?
    attr-dict `:` type($query) `,` type($key) `,` type($value) `,` type($lse)
  }];
  let hasVerifier = 1;
}

def Loom_LayerNormGradOp : Loom_Op<"layer_norm_grad",
    [Pure, AllTypesMatch<["dy", "input", "dx"]>,
     AllTypesMatch<["gamma", "dgamma", "dbeta"]>]> {
  let summary = "the gradients of a layer norm's input, gamma and beta";
  let description = [{
    For `y = layer_norm(input, gamma, beta)` whose rows' mean and 1/std are
    `stats : [..., 2]` (saved by forward), and the gradient `dy` of `y`:
    with `xh = (input − mean) · rstd` and `g = dy · gamma`,
    `dx = rstd · (g − mean(g) − xh · mean(g · xh))` per row (plus
    `accumulate`, a gradient the input already has, when given),
    `dgamma = Σ_rows dy · xh`, `dbeta = Σ_rows dy`. For `loom.add_norm`,
    `input` is the saved sum and `dx` the gradient of the sum.

    ```mlir
    %dx, %dg, %db = loom.layer_norm_grad %dy, %sum, %stats, %g accumulate(%acc : tensor<?x?x512xf32>) : tensor<?x?x512xf32>, tensor<?x?x2xf32>, tensor<512xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$dy, Loom_F32Tensor:$input,
                       Loom_F32Tensor:$stats, Loom_F32Tensor:$gamma,
                       Optional<Loom_F32Tensor>:$accumulate);
  let results = (outs Loom_F32Tensor:$dx, Loom_F32Tensor:$dgamma,
                      Loom_F32Tensor:$dbeta);
  let assemblyFormat = [{
    $dy `,` $input `,` $stats `,` $gamma
    (`accumulate` `(` $accumulate^ `:` type($accumulate) `)`)?
    attr-dict `:` type($input) `,` type($stats) `,` type($gamma)
  }];
  let hasVerifier = 1;
}

def Loom_CrossEntropyGradOp : Loom_Op<"cross_entropy_grad",
    [Pure, AllTypesMatch<["logits", "result"]>]> {
  let summary = "the gradient of loom.cross_entropy's logits";
  let description = [{
    For the `loom.cross_entropy` with these operands and attributes whose
    positions' log-sum-exp is `lse : [B, T]` (saved by forward), and the
    gradient `d_loss` of the loss (1 when absent: the loss is the root):
    with `C` the number of labels that are not `ignore_index`,
    `result[b, t, v] = d_loss · (exp(logits[b, t, v] − lse[b, t])
    − (1 − eps) [v = labels[b, t]] − eps / V) / C`, and 0 at ignored
    positions. A kernel writes it in the pass that computes the loss,
    over the logits' own storage.

    ```mlir
    %dl = loom.cross_entropy_grad %logits, %labels, %lse {ignore_index = 0 : i64, label_smoothing = 1.000000e-01 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32>, tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$logits, Loom_IdTensor:$labels,
                       Loom_F32Tensor:$lse,
                       Optional<Loom_ScalarF32Tensor>:$d_loss,
                       I64Attr:$ignore_index, F32Attr:$label_smoothing);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels `,` $lse (`scaled` `(` $d_loss^ `:` type($d_loss) `)`)?
    attr-dict `:` type($logits) `,` type($labels) `,` type($lse)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Gradients of the other ops
//===----------------------------------------------------------------------===//

def Loom_LinearGradInputOp : Loom_Op<"linear_grad_input", [Pure]> {
  let summary = "the gradient of loom.linear's input: dy · W";
  let description = [{
    `dx[..., k] = sum_n dy[..., n] * W[r0 + n, k]` for `dy : [..., N]` and
    `W : [R, K]`, with `weight_rows = [r0, N]` as the forward
    `loom.linear` read them (all rows when absent), plus `accumulate` when
    given (a gradient `dx` already had: backward sums the gradients of a
    value's uses, and the kernel adds this one in its epilogue).

    ```mlir
    %dx = loom.linear_grad_input %dy, %w {weight_rows = array<i64: 0, 512>} : tensor<?x?x512xf32>, tensor<1536x512xf32> -> tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$dy, Loom_F32Tensor:$weight,
                       Optional<Loom_F32Tensor>:$accumulate,
                       OptionalAttr<DenseI64ArrayAttr>:$weight_rows);
  let results = (outs Loom_F32Tensor:$dx);
  let assemblyFormat = [{
    $dy `,` $weight (`accumulate` `(` $accumulate^ `:` type($accumulate) `)`)?
    attr-dict `:` type($dy) `,` type($weight) `->` type($dx)
  }];
  let hasVerifier = 1;
}

def Loom_LinearGradWeightOp : Loom_Op<"linear_grad_weight", [Pure]> {
  let summary = "the gradients of loom.linear's weight rows and bias: dyᵀ · x";
  let description = [{
    `dw[n, k] = sum_rows dy[..., n] * input[..., k]` and
    `db[n] = sum_rows dy[..., n]` for `dy : [..., N]`, `input : [..., K]`:
    the gradients of the N weight (and bias) rows the forward linear read.

    ```mlir
    %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x1536xf32>, tensor<?x?x512xf32> -> tensor<1536x512xf32>, tensor<1536xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$dy, Loom_F32Tensor:$input);
  let results = (outs Loom_F32Tensor:$dw, Loom_F32Tensor:$db);
  let assemblyFormat = [{
    $dy `,` $input attr-dict `:` type($dy) `,` type($input) `->` type($dw) `,` type($db)
  }];
  let hasVerifier = 1;
}

def Loom_EmbeddingGradOp : Loom_Op<"embedding_grad", [Pure]> {
  let summary = "the gradient of an embedding table: a scatter-add of rows";
  let description = [{
    `result[v, :] = sum of dy[b, s, :] over the positions whose token is v`
    (0 for rows no token names), for `dy : [B, S, D]`, `tokens : [B, S]`,
    `result : [V, D]`. Summed in position order: deterministic.

    ```mlir
    %dt = loom.embedding_grad %dy, %tokens : tensor<?x?x512xf32>, tensor<?x?xi32> -> tensor<1000x512xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$dy, Loom_IdTensor:$tokens);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = [{
    $dy `,` $tokens attr-dict `:` type($dy) `,` type($tokens) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Loom_ReluGradOp : Loom_Op<"relu_grad",
    [Pure, AllTypesMatch<["dy", "output", "result"]>]> {
  let summary = "the gradient of loom.relu, from its output";
  let description = [{
    `result = output > 0 ? dy * scale : 0` elementwise (`scale` defaults to
    1), where `output` is the relu's result. Undoing a dropout that follows
    the relu can read the dropout's output instead (positive exactly where
    the relu was positive and the element kept) with `scale = 1 / (1 − p)`:
    the relu's own output need not be kept.

    ```mlir
    %dz = loom.relu_grad %dh, %h : tensor<?x?x2048xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$dy, Loom_F32Tensor:$output,
                       DefaultValuedAttr<F32Attr, "1.0f">:$scale);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$dy `,` $output attr-dict `:` type($result)";
}

def Loom_GeluGradOp : Loom_Op<"gelu_grad",
    [Pure, AllTypesMatch<["dy", "input", "result"]>]> {
  let summary = "the gradient of loom.gelu, from its input";
  let description = [{
    `result = dy * (Φ(x) + x φ(x))` elementwise, the derivative of the erf
    GELU at its input `x` (Φ, φ: the standard normal CDF and density).

    ```mlir
    %dz = loom.gelu_grad %dh, %z : tensor<?x?x2048xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$dy, Loom_F32Tensor:$input);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$dy `,` $input attr-dict `:` type($result)";
}

def Loom_SoftmaxGradOp : Loom_Op<"softmax_grad",
    [Pure, AllTypesMatch<["dy", "output", "result"]>]> {
  let summary = "the gradient of loom.softmax, from its output";
  let description = [{
    `result = output * (dy − sum(dy * output))`, the sum along `axis`,
    where `output` is the softmax's result.

    ```mlir
    %ds = loom.softmax_grad %dp, %p {axis = 3 : i64} : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$dy, Loom_F32Tensor:$output,
                       I64Attr:$axis);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$dy `,` $output attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Joining gradients
//===----------------------------------------------------------------------===//

def Loom_ConcatOp : Loom_Op<"concat", [Pure]> {
  let summary = "joins tensors along one axis";
  let description = [{
    The operands in order along `axis`; every other dim agrees. Backward
    joins the gradient slices of one value with it: the query, key and
    value parts of a packed projection, or the rows of a packed weight that
    two linear layers read.

    ```mlir
    %dqkv = loom.concat %dq, %dk, %dv {axis = 2 : i64} : (tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<?x?x512xf32>) -> tensor<?x?x1536xf32>
    ```
  }];
  let arguments = (ins Variadic<Loom_F32Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, $result)";
  let hasVerifier = 1;
}

def Loom_ZeroRowsOp : Loom_Op<"zero_rows",
    [Pure, SameOperandsAndResultType, AllTypesMatch<["input", "result"]>]> {
  let summary = "the input with a range of rows set to zero";
  let description = [{
    `result = input` except indices `[start, start + count)` of axis 0,
    which are 0. `--loom-zero-key-bias-gradient` uses it for gradients that
    are 0 by an identity the float arithmetic does not see.

    ```mlir
    %g = loom.zero_rows %db {count = 512 : i64, start = 512 : i64} : tensor<1536xf32>
    ```
  }];
  let arguments = (ins Loom_F32Tensor:$input, I64Attr:$start, I64Attr:$count);
  let results = (outs Loom_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// The optimizer
//===----------------------------------------------------------------------===//

def Loom_AdamOp : Loom_Op<"adam", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "one Adam update of a named parameter";
  let description = [{
    Updates the parameter `name` (a `loom.weight` name) and its optimizer
    state from its gradient, as `torch.optim.Adam` (no weight decay):
    `m = beta1 m + (1 − beta1) g`, `v = beta2 v + (1 − beta2) g²`,
    `w −= lr / (1 − beta1^t) · m / (sqrt(v) / sqrt(1 − beta2^t) + epsilon)`,
    where `t` is the training step (counted by the runtime, 1 at the first
    step) and `lr` the step's learning rate. The moments start at 0.

    ```mlir
    loom.adam "output.weight", %dw, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-09 : f64} : tensor<1000x512xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins StrAttr:$name, Loom_F32Tensor:$gradient,
                       Loom_ScalarF32Tensor:$lr, F64Attr:$beta1,
                       F64Attr:$beta2, F64Attr:$epsilon);
  let assemblyFormat = [{
    $name `,` $gradient `,` $lr attr-dict `:` type($gradient) `,` type($lr)
  }];
  let hasVerifier = 1;
}

#endif // LOOM_TRAINING_OPS_TD
