// RUN: loom-opt %s --loom-fuse-attention --split-input-file | FileCheck %s
// Negative cases: a broken pattern stays unfused.

// Softmax over the query axis is not attention.
// CHECK-LABEL: func @softmax_other_axis
// CHECK-NOT: loom.fused_attention
// CHECK: loom.softmax %{{.*}} {axis = 2 : i64}
func.func @softmax_other_axis(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 2 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// 1/8 is right for a head width of 64; 1/4 is not.
// CHECK-LABEL: func @wrong_scale
// CHECK-NOT: loom.fused_attention
// CHECK: loom.scale %{{.*}} {factor = 2.500000e-01 : f32}
func.func @wrong_scale(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.25 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// The probabilities are also returned (e.g. for attention heatmaps): fusing
// would lose them.
// CHECK-LABEL: func @probabilities_used
// CHECK-NOT: loom.fused_attention
// CHECK: %[[P:.*]] = loom.softmax
// CHECK: return %{{.*}}, %[[P]]
func.func @probabilities_used(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> (tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>) {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o, %p : tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>
}

// -----

// The raw scores have a second use.
// CHECK-LABEL: func @scores_used
// CHECK-NOT: loom.fused_attention
func.func @scores_used(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> (tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>) {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o, %s : tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>
}

// -----

// A masked intermediate has a second use.
// CHECK-LABEL: func @mask_used
// CHECK-NOT: loom.fused_attention
func.func @mask_used(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> (tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>) {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %c = loom.causal_mask %t : tensor<?x8x?x?xf32>
  %p = loom.softmax %c {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o, %c : tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>
}

// -----

// Scores that are not Q·Kᵀ (no transpose): not attention.
// CHECK-LABEL: func @not_transposed
// CHECK-NOT: loom.fused_attention
func.func @not_transposed(%q: tensor<?x8x?x64xf32>, %kt: tensor<?x8x64x?xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %kt : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Unscaled scores: the scale is part of the pattern.
// CHECK-LABEL: func @no_scale
// CHECK-NOT: loom.fused_attention
func.func @no_scale(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %p = loom.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Two causal masks: not the pattern (and not what any importer emits).
// CHECK-LABEL: func @double_mask
// CHECK-NOT: loom.fused_attention
func.func @double_mask(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %c = loom.causal_mask %t : tensor<?x8x?x?xf32>
  %c2 = loom.causal_mask %c : tensor<?x8x?x?xf32>
  %p = loom.softmax %c2 {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = loom.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// A dropout whose probabilities are also read elsewhere keeps the chain.
// CHECK-LABEL: func @dropout_read_twice
// CHECK-NOT: loom.fused_attention
// CHECK: loom.dropout
func.func @dropout_read_twice(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> (tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>) {
  %s = loom.matmul %q, %k {transpose_rhs} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x?xf32>
  %t = loom.scale %s {factor = 0.125 : f32} : tensor<?x8x?x?xf32>
  %p = loom.softmax %t {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %d = loom.dropout %p {probability = 0.1 : f32} : tensor<?x8x?x?xf32>
  %o = loom.matmul %d, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o, %d : tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>
}
