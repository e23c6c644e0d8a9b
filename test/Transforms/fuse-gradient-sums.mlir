// RUN: loom-opt %s -split-input-file --loom-fuse-gradient-sums | FileCheck %s
// RUN: loom-opt %s -split-input-file --loom-fuse-gradient-sums --loom-fuse-gradient-sums | FileCheck %s
// --loom-fuse-gradient-sums: loom.add(a, g), where g is a
// linear_grad_input result or a layer_norm_grad's dx with no other use and
// no accumulate yet, becomes that op with accumulate(a), if a is defined
// before it. Running it twice changes nothing (the second run line has
// the same checks).

// Either operand order.
// CHECK-LABEL: func.func @linear_grad_input
// CHECK-SAME: (%[[DY:[^:]*]]: tensor<?x?x16xf32>, %[[W:[^:]*]]: tensor<16x8xf32>, %[[A:[^:]*]]: tensor<?x?x8xf32>)
// CHECK-NEXT: %[[G1:.*]] = loom.linear_grad_input %[[DY]], %[[W]] accumulate(%[[A]] : tensor<?x?x8xf32>) : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[G2:.*]] = loom.linear_grad_input %[[DY]], %[[W]] accumulate(%[[A]] : tensor<?x?x8xf32>) {weight_rows = array<i64: 0, 16>} : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
// CHECK-NOT: loom.add
// CHECK-NEXT: return %[[G1]], %[[G2]]
func.func @linear_grad_input(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>, %a: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %g1 = loom.linear_grad_input %dy, %w : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %s1 = loom.add %a, %g1 : tensor<?x?x8xf32>
  %g2 = loom.linear_grad_input %dy, %w {weight_rows = array<i64: 0, 16>} : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %s2 = loom.add %g2, %a : tensor<?x?x8xf32>
  return %s1, %s2 : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// layer_norm_grad's dx: the other results are unchanged.
// CHECK-LABEL: func.func @layer_norm_grad
// CHECK-SAME: %[[A:[^:]*]]: tensor<?x?x8xf32>)
// CHECK-NEXT: %[[DX:.*]], %[[DG:.*]], %[[DB:.*]] = loom.layer_norm_grad %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} accumulate(%[[A]] : tensor<?x?x8xf32>) : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>
// CHECK-NEXT: return %[[DX]], %[[DG]], %[[DB]]
func.func @layer_norm_grad(%dy: tensor<?x?x8xf32>, %x: tensor<?x?x8xf32>, %st: tensor<?x?x2xf32>, %g: tensor<8xf32>, %a: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %dx, %dg, %db = loom.layer_norm_grad %dy, %x, %st, %g : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>
  %s = loom.add %a, %dx : tensor<?x?x8xf32>
  return %s, %dg, %db : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// A chain of sums (a value with three uses): the first gradient op takes
// the argument, the second the first.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: %[[A:[^:]*]]: tensor<?x?x8xf32>)
// CHECK-NEXT: %[[G1:.*]] = loom.linear_grad_input %{{.*}} accumulate(%[[A]] : tensor<?x?x8xf32>)
// CHECK-NEXT: %[[G2:.*]] = loom.linear_grad_input %{{.*}} accumulate(%[[G1]] : tensor<?x?x8xf32>)
// CHECK-NEXT: return %[[G2]]
func.func @chain(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>, %a: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %g1 = loom.linear_grad_input %dy, %w : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %g2 = loom.linear_grad_input %dy, %w : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %s1 = loom.add %a, %g1 : tensor<?x?x8xf32>
  %s2 = loom.add %s1, %g2 : tensor<?x?x8xf32>
  return %s2 : tensor<?x?x8xf32>
}

// -----

// The gradient is also read elsewhere: folding the sum into it would
// change that other reader's value.
// CHECK-LABEL: func.func @other_use
// CHECK: %[[G:.*]] = loom.linear_grad_input %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x16xf32>
// CHECK-NEXT: %[[S:.*]] = loom.add %{{.*}}, %[[G]]
// CHECK-NEXT: return %[[S]], %[[G]]
func.func @other_use(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>, %a: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %g = loom.linear_grad_input %dy, %w : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %s = loom.add %a, %g : tensor<?x?x8xf32>
  return %s, %g : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// accumulate is taken already (on both gradient ops of one sum).
// CHECK-LABEL: func.func @accumulate_set
// CHECK: %[[G1:.*]] = loom.linear_grad_input %{{.*}} accumulate(
// CHECK-NEXT: %[[DX:[^,]*]], %{{.*}} = loom.layer_norm_grad %{{.*}} accumulate(
// CHECK-NEXT: %[[S:.*]] = loom.add %[[G1]], %[[DX]] :
// CHECK-NEXT: return %[[S]]
func.func @accumulate_set(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>, %a: tensor<?x?x8xf32>, %x: tensor<?x?x8xf32>, %st: tensor<?x?x2xf32>, %g: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %g1 = loom.linear_grad_input %dy, %w accumulate(%a : tensor<?x?x8xf32>) : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %dx, %dg, %db = loom.layer_norm_grad %x, %x, %st, %g accumulate(%a : tensor<?x?x8xf32>) : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>
  %s = loom.add %g1, %dx : tensor<?x?x8xf32>
  return %s : tensor<?x?x8xf32>
}

// -----

// The other addend is computed after the gradient op: it cannot be its
// operand.
// CHECK-LABEL: func.func @defined_after
// CHECK: %[[G:.*]] = loom.linear_grad_input %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x16xf32>
// CHECK-NEXT: %[[R:.*]] = loom.relu
// CHECK-NEXT: %[[S:.*]] = loom.add %[[G]], %[[R]]
// CHECK-NEXT: return %[[S]]
func.func @defined_after(%dy: tensor<?x?x16xf32>, %w: tensor<16x8xf32>, %a: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %g = loom.linear_grad_input %dy, %w : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  %r = loom.relu %a : tensor<?x?x8xf32>
  %s = loom.add %g, %r : tensor<?x?x8xf32>
  return %s : tensor<?x?x8xf32>
}

// -----

// Neither addend is an input gradient of a linear layer or a norm.
// CHECK-LABEL: func.func @no_gradient_op
// CHECK: loom.relu_grad
// CHECK: loom.linear_grad_weight
// CHECK-NEXT: %[[S1:.*]] = loom.add
// CHECK-NEXT: %[[S2:.*]] = loom.add
// CHECK-NEXT: return %[[S1]], %[[S2]]
func.func @no_gradient_op(%dy: tensor<?x?x8xf32>, %h: tensor<?x?x8xf32>, %a: tensor<?x?x8xf32>, %x: tensor<?x?x8xf32>, %db0: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>) {
  %r = loom.relu_grad %dy, %h : tensor<?x?x8xf32>
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<8x8xf32>, tensor<8xf32>
  %s1 = loom.add %a, %r : tensor<?x?x8xf32>
  %s2 = loom.add %db0, %db : tensor<8xf32>
  return %s1, %s2 : tensor<?x?x8xf32>, tensor<8xf32>
}
