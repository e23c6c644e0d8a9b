// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @residual(%x: tensor<?x?x8xf32>, %r: tensor<?x?x4xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{all of {input, residual, result} have same type}}
  %n = "loom.add_norm"(%x, %r, %g, %g) {epsilon = 1.0e-5 : f32} : (tensor<?x?x8xf32>, tensor<?x?x4xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @epsilon(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got -1}}
  %n = loom.add_norm %x, %x, %g, %g {epsilon = -1.0 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @sum_type(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{sum must have the input type 'tensor<?x?x8xf32>'}}
  %n, %s = loom.add_norm %x, %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>, tensor<2x?x8xf32>
  return
}

// -----

func.func @gamma_width(%x: tensor<?x?x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{gamma dim 0 (4) does not match input dim 2 (8)}}
  %n = loom.add_norm %x, %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<4xf32> -> tensor<?x?x8xf32>
  return
}
