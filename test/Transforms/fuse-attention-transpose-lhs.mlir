// RUN: loom-opt %s -split-input-file --loom-fuse-attention | FileCheck %s
// --loom-fuse-attention and matmul's transpose_lhs (new with the training
// IR): Pᵀ · V and Qᵀ · Kᵀ are not attention, so the chain must stay as it
// is. Fails today: FuseAttention.cpp checks transpose_rhs on both matmuls
// but never transpose_lhs, and fuses these chains as if they were P · V and
// Q · Kᵀ.

// Pᵀ · V (square scores, so the types fit): not attention.
// CHECK-LABEL: func @transposed_probabilities
// CHECK-NOT: loom.fused_attention
// CHECK: loom.softmax
// CHECK: loom.matmul %{{.*}} {transpose_lhs}
func.func @transposed_probabilities(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v {transpose_lhs} : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Scores Qᵀ · Kᵀ (Q stored [B, H, Dh, S] with S = Dh = 64): not Q · Kᵀ.
// CHECK-LABEL: func @transposed_queries
// CHECK-NOT: loom.fused_attention
// CHECK: loom.matmul %{{.*}} {transpose_lhs, transpose_rhs}
// CHECK: loom.softmax
func.func @transposed_queries(%q: tensor<?x8x64x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x64x64xf32> {
  %s = loom.matmul %q, %k {transpose_lhs, transpose_rhs} : tensor<?x8x64x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x64x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x64x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x64x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x64x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x64x64xf32>
  return %o : tensor<?x8x64x64xf32>
}
