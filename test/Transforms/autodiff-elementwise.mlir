// RUN: loom-opt %s -split-input-file --loom-autodiff | FileCheck %s
// --loom-autodiff, one adjoint per case: the embedding (with its scale and
// the positional table), add (a value with two uses gets the sum of its
// uses' gradients), mul, relu, gelu, dropout (the same mask stream in
// backward; streams numbered 1..n in @train_step only), the masks (fill 0
// in backward) and softmax. Each @forward is the smallest decoder the pass
// accepts: a "tgt" input and logits [B, T, V]; the loss is mean
// cross-entropy of the logits against the labels (see autodiff-loss.mlir).

// The embedding scatters its gradient into the table; positional_encoding
// adds a constant (its gradient passes through: no op); scale scales.
// CHECK-LABEL: func.func @forward(
// CHECK-NOT: loom.cross_entropy
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[TGT:[^:]*]]: tensor<?x?xi32> {loom.input = "tgt"}, %[[LABELS:[^:]*]]: tensor<?x?xi32> {loom.input = "labels"}, %[[LR:[^:]*]]: tensor<f32> {loom.scalar = "lr"}) -> (tensor<f32> {loom.output = "loss"}) attributes {loom.training}
// CHECK: %[[T:.*]] = loom.weight "emb" : tensor<7x8xf32>
// CHECK: %[[P:.*]] = loom.positional_encoding
// CHECK-NEXT: %[[LOSS:.*]], %[[LSE:.*]] = loom.cross_entropy %[[P]], %[[LABELS]]
// CHECK-NEXT: %[[DP:.*]] = loom.cross_entropy_grad %[[P]], %[[LABELS]], %[[LSE]]
// CHECK-NEXT: %[[DE:.*]] = loom.scale %[[DP]] {factor = 2.500000e+00 : f32} : tensor<?x?x8xf32>
// CHECK-NEXT: %[[DT:.*]] = loom.embedding_grad %[[DE]], %[[TGT]] : tensor<?x?x8xf32>, tensor<?x?xi32> -> tensor<7x8xf32>
// CHECK-NEXT: loom.adam "emb", %[[DT]], %[[LR]]
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %e = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %s = loom.scale %e {factor = 2.5 : f32} : tensor<?x?x8xf32>
  %p = loom.positional_encoding %s {max_len = 16 : i64} : tensor<?x?x8xf32>
  return %p : tensor<?x?x8xf32>
}
}

// -----

// add: both operands get its gradient. %x is read by the relu and by the
// add: its gradient is the sum of the two (a loom.add before the table's
// gradient).
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[X:.*]] = loom.embedding
// CHECK-NEXT: %[[H:.*]] = loom.relu %[[X]]
// CHECK-NEXT: %[[Z:.*]] = loom.add %[[H]], %[[X]]
// CHECK: %[[DZ:.*]] = loom.cross_entropy_grad %[[Z]]
// CHECK-NEXT: %[[DH:.*]] = loom.relu_grad %[[DZ]], %[[H]] : tensor<?x?x8xf32>
// CHECK-NEXT: %[[DX:.*]] = loom.add %[[DZ]], %[[DH]] : tensor<?x?x8xf32>
// CHECK-NEXT: loom.embedding_grad %[[DX]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %h = loom.relu %x : tensor<?x?x8xf32>
  %z = loom.add %h, %x : tensor<?x?x8xf32>
  return %z : tensor<?x?x8xf32>
}
}

// -----

// A value read twice by one op (x + x): two gradients, summed.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[DZ:.*]] = loom.cross_entropy_grad
// CHECK-NEXT: %[[DX:.*]] = loom.add %[[DZ]], %[[DZ]] : tensor<?x?x8xf32>
// CHECK-NEXT: loom.embedding_grad %[[DX]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %z = loom.add %x, %x : tensor<?x?x8xf32>
  return %z : tensor<?x?x8xf32>
}
}

// -----

// mul: d lhs = dy * rhs, d rhs = dy * lhs. gelu's gradient reads its input.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[X:.*]] = loom.embedding
// CHECK-NEXT: %[[G:.*]] = loom.gelu %[[X]]
// CHECK-NEXT: %[[M:.*]] = loom.mul %[[G]], %[[X]]
// CHECK: %[[DM:.*]] = loom.cross_entropy_grad %[[M]]
// CHECK-NEXT: %[[DG:.*]] = loom.mul %[[DM]], %[[X]] : tensor<?x?x8xf32>
// CHECK-NEXT: %[[DX1:.*]] = loom.mul %[[DM]], %[[G]] : tensor<?x?x8xf32>
// CHECK-NEXT: %[[DX2:.*]] = loom.gelu_grad %[[DG]], %[[X]] : tensor<?x?x8xf32>
// CHECK-NEXT: %[[DX:.*]] = loom.add %[[DX1]], %[[DX2]] : tensor<?x?x8xf32>
// CHECK-NEXT: loom.embedding_grad %[[DX]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %g = loom.gelu %x : tensor<?x?x8xf32>
  %m = loom.mul %g, %x : tensor<?x?x8xf32>
  return %m : tensor<?x?x8xf32>
}
}

// -----

// Dropout: @train_step numbers the dropout sites 1, 2, ... in op order, and
// backward drops the gradient with the same probability and stream (the
// same mask). relu's gradient reads the relu's output. @forward is left as
// it was (stream 0, elided).
// CHECK-LABEL: func.func @forward(
// CHECK: loom.dropout %{{.*}} {probability = 1.000000e-01 : f32} : tensor<?x?x8xf32>
// CHECK: loom.dropout %{{.*}} {probability = 2.000000e-01 : f32} : tensor<?x?x8xf32>
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[D1:.*]] = loom.dropout %{{.*}} {probability = 1.000000e-01 : f32, stream = 1 : i64} : tensor<?x?x8xf32>
// CHECK-NEXT: %[[R:.*]] = loom.relu %[[D1]]
// CHECK-NEXT: %[[D2:.*]] = loom.dropout %[[R]] {probability = 2.000000e-01 : f32, stream = 2 : i64} : tensor<?x?x8xf32>
// CHECK: %[[DD2:.*]] = loom.cross_entropy_grad %[[D2]]
// CHECK-NEXT: %[[DR:.*]] = loom.dropout %[[DD2]] {probability = 2.000000e-01 : f32, stream = 2 : i64} : tensor<?x?x8xf32>
// CHECK-NEXT: %[[DD1:.*]] = loom.relu_grad %[[DR]], %[[R]] : tensor<?x?x8xf32>
// CHECK-NEXT: %[[DX:.*]] = loom.dropout %[[DD1]] {probability = 1.000000e-01 : f32, stream = 1 : i64} : tensor<?x?x8xf32>
// CHECK-NEXT: loom.embedding_grad %[[DX]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %d1 = loom.dropout %x {probability = 0.1 : f32} : tensor<?x?x8xf32>
  %r = loom.relu %d1 : tensor<?x?x8xf32>
  %d2 = loom.dropout %r {probability = 0.2 : f32} : tensor<?x?x8xf32>
  return %d2 : tensor<?x?x8xf32>
}
}

// -----

// Streams already set in @forward are renumbered in @train_step; a
// fused_attention with dropout takes the next stream, one without none.
// CHECK-LABEL: func.func @train_step(
// CHECK: loom.dropout %{{.*}} {probability = 1.000000e-01 : f32, stream = 1 : i64}
// CHECK: loom.fused_attention {{.*}} {heads = 2 : i64, mask = #loom.mask<none>, scale = 5.000000e-01 : f32}
// CHECK: loom.fused_attention {{.*}} {dropout = 3.000000e-01 : f32, dropout_stream = 2 : i64, heads = 2 : i64
// CHECK: loom.dropout %{{.*}} {probability = 1.000000e-01 : f32, stream = 3 : i64}
// CHECK: loom.cross_entropy
// CHECK-NOT: stream = 4
// CHECK-NOT: stream = 9
// CHECK: return
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %d = loom.dropout %x {probability = 0.1 : f32, stream = 9 : i64} : tensor<?x?x8xf32>
  %q = loom.split_heads %d {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %a = loom.fused_attention %q, %q, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %b = loom.fused_attention %a, %a, %a {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32, dropout = 0.3 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %m = loom.merge_heads %b : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  %e = loom.dropout %m {probability = 0.1 : f32} : tensor<?x?x8xf32>
  return %e : tensor<?x?x8xf32>
}
}

// -----

// The unfused attention chain: softmax's gradient reads its output; the
// masks zero the masked scores' gradients (fill 0, the key padding mask
// with the same lengths); P · Q and Q · Qᵀ differentiate as matmuls, and Q
// (read three times) sums three gradients.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[LEN:[^:]*]]: tensor<?xi32> {loom.input = "tgt_len"}
// CHECK: %[[Q:.*]] = loom.split_heads
// CHECK-NEXT: %[[S:.*]] = loom.matmul %[[Q]], %[[Q]] {transpose_rhs}
// CHECK-NEXT: %[[C:.*]] = loom.causal_mask %[[S]] : tensor<?x2x?x?xf32>
// CHECK-NEXT: %[[K:.*]] = loom.key_padding_mask %[[C]], %[[LEN]] : tensor<?x2x?x?xf32>, tensor<?xi32>
// CHECK-NEXT: %[[P:.*]] = loom.softmax %[[K]] {axis = 3 : i64}
// CHECK-NEXT: %[[O:.*]] = loom.matmul %[[P]], %[[Q]] :
// CHECK: %[[DM:.*]] = loom.cross_entropy_grad
// CHECK-NEXT: %[[DO:.*]] = loom.split_heads %[[DM]] {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
// CHECK-NEXT: %[[DP:.*]] = loom.matmul %[[DO]], %[[Q]] {transpose_rhs} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
// CHECK-NEXT: %[[DQ1:.*]] = loom.matmul %[[P]], %[[DO]] {transpose_lhs} : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
// CHECK-NEXT: %[[DK:.*]] = loom.softmax_grad %[[DP]], %[[P]] {axis = 3 : i64} : tensor<?x2x?x?xf32>
// CHECK-NEXT: %[[DC:.*]] = loom.key_padding_mask %[[DK]], %[[LEN]] {fill = 0.000000e+00 : f32} : tensor<?x2x?x?xf32>, tensor<?xi32>
// CHECK-NEXT: %[[DS:.*]] = loom.causal_mask %[[DC]] {fill = 0.000000e+00 : f32} : tensor<?x2x?x?xf32>
// CHECK-NEXT: %[[DQ2:.*]] = loom.matmul %[[DS]], %[[Q]] : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
// CHECK-NEXT: %[[DQ3:.*]] = loom.matmul %[[DS]], %[[Q]] {transpose_lhs} : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
// CHECK-NEXT: %[[SUM1:.*]] = loom.add %[[DQ1]], %[[DQ2]]
// CHECK-NEXT: %[[SUM2:.*]] = loom.add %[[SUM1]], %[[DQ3]]
// CHECK-NEXT: %[[DX:.*]] = loom.merge_heads %[[SUM2]] : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
// CHECK-NEXT: loom.embedding_grad %[[DX]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %len: tensor<?xi32> {loom.input = "tgt_len"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %q = loom.split_heads %x {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %s = loom.matmul %q, %q {transpose_rhs} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x?xf32>
  %c = loom.causal_mask %s : tensor<?x2x?x?xf32>
  %k = loom.key_padding_mask %c, %len : tensor<?x2x?x?xf32>, tensor<?xi32>
  %p = loom.softmax %k {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = loom.matmul %p, %q : tensor<?x2x?x?xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %m = loom.merge_heads %o : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  return %m : tensor<?x?x8xf32>
}
}
