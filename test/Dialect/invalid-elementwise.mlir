// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @mismatch(%a: tensor<?x?x8xf32>, %b: tensor<?x?x4xf32>) {
  // expected-error @+1 {{all of {lhs, rhs, result} have same type}}
  %c = "loom.add"(%a, %b) : (tensor<?x?x8xf32>, tensor<?x?x4xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @dropout_one(%x: tensor<4xf32>) {
  // expected-error @+1 {{probability must be in [0, 1), got 1}}
  %y = loom.dropout %x {probability = 1.0 : f32} : tensor<4xf32>
  return
}

// -----

func.func @dropout_negative(%x: tensor<4xf32>) {
  // expected-error @+1 {{probability must be in [0, 1), got -0.5}}
  %y = loom.dropout %x {probability = -0.5 : f32} : tensor<4xf32>
  return
}

// -----

func.func @integer_add(%a: tensor<4xi32>) {
  // expected-error @+1 {{must be ranked tensor of 32-bit float values}}
  %c = loom.add %a, %a : tensor<4xi32>
  return
}
