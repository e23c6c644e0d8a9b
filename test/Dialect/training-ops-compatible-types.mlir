// RUN: loom-opt %s -split-input-file -verify-diagnostics
// The elementwise ops print one type for all operands and the result.
// Operands whose types are only compatible (tensor<?x8xf32> and
// tensor<2x8xf32>) must be refused, or print as IR that parses back: with
// SameOperandsAndResultType alone they verified and printed IR that did
// not parse ("use of value expects different type"). AllTypesMatch refuses
// them, each op on its own split (a single `not loom-opt` over the whole
// file would pass when any one of them is refused).

func.func @relu_grad(%dy: tensor<?x8xf32>, %y: tensor<2x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{all of {dy, output, result} have same type}}
  %0 = "loom.relu_grad"(%dy, %y) : (tensor<?x8xf32>, tensor<2x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @gelu_grad(%dy: tensor<?x8xf32>, %x: tensor<2x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{all of {dy, input, result} have same type}}
  %0 = "loom.gelu_grad"(%dy, %x) : (tensor<?x8xf32>, tensor<2x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @softmax_grad(%dp: tensor<?x8xf32>, %p: tensor<2x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{all of {dy, output, result} have same type}}
  %0 = "loom.softmax_grad"(%dp, %p) {axis = 1 : i64} : (tensor<?x8xf32>, tensor<2x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @zero_rows(%g: tensor<?xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{all of {input, result} have same type}}
  %0 = "loom.zero_rows"(%g) {count = 4 : i64, start = 0 : i64} : (tensor<?xf32>) -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// loom.add and loom.mul had the same gap.
func.func @add(%a: tensor<?x8xf32>, %b: tensor<2x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{all of {lhs, rhs, result} have same type}}
  %0 = "loom.add"(%a, %b) : (tensor<?x8xf32>, tensor<2x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @mul(%a: tensor<?x8xf32>, %b: tensor<2x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{all of {lhs, rhs, result} have same type}}
  %0 = "loom.mul"(%a, %b) : (tensor<?x8xf32>, tensor<2x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// The same ops with one type verify and round-trip.
func.func @one_type(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>, %g: tensor<16xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<16xf32>) {
  %0 = loom.relu_grad %a, %b : tensor<?x8xf32>
  %1 = loom.gelu_grad %a, %b : tensor<?x8xf32>
  %2 = loom.softmax_grad %a, %b {axis = 1 : i64} : tensor<?x8xf32>
  %3 = loom.add %a, %b : tensor<?x8xf32>
  %4 = loom.mul %a, %b : tensor<?x8xf32>
  %5 = loom.zero_rows %g {count = 4 : i64, start = 0 : i64} : tensor<16xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<16xf32>
}
