// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.weight names a model parameter by its state_dict name; its type is the
// static shape the weights file must hold.

// CHECK-LABEL: func @weights
func.func @weights() -> (tensor<1000x512xf32>, tensor<512xf32>) {
  // CHECK: loom.weight "output.weight" : tensor<1000x512xf32>
  %w = loom.weight "output.weight" : tensor<1000x512xf32>
  // CHECK: loom.weight "transformer.norm.bias" : tensor<512xf32>
  %b = loom.weight "transformer.norm.bias" : tensor<512xf32>
  return %w, %b : tensor<1000x512xf32>, tensor<512xf32>
}
