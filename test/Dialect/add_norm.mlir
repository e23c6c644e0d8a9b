// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.add_norm: LayerNorm(input + residual); the pre-norm form also returns
// the sum as a second result.

// CHECK-LABEL: func @post_norm
func.func @post_norm(%x: tensor<?x?x512xf32>, %r: tensor<?x?x512xf32>, %g: tensor<512xf32>, %b: tensor<512xf32>) -> tensor<?x?x512xf32> {
  // CHECK: %{{.*}} = loom.add_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>
  %n = loom.add_norm %x, %r, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>
  return %n : tensor<?x?x512xf32>
}

// CHECK-LABEL: func @pre_norm
func.func @pre_norm(%x: tensor<?x?x512xf32>, %r: tensor<?x?x512xf32>, %g: tensor<512xf32>, %b: tensor<512xf32>) -> (tensor<?x?x512xf32>, tensor<?x?x512xf32>) {
  // CHECK: %{{.*}}, %{{.*}} = loom.add_norm {{.*}} -> tensor<?x?x512xf32>, tensor<?x?x512xf32>
  %n, %s = loom.add_norm %x, %r, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>, tensor<?x?x512xf32>
  return %n, %s : tensor<?x?x512xf32>, tensor<?x?x512xf32>
}
