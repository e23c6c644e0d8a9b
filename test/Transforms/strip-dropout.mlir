// RUN: loom-opt %s --loom-strip-dropout | FileCheck %s
// Inference: dropout is the identity, whatever its probability.

// CHECK-LABEL: func @strip
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>)
// CHECK-NOT: loom.dropout
// CHECK: %[[Y:.*]] = loom.relu %[[X]]
// CHECK-NEXT: return %[[Y]]
func.func @strip(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %0 = loom.dropout %x {probability = 0.1 : f32} : tensor<?x?x8xf32>
  %1 = loom.relu %0 : tensor<?x?x8xf32>
  %2 = loom.dropout %1 {probability = 0.5 : f32} : tensor<?x?x8xf32>
  return %2 : tensor<?x?x8xf32>
}
