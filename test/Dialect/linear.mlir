// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.linear computes x · Wᵀ + b over the last axis; weight_rows selects a
// slice of a packed weight such as PyTorch's in_proj_weight.

// CHECK-LABEL: func @packed_qkv
func.func @packed_qkv(%x: tensor<?x?x512xf32>, %w: tensor<1536x512xf32>, %b: tensor<1536xf32>) -> tensor<?x?x1536xf32> {
  // CHECK: loom.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) -> tensor<?x?x1536xf32>
  %y = loom.linear %x, %w, %b : (tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) -> tensor<?x?x1536xf32>
  return %y : tensor<?x?x1536xf32>
}

// CHECK-LABEL: func @rows_of_packed
func.func @rows_of_packed(%x: tensor<?x?x512xf32>, %w: tensor<1536x512xf32>, %b: tensor<1536xf32>) -> tensor<?x?x1024xf32> {
  // CHECK: loom.linear {{.*}} {weight_rows = array<i64: 512, 1024>} : (tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) -> tensor<?x?x1024xf32>
  %kv = loom.linear %x, %w, %b {weight_rows = array<i64: 512, 1024>} : (tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) -> tensor<?x?x1024xf32>
  return %kv : tensor<?x?x1024xf32>
}

// CHECK-LABEL: func @no_bias
func.func @no_bias(%x: tensor<4x3xf32>, %w: tensor<5x3xf32>) -> tensor<4x5xf32> {
  // CHECK: loom.linear %{{.*}}, %{{.*}} : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  %y = loom.linear %x, %w : (tensor<4x3xf32>, tensor<5x3xf32>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}
