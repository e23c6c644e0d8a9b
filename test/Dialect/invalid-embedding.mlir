// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @table_rank(%t: tensor<10xf32>, %tok: tensor<?x?xi32>) {
  // expected-error @+1 {{table must have rank 2, got 'tensor<10xf32>'}}
  %e = loom.embedding %t[%tok] : tensor<10xf32>, tensor<?x?xi32> -> tensor<?x?x4xf32>
  return
}

// -----

func.func @result_rank(%t: tensor<10x4xf32>, %tok: tensor<?x?xi32>) {
  // expected-error @+1 {{result (tokens rank + 1) must have rank 3}}
  %e = loom.embedding %t[%tok] : tensor<10x4xf32>, tensor<?x?xi32> -> tensor<?x4xf32>
  return
}

// -----

func.func @width(%t: tensor<10x4xf32>, %tok: tensor<?x?xi32>) {
  // expected-error @+1 {{result dim 2 (5) does not match table dim 1 (4)}}
  %e = loom.embedding %t[%tok] : tensor<10x4xf32>, tensor<?x?xi32> -> tensor<?x?x5xf32>
  return
}

// -----

func.func @batch(%t: tensor<10x4xf32>, %tok: tensor<2x3xi32>) {
  // expected-error @+1 {{result dim 0 (3) does not match tokens dim 0 (2)}}
  %e = loom.embedding %t[%tok] : tensor<10x4xf32>, tensor<2x3xi32> -> tensor<3x3x4xf32>
  return
}

// -----

func.func @float_tokens(%t: tensor<10x4xf32>, %tok: tensor<?x?xf32>) {
  // expected-error @+1 {{must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %e = loom.embedding %t[%tok] : tensor<10x4xf32>, tensor<?x?xf32> -> tensor<?x?x4xf32>
  return
}
