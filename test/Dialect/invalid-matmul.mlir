// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @rank(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{operands must have rank >= 2}}
  %c = loom.matmul %a, %b : tensor<4xf32>, tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @contraction(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) {
  // expected-error @+1 {{rhs contraction dim 0 (5) does not match lhs dim 1 (4)}}
  %c = loom.matmul %a, %b : tensor<3x4xf32>, tensor<5x6xf32> -> tensor<3x6xf32>
  return
}

// -----

func.func @transposed(%q: tensor<2x3x8xf32>, %k: tensor<2x5x7xf32>) {
  // expected-error @+1 {{rhs contraction dim 2 (7) does not match lhs dim 2 (8)}}
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<2x3x8xf32>, tensor<2x5x7xf32> -> tensor<2x3x5xf32>
  return
}

// -----

func.func @batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) {
  // expected-error @+1 {{rhs dim 0 (3) does not match lhs dim 0 (2)}}
  %c = loom.matmul %a, %b : tensor<2x3x4xf32>, tensor<3x4x5xf32> -> tensor<2x3x5xf32>
  return
}

// -----

func.func @result(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{result dim 1 (6) does not match rhs dim 1 (5)}}
  %c = loom.matmul %a, %b : tensor<3x4xf32>, tensor<4x5xf32> -> tensor<3x6xf32>
  return
}
