// RUN: loom-opt %s -split-input-file --loom-autodiff | FileCheck %s
// --loom-autodiff on the linear algebra: loom.linear (dX = dY · W through
// linear_grad_input, dW and db through linear_grad_weight; with weight_rows
// each layer's slice of a packed weight, joined with loom.concat in row
// order for loom.adam), loom.matmul in all four transpose combinations, and
// split_heads / merge_heads (the q|k|v chunks' gradients joined by a
// concat along the features).

// A linear layer with a bias: one loom.adam for the weight, one for the
// bias, in @forward's order (the table first).
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[LR:[^:]*]]: tensor<f32> {loom.scalar = "lr"})
// CHECK: %[[X:.*]] = loom.embedding
// CHECK-NEXT: %[[W:.*]] = loom.weight "w" : tensor<5x8xf32>
// CHECK-NEXT: %[[B:.*]] = loom.weight "b" : tensor<5xf32>
// CHECK-NEXT: %[[Y:.*]] = loom.linear %[[X]], %[[W]], %[[B]]
// CHECK: %[[DY:.*]] = loom.cross_entropy_grad %[[Y]]
// CHECK-NEXT: %[[DX:.*]] = loom.linear_grad_input %[[DY]], %[[W]] : tensor<?x?x5xf32>, tensor<5x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[DW:.*]], %[[DB:.*]] = loom.linear_grad_weight %[[DY]], %[[X]] : tensor<?x?x5xf32>, tensor<?x?x8xf32> -> tensor<5x8xf32>, tensor<5xf32>
// CHECK-NEXT: %[[DT:.*]] = loom.embedding_grad %[[DX]]
// CHECK-NEXT: loom.adam "emb", %[[DT]], %[[LR]]
// CHECK-NEXT: loom.adam "w", %[[DW]], %[[LR]] {{.*}} : tensor<5x8xf32>, tensor<f32>
// CHECK-NEXT: loom.adam "b", %[[DB]], %[[LR]] {{.*}} : tensor<5xf32>, tensor<f32>
// CHECK-NEXT: return
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x5xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %w = loom.weight "w" : tensor<5x8xf32>
  %b = loom.weight "b" : tensor<5xf32>
  %y = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<5x8xf32>, tensor<5xf32>) -> tensor<?x?x5xf32>
  return %y : tensor<?x?x5xf32>
}
}

// -----

// Without a bias: the bias gradient linear_grad_weight computes has no
// parameter to update.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[DW:.*]], %{{.*}} = loom.linear_grad_weight
// CHECK: loom.adam "emb"
// CHECK-NEXT: loom.adam "w", %[[DW]],
// CHECK-NEXT: return
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x5xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %w = loom.weight "w" : tensor<5x8xf32>
  %y = loom.linear %x, %w : (tensor<?x?x8xf32>, tensor<5x8xf32>) -> tensor<?x?x5xf32>
  return %y : tensor<?x?x5xf32>
}
}

// -----

// Two layers read disjoint row ranges of one packed weight and bias (as
// cross-attention reads rows [0, D) for queries and [D, 3D) for keys and
// values). Each linear_grad_input keeps its weight_rows; each
// linear_grad_weight gives its slice; the packed gradients are the slices
// concatenated in row order (rows [0, 4) then [4, 12)), whatever the order
// of the layers.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[X:.*]] = loom.embedding
// CHECK-NEXT: %[[W:.*]] = loom.weight "packed.weight" : tensor<12x8xf32>
// CHECK-NEXT: %[[B:.*]] = loom.weight "packed.bias" : tensor<12xf32>
// CHECK-NEXT: %[[KV:.*]] = loom.linear %[[X]], %[[W]], %[[B]] {weight_rows = array<i64: 4, 8>}
// CHECK-NEXT: %[[Q:.*]] = loom.linear %[[X]], %[[W]], %[[B]] {weight_rows = array<i64: 0, 4>}
// CHECK: %[[DOUT:.*]] = loom.cross_entropy_grad
// CHECK: %[[DQX:.*]] = loom.linear_grad_input %[[DOUT]], %[[W]] {weight_rows = array<i64: 0, 4>} : tensor<?x?x4xf32>, tensor<12x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[DWQ:.*]], %[[DBQ:.*]] = loom.linear_grad_weight %[[DOUT]], %[[X]] : tensor<?x?x4xf32>, tensor<?x?x8xf32> -> tensor<4x8xf32>, tensor<4xf32>
// CHECK: %[[DKVX:.*]] = loom.linear_grad_input %{{.*}}, %[[W]] {weight_rows = array<i64: 4, 8>} : tensor<?x?x8xf32>, tensor<12x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[DWKV:.*]], %[[DBKV:.*]] = loom.linear_grad_weight %{{.*}}, %[[X]] : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<8x8xf32>, tensor<8xf32>
// CHECK: loom.adam "emb"
// CHECK-NEXT: %[[GW:.*]] = loom.concat %[[DWQ]], %[[DWKV]] {axis = 0 : i64} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<12x8xf32>
// CHECK-NEXT: loom.adam "packed.weight", %[[GW]],
// CHECK-NEXT: %[[GB:.*]] = loom.concat %[[DBQ]], %[[DBKV]] {axis = 0 : i64} : (tensor<4xf32>, tensor<8xf32>) -> tensor<12xf32>
// CHECK-NEXT: loom.adam "packed.bias", %[[GB]],
// CHECK-NEXT: loom.adam "proj.weight"
// CHECK-NEXT: return
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x4xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %w = loom.weight "packed.weight" : tensor<12x8xf32>
  %b = loom.weight "packed.bias" : tensor<12xf32>
  %kv = loom.linear %x, %w, %b {weight_rows = array<i64: 4, 8>} : (tensor<?x?x8xf32>, tensor<12x8xf32>, tensor<12xf32>) -> tensor<?x?x8xf32>
  %q = loom.linear %x, %w, %b {weight_rows = array<i64: 0, 4>} : (tensor<?x?x8xf32>, tensor<12x8xf32>, tensor<12xf32>) -> tensor<?x?x4xf32>
  %p = loom.weight "proj.weight" : tensor<4x8xf32>
  %z = loom.linear %kv, %p : (tensor<?x?x8xf32>, tensor<4x8xf32>) -> tensor<?x?x4xf32>
  %out = loom.add %q, %z : tensor<?x?x4xf32>
  return %out : tensor<?x?x4xf32>
}
}

// -----

// Two layers reading the same rows: their slice gradients are summed, then
// joined with the rest.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[DW1:.*]], %[[DB1:.*]] = loom.linear_grad_weight %{{.*}} -> tensor<4x8xf32>, tensor<4xf32>
// CHECK: %[[DW2:.*]], %[[DB2:.*]] = loom.linear_grad_weight %{{.*}} -> tensor<4x8xf32>, tensor<4xf32>
// CHECK: %[[DW3:.*]], %[[DB3:.*]] = loom.linear_grad_weight %{{.*}} -> tensor<4x8xf32>, tensor<4xf32>
// CHECK: %[[SUM:.*]] = loom.add %[[DW2]], %[[DW3]] : tensor<4x8xf32>
// CHECK-NEXT: loom.concat %[[SUM]], %[[DW1]] {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x4xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %w = loom.weight "w" : tensor<8x8xf32>
  %b = loom.weight "b" : tensor<8xf32>
  %a0 = loom.linear %x, %w, %b {weight_rows = array<i64: 0, 4>} : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x4xf32>
  %a1 = loom.linear %x, %w, %b {weight_rows = array<i64: 0, 4>} : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x4xf32>
  %c = loom.linear %x, %w, %b {weight_rows = array<i64: 4, 4>} : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x4xf32>
  %s = loom.add %a0, %a1 : tensor<?x?x4xf32>
  %out = loom.add %s, %c : tensor<?x?x4xf32>
  return %out : tensor<?x?x4xf32>
}
}

// -----

// C = A · B: dA = dC · Bᵀ, dB = Aᵀ · dC.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[B:[^:]*]]: tensor<?x8x5xf32>
// CHECK: %[[A:.*]] = loom.embedding
// CHECK: %[[DC:.*]] = loom.cross_entropy_grad
// CHECK-NEXT: %[[DA:.*]] = loom.matmul %[[DC]], %[[B]] {transpose_rhs} : tensor<?x?x5xf32>, tensor<?x8x5xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: loom.matmul %[[A]], %[[DC]] {transpose_lhs} : tensor<?x?x8xf32>, tensor<?x?x5xf32> -> tensor<?x8x5xf32>
// CHECK-NEXT: loom.embedding_grad %[[DA]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %b: tensor<?x8x5xf32>) -> tensor<?x?x5xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %a = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %c = loom.matmul %a, %b : tensor<?x?x8xf32>, tensor<?x8x5xf32> -> tensor<?x?x5xf32>
  return %c : tensor<?x?x5xf32>
}
}

// -----

// C = A · Bᵀ: dA = dC · B, dB = dCᵀ · A.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[B:[^:]*]]: tensor<?x5x8xf32>
// CHECK: %[[A:.*]] = loom.embedding
// CHECK: %[[DC:.*]] = loom.cross_entropy_grad
// CHECK-NEXT: %[[DA:.*]] = loom.matmul %[[DC]], %[[B]] : tensor<?x?x5xf32>, tensor<?x5x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: loom.matmul %[[DC]], %[[A]] {transpose_lhs} : tensor<?x?x5xf32>, tensor<?x?x8xf32> -> tensor<?x5x8xf32>
// CHECK-NEXT: loom.embedding_grad %[[DA]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %b: tensor<?x5x8xf32>) -> tensor<?x?x5xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %a = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %c = loom.matmul %a, %b {transpose_rhs} : tensor<?x?x8xf32>, tensor<?x5x8xf32> -> tensor<?x?x5xf32>
  return %c : tensor<?x?x5xf32>
}
}

// -----

// C = Aᵀ · B (A: [B, T, 8], B: [B, T, 5], C: [B, 8, 5]): dA = B · dCᵀ,
// dB = A · dC.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[B:[^:]*]]: tensor<?x?x5xf32>
// CHECK: %[[A:.*]] = loom.embedding
// CHECK: %[[DC:.*]] = loom.cross_entropy_grad
// CHECK-NEXT: %[[DA:.*]] = loom.matmul %[[B]], %[[DC]] {transpose_rhs} : tensor<?x?x5xf32>, tensor<?x8x5xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: loom.matmul %[[A]], %[[DC]] : tensor<?x?x8xf32>, tensor<?x8x5xf32> -> tensor<?x?x5xf32>
// CHECK-NEXT: loom.embedding_grad %[[DA]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %b: tensor<?x?x5xf32>) -> tensor<?x8x5xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %a = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %c = loom.matmul %a, %b {transpose_lhs} : tensor<?x?x8xf32>, tensor<?x?x5xf32> -> tensor<?x8x5xf32>
  return %c : tensor<?x8x5xf32>
}
}

// -----

// C = Aᵀ · Bᵀ (A: [B, T, 8], B: [B, 5, T], C: [B, 8, 5]): dA = Bᵀ · dCᵀ,
// dB = dCᵀ · Aᵀ.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[B:[^:]*]]: tensor<?x5x?xf32>
// CHECK: %[[A:.*]] = loom.embedding
// CHECK: %[[DC:.*]] = loom.cross_entropy_grad
// CHECK-NEXT: %[[DA:.*]] = loom.matmul %[[B]], %[[DC]] {transpose_lhs, transpose_rhs} : tensor<?x5x?xf32>, tensor<?x8x5xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: loom.matmul %[[DC]], %[[A]] {transpose_lhs, transpose_rhs} : tensor<?x8x5xf32>, tensor<?x?x8xf32> -> tensor<?x5x?xf32>
// CHECK-NEXT: loom.embedding_grad %[[DA]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %b: tensor<?x5x?xf32>) -> tensor<?x8x5xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %a = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %c = loom.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<?x?x8xf32>, tensor<?x5x?xf32> -> tensor<?x8x5xf32>
  return %c : tensor<?x8x5xf32>
}
}

// -----

// split_heads / merge_heads: the inverse views. Each chunk's gradient is
// its window of the packed features: the three windows (q at 0, k at 8,
// v at 16) are joined with one concat along axis 2 in feature order, and
// the packed projection gets one gradient.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[QKV:.*]] = loom.linear
// CHECK-NEXT: %[[V:.*]] = loom.split_heads %[[QKV]] {chunk = 2 : i64, chunks = 3 : i64, heads = 2 : i64}
// CHECK-NEXT: %[[Q:.*]] = loom.split_heads %[[QKV]] {chunks = 3 : i64, heads = 2 : i64}
// CHECK-NEXT: %[[K:.*]] = loom.split_heads %[[QKV]] {chunk = 1 : i64, chunks = 3 : i64, heads = 2 : i64}
// CHECK-NEXT: %[[S:.*]] = loom.add %[[Q]], %[[K]]
// CHECK-NEXT: %[[T:.*]] = loom.mul %[[S]], %[[V]]
// CHECK-NEXT: %[[M:.*]] = loom.merge_heads %[[T]]
// CHECK: %[[DM:.*]] = loom.cross_entropy_grad %[[M]]
// CHECK-NEXT: %[[DT:.*]] = loom.split_heads %[[DM]] {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
// CHECK-NEXT: %[[DS:.*]] = loom.mul %[[DT]], %[[V]]
// CHECK-NEXT: %[[DV:.*]] = loom.mul %[[DT]], %[[S]]
// CHECK-NEXT: %[[DKM:.*]] = loom.merge_heads %[[DS]] : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[DQM:.*]] = loom.merge_heads %[[DS]] : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[DVM:.*]] = loom.merge_heads %[[DV]] : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[DQKV:.*]] = loom.concat %[[DQM]], %[[DKM]], %[[DVM]] {axis = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x24xf32>
// CHECK-NEXT: loom.linear_grad_input %[[DQKV]], %{{.*}} : tensor<?x?x24xf32>, tensor<24x8xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: loom.linear_grad_weight %[[DQKV]], %{{.*}} -> tensor<24x8xf32>, tensor<24xf32>
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %w = loom.weight "qkv.weight" : tensor<24x8xf32>
  %b = loom.weight "qkv.bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %s = loom.add %q, %k : tensor<?x2x?x4xf32>
  %tt = loom.mul %s, %v : tensor<?x2x?x4xf32>
  %m = loom.merge_heads %tt : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  return %m : tensor<?x?x8xf32>
}
}
