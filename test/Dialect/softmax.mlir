// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.softmax normalises along one axis.

// CHECK-LABEL: func @softmax
func.func @softmax(%s: tensor<?x8x?x?xf32>) -> (tensor<?x8x?x?xf32>, tensor<?x8x?x?xf32>) {
  // CHECK: loom.softmax %{{.*}} {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %p = loom.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
  // CHECK: loom.softmax %{{.*}} {axis = 0 : i64} : tensor<?x8x?x?xf32>
  %q = loom.softmax %s {axis = 0 : i64} : tensor<?x8x?x?xf32>
  return %p, %q : tensor<?x8x?x?xf32>, tensor<?x8x?x?xf32>
}
