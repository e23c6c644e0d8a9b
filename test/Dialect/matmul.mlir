// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.matmul is a batched product; transpose_rhs reads the rhs as [.., N, K].

// CHECK-LABEL: func @scores
func.func @scores(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>) -> tensor<?x8x?x?xf32> {
  // CHECK: loom.matmul %{{.*}}, %{{.*}} {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  return %s : tensor<?x8x?x?xf32>
}

// CHECK-LABEL: func @weighted_values
func.func @weighted_values(%p: tensor<?x8x?x?xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  // CHECK: loom.matmul %{{.*}}, %{{.*}} : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// CHECK-LABEL: func @plain_2d
func.func @plain_2d(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  // CHECK: loom.matmul {{.*}} : tensor<3x4xf32>, tensor<4x5xf32> -> tensor<3x5xf32>
  %c = loom.matmul %a, %b : tensor<3x4xf32>, tensor<4x5xf32> -> tensor<3x5xf32>
  return %c : tensor<3x5xf32>
}
