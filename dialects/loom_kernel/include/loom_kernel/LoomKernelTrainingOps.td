//===- LoomKernelTrainingOps.td - training at the kernel level -*- tablegen -*-===//
//
// What `--loom-lower-to-kernels` makes of @train_step: the training kernel
// families of KernelAbi.def ("Training"), where each parameter's gradient
// lives (`loom_kernel.gradient`), the flat blocks the optimizer updates,
// and the one op that zeroes a buffer. Dropout kernels take the run's seed
// and step as `rng(%seed, %step)` (the function's `dropout_seed` and `step`
// scalars) and their site's stream as `dropout_stream`.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_KERNEL_TRAINING_OPS_TD
#define LOOM_KERNEL_TRAINING_OPS_TD

//===----------------------------------------------------------------------===//
// Where gradients and optimizer state live
//===----------------------------------------------------------------------===//

def LoomKernel_GradientOp : LoomKernel_Op<"gradient", [Pure]> {
  let summary = "a parameter's gradient, in the model's gradient block";
  let description = [{
    The part of the gradient block that holds the gradient of the parameter
    `name`, in the layout the parameter is stored in (`transposed` as its
    `loom_kernel.weight`). `train_step` writes it; `apply_gradients` reads
    the whole block.

    ```mlir
    %g = loom_kernel.gradient "output.weight" transposed : !loom_kernel.buffer<[512, 1000], f32>
    ```
  }];
  let arguments = (ins StrAttr:$name, UnitAttr:$transposed);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "$name (`transposed` $transposed^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LoomKernel_TrainingBlockOp : LoomKernel_Op<"training_block", [Pure]> {
  let summary = "every parameter at once: one flat training block";
  let description = [{
    One of the model's flat blocks of P floats (P = the parameter count),
    each holding every parameter in the order and layout of the weights:
    `parameters`, `gradients`, or Adam's `first_moment` and
    `second_moment`. The optimizer updates them in one pass.

    ```mlir
    %m = loom_kernel.training_block "first_moment" : !loom_kernel.buffer<[1234], f32>
    ```
  }];
  let arguments = (ins StrAttr:$block);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "$block attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LoomKernel_ZeroOp : LoomKernel_Op<"zero"> {
  let summary = "sets a buffer (or a view) to 0";
  let description = [{
    Runtime data movement, not a Halide kernel: what `loom.zero_rows`
    becomes, on the rows of a gradient that are 0 by an identity.

    ```mlir
    loom_kernel.zero %rows : !loom_kernel.buffer<[16], f32>
    ```
  }];
  let arguments = (ins LoomKernel_Buffer:$buffer);
  let assemblyFormat = "$buffer attr-dict `:` type($buffer)";
}

//===----------------------------------------------------------------------===//
// Training kernels
//===----------------------------------------------------------------------===//

def LoomKernel_AttentionTrainOp
    : LoomKernel_KernelOp<"attention_train", [], [AttrSizedOperandSegments]> {
  let summary = "attention for training: o and each row's log-sum-exp";
  let description = [{
    As `loom_kernel.attention`, with the probabilities dropped out
    (`dropout` > 0: stream `dropout_stream`, seed and step from `rng`), and
    `lse : [B, H, Sq]` (each query row's log-sum-exp) written for backward.

    ```mlir
    loom_kernel.attention_train %q, %k, %v key_lengths(%len : !loom_kernel.buffer<[B], i32>) rng(%seed, %step) into %o, %lse {dropout = 1.000000e-01 : f32, dropout_stream = 2 : i64, mask = #loom.mask<key_padding>, scale = 1.250000e-01 : f32} : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$q, LoomKernel_Buffer:$k,
                       LoomKernel_Buffer:$v,
                       Optional<LoomKernel_Buffer>:$key_lengths,
                       Variadic<I64>:$rng,
                       LoomKernel_Buffer:$o, LoomKernel_Buffer:$lse,
                       Loom_MaskKindAttr:$mask, F32Attr:$scale,
                       DefaultValuedAttr<F32Attr, "0.0f">:$dropout,
                       DefaultValuedAttr<I64Attr, "0">:$dropout_stream,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`key_lengths` `(` $key_lengths^ `:` type($key_lengths) `)`)?
    (`rng` `(` $rng^ `)`)? `into` $o `,` $lse attr-dict `:` type($q) `,`
    type($k) `,` type($v) `,` type($o) `,` type($lse)
  }];
  let hasVerifier = 1;
}

def LoomKernel_AttentionGradOp
    : LoomKernel_KernelOp<"attention_grad", [], [AttrSizedOperandSegments]> {
  let summary = "attention's backward: dq, dk, dv";
  let description = [{
    The gradients of an `attention_train` call's q, k and v from its o,
    lse and the gradient d_o of o (KernelAbi.def, attention_grad), with the
    same mask, scale and dropout.

    ```mlir
    loom_kernel.attention_grad %q, %k, %v, %o, %do, %lse into %dq, %dk, %dv {mask = #loom.mask<causal>, scale = 1.250000e-01 : f32} : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$q, LoomKernel_Buffer:$k,
                       LoomKernel_Buffer:$v, LoomKernel_Buffer:$o,
                       LoomKernel_Buffer:$d_o, LoomKernel_Buffer:$lse,
                       Optional<LoomKernel_Buffer>:$key_lengths,
                       Variadic<I64>:$rng,
                       LoomKernel_Buffer:$dq, LoomKernel_Buffer:$dk,
                       LoomKernel_Buffer:$dv,
                       Loom_MaskKindAttr:$mask, F32Attr:$scale,
                       DefaultValuedAttr<F32Attr, "0.0f">:$dropout,
                       DefaultValuedAttr<I64Attr, "0">:$dropout_stream,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $o `,` $d_o `,` $lse
    (`key_lengths` `(` $key_lengths^ `:` type($key_lengths) `)`)?
    (`rng` `(` $rng^ `)`)? `into` $dq `,` $dk `,` $dv attr-dict `:`
    type($q) `,` type($k) `,` type($v) `,` type($o) `,` type($d_o) `,`
    type($lse) `,` type($dq) `,` type($dk) `,` type($dv)
  }];
  let hasVerifier = 1;
}

def LoomKernel_LinearGradInputOp
    : LoomKernel_KernelOp<"linear_grad_input", ["getInPlaceInput"],
                          [AttrSizedOperandSegments]> {
  let summary = "dx = dy · wtᵀ, with the backward of what preceded it";
  let description = [{
    A linear layer's input gradient (KernelAbi.def, linear_grad_input):
    `dy : [..., N]`, `wt : [K, N]`, `dx : [..., K]`; then, per
    `activation`, the relu backward (from `saved`, the relu's output after
    its dropout) or the gelu backward (from `saved`, its input), the
    dropout undone (`dropout` > 0), and `acc` added (which may be dx's
    storage).

    ```mlir
    loom_kernel.linear_grad_input %dy, %wt saved(%h : !loom_kernel.buffer<[B, S, 2048], f32>) acc(%r : !loom_kernel.buffer<[B, S, 512], f32>) rng(%seed, %step) into %dx {activation = #loom_kernel.activation<relu>, dropout = 1.000000e-01 : f32, dropout_stream = 4 : i64} : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$dy, LoomKernel_Buffer:$wt,
                       Optional<LoomKernel_Buffer>:$saved,
                       Optional<LoomKernel_Buffer>:$acc,
                       Variadic<I64>:$rng, LoomKernel_Buffer:$dx,
                       LoomKernel_ActivationAttr:$activation,
                       DefaultValuedAttr<F32Attr, "0.0f">:$dropout,
                       DefaultValuedAttr<I64Attr, "0">:$dropout_stream,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $dy `,` $wt (`saved` `(` $saved^ `:` type($saved) `)`)?
    (`acc` `(` $acc^ `:` type($acc) `)`)? (`rng` `(` $rng^ `)`)? `into` $dx
    attr-dict `:` type($dy) `,` type($wt) `,` type($dx)
  }];
  let hasVerifier = 1;
}

def LoomKernel_LinearGradWeightOp : LoomKernel_KernelOp<"linear_grad_weight"> {
  let summary = "dwt = xᵀ · dy and dbias = Σ dy";
  let description = [{
    A linear layer's parameter gradients in the weight's stored layout:
    `x : [..., K]`, `dy : [..., N]`, `dwt : [K, N]`, `dbias : [N]` (usually
    views of the parameter's `loom_kernel.gradient`).

    ```mlir
    loom_kernel.linear_grad_weight %x, %dy into %dwt, %db : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$x, LoomKernel_Buffer:$dy,
                       LoomKernel_Buffer:$dwt, LoomKernel_Buffer:$dbias,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $x `,` $dy `into` $dwt `,` $dbias attr-dict `:` type($x) `,` type($dy)
    `,` type($dwt) `,` type($dbias)
  }];
  let hasVerifier = 1;
}

def LoomKernel_DropoutOp : LoomKernel_KernelOp<"dropout", ["getInPlaceInput"]> {
  let summary = "y = act(x), dropped out";
  let description = [{
    Elementwise `y = act(x)` (`activation`), then, when `dropout` > 0, each
    element kept or zeroed by stream `dropout_stream`'s mask and scaled by
    1 / (1 − p). y may be x's storage. With act none, the same call on a
    gradient undoes a dropout (same stream: same mask).

    ```mlir
    loom_kernel.dropout %x rng(%seed, %step) into %y {activation = #loom_kernel.activation<none>, dropout = 1.000000e-01 : f32, dropout_stream = 1 : i64} : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$x, Variadic<I64>:$rng,
                       LoomKernel_Buffer:$y,
                       LoomKernel_ActivationAttr:$activation,
                       DefaultValuedAttr<F32Attr, "0.0f">:$dropout,
                       DefaultValuedAttr<I64Attr, "0">:$dropout_stream,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $x (`rng` `(` $rng^ `)`)? `into` $y attr-dict `:` type($x) `,` type($y)
  }];
  let hasVerifier = 1;
}

def LoomKernel_LayerNormGradOp
    : LoomKernel_KernelOp<"layer_norm_grad", ["getInPlaceInput"]> {
  let summary = "a layer norm's backward: dx, dgamma, dbeta";
  let description = [{
    From `dy`, the normalised input `x`, its `stats` ([..., 2]: mean,
    1/std) and `gamma` (KernelAbi.def, layer_norm_grad); `acc`, when given,
    is added to dx (and may be dx's storage).

    ```mlir
    loom_kernel.layer_norm_grad %dy, %x, %stats, %g acc(%r : !loom_kernel.buffer<[B, S, 512], f32>) into %dx, %dg, %db : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$dy, LoomKernel_Buffer:$x,
                       LoomKernel_Buffer:$stats, LoomKernel_Buffer:$gamma,
                       Optional<LoomKernel_Buffer>:$acc,
                       LoomKernel_Buffer:$dx, LoomKernel_Buffer:$dgamma,
                       LoomKernel_Buffer:$dbeta,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $dy `,` $x `,` $stats `,` $gamma (`acc` `(` $acc^ `:` type($acc) `)`)?
    `into` $dx `,` $dgamma `,` $dbeta attr-dict `:` type($dy) `,` type($x)
    `,` type($stats) `,` type($gamma) `,` type($dx) `,` type($dgamma) `,`
    type($dbeta)
  }];
  let hasVerifier = 1;
}

def LoomKernel_EmbedGradOp : LoomKernel_KernelOp<"embed_grad"> {
  let summary = "an embedding table's gradient";
  let description = [{
    `dtable[v, :] = scale · Σ dout[b, s, :]` over the positions whose token
    is v, in position order; other rows 0.

    ```mlir
    loom_kernel.embed_grad %tokens, %dout into %dtable {scale = 22.6274166 : f32} : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$tokens, LoomKernel_Buffer:$dout,
                       LoomKernel_Buffer:$dtable, F32Attr:$scale,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $tokens `,` $dout `into` $dtable attr-dict `:` type($tokens) `,`
    type($dout) `,` type($dtable)
  }];
  let hasVerifier = 1;
}

def LoomKernel_CrossEntropyOp
    : LoomKernel_KernelOp<"cross_entropy", ["getInPlaceInput"]> {
  let summary = "the mean loss and the logits' gradient, in one pass";
  let description = [{
    KernelAbi.def, cross_entropy: `logits : [..., V]`, `labels : [...]`,
    `loss : [1]`, `dlogits` the logits' shape (and usually their storage).

    ```mlir
    loom_kernel.cross_entropy %logits, %labels into %loss, %dlogits {ignore_index = 0 : i64, label_smoothing = 1.000000e-01 : f32} : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$logits, LoomKernel_Buffer:$labels,
                       LoomKernel_Buffer:$loss, LoomKernel_Buffer:$dlogits,
                       I64Attr:$ignore_index, F32Attr:$label_smoothing,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $logits `,` $labels `into` $loss `,` $dlogits attr-dict `:` type($logits)
    `,` type($labels) `,` type($loss) `,` type($dlogits)
  }];
  let hasVerifier = 1;
}

def LoomKernel_AdamOp : LoomKernel_KernelOp<"adam"> {
  let summary = "one Adam step over the flat training blocks";
  let description = [{
    Updates `param`, `m` and `v` in place from `grad` (all flat [P]
    training blocks), with the runtime's `step_size` and
    `bias_correction2_sqrt` for this step (KernelAbi.def, adam).

    ```mlir
    loom_kernel.adam %p, %g, %m, %v, %size, %bc2 {beta1 = 9.000000e-01 : f32, beta2 = 9.800000e-01 : f32, epsilon = 9.99999971E-10 : f32} : ...
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$param, LoomKernel_Buffer:$grad,
                       LoomKernel_Buffer:$m, LoomKernel_Buffer:$v,
                       F32:$step_size, F32:$bias_correction2_sqrt,
                       F32Attr:$beta1, F32Attr:$beta2, F32Attr:$epsilon,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $step_size `,` $bias_correction2_sqrt
    attr-dict `:` type($param) `,` type($grad) `,` type($m) `,` type($v)
  }];
  let hasVerifier = 1;
}

#endif // LOOM_KERNEL_TRAINING_OPS_TD
