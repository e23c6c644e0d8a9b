// RUN: loom-opt %s --loom-strip-dropout --loom-fuse-attention | FileCheck %s
// Stripping dropout first lets attention with dropout on its weights fuse
// (what loomc's inference pipeline does).

// CHECK-LABEL: func @train_graph_for_inference
// CHECK-NOT: loom.dropout
// CHECK: loom.fused_attention
// CHECK-NOT: loom.softmax
func.func @train_graph_for_inference(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %d = loom.dropout %p {probability = 0.1 : f32} : tensor<?x8x?x?xf32>
  %o = loom.matmul %d, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
