// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @empty_name() -> tensor<4xf32> {
  // expected-error @+1 {{name must not be empty}}
  %w = loom.weight "" : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @dynamic_weight() -> tensor<?x4xf32> {
  // expected-error @+1 {{weight 'w' must have a static shape, got 'tensor<?x4xf32>'}}
  %w = loom.weight "w" : tensor<?x4xf32>
  return %w : tensor<?x4xf32>
}

// -----

func.func @not_f32() -> tensor<4xf16> {
  // expected-error @+1 {{must be ranked tensor of 32-bit float values}}
  %w = loom.weight "w" : tensor<4xf16>
  return %w : tensor<4xf16>
}
