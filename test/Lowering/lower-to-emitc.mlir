// --loom-lower-to-emitc: the planned program as emitc. Each function
// becomes `static void loom_plan_<name>(loom::Frame *)` whose arguments are
// the frame's slots by role; buffers are views (arena slots, weights,
// windows); each kernel op is one loom::exec::<family> call with its
// arguments in KernelAbi.def's order; loom_describe registers the model.
// RUN: loom-opt %s --loom-lower-to-emitc | FileCheck %s

!x = !loom_kernel.buffer<[B, S, 8], f32>
!w = !loom_kernel.buffer<[8, 8], f32>
!b = !loom_kernel.buffer<[8], f32>
module attributes {loom.spec = {name = "tiny", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @linear {family = "linear", params = {activation = "none", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}
  loom_kernel.instance @layer_norm {family = "layer_norm", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}

  // CHECK: emitc.include "loom/runtime/Executor.h"
  // CHECK-NEXT: emitc.include "loom_linear_avx512.h"
  // CHECK-NEXT: emitc.include "loom_linear_avx2.h"
  // CHECK-NEXT: emitc.include "loom_layer_norm_avx512.h"
  // CHECK-NEXT: emitc.include "loom_layer_norm_avx2.h"
  // CHECK-NOT: loom_kernel.instance

  // CHECK-LABEL: emitc.func @loom_plan_forward(
  // CHECK-SAME: %[[F:.*]]: !emitc.ptr<!emitc.opaque<"loom::Frame">>) attributes {specifiers = ["static"]}
  // CHECK: %[[IN:.*]] = emitc.call_opaque "loom::exec::input"(%[[F]]) {args = [0 : index, 0, #emitc.opaque<"loom::exec::B">, #emitc.opaque<"loom::exec::S">, 8]}
  // CHECK: %[[OUT:.*]] = emitc.call_opaque "loom::exec::output"(%[[F]]) {args = [0 : index, 0, #emitc.opaque<"loom::exec::f32">, #emitc.opaque<"loom::exec::B">, #emitc.opaque<"loom::exec::S">, 8]}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 64 : i64, loom_kernel.arena_rows = 8 : i64, loom_kernel.arena_unit = "B*S"} {
    // CHECK: %[[W:.*]] = emitc.call_opaque "loom::exec::weight"(%[[F]]) {args = [0 : index, 0]}
    %w = loom_kernel.weight "w" transposed : !w
    // CHECK: %[[BIAS:.*]] = emitc.call_opaque "loom::exec::weight"(%[[F]]) {args = [0 : index, 1]}
    %b = loom_kernel.weight "b" : !b
    // CHECK: %[[A:.*]] = emitc.call_opaque "loom::exec::arenaRows"(%[[F]]) {args = [0 : index, 0, #emitc.opaque<"loom::exec::f32">, #emitc.opaque<"loom::exec::B">, #emitc.opaque<"loom::exec::S">, 8]}
    %a = loom_kernel.alloc offset 0 : !x
    // The linear call: frame, instance 0, then x, wt, bias, y.
    // CHECK: emitc.call_opaque "loom::exec::linear"(%[[F]], %[[IN]], %[[W]], %[[BIAS]], %[[A]]) {args = [0 : index, 0, 1 : index, 2 : index, 3 : index, 4 : index]}
    loom_kernel.linear %in, %w, %b into %a {activation = #loom_kernel.activation<none>, kernel = @linear} : !x, !w, !b, !x
    // A static scratch buffer: bytes after the row units.
    // CHECK: emitc.call_opaque "loom::exec::arenaBytes"(%[[F]]) {args = [0 : index, 0, #emitc.opaque<"loom::exec::f32">, 2, 2]}
    %s = loom_kernel.alloc offset 0 : !loom_kernel.buffer<[2, 2], f32>
    // CHECK: %[[WIN:.*]] = emitc.call_opaque "loom::exec::columns"(%[[A]]) {args = [0 : index, 4, 4]}
    %v = loom_kernel.columns %a {offset = 4 : i64, width = 4 : i64} : !x -> !loom_kernel.buffer<[B, S, 4], f32, row_stride = 8>
    // Scalars are constants in ABI position: x, gamma, beta, eps, y.
    // CHECK: emitc.call_opaque "loom::exec::layer_norm"(%[[F]], %[[A]], %[[BIAS]], %[[BIAS]], %[[OUT]]) {args = [0 : index, 1, 1 : index, 2 : index, 3 : index, 9.99999974E-6 : f32, 4 : index]}
    loom_kernel.layer_norm %a, %b, %b into %out {epsilon = 9.99999974E-6 : f32, kernel = @layer_norm} : !x, !b, !b, !x
    // CHECK: emitc.return
    return
  }

  // CHECK-LABEL: emitc.func @loom_describe(
  // CHECK-SAME: %[[D:.*]]: !emitc.ptr<!emitc.opaque<"loom::ModelDescription">>)
  // CHECK: emitc.call_opaque "loom::describe::info"(%[[D]]) {args = [0 : index, #emitc.opaque<"\22tiny\22">, #emitc.opaque<"\22encoder\22">, 8, 2, 8, 1, 0, 5, 0, 4, 0, 1, 2]}
  // The weight's state_dict shape: transposed back.
  // CHECK: emitc.call_opaque "loom::describe::weight"(%[[D]]) {args = [0 : index, #emitc.opaque<"\22w\22">, true, 8, 8]}
  // CHECK: emitc.call_opaque "loom::describe::weight"(%[[D]]) {args = [0 : index, #emitc.opaque<"\22b\22">, false, 8]}
  // CHECK: emitc.call_opaque "loom::describe::function"(%[[D]]) {args = [0 : index, 0, #emitc.opaque<"loom_plan_forward">, 8, 64, true, false]}
  // CHECK: emitc.call_opaque "loom::describe::linear"(%[[D]]) {args = [0 : index, #emitc.opaque<"\22linear\22">, #emitc.opaque<"loom_linear_avx512">, #emitc.opaque<"loom_linear_avx2">]}
  // CHECK: emitc.call_opaque "loom::describe::layer_norm"(%[[D]])
  // CHECK: emitc.return
}
