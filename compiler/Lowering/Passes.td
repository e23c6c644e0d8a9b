//===- Passes.td - loom code generation passes ---------------*- tablegen -*-===//
//
// From fused `loom` IR to the planned kernel program, one step per pass:
//   --loom-lower-to-kernels   loom ops -> loom_kernel calls on buffers
//   --loom-derive-decoding    + @decode_init / @decode_step / @decode_prefill with KV caches
//   --loom-derive-cross-attention  + @cross_attention (every decoder layer's
//                             cross-attention probabilities, for inspection)
//   --loom-select-kernels     every kernel call names an instance + schedule
//   --loom-apply-tuning-records  schedules from loomc tune's records
//   --loom-plan-buffers       arena offsets from live ranges
//   --loom-lower-to-emitc     the planned program as emitc, for translateToCpp
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_PASSES_TD
#define LOOM_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomLowerToKernels : Pass<"loom-lower-to-kernels", "mlir::ModuleOp"> {
  let summary = "Lower fused loom IR to kernel calls on buffers";
  let description = [{
    Rewrites every `func.func` on tensors into one on `!loom_kernel.buffer`s
    in destination-passing style: arguments keep their `loom.input` role
    with dims from loom/abi/PlanAbi.def (`src : [B, S]`, `tgt_len : [B]`),
    the result becomes an output argument (`loom.output = "out"`) that the
    last kernel writes, and every other value lives in a
    `loom_kernel.alloc`. Each op lowers itself (KernelLoweringOp): an
    embedding with the scale and positional encoding that follow it becomes
    one `embed`; a linear with a following relu/gelu one `linear`; heads are
    views; the packed weight rows a linear reads are a column window of the
    transposed weight. An op with no kernel is an error.

    Before:
    ```mlir
    func.func @forward(%src: tensor<?x?xi32> {loom.input = "src"}, ...) -> tensor<?x?x9xf32> {
      %w = loom.weight "output.weight" : tensor<9x16xf32>
      %b = loom.weight "output.bias" : tensor<9xf32>
      %y = loom.linear %x, %w, %b : (tensor<?x?x16xf32>, tensor<9x16xf32>, tensor<9xf32>) -> tensor<?x?x9xf32>
      return %y : tensor<?x?x9xf32>
    }
    ```
    After:
    ```mlir
    func.func @forward(%src: !loom_kernel.buffer<[B, S], i32> {loom.input = "src"}, ...,
                       %out: !loom_kernel.buffer<[B, T, 9], f32> {loom.output = "out"}) {
      %w = loom_kernel.weight "output.weight" transposed : !loom_kernel.buffer<[16, 9], f32>
      %b = loom_kernel.weight "output.bias" : !loom_kernel.buffer<[9], f32>
      loom_kernel.linear %x, %w, %b into %out {activation = #loom_kernel.activation<none>} : ...
      return
    }
    ```
  }];
  let dependentDialects = ["::loom::kernel::LoomKernelDialect"];
}

def LoomDeriveDecoding : Pass<"loom-derive-decoding", "mlir::ModuleOp"> {
  let summary = "Derive the KV-cache decoding functions from @forward";
  let description = [{
    For a model with a decoder, adds functions made from the kernel-level
    `@forward`:
    - `@decode_init(src, src_len)` (encoder-decoder only): the source side;
      every source buffer the target side reads (each cross-attention's
      projected memory) is written to a `loom_kernel.state` instead;
    - `@decode_step(src_len, tgt, step, next)`: the target side for one new
      position per row (T = 1 at run time): the embedding reads the
      positional table's rows from `step` (`loom_kernel.rows`); each causal self-attention appends its new key and value
      to a cached state `[B, max_len, D]` and attends over positions
      `0..step`; the logits go to the output `out` and `next` receives
      their argmax;
    - `@decode_prefill(tgt, tgt_len, next)` (decoder-only): the target side
      over the first T positions of every row's prompt in one pass, as
      `@forward` computes them, each causal self-attention also writing its
      T keys and values into the caches from position 0 (`cache_append`
      without a step), so that `@decode_step` goes on at step T; the logits
      go to the arena and `next` [B, T] receives their argmax.

    Before (target side of @forward):
    ```mlir
    loom_kernel.embed %table[%tgt] + %pe into %0 {scale = 4.0 : f32} : ...
    loom_kernel.linear %0, %wqkv, %bqkv into %1 ...
    loom_kernel.attention %q, %k, %v key_lengths(%tgt_len : ...) into %o {mask = #loom.mask<causal_key_padding>, ...}
    ```
    After (in @decode_step):
    ```mlir
    %pt = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[6, 16], f32> -> !loom_kernel.buffer<[T, 16], f32>
    loom_kernel.embed %table[%tgt] + %pt into %0 {scale = 4.0 : f32} : ...
    loom_kernel.linear %0, %wqkv, %bqkv into %1 ...
    loom_kernel.cache_append %kcols into %kcache at %step : ...
    loom_kernel.cache_append %vcols into %vcache at %step : ...
    %len = loom_kernel.step_lengths %step : !loom_kernel.buffer<[B], i32>
    loom_kernel.attention %q, %kheads, %vheads key_lengths(%len : ...) into %o {mask = #loom.mask<key_padding>, ...}
    ```
  }];
  let dependentDialects = ["::loom::kernel::LoomKernelDialect"];
}

def LoomDeriveCrossAttention
    : Pass<"loom-derive-cross-attention", "mlir::ModuleOp"> {
  let summary = "Derive @cross_attention (every decoder layer's cross-attention "
                "probabilities) from @forward";
  let description = [{
    For an encoder-decoder model, adds `@cross_attention(src, src_len, tgt,
    tgt_len, weights)`, made from the kernel-level `@forward` for
    inspection (attention heatmaps): every kernel of `@forward` runs on
    the same inputs, the logits go to scratch (a `loom_kernel.alloc` in
    place of `out`), and after each decoder cross-attention (an attention
    on the target side whose keys the source side wrote, as
    `--loom-derive-decoding` tells them apart) a
    `loom_kernel.attention_probs` on the same q and k views, mask, scale
    and key lengths writes that layer's probabilities `[B, H, T, S]` into
    `loom_kernel.slice` i of the output `weights` (`loom.output =
    "weights"`, `[L, B, H, T, S]`, L the decoder layers). Does nothing for
    a module without cross-attention (encoder-only, decoder-only) or one
    that has `@cross_attention` already.

    Before (@forward, a decoder layer's cross-attention):
    ```mlir
    loom_kernel.attention %q, %k, %v key_lengths(%src_len : !loom_kernel.buffer<[B], i32>) into %o {mask = #loom.mask<key_padding>, scale = 5.000000e-01 : f32} : !loom_kernel.buffer<[B, 2, T, 4], f32, heads>, !loom_kernel.buffer<[B, 2, S, 4], f32, heads, row_stride = 16>, ...
    ```
    After (in @cross_attention):
    ```mlir
    loom_kernel.attention %q, %k, %v key_lengths(%src_len : ...) into %o {mask = #loom.mask<key_padding>, scale = 5.000000e-01 : f32} : ...
    %w0 = loom_kernel.slice %weights[0] : !loom_kernel.buffer<[2, B, 2, T, S], f32> -> !loom_kernel.buffer<[B, 2, T, S], f32>
    loom_kernel.attention_probs %q, %k key_lengths(%src_len : ...) into %w0 {mask = #loom.mask<key_padding>, scale = 5.000000e-01 : f32} : !loom_kernel.buffer<[B, 2, T, 4], f32, heads>, !loom_kernel.buffer<[B, 2, S, 4], f32, heads, row_stride = 16>, !loom_kernel.buffer<[B, 2, T, S], f32>
    ```
  }];
  let dependentDialects = ["::loom::kernel::LoomKernelDialect"];
}

def LoomSelectKernels : Pass<"loom-select-kernels", "mlir::ModuleOp"> {
  let summary = "Give every kernel call an instance with a schedule";
  let description = [{
    Collects the distinct kernels the module calls (family and the
    parameters each op needs, KernelOpInterface::getInstanceParams), adds a
    `loom_kernel.instance` for each with the default schedule of every ISA
    (compiler/halide/KernelParams.def), and sets each kernel op's `kernel`.
    Instance names are derived from the family and parameters, so equal
    kernels of different models share a name (and a kernel cache entry).

    Before:
    ```mlir
    loom_kernel.linear %x, %w, %b into %y {activation = #loom_kernel.activation<relu>} : ...
    ```
    After:
    ```mlir
    loom_kernel.instance @linear_relu {family = "linear", params = {activation = "relu", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {...}, avx512 = {...}}}
    ...
    loom_kernel.linear %x, %w, %b into %y {activation = #loom_kernel.activation<relu>, kernel = @linear_relu} : ...
    ```
  }];
  let dependentDialects = ["::loom::kernel::LoomKernelDialect"];
}

def LoomApplyTuningRecords : Pass<"loom-apply-tuning-records", "mlir::ModuleOp"> {
  let summary = "Give kernel instances the schedules `loomc tune` found";
  let description = [{
    Reads a records file of `loomc tune` (compiler/Tuning/Records.h) and,
    for each `loom_kernel.instance`, takes the fastest `ok` record whose
    kernel, ISA and workload (the instance's calls in `functions` at
    `shapes`, compiler/Tuning/Workload.h) match, measured on this machine
    (CPU model, ISA features) with `threads` threads, and whose knobs are the
    family's; never a record of Halide's Adams2019 autoscheduler
    (`scheduler = 2`), a baseline whose schedules hold only at the sizes it
    was told. That ISA's schedule becomes the record's and the instance gets
    `loom.tuned = {ISA = {median_us, default_us}}`. Instances without a
    matching record keep their defaults; records ignored for another
    machine or other shapes are reported in one remark per instance, and a
    record whose knobs are not the family's in a warning. A file that is
    not a records file is an error naming its line.

    Before:
    ```mlir
    loom_kernel.instance @layer_norm {family = "layer_norm", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
    ```
    After (`records=tuned.jsonl shapes=B=8,S=128,T=128 threads=2`):
    ```mlir
    loom_kernel.instance @layer_norm {family = "layer_norm", loom.tuned = {avx512 = {default_us = 21.3 : f64, median_us = 17.9 : f64}}, params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 4 : i64}}}
    ```
  }];
  let options = [
    Option<"records", "records", "std::string", /*default=*/"\"\"",
           "The records file (JSON lines) loomc tune wrote">,
    Option<"shapes", "shapes", "std::string", /*default=*/"\"B=8,S=128,T=128\"",
           "B, S and T of the tuned workloads">,
    Option<"functions", "functions", "std::string", /*default=*/"\"forward\"",
           "The tuned functions, joined by ','">,
    Option<"threads", "threads", "int", /*default=*/"0",
           "The thread count the records were measured with (0: this machine's cores)">,
  ];
  let dependentDialects = ["::loom::kernel::LoomKernelDialect"];
}

def LoomPlanBuffers : Pass<"loom-plan-buffers", "mlir::ModuleOp"> {
  let summary = "Place every arena buffer by live range";
  let description = [{
    For each function: a buffer lives from the first kernel that writes it
    to the last op that reads it (through views too); buffers whose lives
    do not overlap share storage, first fit in program order. A kernel
    that may write over an input (KernelOpInterface::getInPlaceInput) takes
    that input's storage when the input dies there. Buffers with a `B` dim
    are placed in units of `rows_max` floats, B times the longest length
    such buffers of the function use; static ones in bytes after them. Sets each alloc's `offset` and the
    function's `loom_kernel.arena_rows`, `loom_kernel.arena_unit` (what
    one row unit is: `"B*max(S,T)"`, `"B*S"`, `"B*T"` or `"B"`) and
    `loom_kernel.arena_bytes`.
    Refuses a buffer read before any kernel writes it.

    Before:
    ```mlir
    %0 = loom_kernel.alloc : !loom_kernel.buffer<[B, S, 16], f32>
    %1 = loom_kernel.alloc : !loom_kernel.buffer<[B, S, 48], f32>
    ```
    After:
    ```mlir
    func.func @forward(...) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 64 : i64, loom_kernel.arena_unit = "B*S"}
    %0 = loom_kernel.alloc offset 0 : !loom_kernel.buffer<[B, S, 16], f32>
    %1 = loom_kernel.alloc offset 16 : !loom_kernel.buffer<[B, S, 48], f32>
    ```
  }];
  let dependentDialects = ["::loom::kernel::LoomKernelDialect"];
}

def LoomLowerToEmitC : Pass<"loom-lower-to-emitc", "mlir::ModuleOp"> {
  let summary = "Lower the planned program to emitc for translateToCpp";
  let description = [{
    Turns the planned module into `emitc`: one `emitc.func` per planned
    function taking a `loom::Frame *`, whose body builds buffer views
    (`loom::exec::arena`, `input`, `weight`, `columns`, ...) and calls
    `loom::exec::<family>` with the arguments in ABI order; an
    `emitc.func @loom_describe` that tells the runtime the model's
    weights, state, functions and kernel instances; and one
    `emitc.include` of each kernel's generated header, so every kernel
    symbol is checked against its family's ABI type when the library is
    compiled.

    Before:
    ```mlir
    loom_kernel.linear %0, %w, %b into %1 {activation = #loom_kernel.activation<none>, kernel = @linear} : ...
    ```
    After:
    ```mlir
    emitc.call_opaque "loom::exec::linear"(%frame, %v0, %vw, %vb, %v1) {args = [0 : index, 3 : i64, 1 : index, 2 : index, 3 : index, 4 : index]} : ...
    ```
  }];
  let dependentDialects = ["::mlir::emitc::EmitCDialect"];
}

#endif // LOOM_CODEGEN_PASSES_TD
