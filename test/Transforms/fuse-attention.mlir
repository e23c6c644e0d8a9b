// RUN: loom-opt %s --loom-fuse-attention --split-input-file | FileCheck %s
// Positive cases: each mask combination becomes one loom.fused_attention and
// the unfused chain disappears.

// CHECK-LABEL: func @causal_padding
// CHECK-SAME: (%[[Q:.*]]: tensor<?x8x?x64xf32>, %[[K:.*]]: tensor<?x8x?x64xf32>, %[[V:.*]]: tensor<?x8x?x64xf32>, %[[L:.*]]: tensor<?xi32>)
func.func @causal_padding(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>, %len: tensor<?xi32>) -> tensor<?x8x?x64xf32> {
  // CHECK-NEXT: %[[A:.*]] = loom.fused_attention %[[Q]], %[[K]], %[[V]] key_lengths(%[[L]] : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 1.250000e-01 : f32}
  // CHECK-NEXT: return %[[A]]
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %c = loom.causal_mask %t : tensor<?x8x?x?xf32>
  %m = loom.key_padding_mask %c, %len : tensor<?x8x?x?xf32>, tensor<?xi32>
  %p = loom.softmax %m {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// The masks may come in either order.
// CHECK-LABEL: func @padding_then_causal
// CHECK: loom.fused_attention {{.*}} mask = #loom.mask<causal_key_padding>
// CHECK-NOT: loom.softmax
func.func @padding_then_causal(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>, %len: tensor<?xi32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %m = loom.key_padding_mask %t, %len : tensor<?x8x?x?xf32>, tensor<?xi32>
  %c = loom.causal_mask %m : tensor<?x8x?x?xf32>
  %p = loom.softmax %c {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Encoder self-attention and cross-attention: key padding only.
// CHECK-LABEL: func @padding_only
// CHECK: loom.fused_attention {{.*}} key_lengths({{.*}}) {heads = 4 : i64, mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : tensor<2x4x5x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32> -> tensor<2x4x5x8xf32>
func.func @padding_only(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x9x8xf32>, %v: tensor<2x4x9x8xf32>, %len: tensor<2xi64>) -> tensor<2x4x5x8xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<2x4x5x8xf32>, tensor<2x4x9x8xf32> -> tensor<2x4x5x9xf32>
  %t = loom.scale %s {factor = 0.353553385 : f32} : tensor<2x4x5x9xf32>
  %m = loom.key_padding_mask %t, %len : tensor<2x4x5x9xf32>, tensor<2xi64>
  %p = loom.softmax %m {axis = 3 : i64} : tensor<2x4x5x9xf32>
  %o = loom.matmul %p, %v : tensor<2x4x5x9xf32>, tensor<2x4x9x8xf32> -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

// -----

// No mask at all; a single head of width 8.
// CHECK-LABEL: func @unmasked
// CHECK: loom.fused_attention %{{.*}}, %{{.*}}, %{{.*}} {heads = 1 : i64, mask = #loom.mask<none>, scale = 0.353553385 : f32}
func.func @unmasked(%q: tensor<?x1x?x8xf32>, %k: tensor<?x1x?x8xf32>, %v: tensor<?x1x?x8xf32>) -> tensor<?x1x?x8xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32> -> tensor<?x1x?x?xf32>
  %t = loom.scale %s {factor = 0.353553385 : f32} : tensor<?x1x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x1x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x1x?x?xf32>, tensor<?x1x?x8xf32> -> tensor<?x1x?x8xf32>
  return %o : tensor<?x1x?x8xf32>
}

// -----

// Causal only (decoder-only language models without padding use this).
// CHECK-LABEL: func @causal_only
// CHECK: loom.fused_attention %{{.*}}, %{{.*}}, %{{.*}} {heads = 8 : i64, mask = #loom.mask<causal>
func.func @causal_only(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %c = loom.causal_mask %t : tensor<?x8x?x?xf32>
  %p = loom.softmax %c {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Head width 1: the scale 1/sqrt(1) folds away before fusion; the fused op
// gets scale 1.
// CHECK-LABEL: func @head_width_one
// CHECK: loom.fused_attention {{.*}} {heads = 2 : i64, mask = #loom.mask<none>, scale = 1.000000e+00 : f32}
func.func @head_width_one(%q: tensor<?x2x?x1xf32>, %k: tensor<?x2x?x1xf32>, %v: tensor<?x2x?x1xf32>) -> tensor<?x2x?x1xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x2x?x1xf32>, tensor<?x2x?x1xf32> -> tensor<?x2x?x?xf32>
  %p = loom.softmax %s {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x2x?x?xf32>, tensor<?x2x?x1xf32> -> tensor<?x2x?x1xf32>
  return %o : tensor<?x2x?x1xf32>
}

// -----

// A dropout between the softmax and ·V (a training graph) becomes the fused
// op's dropout, with its mask stream; nothing of the chain is left.
// CHECK-LABEL: func @dropout_in_between
// CHECK-NEXT: %[[A:.*]] = loom.fused_attention {{.*}} {dropout = 1.000000e-01 : f32, dropout_stream = 4 : i64, heads = 8 : i64, mask = #loom.mask<none>, scale = 1.250000e-01 : f32}
// CHECK-NEXT: return %[[A]]
func.func @dropout_in_between(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %d = loom.dropout %p {probability = 0.1 : f32, stream = 4 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %d, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}
