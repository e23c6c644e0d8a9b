// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @smoothing(%l: tensor<?x?x10xf32>, %y: tensor<?x?xi32>) {
  // expected-error @+1 {{label_smoothing must be in [0, 1), got 1}}
  %c = loom.cross_entropy %l, %y {ignore_index = 0 : i64, label_smoothing = 1.0 : f32} : tensor<?x?x10xf32>, tensor<?x?xi32> -> tensor<f32>
  return
}

// -----

func.func @labels(%l: tensor<2x3x10xf32>, %y: tensor<2x4xi32>) {
  // expected-error @+1 {{labels dim 1 (4) does not match logits dim 1 (3)}}
  %c = loom.cross_entropy %l, %y {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<2x3x10xf32>, tensor<2x4xi32> -> tensor<f32>
  return
}

// -----

func.func @result(%l: tensor<2x3x10xf32>, %y: tensor<2x3xi32>) {
  // expected-error @+1 {{result #0 must be 0D tensor of 32-bit float values}}
  %c = loom.cross_entropy %l, %y {ignore_index = 0 : i64, label_smoothing = 0.0 : f32} : tensor<2x3x10xf32>, tensor<2x3xi32> -> tensor<1xf32>
  return
}
