// RUN: loom-opt %s --canonicalize | FileCheck %s
// Scaling by 1 and dropout with probability 0 fold away; other values stay.

// CHECK-LABEL: func @identity_folds
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>)
func.func @identity_folds(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // CHECK-NOT: loom.scale
  // CHECK-NOT: loom.dropout
  // CHECK: return %[[X]]
  %0 = loom.scale %x {factor = 1.0 : f32} : tensor<?x?x8xf32>
  %1 = loom.dropout %0 {probability = 0.0 : f32} : tensor<?x?x8xf32>
  return %1 : tensor<?x?x8xf32>
}

// CHECK-LABEL: func @kept
func.func @kept(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // CHECK: loom.scale %{{.*}} {factor = 2.000000e+00 : f32}
  // CHECK: loom.dropout %{{.*}} {probability = 5.000000e-01 : f32}
  %0 = loom.scale %x {factor = 2.0 : f32} : tensor<?x?x8xf32>
  %1 = loom.dropout %0 {probability = 0.5 : f32} : tensor<?x?x8xf32>
  return %1 : tensor<?x?x8xf32>
}
