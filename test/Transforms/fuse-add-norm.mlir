// RUN: loom-opt %s --loom-fuse-add-norm --split-input-file | FileCheck %s

// Post-norm: the sum feeds only the norm.
// CHECK-LABEL: func @post_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>, %[[R:.*]]: tensor<?x?x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
func.func @post_norm(%x: tensor<?x?x8xf32>, %r: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // CHECK-NEXT: %[[N:.*]] = loom.add_norm %[[X]], %[[R]], %[[G]], %[[B]] {epsilon = 9.99999974E-6 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  // CHECK-NEXT: return %[[N]]
  %s = loom.add %x, %r : tensor<?x?x8xf32>
  %n = loom.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32>
  return %n : tensor<?x?x8xf32>
}

// -----

// Pre-norm: the sum is the next residual, so the fused op returns it too.
// CHECK-LABEL: func @pre_norm
func.func @pre_norm(%x: tensor<?x?x8xf32>, %r: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  // CHECK-NEXT: %[[N:.*]], %[[S:.*]] = loom.add_norm {{.*}} -> tensor<?x?x8xf32>, tensor<?x?x8xf32>
  // CHECK-NEXT: %[[Y:.*]] = loom.relu %[[N]]
  // CHECK-NEXT: %[[Z:.*]] = loom.add %[[Y]], %[[S]]
  // CHECK-NEXT: return %[[Z]]
  %s = loom.add %x, %r : tensor<?x?x8xf32>
  %n = loom.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32>
  %y = loom.relu %n : tensor<?x?x8xf32>
  %z = loom.add %y, %s : tensor<?x?x8xf32>
  return %z : tensor<?x?x8xf32>
}

// -----

// A chain of residual blocks fuses step by step.
// CHECK-LABEL: func @chain
// CHECK-COUNT-2: loom.add_norm
// CHECK-NOT: loom.layer_norm
func.func @chain(%x: tensor<?x?x8xf32>, %r: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %s = loom.add %x, %r : tensor<?x?x8xf32>
  %n = loom.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32>
  %y = loom.relu %n : tensor<?x?x8xf32>
  %s2 = loom.add %y, %n : tensor<?x?x8xf32>
  %n2 = loom.layer_norm %s2, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32>
  return %n2 : tensor<?x?x8xf32>
}

// -----

// Negative: the sum is read before the norm, where no fused result exists yet.
// CHECK-LABEL: func @sum_read_first
// CHECK-NOT: loom.add_norm
// CHECK: loom.add
// CHECK: loom.layer_norm
func.func @sum_read_first(%x: tensor<?x?x8xf32>, %r: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %s = loom.add %x, %r : tensor<?x?x8xf32>
  %y = loom.relu %s : tensor<?x?x8xf32>
  %n = loom.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32>
  return %n, %y : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Negative: a norm of something other than an add.
// CHECK-LABEL: func @not_an_add
// CHECK-NOT: loom.add_norm
// CHECK: loom.layer_norm
func.func @not_an_add(%x: tensor<?x?x8xf32>, %r: tensor<?x?x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %s = loom.mul %x, %r : tensor<?x?x8xf32>
  %n = loom.layer_norm %s, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32>
  return %n : tensor<?x?x8xf32>
}
