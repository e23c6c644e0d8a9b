// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.layer_norm normalises the last axis and applies gamma and beta.

// CHECK-LABEL: func @norm
func.func @norm(%x: tensor<?x?x512xf32>, %g: tensor<512xf32>, %b: tensor<512xf32>) -> tensor<?x?x512xf32> {
  // CHECK: loom.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32>
  %n = loom.layer_norm %x, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x512xf32>, tensor<512xf32>
  return %n : tensor<?x?x512xf32>
}
