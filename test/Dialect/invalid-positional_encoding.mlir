// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @rank(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{input must have rank 3}}
  %p = loom.positional_encoding %x {max_len = 8 : i64} : tensor<?x8xf32>
  return
}

// -----

func.func @odd_width(%x: tensor<?x?x7xf32>) {
  // expected-error @+1 {{model width must be static and even}}
  %p = loom.positional_encoding %x {max_len = 8 : i64} : tensor<?x?x7xf32>
  return
}

// -----

func.func @too_long(%x: tensor<2x9x8xf32>) {
  // expected-error @+1 {{sequence length 9 exceeds max_len 8}}
  %p = loom.positional_encoding %x {max_len = 8 : i64} : tensor<2x9x8xf32>
  return
}

// -----

func.func @no_table(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{max_len must be >= 1, got 0}}
  %p = loom.positional_encoding %x {max_len = 0 : i64} : tensor<?x?x8xf32>
  return
}
