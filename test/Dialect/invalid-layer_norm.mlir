// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @width(%x: tensor<?x?x512xf32>, %g: tensor<256xf32>, %b: tensor<256xf32>) {
  // expected-error @+1 {{gamma dim 0 (256) does not match input dim 2 (512)}}
  %n = loom.layer_norm %x, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x512xf32>, tensor<256xf32>
  return
}

// -----

func.func @epsilon(%x: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got 0}}
  %n = loom.layer_norm %x, %g, %b {epsilon = 0.0 : f32} : tensor<?x?x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @gamma_rank(%x: tensor<?x?x8xf32>, %g: tensor<1x8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{gamma must have rank 1}}
  %n = loom.layer_norm %x, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<1x8xf32>
  return
}
