// RUN: loom-opt %s | loom-opt | FileCheck %s
// Masks set hidden scores to -inf: causal hides later keys, key_padding hides
// keys at or past each row's length.

// CHECK-LABEL: func @masks
func.func @masks(%s: tensor<?x8x?x?xf32>, %len: tensor<?xi32>) -> tensor<?x8x?x?xf32> {
  // CHECK: loom.causal_mask %{{.*}} : tensor<?x8x?x?xf32>
  %c = loom.causal_mask %s : tensor<?x8x?x?xf32>
  // CHECK: loom.key_padding_mask %{{.*}}, %{{.*}} : tensor<?x8x?x?xf32>, tensor<?xi32>
  %m = loom.key_padding_mask %c, %len : tensor<?x8x?x?xf32>, tensor<?xi32>
  return %m : tensor<?x8x?x?xf32>
}

// CHECK-LABEL: func @i64_lengths
func.func @i64_lengths(%s: tensor<4x2x3x3xf32>, %len: tensor<4xi64>) -> tensor<4x2x3x3xf32> {
  // CHECK: loom.key_padding_mask {{.*}} : tensor<4x2x3x3xf32>, tensor<4xi64>
  %m = loom.key_padding_mask %s, %len : tensor<4x2x3x3xf32>, tensor<4xi64>
  return %m : tensor<4x2x3x3xf32>
}
