// RUN: loom-opt %s -split-input-file -verify-diagnostics
// Every verifier message of the training ops (LoomTrainingOps.cpp) and of the
// training forms of the forward ops (LoomOps.cpp: stats, saved values, lse,
// dropout and streams, matmul transpose_lhs), one case per split. The
// checks a review found missing (and their cases) are in
// invalid-training-ops-unchecked.mlir.

// Training forms of the forward ops (LoomOps.cpp)
// layer_norm: stats have the input's rank.
func.func @ln_stats_rank(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats (input rank) must have rank 3, got 'tensor<?x2xf32>'}}
  %n, %s = loom.layer_norm %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x2xf32>
  return
}

// -----

// layer_norm: one row of stats per input row.
func.func @ln_stats_rows(%x: tensor<2x5x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats dim 1 (4) does not match input dim 1 (5)}}
  %n, %s = loom.layer_norm %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x4x2xf32>
  return
}

// -----

// layer_norm: a row's stats are its mean and 1/std.
func.func @ln_stats_width(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats must hold 2 values per row (mean, 1/std), got 'tensor<?x?x3xf32>'}}
  %n, %s = loom.layer_norm %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x3xf32>
  return
}

// -----

// layer_norm: dynamic stats width is not 2 either.
func.func @ln_stats_dynamic_width(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats must hold 2 values per row (mean, 1/std), got 'tensor<?x?x?xf32>'}}
  %n, %s = loom.layer_norm %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x?xf32>
  return
}

// -----

// add_norm: at most result, sum and stats.
func.func @add_norm_saved_count(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{returns at most the result, the sum and the stats, got 4 results}}
  %n:4 = loom.add_norm %x, %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2xf32>
  return
}

// -----

// add_norm: the second saved value is the stats.
func.func @add_norm_stats_width(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats must hold 2 values per row (mean, 1/std), got 'tensor<?x?x8xf32>'}}
  %n, %s, %st = loom.add_norm %x, %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>
  return
}

// -----

// add_norm: the stats' rows are the input's.
func.func @add_norm_stats_rows(%x: tensor<2x5x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats dim 0 (3) does not match input dim 0 (2)}}
  %n, %s, %st = loom.add_norm %x, %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<2x5x8xf32>, tensor<8xf32> -> tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<3x5x2xf32>
  return
}

// -----

// add_norm: the first saved value is the sum, of the input type.
func.func @add_norm_sum_type(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{sum must have the input type 'tensor<?x?x8xf32>'}}
  %n, %s, %st = loom.add_norm %x, %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<?x?x2xf32>
  return
}

// -----

// cross_entropy: lse is [B, T].
func.func @ce_lse_rank(%l: tensor<?x?x10xf32>, %y: tensor<?x?xi32>) {
  // expected-error @+1 {{lse must have rank 2, got 'tensor<?xf32>'}}
  %a, %b = loom.cross_entropy %l, %y {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<?x?x10xf32>, tensor<?x?xi32> -> tensor<f32>, tensor<?xf32>
  return
}

// -----

// cross_entropy: lse has one value per position.
func.func @ce_lse_dims(%l: tensor<2x4x10xf32>, %y: tensor<2x4xi32>) {
  // expected-error @+1 {{lse dim 1 (5) does not match logits dim 1 (4)}}
  %a, %b = loom.cross_entropy %l, %y {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<2x4x10xf32>, tensor<2x4xi32> -> tensor<f32>, tensor<2x5xf32>
  return
}

// -----

// fused_attention: dropout is a probability in [0, 1).
func.func @fa_dropout_one(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{dropout must be in [0, 1), got 1}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32, dropout = 1.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

// fused_attention: negative dropout.
func.func @fa_dropout_negative(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{dropout must be in [0, 1), got -0.1}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32, dropout = -0.1 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

// fused_attention: NaN dropout.
func.func @fa_dropout_nan(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{dropout must be in [0, 1), got nan}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32, dropout = 0x7FC00000 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

// fused_attention: streams are numbered from 0.
func.func @fa_stream(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{dropout_stream must be >= 0, got -1}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32, dropout = 0.1 : f32, dropout_stream = -1 : i64} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

// fused_attention: lse is [B, H, Sq].
func.func @fa_lse_rank(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{lse must have rank 3, got 'tensor<?x8x?x64xf32>'}}
  %a, %l = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  return
}

// -----

// fused_attention: lse has the query's heads.
func.func @fa_lse_heads(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{lse dim 1 (4) does not match query dim 1 (8)}}
  %a, %l = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>, tensor<?x4x?xf32>
  return
}

// -----

// fused_attention: lse has one value per query row.
func.func @fa_lse_rows(%q: tensor<2x8x5x64xf32>, %k: tensor<2x8x7x64xf32>) {
  // expected-error @+1 {{lse dim 2 (7) does not match query dim 2 (5)}}
  %a, %l = loom.fused_attention %q, %k, %k {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<2x8x5x64xf32>, tensor<2x8x7x64xf32>, tensor<2x8x7x64xf32> -> tensor<2x8x5x64xf32>, tensor<2x8x7xf32>
  return
}

// -----

// dropout: streams are numbered from 0.
func.func @dropout_stream(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{stream must be >= 0, got -2}}
  %y = loom.dropout %x {probability = 0.1 : f32, stream = -2 : i64} : tensor<?x8xf32>
  return
}

// -----

// matmul transpose_lhs: lhs [.., K, M] contracts its dim rank-2.
func.func @mm_tl_contraction(%a: tensor<2x3x5xf32>, %b: tensor<2x4x6xf32>) {
  // expected-error @+1 {{rhs contraction dim 1 (4) does not match lhs dim 1 (3)}}
  %c = loom.matmul %a, %b {transpose_lhs} : tensor<2x3x5xf32>, tensor<2x4x6xf32> -> tensor<2x5x6xf32>
  return
}

// -----

// matmul transpose_lhs: the result's rows are lhs's last dim.
func.func @mm_tl_rows(%a: tensor<2x3x5xf32>, %b: tensor<2x3x6xf32>) {
  // expected-error @+1 {{result dim 1 (3) does not match lhs dim 2 (5)}}
  %c = loom.matmul %a, %b {transpose_lhs} : tensor<2x3x5xf32>, tensor<2x3x6xf32> -> tensor<2x3x6xf32>
  return
}

// -----

// matmul transpose_lhs and transpose_rhs: rhs [.., N, K].
func.func @mm_tl_tr_contraction(%a: tensor<2x3x5xf32>, %b: tensor<2x4x6xf32>) {
  // expected-error @+1 {{rhs contraction dim 2 (6) does not match lhs dim 1 (3)}}
  %c = loom.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<2x3x5xf32>, tensor<2x4x6xf32> -> tensor<2x5x4xf32>
  return
}

// -----

// loom.fused_attention_grad
func.func @fag_rank(%q: tensor<?x?x64xf32>, %lse: tensor<?x?xf32>) {
  // expected-error @+1 {{query must have rank 4, got 'tensor<?x?x64xf32>'}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?xf32>
  return
}

// -----

func.func @fag_key_batch(%q: tensor<2x8x5x64xf32>, %k: tensor<3x8x5x64xf32>, %lse: tensor<2x8x5xf32>) {
  // expected-error @+1 {{key dim 0 (3) does not match query dim 0 (2)}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %k, %k, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<2x8x5x64xf32>, tensor<3x8x5x64xf32>, tensor<3x8x5x64xf32>, tensor<2x8x5xf32>
  return
}

// -----

func.func @fag_value_length(%q: tensor<2x8x5x64xf32>, %k: tensor<2x8x7x64xf32>, %v: tensor<2x8x6x64xf32>, %lse: tensor<2x8x5xf32>) {
  // expected-error @+1 {{value dim 2 (6) does not match key dim 2 (7)}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %k, %v, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<2x8x5x64xf32>, tensor<2x8x7x64xf32>, tensor<2x8x6x64xf32>, tensor<2x8x5xf32>
  return
}

// -----

func.func @fag_key_width(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x32xf32>, %lse: tensor<?x8x?xf32>) {
  // expected-error @+1 {{key dim 3 (32) does not match query dim 3 (64)}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %k, %k, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32>, tensor<?x8x?xf32>
  return
}

// -----

func.func @fag_types(%q: tensor<?x8x?x64xf32>, %o: tensor<2x8x?x64xf32>, %lse: tensor<?x8x?xf32>) {
  // expected-error @+1 {{all of {d_out, query, out, dq} have same type}}
  %dq, %dk, %dv = "loom.fused_attention_grad"(%q, %q, %q, %q, %o, %lse) {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : (tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<2x8x?x64xf32>, tensor<?x8x?xf32>) -> (tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>)
  return
}

// -----

func.func @fag_lse_rank(%q: tensor<?x8x?x64xf32>, %lse: tensor<?x8xf32>) {
  // expected-error @+1 {{lse must have rank 3, got 'tensor<?x8xf32>'}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8xf32>
  return
}

// -----

func.func @fag_lse_rows(%q: tensor<2x8x5x64xf32>, %lse: tensor<2x8x4xf32>) {
  // expected-error @+1 {{lse dim 2 (4) does not match query dim 2 (5)}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<2x8x5x64xf32>, tensor<2x8x5x64xf32>, tensor<2x8x5x64xf32>, tensor<2x8x4xf32>
  return
}

// -----

func.func @fag_heads(%q: tensor<?x8x?x64xf32>, %lse: tensor<?x8x?xf32>) {
  // expected-error @+1 {{heads attribute (4) does not match the query's head dim (8)}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse {heads = 4 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return
}

// -----

func.func @fag_scale(%q: tensor<?x8x?x64xf32>, %lse: tensor<?x8x?xf32>) {
  // expected-error @+1 {{scale must be positive and finite, got 0}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return
}

// -----

func.func @fag_lengths_missing(%q: tensor<?x8x?x64xf32>, %lse: tensor<?x8x?xf32>) {
  // expected-error @+1 {{mask 'causal_key_padding' needs key_lengths}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse {heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return
}

// -----

func.func @fag_lengths_unused(%q: tensor<?x8x?x64xf32>, %lse: tensor<?x8x?xf32>, %len: tensor<?xi32>) {
  // expected-error @+1 {{mask 'causal' takes no key_lengths}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse key_lengths(%len : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<causal>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return
}

// -----

func.func @fag_dropout(%q: tensor<?x8x?x64xf32>, %lse: tensor<?x8x?xf32>) {
  // expected-error @+1 {{dropout must be in [0, 1), got 1.5}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32, dropout = 1.5 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return
}

// -----

func.func @fag_stream(%q: tensor<?x8x?x64xf32>, %lse: tensor<?x8x?xf32>) {
  // expected-error @+1 {{dropout_stream must be >= 0, got -3}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32, dropout = 0.1 : f32, dropout_stream = -3 : i64} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return
}

// -----

// loom.layer_norm_grad
func.func @lng_gamma_rank(%x: tensor<?x?x8xf32>, %st: tensor<?x?x2xf32>, %g: tensor<1x8xf32>) {
  // expected-error @+1 {{gamma must have rank 1, got 'tensor<1x8xf32>'}}
  %dx, %dg, %db = loom.layer_norm_grad %x, %x, %st, %g : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<1x8xf32>
  return
}

// -----

func.func @lng_gamma_width(%x: tensor<?x?x8xf32>, %st: tensor<?x?x2xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{gamma dim 0 (4) does not match input dim 2 (8)}}
  %dx, %dg, %db = loom.layer_norm_grad %x, %x, %st, %g : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<4xf32>
  return
}

// -----

func.func @lng_stats_rank(%x: tensor<?x?x8xf32>, %st: tensor<?x2xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats (input rank) must have rank 3, got 'tensor<?x2xf32>'}}
  %dx, %dg, %db = loom.layer_norm_grad %x, %x, %st, %g : tensor<?x?x8xf32>, tensor<?x2xf32>, tensor<8xf32>
  return
}

// -----

func.func @lng_stats_rows(%x: tensor<2x6x8xf32>, %st: tensor<2x5x2xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats dim 1 (5) does not match input dim 1 (6)}}
  %dx, %dg, %db = loom.layer_norm_grad %x, %x, %st, %g : tensor<2x6x8xf32>, tensor<2x5x2xf32>, tensor<8xf32>
  return
}

// -----

func.func @lng_stats_width(%x: tensor<?x?x8xf32>, %st: tensor<?x?x1xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{stats must hold 2 values per row (mean, 1/std), got 'tensor<?x?x1xf32>'}}
  %dx, %dg, %db = loom.layer_norm_grad %x, %x, %st, %g : tensor<?x?x8xf32>, tensor<?x?x1xf32>, tensor<8xf32>
  return
}

// -----

func.func @lng_accumulate(%x: tensor<?x?x8xf32>, %st: tensor<?x?x2xf32>, %g: tensor<8xf32>, %acc: tensor<2x?x8xf32>) {
  // expected-error @+1 {{accumulate must have the input type 'tensor<?x?x8xf32>'}}
  %dx, %dg, %db = loom.layer_norm_grad %x, %x, %st, %g accumulate(%acc : tensor<2x?x8xf32>) : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>
  return
}

// -----

func.func @lng_types(%x: tensor<?x?x8xf32>, %dy: tensor<?x?x4xf32>, %st: tensor<?x?x2xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{all of {dy, input, dx} have same type}}
  %dx, %dg, %db = "loom.layer_norm_grad"(%dy, %x, %st, %g) : (tensor<?x?x4xf32>, tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>)
  return
}

// -----

// loom.cross_entropy_grad
func.func @ceg_logits_rank(%l: tensor<?x10xf32>, %y: tensor<?x?xi32>, %lse: tensor<?x?xf32>) {
  // expected-error @+1 {{logits must have rank 3, got 'tensor<?x10xf32>'}}
  %d = loom.cross_entropy_grad %l, %y, %lse {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<?x10xf32>, tensor<?x?xi32>, tensor<?x?xf32>
  return
}

// -----

func.func @ceg_labels_rank(%l: tensor<?x?x10xf32>, %y: tensor<?xi32>, %lse: tensor<?x?xf32>) {
  // expected-error @+1 {{labels must have rank 2, got 'tensor<?xi32>'}}
  %d = loom.cross_entropy_grad %l, %y, %lse {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<?x?x10xf32>, tensor<?xi32>, tensor<?x?xf32>
  return
}

// -----

func.func @ceg_lse_rank(%l: tensor<?x?x10xf32>, %y: tensor<?x?xi32>, %lse: tensor<?x?x1xf32>) {
  // expected-error @+1 {{lse must have rank 2, got 'tensor<?x?x1xf32>'}}
  %d = loom.cross_entropy_grad %l, %y, %lse {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<?x?x10xf32>, tensor<?x?xi32>, tensor<?x?x1xf32>
  return
}

// -----

func.func @ceg_labels_batch(%l: tensor<2x4x10xf32>, %y: tensor<3x4xi32>, %lse: tensor<2x4xf32>) {
  // expected-error @+1 {{labels dim 0 (3) does not match logits dim 0 (2)}}
  %d = loom.cross_entropy_grad %l, %y, %lse {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<2x4x10xf32>, tensor<3x4xi32>, tensor<2x4xf32>
  return
}

// -----

func.func @ceg_lse_positions(%l: tensor<2x4x10xf32>, %y: tensor<2x4xi32>, %lse: tensor<2x5xf32>) {
  // expected-error @+1 {{lse dim 1 (5) does not match logits dim 1 (4)}}
  %d = loom.cross_entropy_grad %l, %y, %lse {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<2x4x10xf32>, tensor<2x4xi32>, tensor<2x5xf32>
  return
}

// -----

func.func @ceg_smoothing(%l: tensor<?x?x10xf32>, %y: tensor<?x?xi32>, %lse: tensor<?x?xf32>) {
  // expected-error @+1 {{label_smoothing must be in [0, 1), got 1}}
  %d = loom.cross_entropy_grad %l, %y, %lse {ignore_index = 0 : i64, label_smoothing = 1.0 : f32} : tensor<?x?x10xf32>, tensor<?x?xi32>, tensor<?x?xf32>
  return
}

// -----

// The loss's gradient d_loss is a scalar.
func.func @ceg_d_loss(%l: tensor<?x?x10xf32>, %y: tensor<?x?xi32>, %lse: tensor<?x?xf32>, %s: tensor<1xf32>) {
  // expected-error @+1 {{operand #3 must be 0D tensor of 32-bit float values}}
  %d = loom.cross_entropy_grad %l, %y, %lse scaled(%s : tensor<1xf32>) {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<?x?x10xf32>, tensor<?x?xi32>, tensor<?x?xf32>
  return
}

// -----

func.func @ceg_result_type(%l: tensor<?x?x10xf32>, %y: tensor<?x?xi32>, %lse: tensor<?x?xf32>) {
  // expected-error @+1 {{all of {logits, result} have same type}}
  %d = "loom.cross_entropy_grad"(%l, %y, %lse) {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : (tensor<?x?x10xf32>, tensor<?x?xi32>, tensor<?x?xf32>) -> tensor<?x?x11xf32>
  return
}

// -----

// loom.linear_grad_input
func.func @lgi_weight_rank(%dy: tensor<?x?x16xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{weight must have rank 2, got 'tensor<16xf32>'}}
  %dx = loom.linear_grad_input %dy, %w : tensor<?x?x16xf32>, tensor<16xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @lgi_dx_rank(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{dx (dy rank) must have rank 3, got 'tensor<?x8xf32>'}}
  %dx = loom.linear_grad_input %dy, %w : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x8xf32>
  return
}

// -----

func.func @lgi_dx_rows(%dy: tensor<2x5x16xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{dx dim 0 (3) does not match dy dim 0 (2)}}
  %dx = loom.linear_grad_input %dy, %w : tensor<2x5x16xf32>, tensor<16x8xf32> -> tensor<3x5x8xf32>
  return
}

// -----

func.func @lgi_dx_width(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{dx dim 2 (4) does not match weight dim 1 (8)}}
  %dx = loom.linear_grad_input %dy, %w : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x4xf32>
  return
}

// -----

func.func @lgi_rows_size(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{weight_rows must be [first, count], got 3 values}}
  %dx = loom.linear_grad_input %dy, %w {weight_rows = array<i64: 0, 16, 1>} : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @lgi_rows_outside(%dy: tensor<?x?x12xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{weight_rows [8, 8 + 12) is not a non-empty range inside the 16 weight rows}}
  %dx = loom.linear_grad_input %dy, %w {weight_rows = array<i64: 8, 12>} : tensor<?x?x12xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @lgi_rows_negative(%dy: tensor<?x?x4xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{weight_rows [-4, -4 + 4) is not a non-empty range inside the 16 weight rows}}
  %dx = loom.linear_grad_input %dy, %w {weight_rows = array<i64: -4, 4>} : tensor<?x?x4xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @lgi_rows_empty(%dy: tensor<?x?x?xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{weight_rows [4, 4 + 0) is not a non-empty range inside the 16 weight rows}}
  %dx = loom.linear_grad_input %dy, %w {weight_rows = array<i64: 4, 0>} : tensor<?x?x?xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @lgi_rows_features(%dy: tensor<?x?x6xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{dy has 6 features but the selected weight rows give 4}}
  %dx = loom.linear_grad_input %dy, %w {weight_rows = array<i64: 4, 4>} : tensor<?x?x6xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

// Without weight_rows every row is read.
func.func @lgi_all_rows(%dy: tensor<?x?x6xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{dy has 6 features but the selected weight rows give 16}}
  %dx = loom.linear_grad_input %dy, %w : tensor<?x?x6xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @lgi_accumulate(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>, %acc: tensor<?x?x16xf32>) {
  // expected-error @+1 {{accumulate must have the dx type 'tensor<?x?x8xf32>'}}
  %dx = loom.linear_grad_input %dy, %w accumulate(%acc : tensor<?x?x16xf32>) : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

// loom.linear_grad_weight
func.func @lgw_input_rank(%dy: tensor<?x?x16xf32>, %x: tensor<?x8xf32>) {
  // expected-error @+1 {{input (dy rank) must have rank 3, got 'tensor<?x8xf32>'}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x16xf32>, tensor<?x8xf32> -> tensor<16x8xf32>, tensor<16xf32>
  return
}

// -----

func.func @lgw_input_rows(%dy: tensor<2x5x16xf32>, %x: tensor<2x6x8xf32>) {
  // expected-error @+1 {{input dim 1 (6) does not match dy dim 1 (5)}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<2x5x16xf32>, tensor<2x6x8xf32> -> tensor<16x8xf32>, tensor<16xf32>
  return
}

// -----

func.func @lgw_dw_rank(%dy: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{dw must have rank 2, got 'tensor<128xf32>'}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x16xf32>, tensor<?x?x8xf32> -> tensor<128xf32>, tensor<16xf32>
  return
}

// -----

func.func @lgw_db_rank(%dy: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{db must have rank 1, got 'tensor<16x1xf32>'}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x16xf32>, tensor<?x?x8xf32> -> tensor<16x8xf32>, tensor<16x1xf32>
  return
}

// -----

func.func @lgw_dw_rows(%dy: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{dw dim 0 (12) does not match dy dim 2 (16)}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x16xf32>, tensor<?x?x8xf32> -> tensor<12x8xf32>, tensor<16xf32>
  return
}

// -----

func.func @lgw_dw_cols(%dy: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{dw dim 1 (4) does not match input dim 2 (8)}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x16xf32>, tensor<?x?x8xf32> -> tensor<16x4xf32>, tensor<16xf32>
  return
}

// -----

func.func @lgw_db_rows(%dy: tensor<?x?x16xf32>, %x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{db dim 0 (12) does not match dy dim 2 (16)}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x16xf32>, tensor<?x?x8xf32> -> tensor<16x8xf32>, tensor<12xf32>
  return
}

// -----

func.func @lgw_static(%dy: tensor<?x?x?xf32>, %x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{parameter gradients must have static shapes}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x?xf32>, tensor<?x?x8xf32> -> tensor<?x8xf32>, tensor<?xf32>
  return
}

// -----

// loom.embedding_grad
func.func @eg_dy_rank(%dy: tensor<?x8xf32>, %t: tensor<?x?xi32>) {
  // expected-error @+1 {{dy (tokens rank + 1) must have rank 3, got 'tensor<?x8xf32>'}}
  %d = loom.embedding_grad %dy, %t : tensor<?x8xf32>, tensor<?x?xi32> -> tensor<10x8xf32>
  return
}

// -----

func.func @eg_dy_positions(%dy: tensor<2x5x8xf32>, %t: tensor<2x4xi32>) {
  // expected-error @+1 {{dy dim 1 (5) does not match tokens dim 1 (4)}}
  %d = loom.embedding_grad %dy, %t : tensor<2x5x8xf32>, tensor<2x4xi32> -> tensor<10x8xf32>
  return
}

// -----

func.func @eg_result_rank(%dy: tensor<?x?x8xf32>, %t: tensor<?x?xi32>) {
  // expected-error @+1 {{result must have rank 2, got 'tensor<80xf32>'}}
  %d = loom.embedding_grad %dy, %t : tensor<?x?x8xf32>, tensor<?x?xi32> -> tensor<80xf32>
  return
}

// -----

func.func @eg_result_width(%dy: tensor<?x?x8xf32>, %t: tensor<?x?xi32>) {
  // expected-error @+1 {{result dim 1 (4) does not match dy dim 2 (8)}}
  %d = loom.embedding_grad %dy, %t : tensor<?x?x8xf32>, tensor<?x?xi32> -> tensor<10x4xf32>
  return
}

// -----

func.func @eg_static(%dy: tensor<?x?x8xf32>, %t: tensor<?x?xi32>) {
  // expected-error @+1 {{the table gradient must have a static shape, got 'tensor<?x8xf32>'}}
  %d = loom.embedding_grad %dy, %t : tensor<?x?x8xf32>, tensor<?x?xi32> -> tensor<?x8xf32>
  return
}

// -----

// loom.softmax_grad, loom.relu_grad, loom.gelu_grad
func.func @sg_axis(%p: tensor<?x8x?x?xf32>) {
  // expected-error @+1 {{axis 4 is not in [0, 4)}}
  %d = loom.softmax_grad %p, %p {axis = 4 : i64} : tensor<?x8x?x?xf32>
  return
}

// -----

func.func @sg_axis_negative(%p: tensor<?x8x?x?xf32>) {
  // expected-error @+1 {{axis -1 is not in [0, 4)}}
  %d = loom.softmax_grad %p, %p {axis = -1 : i64} : tensor<?x8x?x?xf32>
  return
}

// -----

func.func @rg_types(%dy: tensor<?x8xf32>, %y: tensor<?x4xf32>) {
  // expected-error @+1 {{all of {dy, output, result} have same type}}
  %d = "loom.relu_grad"(%dy, %y) : (tensor<?x8xf32>, tensor<?x4xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @gg_types(%dy: tensor<?x8xf32>, %x: tensor<?x4xf32>) {
  // expected-error @+1 {{all of {dy, input, result} have same type}}
  %d = "loom.gelu_grad"(%dy, %x) : (tensor<?x8xf32>, tensor<?x4xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @sg_types(%dy: tensor<?x8xf32>, %p: tensor<?x4xf32>) {
  // expected-error @+1 {{all of {dy, output, result} have same type}}
  %d = "loom.softmax_grad"(%dy, %p) {axis = 1 : i64} : (tensor<?x8xf32>, tensor<?x4xf32>) -> tensor<?x8xf32>
  return
}

// -----

// loom.concat
func.func @concat_empty() {
  // expected-error @+1 {{needs at least one input}}
  %c = loom.concat {axis = 0 : i64} : () -> tensor<4xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<?x?x8xf32>) {
  // expected-error @+1 {{axis 3 is not in [0, 3)}}
  %c = loom.concat %a, %a {axis = 3 : i64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @concat_input_rank(%a: tensor<?x?x8xf32>, %b: tensor<?x8xf32>) {
  // expected-error @+1 {{every input (result rank) must have rank 3, got 'tensor<?x8xf32>'}}
  %c = loom.concat %a, %b {axis = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x8xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @concat_other_dim(%a: tensor<2x4x8xf32>, %b: tensor<2x5x8xf32>) {
  // expected-error @+1 {{input dim 1 (5) does not match result dim 1 (4)}}
  %c = loom.concat %a, %b {axis = 2 : i64} : (tensor<2x4x8xf32>, tensor<2x5x8xf32>) -> tensor<2x4x16xf32>
  return
}

// -----

func.func @concat_total(%a: tensor<?x?x8xf32>, %b: tensor<?x?x4xf32>) {
  // expected-error @+1 {{inputs give 12 along axis 2, the result has 16}}
  %c = loom.concat %a, %b {axis = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

// loom.zero_rows
func.func @zr_scalar(%g: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %z = loom.zero_rows %g {count = 1 : i64, start = 0 : i64} : tensor<f32>
  return
}

// -----

func.func @zr_outside(%g: tensor<16xf32>) {
  // expected-error @+1 {{rows [8, 8 + 16) are not a non-empty range inside the 16 rows}}
  %z = loom.zero_rows %g {count = 16 : i64, start = 8 : i64} : tensor<16xf32>
  return
}

// -----

func.func @zr_negative(%g: tensor<16xf32>) {
  // expected-error @+1 {{rows [-1, -1 + 4) are not a non-empty range inside the 16 rows}}
  %z = loom.zero_rows %g {count = 4 : i64, start = -1 : i64} : tensor<16xf32>
  return
}

// -----

func.func @zr_empty(%g: tensor<16xf32>) {
  // expected-error @+1 {{rows [4, 4 + 0) are not a non-empty range inside the 16 rows}}
  %z = loom.zero_rows %g {count = 0 : i64, start = 4 : i64} : tensor<16xf32>
  return
}

// -----

// loom.adam
func.func @adam_name(%g: tensor<4x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{name must not be empty}}
  loom.adam "", %g, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<4x8xf32>, tensor<f32>
  return
}

// -----

func.func @adam_static(%g: tensor<?x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{the gradient of 'w' must have a static shape (a weight's)}}
  loom.adam "w", %g, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<?x8xf32>, tensor<f32>
  return
}

// -----

func.func @adam_beta1(%g: tensor<4x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{beta1 must be in [0, 1), got 1}}
  loom.adam "w", %g, %lr {beta1 = 1.0 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<4x8xf32>, tensor<f32>
  return
}

// -----

func.func @adam_beta2(%g: tensor<4x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{beta2 must be in [0, 1), got -0.1}}
  loom.adam "w", %g, %lr {beta1 = 0.9 : f64, beta2 = -0.1 : f64, epsilon = 1.0e-9 : f64} : tensor<4x8xf32>, tensor<f32>
  return
}

// -----

func.func @adam_epsilon(%g: tensor<4x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got 0}}
  loom.adam "w", %g, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 0.0 : f64} : tensor<4x8xf32>, tensor<f32>
  return
}

// -----

func.func @adam_epsilon_inf(%g: tensor<4x8xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got inf}}
  loom.adam "w", %g, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 0x7FF0000000000000 : f64} : tensor<4x8xf32>, tensor<f32>
  return
}

// -----

func.func @adam_lr(%g: tensor<4x8xf32>, %lr: tensor<1xf32>) {
  // expected-error @+1 {{operand #1 must be 0D tensor of 32-bit float values}}
  loom.adam "w", %g, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<4x8xf32>, tensor<1xf32>
  return
}
