// RUN: loom-opt %s -split-input-file -verify-diagnostics
// IR the training-op verifiers used to accept (or reject without saying
// why), now refused with a message in the wording of loom's other
// verifiers: the value's head width and key_lengths of
// fused_attention_grad, rank-0 operands of the row-wise gradients, and
// linear_grad_weight's dw and db rows against each other. (The other
// verifier messages are in invalid-training-ops.mlir.)

// loom.fused_attention_grad
// The value's head width must be the query's (out = P · value has the
// query's type).
func.func @fag_value_width(%q: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x32xf32>, %lse: tensor<?x8x?xf32>) {
  // expected-error @+1 {{value dim 3 (32) does not match query dim 3 (64)}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %v, %q, %lse {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x32xf32>, tensor<?x8x?xf32>
  return
}

// -----

// Key_lengths is [B] (as loom.fused_attention checks).
func.func @fag_lengths_rank(%q: tensor<?x8x?x64xf32>, %lse: tensor<?x8x?xf32>, %len: tensor<?x?xi32>) {
  // expected-error @+1 {{key_lengths must have rank 1, got 'tensor<?x?xi32>'}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse key_lengths(%len : tensor<?x?xi32>) {heads = 8 : i64, mask = #loom.mask<key_padding>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return
}

// -----

// Key_lengths has one length per batch row.
func.func @fag_lengths_batch(%q: tensor<2x8x5x64xf32>, %lse: tensor<2x8x5xf32>, %len: tensor<3xi32>) {
  // expected-error @+1 {{key_lengths dim 0 (3) does not match query dim 0 (2)}}
  %dq, %dk, %dv = loom.fused_attention_grad %q, %q, %q, %q, %q, %lse key_lengths(%len : tensor<3xi32>) {heads = 8 : i64, mask = #loom.mask<key_padding>, scale = 0.125 : f32} : tensor<2x8x5x64xf32>, tensor<2x8x5x64xf32>, tensor<2x8x5x64xf32>, tensor<2x8x5xf32>
  return
}

// -----

// loom.layer_norm_grad
// A rank-0 input (no feature dim) is refused naming the input.
func.func @lng_scalar(%x: tensor<f32>, %st: tensor<2xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{input must have rank >= 1, got 'tensor<f32>'}}
  %dx, %dg, %db = loom.layer_norm_grad %x, %x, %st, %g : tensor<f32>, tensor<2xf32>, tensor<8xf32>
  return
}

// -----

// loom.linear_grad_input
// A rank-0 dy is refused naming dy.
func.func @lgi_scalar(%dy: tensor<f32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{dy must have rank >= 1, got 'tensor<f32>'}}
  %dx = loom.linear_grad_input %dy, %w : tensor<f32>, tensor<16x8xf32> -> tensor<f32>
  return
}

// -----

// loom.linear_grad_weight
// With a dynamic dy width, dw and db are still the same rows' gradients
// (4 weight rows, 5 bias rows: refused).
func.func @lgw_dw_db_rows(%dy: tensor<?x?x?xf32>, %x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{db dim 0 (5) does not match dw dim 0 (4)}}
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x?xf32>, tensor<?x?x8xf32> -> tensor<4x8xf32>, tensor<5xf32>
  return
}

// -----

// A rank-0 dy is refused naming dy.
func.func @lgw_scalar(%dy: tensor<f32>) {
  // expected-error @+1 {{dy must have rank >= 1, got 'tensor<f32>'}}
  %dw, %db = loom.linear_grad_weight %dy, %dy : tensor<f32>, tensor<f32> -> tensor<4x8xf32>, tensor<4xf32>
  return
}
