// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.cross_entropy is the training loss: mean label-smoothed cross-entropy
// over labels that are not ignore_index (pad_id).

// CHECK-LABEL: func @loss
func.func @loss(%logits: tensor<?x?x1000xf32>, %labels: tensor<?x?xi32>) -> tensor<f32> {
  // CHECK: loom.cross_entropy %{{.*}}, %{{.*}} {ignore_index = 0 : i64, label_smoothing = 1.000000e-01 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32> -> tensor<f32>
  %l = loom.cross_entropy %logits, %labels {ignore_index = 0 : i64, label_smoothing = 0.1 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32> -> tensor<f32>
  return %l : tensor<f32>
}
