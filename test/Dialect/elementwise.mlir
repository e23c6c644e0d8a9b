// RUN: loom-opt %s | loom-opt | FileCheck %s
// Elementwise ops keep their operand type: add, mul, scale, relu, gelu (erf
// form) and dropout (training only; identity at inference).

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<?x?x512xf32>, %b: tensor<?x?x512xf32>) -> tensor<?x?x512xf32> {
  // CHECK: loom.add %{{.*}}, %{{.*}} : tensor<?x?x512xf32>
  %0 = loom.add %a, %b : tensor<?x?x512xf32>
  // CHECK: loom.mul %{{.*}}, %{{.*}} : tensor<?x?x512xf32>
  %1 = loom.mul %0, %b : tensor<?x?x512xf32>
  // CHECK: loom.scale %{{.*}} {factor = 22.6274166 : f32} : tensor<?x?x512xf32>
  %2 = loom.scale %1 {factor = 22.627417 : f32} : tensor<?x?x512xf32>
  // CHECK: loom.relu %{{.*}} : tensor<?x?x512xf32>
  %3 = loom.relu %2 : tensor<?x?x512xf32>
  // CHECK: loom.gelu %{{.*}} : tensor<?x?x512xf32>
  %4 = loom.gelu %3 : tensor<?x?x512xf32>
  // CHECK: loom.dropout %{{.*}} {probability = 1.000000e-01 : f32} : tensor<?x?x512xf32>
  %5 = loom.dropout %4 {probability = 0.1 : f32} : tensor<?x?x512xf32>
  return %5 : tensor<?x?x512xf32>
}
