// RUN: loom-opt %s -split-input-file -verify-diagnostics
// loom_kernel.instance: a known family, every param of the family with its
// type, and for each ISA every schedule knob as a positive integer; and a
// kernel op's `kernel` must name an instance of its family with the params
// the op needs.

// expected-error @+1 {{unknown kernel family 'softmax'}}
loom_kernel.instance @softmax {family = "softmax", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}

// -----

// expected-error @+1 {{params lack 'activation'}}
loom_kernel.instance @linear {family = "linear", params = {k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}

// -----

// expected-error @+1 {{params have an unknown key 'mask'}}
loom_kernel.instance @linear {family = "linear", params = {activation = "none", k = 0 : i64, mask = "causal", n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}

// -----

// A family without params takes none.
// expected-error @+1 {{params have an unknown key 'rows'}}
loom_kernel.instance @layer_norm {family = "layer_norm", params = {rows = 16 : i64}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}

// -----

// expected-error @+1 {{param 'activation' must be a string}}
loom_kernel.instance @linear {family = "linear", params = {activation = 1 : i64, k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}

// -----

// expected-error @+1 {{param 'head_dim' must be an i64 >= 0 (0: read at run time)}}
loom_kernel.instance @attention {family = "attention", params = {head_dim = "8", mask = "none"}, schedules = {avx2 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 1 : i64, query_block = 32 : i64, scheduler = 1 : i64, score_keys_unroll = 2 : i64, short_block = 16 : i64}, avx512 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 4 : i64, query_block = 64 : i64, scheduler = 1 : i64, score_keys_unroll = 4 : i64, short_block = 16 : i64}}}

// -----

// expected-error @+1 {{schedules lack 'avx2'}}
loom_kernel.instance @add {family = "add", params = {}, schedules = {avx512 = {rows_per_task = 16 : i64}}}

// -----

// expected-error @+1 {{schedules have an unknown key 'sse4'}}
loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}, sse4 = {rows_per_task = 16 : i64}}}

// -----

// expected-error @+1 {{the avx512 schedule must be a dictionary}}
loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = 16 : i64}}

// -----

// expected-error @+1 {{the avx2 schedule's knobs lack 'tokens_per_task'}}
loom_kernel.instance @embed {family = "embed", params = {}, schedules = {avx2 = {}, avx512 = {tokens_per_task = 32 : i64}}}

// -----

// expected-error @+1 {{the avx512 schedule's knobs lack 'unroll_k'}}
loom_kernel.instance @linear {family = "linear", params = {activation = "none", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64}}}

// -----

// expected-error @+1 {{the avx512 schedule's knobs have an unknown key 'tile_cols'}}
loom_kernel.instance @argmax_rows {family = "argmax_rows", params = {}, schedules = {avx2 = {rows_per_task = 4 : i64}, avx512 = {rows_per_task = 4 : i64, tile_cols = 2 : i64}}}

// -----

// expected-error @+1 {{knob 'rows_per_task' of the avx2 schedule must be an i64 in [1, 2^31)}}
loom_kernel.instance @add_norm {family = "add_norm", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 0 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}

// -----

// expected-error @+1 {{knob 'rows_per_task' of the avx512 schedule must be an i64 in [1, 2^31)}}
loom_kernel.instance @add_norm_sum {family = "add_norm_sum", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = -16 : i64, scheduler = 1 : i64}}}

// -----

// expected-error @+1 {{knob 'query_block' of the avx512 schedule must be an i64 in [1, 2^31)}}
loom_kernel.instance @attention {family = "attention", params = {head_dim = 8 : i64, mask = "none"}, schedules = {avx2 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 1 : i64, query_block = 32 : i64, scheduler = 1 : i64, score_keys_unroll = 2 : i64, short_block = 16 : i64}, avx512 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 4 : i64, query_block = "64", scheduler = 1 : i64, score_keys_unroll = 4 : i64, short_block = 16 : i64}}}

// -----

func.func @missing(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>) {
  // expected-error @+1 {{kernel @layer_norm is not a loom_kernel.instance}}
  loom_kernel.layer_norm %x, %g, %g into %x {epsilon = 1.0e-5 : f32, kernel = @layer_norm} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func private @layer_norm()

func.func @names_a_function(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>) {
  // expected-error @+1 {{kernel @layer_norm is not a loom_kernel.instance}}
  loom_kernel.layer_norm %x, %g, %g into %x {epsilon = 1.0e-5 : f32, kernel = @layer_norm} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}

func.func @wrong_family(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>) {
  // expected-error @+1 {{calls the 'layer_norm' family, but @add is an instance of 'add'}}
  loom_kernel.layer_norm %x, %g, %g into %x {epsilon = 1.0e-5 : f32, kernel = @add} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

// With a sum, add_norm calls the add_norm_sum family.
loom_kernel.instance @add_norm {family = "add_norm", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}

func.func @add_norm_sum_family(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %s: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{calls the 'add_norm_sum' family, but @add_norm is an instance of 'add_norm'}}
  loom_kernel.add_norm %x, %x, %g, %g into %x sum(%s : !loom_kernel.buffer<[B, S, 16], f32>) {epsilon = 1.0e-5 : f32, kernel = @add_norm} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

loom_kernel.instance @linear {family = "linear", params = {activation = "none", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}

func.func @wrong_activation(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 32], f32>, %b: !loom_kernel.buffer<[32], f32>, %y: !loom_kernel.buffer<[B, S, 32], f32>) {
  // expected-error @+1 {{needs a kernel with params {activation = "relu", k = 0 : i64, n = 0 : i64}, but @linear has {activation = "none", k = 0 : i64, n = 0 : i64}}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<relu>, kernel = @linear} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 32], f32>, !loom_kernel.buffer<[32], f32>, !loom_kernel.buffer<[B, S, 32], f32>
  return
}

// -----

// Static K and N are not specialised: the op asks for k = 0 and n = 0.
loom_kernel.instance @linear_k16 {family = "linear", params = {activation = "none", k = 16 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}

func.func @specialised_k(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 32], f32>, %b: !loom_kernel.buffer<[32], f32>, %y: !loom_kernel.buffer<[B, S, 32], f32>) {
  // expected-error @+1 {{needs a kernel with params {activation = "none", k = 0 : i64, n = 0 : i64}, but @linear_k16 has {activation = "none", k = 16 : i64, n = 0 : i64}}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>, kernel = @linear_k16} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 32], f32>, !loom_kernel.buffer<[32], f32>, !loom_kernel.buffer<[B, S, 32], f32>
  return
}

// -----

loom_kernel.instance @attention_key_padding_head_dim8 {family = "attention", params = {head_dim = 8 : i64, mask = "key_padding"}, schedules = {avx2 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 1 : i64, query_block = 32 : i64, scheduler = 1 : i64, score_keys_unroll = 2 : i64, short_block = 16 : i64}, avx512 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 4 : i64, query_block = 64 : i64, scheduler = 1 : i64, score_keys_unroll = 4 : i64, short_block = 16 : i64}}}

func.func @wrong_head_dim(%q: !loom_kernel.buffer<[B, 4, S, 4], f32, heads>, %len: !loom_kernel.buffer<[B], i32>) {
  // expected-error @+1 {{needs a kernel with params {head_dim = 4 : i64, mask = "key_padding"}, but @attention_key_padding_head_dim8 has {head_dim = 8 : i64, mask = "key_padding"}}}
  loom_kernel.attention %q, %q, %q key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %q {kernel = @attention_key_padding_head_dim8, mask = #loom.mask<key_padding>, scale = 5.000000e-01 : f32} : !loom_kernel.buffer<[B, 4, S, 4], f32, heads>, !loom_kernel.buffer<[B, 4, S, 4], f32, heads>, !loom_kernel.buffer<[B, 4, S, 4], f32, heads>, !loom_kernel.buffer<[B, 4, S, 4], f32, heads>
  return
}

// -----

loom_kernel.instance @attention_key_padding_head_dim8 {family = "attention", params = {head_dim = 8 : i64, mask = "key_padding"}, schedules = {avx2 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 1 : i64, query_block = 32 : i64, scheduler = 1 : i64, score_keys_unroll = 2 : i64, short_block = 16 : i64}, avx512 = {estimate_b = 8 : i64, estimate_h = 8 : i64, estimate_sk = 128 : i64, estimate_sq = 128 : i64, key_block = 64 : i64, pv_queries_unroll = 4 : i64, query_block = 64 : i64, scheduler = 1 : i64, score_keys_unroll = 4 : i64, short_block = 16 : i64}}}

func.func @wrong_mask(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %len: !loom_kernel.buffer<[B], i32>) {
  // expected-error @+1 {{needs a kernel with params {head_dim = 8 : i64, mask = "causal_key_padding"}, but @attention_key_padding_head_dim8 has {head_dim = 8 : i64, mask = "key_padding"}}}
  loom_kernel.attention %q, %q, %q key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %q {kernel = @attention_key_padding_head_dim8, mask = #loom.mask<causal_key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// -----

// Sizes are i64: an i32 would never equal what a kernel op asks for.
// expected-error @+1 {{param 'n' must be an i64 >= 0 (0: read at run time)}}
loom_kernel.instance @linear {family = "linear", params = {activation = "none", k = 0 : i64, n = 0 : i32}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}

// -----

// expected-error @+1 {{param 'k' must be an i64 >= 0 (0: read at run time)}}
loom_kernel.instance @linear {family = "linear", params = {activation = "none", k = -5 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}

// -----

// Knobs are Generator ints.
// expected-error @+1 {{knob 'rows_per_task' of the avx2 schedule must be an i64 in [1, 2^31)}}
loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 4000000000 : i64}, avx512 = {rows_per_task = 16 : i64}}}

// -----

// expected-error @+1 {{knob 'rows_per_task' of the avx2 schedule must be an i64 in [1, 2^31)}}
loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : si32}, avx512 = {rows_per_task = 16 : i64}}}
