// --loom-lower-to-kernels refuses what no kernel computes, with the op at
// fault and what to do about it.
// RUN: loom-opt %s --loom-lower-to-kernels -split-input-file -verify-diagnostics

// An unfused softmax has no kernel: the fusion pipeline must run first.
func.func @forward(%x: tensor<?x?xi32> {loom.input = "src"}) -> tensor<?x?x8xf32> {
  %0 = loom.weight "t" : tensor<5x8xf32>
  %1 = loom.embedding %0[%x] : tensor<5x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %2 = loom.scale %1 {factor = 2.0 : f32} : tensor<?x?x8xf32>
  %3 = loom.positional_encoding %2 {max_len = 4 : i64} : tensor<?x?x8xf32>
  // expected-error @+1 {{no kernel computes 'loom.softmax' (run the fusion pipeline first)}}
  %4 = loom.softmax %3 {axis = 2 : i64} : tensor<?x?x8xf32>
  return %4 : tensor<?x?x8xf32>
}

// -----

// Arguments need a role the runtime knows (loom/abi/PlanAbi.def).
// expected-error @+1 {{argument #0 has no known loom.input role}}
func.func @forward(%x: tensor<?x?xi32> {loom.input = "tokens"}) -> tensor<?x?x8xf32> {
  %0 = loom.weight "t" : tensor<5x8xf32>
  %1 = loom.embedding %0[%x] : tensor<5x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %1 : tensor<?x?x8xf32>
}

// -----

func.func @forward(%x: tensor<?x?xi32> {loom.input = "src"}) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %0 = loom.weight "t" : tensor<5x8xf32>
  %1 = loom.embedding %0[%x] : tensor<5x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{a lowered function returns exactly one tensor}}
  return %1, %1 : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// The embed kernel computes table[tokens] * scale + positions, all three.
func.func @forward(%x: tensor<?x?xi32> {loom.input = "src"}) -> tensor<?x?x8xf32> {
  %0 = loom.weight "t" : tensor<5x8xf32>
  // expected-error @+1 {{an embedding must be followed by loom.scale and loom.positional_encoding, each the only user}}
  %1 = loom.embedding %0[%x] : tensor<5x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %1 : tensor<?x?x8xf32>
}

// -----

// A scale exists only as an embedding's factor (a lone relu or gelu has a
// kernel: dropout's, activation only).
func.func @forward(%x: tensor<?x?xi32> {loom.input = "src"}) -> tensor<?x?x8xf32> {
  %0 = loom.weight "t" : tensor<5x8xf32>
  %1 = loom.embedding %0[%x] : tensor<5x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %2 = loom.scale %1 {factor = 2.0 : f32} : tensor<?x?x8xf32>
  %3 = loom.positional_encoding %2 {max_len = 4 : i64} : tensor<?x?x8xf32>
  %4 = loom.relu %3 : tensor<?x?x8xf32>
  // expected-error @+1 {{'loom.scale' has no kernel of its own: it is computed only as an embedding's (or its gradient's) factor, when it is the only user between them}}
  %5 = loom.scale %4 {factor = 2.0 : f32} : tensor<?x?x8xf32>
  return %5 : tensor<?x?x8xf32>
}

// -----

func.func @forward(%x: tensor<?x?xi32> {loom.input = "src"}) -> tensor<?x?x8xf32> {
  %0 = loom.weight "t" : tensor<5x8xf32>
  %1 = loom.embedding %0[%x] : tensor<5x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %2 = loom.scale %1 {factor = 2.0 : f32} : tensor<?x?x8xf32>
  %3 = loom.positional_encoding %2 {max_len = 4 : i64} : tensor<?x?x8xf32>
  %w = loom.weight "w" : tensor<8x8xf32>
  // expected-error @+1 {{the linear kernel needs a bias}}
  %4 = loom.linear %3, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  return %4 : tensor<?x?x8xf32>
}

// -----

// One weight, one layout: the table of an embedding (plain) cannot also be
// a linear's weight (transposed).
func.func @forward(%x: tensor<?x?xi32> {loom.input = "src"}) -> tensor<?x?x8xf32> {
  %0 = loom.weight "tied" : tensor<8x8xf32>
  %1 = loom.embedding %0[%x] : tensor<8x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %2 = loom.scale %1 {factor = 2.0 : f32} : tensor<?x?x8xf32>
  %3 = loom.positional_encoding %2 {max_len = 4 : i64} : tensor<?x?x8xf32>
  %b = loom.weight "b" : tensor<8xf32>
  // expected-error @+1 {{weight 'tied' is read both as a linear weight (stored transposed) and as a plain tensor}}
  %4 = loom.linear %3, %0, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  return %4 : tensor<?x?x8xf32>
}

// -----

// Heads merged from one chunk of a packed projection are a strided view:
// the result cannot be one.
func.func @forward(%x: tensor<?x?xi32> {loom.input = "src"}) -> tensor<?x?x8xf32> {
  %0 = loom.weight "t" : tensor<5x8xf32>
  %1 = loom.embedding %0[%x] : tensor<5x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %2 = loom.scale %1 {factor = 2.0 : f32} : tensor<?x?x8xf32>
  %3 = loom.positional_encoding %2 {max_len = 4 : i64} : tensor<?x?x8xf32>
  %4 = loom.weight "w" : tensor<24x8xf32>
  %5 = loom.weight "b" : tensor<24xf32>
  %6 = loom.linear %3, %4, %5 : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %7 = loom.split_heads %6 {chunks = 3 : i64, heads = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %8 = loom.merge_heads %7 : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{the result must be written whole by one kernel (it is a view, a weight or an input)}}
  return %8 : tensor<?x?x8xf32>
}
