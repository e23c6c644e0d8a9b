// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom_kernel.instance: one per family, with every param of the family and
// every schedule knob for each ISA (compiler/halide/KernelParams.def); kernel
// ops name the instance they run with `kernel = @sym`.

// CHECK: loom_kernel.instance @linear_relu {family = "linear", params = {activation = "relu", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}
loom_kernel.instance @linear_relu {family = "linear", params = {activation = "relu", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}
// A tuned schedule: knobs other than the defaults.
// CHECK: loom_kernel.instance @linear_tuned {family = "linear", params = {activation = "gelu", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {{{.*}}tile_rows = 3 : i64{{.*}}}, avx512 = {{{.*}}tile_rows = 8 : i64, tile_vectors = 3 : i64{{.*}}}}}
loom_kernel.instance @linear_tuned {family = "linear", params = {activation = "gelu", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 3 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 8 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 128 : i64, k_block_min_k = 512 : i64, row_tiles_per_task = 32 : i64, scheduler = 1 : i64, tile_rows = 8 : i64, tile_vectors = 3 : i64, unroll_k = 2 : i64}}}
// CHECK: loom_kernel.instance @attention_key_padding_head_dim8 {family = "attention", params = {head_dim = 8 : i64, mask = "key_padding"}, schedules = {avx2 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 1 : i64, query_block = 32 : i64, scheduler = 1 : i64, score_keys_unroll = 2 : i64, short_block = 16 : i64}, avx512 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 4 : i64, query_block = 64 : i64, scheduler = 1 : i64, score_keys_unroll = 4 : i64, short_block = 16 : i64}}}
loom_kernel.instance @attention_key_padding_head_dim8 {family = "attention", params = {head_dim = 8 : i64, mask = "key_padding"}, schedules = {avx2 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 1 : i64, query_block = 32 : i64, scheduler = 1 : i64, score_keys_unroll = 2 : i64, short_block = 16 : i64}, avx512 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 4 : i64, query_block = 64 : i64, scheduler = 1 : i64, score_keys_unroll = 4 : i64, short_block = 16 : i64}}}
// CHECK: loom_kernel.instance @layer_norm {family = "layer_norm", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}
loom_kernel.instance @layer_norm {family = "layer_norm", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}
// CHECK: loom_kernel.instance @add_norm {family = "add_norm", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}
loom_kernel.instance @add_norm {family = "add_norm", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}
// CHECK: loom_kernel.instance @add_norm_sum {family = "add_norm_sum", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}
loom_kernel.instance @add_norm_sum {family = "add_norm_sum", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}
// CHECK: loom_kernel.instance @embed {family = "embed", params = {}, schedules = {avx2 = {tokens_per_task = 32 : i64}, avx512 = {tokens_per_task = 32 : i64}}}
loom_kernel.instance @embed {family = "embed", params = {}, schedules = {avx2 = {tokens_per_task = 32 : i64}, avx512 = {tokens_per_task = 32 : i64}}}
// CHECK: loom_kernel.instance @argmax_rows {family = "argmax_rows", params = {}, schedules = {avx2 = {rows_per_task = 4 : i64}, avx512 = {rows_per_task = 4 : i64}}}
loom_kernel.instance @argmax_rows {family = "argmax_rows", params = {}, schedules = {avx2 = {rows_per_task = 4 : i64}, avx512 = {rows_per_task = 4 : i64}}}
// CHECK: loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}

// CHECK-LABEL: func @call_linear
func.func @call_linear(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 32], f32>, %b: !loom_kernel.buffer<[32], f32>, %y: !loom_kernel.buffer<[B, S, 32], f32>) {
  // CHECK: loom_kernel.linear {{.*}} {activation = #loom_kernel.activation<relu>, kernel = @linear_relu}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<relu>, kernel = @linear_relu} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 32], f32>, !loom_kernel.buffer<[32], f32>, !loom_kernel.buffer<[B, S, 32], f32>
  // CHECK: loom_kernel.linear {{.*}} {activation = #loom_kernel.activation<gelu>, kernel = @linear_tuned}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<gelu>, kernel = @linear_tuned} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 32], f32>, !loom_kernel.buffer<[32], f32>, !loom_kernel.buffer<[B, S, 32], f32>
  return
}

// CHECK-LABEL: func @call_attention
func.func @call_attention(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>, %len: !loom_kernel.buffer<[B], i32>, %o: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // CHECK: loom_kernel.attention {{.*}} {kernel = @attention_key_padding_head_dim8, mask = #loom.mask<key_padding>, scale = 0.353553385 : f32}
  loom_kernel.attention %q, %q, %q key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %o {kernel = @attention_key_padding_head_dim8, mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// CHECK-LABEL: func @call_norms
func.func @call_norms(%x: !loom_kernel.buffer<[B, S, 16], f32>, %r: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %b: !loom_kernel.buffer<[16], f32>, %y: !loom_kernel.buffer<[B, S, 16], f32>, %s: !loom_kernel.buffer<[B, S, 16], f32>) {
  // CHECK: loom_kernel.layer_norm {{.*}} {epsilon = 9.99999974E-6 : f32, kernel = @layer_norm}
  loom_kernel.layer_norm %x, %g, %b into %y {epsilon = 1.0e-5 : f32, kernel = @layer_norm} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  // CHECK: loom_kernel.add_norm {{.*}} into %{{[^ ]*}} {epsilon = 9.99999974E-6 : f32, kernel = @add_norm}
  loom_kernel.add_norm %x, %r, %g, %b into %y {epsilon = 1.0e-5 : f32, kernel = @add_norm} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  // CHECK: loom_kernel.add_norm {{.*}} sum(%{{.*}} : !BxSx16xf32_) {epsilon = 9.99999974E-6 : f32, kernel = @add_norm_sum}
  loom_kernel.add_norm %x, %r, %g, %b into %y sum(%s : !loom_kernel.buffer<[B, S, 16], f32>) {epsilon = 1.0e-5 : f32, kernel = @add_norm_sum} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// CHECK-LABEL: func @call_embed
func.func @call_embed(%tokens: !loom_kernel.buffer<[B, S], i32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  %table = loom_kernel.weight "src_embedding.weight" : !loom_kernel.buffer<[7, 16], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  // CHECK: loom_kernel.embed {{.*}} {kernel = @embed, scale = 4.000000e+00 : f32}
  loom_kernel.embed %table[%tokens] + %pe into %out {kernel = @embed, scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// CHECK-LABEL: func @call_argmax_and_add
func.func @call_argmax_and_add(%logits: !loom_kernel.buffer<[B, T, 9], f32>, %next: !loom_kernel.buffer<[B, T], i32>, %a: !loom_kernel.buffer<[B, T, 16], f32>, %b: !loom_kernel.buffer<[B, T, 16], f32>) {
  // CHECK: loom_kernel.argmax {{.*}} {kernel = @argmax_rows}
  loom_kernel.argmax %logits into %next {kernel = @argmax_rows} : !loom_kernel.buffer<[B, T, 9], f32>, !loom_kernel.buffer<[B, T], i32>
  // CHECK: loom_kernel.add {{.*}} {kernel = @add}
  loom_kernel.add %a, %b into %a {kernel = @add} : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, T, 16], f32>
  return
}
