// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @causal_rank(%s: tensor<4xf32>) {
  // expected-error @+1 {{scores must have rank >= 2}}
  %m = loom.causal_mask %s : tensor<4xf32>
  return
}

// -----

func.func @lengths_rank(%s: tensor<2x3x3xf32>, %len: tensor<2x1xi32>) {
  // expected-error @+1 {{lengths must have rank 1}}
  %m = loom.key_padding_mask %s, %len : tensor<2x3x3xf32>, tensor<2x1xi32>
  return
}

// -----

func.func @lengths_batch(%s: tensor<2x3x3xf32>, %len: tensor<3xi32>) {
  // expected-error @+1 {{lengths dim 0 (3) does not match scores dim 0 (2)}}
  %m = loom.key_padding_mask %s, %len : tensor<2x3x3xf32>, tensor<3xi32>
  return
}
