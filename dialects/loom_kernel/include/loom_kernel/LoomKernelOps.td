//===- LoomKernelOps.td - loom_kernel ops --------------------*- tablegen -*-===//
//
// Shape notation: B batch, S/T source/target length (buffer symbols), D model
// width, H heads, Dh head width, V vocabulary, K input and N output features.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_KERNEL_OPS_TD
#define LOOM_KERNEL_OPS_TD

include "loom_kernel/LoomKernelDialect.td"
include "loom_kernel/LoomKernelTypes.td"
include "loom_kernel/KernelOpInterface.td"
include "loom/LoomDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def LoomKernel_Buffer : Type<CPred<"::llvm::isa<::loom::kernel::BufferType>($_self)">,
    "loom_kernel buffer", "::loom::kernel::BufferType">;

//===----------------------------------------------------------------------===//
// Where buffers come from
//===----------------------------------------------------------------------===//

def LoomKernel_WeightOp : LoomKernel_Op<"weight", [Pure]> {
  let summary = "a model parameter, in the layout its kernels read";
  let description = [{
    The parameter called `name` (its state_dict name). With `transposed`,
    the buffer is the transpose of the state_dict tensor: a linear weight
    `[N, K]` is kept as `[K, N]` so the kernel streams output columns. The
    runtime keeps one copy, in this layout, and transposes when it loads
    or saves a weights file.

    ```mlir
    %w = loom_kernel.weight "output.weight" transposed : !loom_kernel.buffer<[512, 1000], f32>
    ```
  }];
  let arguments = (ins StrAttr:$name, UnitAttr:$transposed);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "$name (`transposed` $transposed^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LoomKernel_PositionalTableOp : LoomKernel_Op<"positional_table", [Pure]> {
  let summary = "the sinusoidal position table [max_len, D]";
  let description = [{
    `P[pos, 2i] = sin(pos / 10000^(2i/D))`, `P[pos, 2i+1] = cos(...)`,
    computed in double precision and rounded, once per model by the runtime.

    ```mlir
    %pe = loom_kernel.positional_table : !loom_kernel.buffer<[128, 512], f32>
    ```
  }];
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LoomKernel_AllocOp : LoomKernel_Op<"alloc",
    [MemoryEffects<[MemAlloc]>]> {
  let summary = "a scratch buffer in the function's arena";
  let description = [{
    A contiguous buffer that lives from its first write to its last use.
    `--loom-plan-buffers` gives it an `offset` in the arena: for a buffer
    with `B` and `S` or `T` dims, in units of `rows_max = B * max(S, T)`
    floats (its rows fit in one unit per row element); for one with only
    static dims (and perhaps `B`), in bytes past the row-sized part.

    ```mlir
    %0 = loom_kernel.alloc : !loom_kernel.buffer<[B, S, 48], f32>
    %1 = loom_kernel.alloc offset 16 : !loom_kernel.buffer<[B, S, 48], f32>
    ```
  }];
  let arguments = (ins OptionalAttr<I64Attr>:$offset);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "(`offset` $offset^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LoomKernel_StateOp : LoomKernel_Op<"state", [Pure]> {
  let summary = "a buffer that persists across the calls of one session";
  let description = [{
    Decoding state, kept by the runtime between `decode_init` and the
    `decode_step` calls of one translation: the cross-attention keys and
    values of the source, and each self-attention layer's key and value
    cache. Every `state` op with one `name` is the same buffer.

    ```mlir
    %k = loom_kernel.state "self_keys.0" : !loom_kernel.buffer<[B, 128, 512], f32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Views
//===----------------------------------------------------------------------===//

def LoomKernel_ColumnsOp : LoomKernel_Op<"columns", [Pure]> {
  let summary = "a window of columns [offset, offset + width) of each row";
  let description = [{
    A view of `width` consecutive elements of every row of `source`, from
    `offset`: a third of a packed QKV projection, or the rows of a packed
    weight (stored transposed, so its rows are columns). The result has the
    source's dims with the last one replaced by `width`, and the source's
    row stride.

    ```mlir
    %k = loom_kernel.columns %qkv {offset = 512 : i64, width = 512 : i64} : !loom_kernel.buffer<[B, S, 1536], f32> -> !loom_kernel.buffer<[B, S, 512], f32, row_stride = 1536>
    ```
  }];
  let arguments = (ins LoomKernel_Buffer:$source, I64Attr:$offset,
                       I64Attr:$width);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "$source attr-dict `:` type($source) `->` type($result)";
  let hasVerifier = 1;
}

def LoomKernel_SplitHeadsOp : LoomKernel_Op<"split_heads", [Pure]> {
  let summary = "views [B, S, H*Dh] as [B, H, S, Dh]";
  let description = [{
    `[B, S, H*Dh]` viewed as `[B, H, S, Dh]` (a `heads` buffer): the
    per-head layout attention reads, as a view of the same memory.

    ```mlir
    %qh = loom_kernel.split_heads %q {heads = 8 : i64} : !loom_kernel.buffer<[B, S, 512], f32, row_stride = 1536> -> !loom_kernel.buffer<[B, 8, S, 64], f32, heads, row_stride = 1536>
    ```
  }];
  let arguments = (ins LoomKernel_Buffer:$source, I64Attr:$heads);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "$source attr-dict `:` type($source) `->` type($result)";
  let hasVerifier = 1;
}

def LoomKernel_RowsOp : LoomKernel_Op<"rows", [Pure]> {
  let summary = "the rows of a 2-D buffer from a position on";
  let description = [{
    Rows `[first, first + n)` of `source : [L, D]` as a view `[n, D]`,
    where `n` is the result's first dim (usually `T`): the positional
    table's rows for a decoding step. `first + n <= L` is the caller's
    promise (decoding never passes max_len).

    ```mlir
    %pt = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[128, 512], f32> -> !loom_kernel.buffer<[T, 512], f32>
    ```
  }];
  let arguments = (ins LoomKernel_Buffer:$source, Index:$first);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = [{
    $source `from` $first attr-dict `:` type($source) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LoomKernel_SliceOp : LoomKernel_Op<"slice", [Pure]> {
  let summary = "one index of a buffer's leading dim";
  let description = [{
    `source : [N, d1, ..., dk]` at `index` (`0 <= index < N`, N static)
    as a view `[d1, ..., dk]` of the same memory: one decoder layer's part
    of cross_attention's `weights` output `[L, B, H, T, S]`. The source is
    contiguous, so the slice is too.

    ```mlir
    %w1 = loom_kernel.slice %weights[1] : !loom_kernel.buffer<[2, B, 4, T, S], f32> -> !loom_kernel.buffer<[B, 4, T, S], f32>
    ```
  }];
  let arguments = (ins LoomKernel_Buffer:$source, I64Attr:$index);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = [{
    $source `[` $index `]` attr-dict `:` type($source) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Decoding helpers (runtime data movement, not Halide kernels)
//===----------------------------------------------------------------------===//

def LoomKernel_StepLengthsOp : LoomKernel_Op<"step_lengths", [Pure]> {
  let summary = "step + 1 for every batch row";
  let description = [{
    The key lengths of a decoding step: at step `t` every row sees the keys
    of positions `0..t` in its caches.

    ```mlir
    %len = loom_kernel.step_lengths %t : !loom_kernel.buffer<[B], i32>
    ```
  }];
  let arguments = (ins Index:$step);
  let results = (outs LoomKernel_Buffer:$result);
  let assemblyFormat = "$step attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LoomKernel_CacheAppendOp : LoomKernel_Op<"cache_append"> {
  let summary = "writes positions of each row into a cache";
  let description = [{
    `cache[b, p + t, :] = rows[b, t, :]` for `rows : [B, T, W]`,
    `cache : [B, L, W]` and every t < T, where p is `step` (decoding: T = 1
    at run time) or 0 without one (a prefill writes a prompt's first T
    positions); p + T <= L, checked at run time.

    ```mlir
    loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, T, 64], f32, row_stride = 192>, !loom_kernel.buffer<[B, 32, 64], f32>
    loom_kernel.cache_append %k into %cache : !loom_kernel.buffer<[B, T, 64], f32, row_stride = 192>, !loom_kernel.buffer<[B, 32, 64], f32>
    ```
  }];
  let arguments = (ins LoomKernel_Buffer:$rows, LoomKernel_Buffer:$cache,
                       Optional<Index>:$step);
  let assemblyFormat = [{
    $rows `into` $cache (`at` $step^)? attr-dict `:` type($rows) `,` type($cache)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernel calls
//===----------------------------------------------------------------------===//

// `overrides`: interface methods with a default that the op defines itself.
class LoomKernel_KernelOp<string mnemonic, list<string> overrides = [],
                          list<Trait> traits = []>
    : LoomKernel_Op<mnemonic, !listconcat([
        DeclareOpInterfaceMethods<LoomKernel_KernelOpInterface, overrides>,
        DeclareOpInterfaceMethods<SymbolUserOpInterface>], traits)> {
  code kernelDoc = [{
    After `--loom-select-kernels`, `kernel` names the
    `loom_kernel.instance` it runs.
  }];
}

def LoomKernel_LinearOp : LoomKernel_KernelOp<"linear"> {
  let summary = "y = act(x · wt + bias)";
  let description = [{
    `y[..., n] = act(sum_k x[..., k] * wt[k, n] + bias[n])` for
    `x : [..., K]`, `wt : [K, N]` (a transposed weight, or a column window
    of one), `bias : [N]`, `y : [..., N]`.

    ```mlir
    loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<relu>} : !loom_kernel.buffer<[B, S, 512], f32>, !loom_kernel.buffer<[512, 2048], f32>, !loom_kernel.buffer<[2048], f32>, !loom_kernel.buffer<[B, S, 2048], f32>
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$x, LoomKernel_Buffer:$wt,
                       LoomKernel_Buffer:$bias, LoomKernel_Buffer:$y,
                       LoomKernel_ActivationAttr:$activation,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $x `,` $wt `,` $bias `into` $y attr-dict `:` type($x) `,` type($wt) `,`
    type($bias) `,` type($y)
  }];
  let hasVerifier = 1;
}

def LoomKernel_AttentionOp : LoomKernel_KernelOp<"attention"> {
  let summary = "o = softmax(mask(scale · q · kᵀ)) · v, per head";
  let description = [{
    For `q, o : [B, H, Sq, Dh]` and `k, v : [B, H, Sk, Dh]` (heads views):
    masked, scaled softmax attention over the keys, block by block with an
    online softmax (no `[Sq, Sk]` buffer). `key_lengths : [B]` (i32) is
    present exactly when the mask hides padding keys.

    ```mlir
    loom_kernel.attention %q, %k, %v key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %o {mask = #loom.mask<key_padding>, scale = 1.250000e-01 : f32} : !loom_kernel.buffer<[B, 8, S, 64], f32, heads, row_stride = 1536>, !loom_kernel.buffer<[B, 8, S, 64], f32, heads, row_stride = 1536>, !loom_kernel.buffer<[B, 8, S, 64], f32, heads, row_stride = 1536>, !loom_kernel.buffer<[B, 8, S, 64], f32, heads>
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$q, LoomKernel_Buffer:$k,
                       LoomKernel_Buffer:$v,
                       Optional<LoomKernel_Buffer>:$key_lengths,
                       LoomKernel_Buffer:$o, Loom_MaskKindAttr:$mask,
                       F32Attr:$scale,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`key_lengths` `(` $key_lengths^ `:` type($key_lengths) `)`)?
    `into` $o attr-dict `:` type($q) `,` type($k) `,` type($v) `,` type($o)
  }];
  let hasVerifier = 1;
}

def LoomKernel_AttentionProbsOp : LoomKernel_KernelOp<"attention_probs"> {
  let summary = "probs = softmax(mask(scale · q · kᵀ)), per head, written out";
  let description = [{
    The attention probabilities that `loom_kernel.attention` never stores,
    for inspection (cross_attention's heatmaps): for `q : [B, H, Sq, Dh]`
    and `k : [B, H, Sk, Dh]` (heads views, as attention's), `probs :
    [B, H, Sq, Sk]` (contiguous, f32) gets the masked, scaled softmax over
    the keys, 0 at a hidden key and in a row that sees none.
    `key_lengths : [B]` (i32) is present exactly when the mask hides
    padding keys. Family `attention_probs`.

    ```mlir
    loom_kernel.attention_probs %q, %k key_lengths(%src_len : !loom_kernel.buffer<[B], i32>) into %p {mask = #loom.mask<key_padding>, scale = 5.000000e-01 : f32} : !loom_kernel.buffer<[B, 2, T, 4], f32, heads>, !loom_kernel.buffer<[B, 2, S, 4], f32, heads, row_stride = 16>, !loom_kernel.buffer<[B, 2, T, S], f32>
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$q, LoomKernel_Buffer:$k,
                       Optional<LoomKernel_Buffer>:$key_lengths,
                       LoomKernel_Buffer:$probs, Loom_MaskKindAttr:$mask,
                       F32Attr:$scale,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $q `,` $k (`key_lengths` `(` $key_lengths^ `:` type($key_lengths) `)`)?
    `into` $probs attr-dict `:` type($q) `,` type($k) `,` type($probs)
  }];
  let hasVerifier = 1;
}

def LoomKernel_LayerNormOp : LoomKernel_KernelOp<"layer_norm"> {
  let summary = "y = layer_norm(x) over the last axis";
  let description = [{
    `y = (x - mean) / sqrt(var + epsilon) * gamma + beta` per row of
    `x : [..., D]` (biased variance), `gamma, beta : [D]`. With `stats`
    ([..., 2]), each row's mean and 1/std are written too, for backward:
    family `layer_norm_stats`.

    ```mlir
    loom_kernel.layer_norm %x, %g, %b into %y {epsilon = 9.99999974E-6 : f32} : !loom_kernel.buffer<[B, S, 512], f32>, !loom_kernel.buffer<[512], f32>, !loom_kernel.buffer<[512], f32>, !loom_kernel.buffer<[B, S, 512], f32>
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$x, LoomKernel_Buffer:$gamma,
                       LoomKernel_Buffer:$beta, LoomKernel_Buffer:$y,
                       Optional<LoomKernel_Buffer>:$stats,
                       F32Attr:$epsilon,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $x `,` $gamma `,` $beta `into` $y (`stats` `(` $stats^ `:` type($stats) `)`)?
    attr-dict `:` type($x) `,` type($gamma) `,` type($beta) `,` type($y)
  }];
  let hasVerifier = 1;
}

def LoomKernel_AddNormOp
    : LoomKernel_KernelOp<"add_norm", [], [AttrSizedOperandSegments]> {
  let summary = "y = layer_norm(x + r), and optionally sum = x + r";
  let description = [{
    As `loom_kernel.layer_norm` of `x + r`. With `sum`, the kernel also
    writes the sum (the next residual of a pre-norm layer): family
    `add_norm_sum` instead of `add_norm`. With `sum` and `stats`, for
    training, each row's mean and 1/std too: family `add_norm_stats`.

    ```mlir
    loom_kernel.add_norm %x, %r, %g, %b into %y {epsilon = 9.99999974E-6 : f32} : !loom_kernel.buffer<[B, S, 512], f32>, !loom_kernel.buffer<[B, S, 512], f32>, !loom_kernel.buffer<[512], f32>, !loom_kernel.buffer<[512], f32>, !loom_kernel.buffer<[B, S, 512], f32>
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$x, LoomKernel_Buffer:$r,
                       LoomKernel_Buffer:$gamma, LoomKernel_Buffer:$beta,
                       LoomKernel_Buffer:$y, Optional<LoomKernel_Buffer>:$sum,
                       Optional<LoomKernel_Buffer>:$stats,
                       F32Attr:$epsilon,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $x `,` $r `,` $gamma `,` $beta `into` $y (`sum` `(` $sum^ `:` type($sum) `)`)?
    (`stats` `(` $stats^ `:` type($stats) `)`)? attr-dict `:` type($x) `,` type($r) `,` type($gamma) `,` type($beta) `,` type($y)
  }];
  let hasVerifier = 1;
}

def LoomKernel_EmbedOp : LoomKernel_KernelOp<"embed"> {
  let summary = "out = table[tokens] · scale + positions";
  let description = [{
    `out[b, s, :] = table[tokens[b, s], :] * scale + positions[s, :]` for
    `table : [V, D]`, `tokens : [B, S]` (i32, checked by the runtime to
    lie in `[0, V)`), `positions : [L, D]` (the positional table, or rows
    of it from a decoding step), `out : [B, S, D]`.

    ```mlir
    loom_kernel.embed %table[%tokens] + %pe into %out {scale = 22.6274166 : f32} : !loom_kernel.buffer<[1000, 512], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[128, 512], f32>, !loom_kernel.buffer<[B, S, 512], f32>
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$table, LoomKernel_Buffer:$tokens,
                       LoomKernel_Buffer:$positions, LoomKernel_Buffer:$out,
                       F32Attr:$scale,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $table `[` $tokens `]` `+` $positions `into` $out attr-dict `:`
    type($table) `,` type($tokens) `,` type($positions) `,` type($out)
  }];
  let hasVerifier = 1;
}

def LoomKernel_ArgmaxOp : LoomKernel_KernelOp<"argmax"> {
  let summary = "index = the first position of each row's maximum";
  let description = [{
    For `logits : [..., V]`, `index : [...]` (i32) gets the first `v` where
    the row is largest, as `torch.argmax`.

    ```mlir
    loom_kernel.argmax %logits into %next : !loom_kernel.buffer<[B, T, 1000], f32>, !loom_kernel.buffer<[B, T], i32>
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$logits, LoomKernel_Buffer:$index,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $logits `into` $index attr-dict `:` type($logits) `,` type($index)
  }];
  let hasVerifier = 1;
}

def LoomKernel_AddOp : LoomKernel_KernelOp<"add", ["getInPlaceInput"]> {
  let summary = "out = a + b elementwise";
  let description = [{
    Same dims everywhere. The output may be the first input's storage.

    ```mlir
    loom_kernel.add %a, %b into %c : !loom_kernel.buffer<[B, S, 512], f32>, !loom_kernel.buffer<[B, S, 512], f32>, !loom_kernel.buffer<[B, S, 512], f32>
    ```
  }] # kernelDoc;
  let arguments = (ins LoomKernel_Buffer:$a, LoomKernel_Buffer:$b,
                       LoomKernel_Buffer:$out,
                       OptionalAttr<FlatSymbolRefAttr>:$kernel);
  let assemblyFormat = [{
    $a `,` $b `into` $out attr-dict `:` type($a) `,` type($b) `,` type($out)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernel instances
//===----------------------------------------------------------------------===//

def LoomKernel_InstanceOp : LoomKernel_Op<"instance", [Symbol]> {
  let summary = "one Halide kernel build: family, parameters, schedules";
  let description = [{
    What loom-kernelgen builds for the kernel ops that name this symbol:
    the Generator `family` with its specialisation `params` (LOOM_PARAM
    rows of compiler/halide/KernelParams.def, every one given) and, per ISA
    of loom/abi/KernelAbi.def, a schedule (every LOOM_KNOB of the family).
    Schedules are data: the defaults, or what tuning recorded.

    ```mlir
    loom_kernel.instance @linear_relu {family = "linear", params = {activation = "relu", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {...}, avx512 = {...}}}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$family,
                       DictionaryAttr:$params, DictionaryAttr:$schedules);
  let assemblyFormat = "$sym_name attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::loom::abi::Family getAbiFamily();
    /// The schedule for ISA `isa` (a LOOM_KERNEL_ISAS name).
    ::mlir::DictionaryAttr getSchedule(::llvm::StringRef isa);
  }];
}

include "loom_kernel/LoomKernelTrainingOps.td"

#endif // LOOM_KERNEL_OPS_TD
