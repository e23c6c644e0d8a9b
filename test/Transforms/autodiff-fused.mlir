// RUN: loom-opt %s -split-input-file --loom-autodiff | FileCheck %s
// --loom-autodiff on the fused ops, which save what their gradients read:
// layer_norm returns its rows' stats, add_norm its sum and stats (its
// gradient reads the saved sum; pre-norm adds the sum's own gradient as
// layer_norm_grad's accumulate), fused_attention its log-sum-exp
// (fused_attention_grad takes the forward op's attributes). @forward keeps
// the inference forms.

// layer_norm: training form with stats [B, T, 2]; layer_norm_grad reads
// the input and the stats; gamma and beta each get their gradient.
// CHECK-LABEL: func.func @forward(
// CHECK: loom.layer_norm %{{.*}} : tensor<?x?x8xf32>, tensor<8xf32>{{$}}
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[LR:[^:]*]]: tensor<f32> {loom.scalar = "lr"})
// CHECK: %[[X:.*]] = loom.embedding
// CHECK-NEXT: %[[G:.*]] = loom.weight "norm.weight"
// CHECK-NEXT: %[[B:.*]] = loom.weight "norm.bias"
// CHECK-NEXT: %[[N:.*]], %[[ST:.*]] = loom.layer_norm %[[X]], %[[G]], %[[B]] {epsilon = 9.99999974E-6 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x2xf32>
// CHECK: %[[DN:.*]] = loom.cross_entropy_grad %[[N]]
// CHECK-NEXT: %[[DX:.*]], %[[DG:.*]], %[[DB:.*]] = loom.layer_norm_grad %[[DN]], %[[X]], %[[ST]], %[[G]] : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>
// CHECK-NEXT: loom.embedding_grad %[[DX]],
// CHECK-NEXT: loom.adam "emb"
// CHECK-NEXT: loom.adam "norm.weight", %[[DG]], %[[LR]]
// CHECK-NEXT: loom.adam "norm.bias", %[[DB]], %[[LR]]
// CHECK-NEXT: return
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %g = loom.weight "norm.weight" : tensor<8xf32>
  %b = loom.weight "norm.bias" : tensor<8xf32>
  %n = loom.layer_norm %x, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32>
  return %n : tensor<?x?x8xf32>
}
}

// -----

// Post-norm add_norm (one result in @forward): the training form also
// returns the sum and the stats; layer_norm_grad reads the saved sum, with
// no accumulate (the sum has no other use); its dx is the gradient of both
// addends. %x is also the linear's input: its gradient is the sum of both.
// CHECK-LABEL: func.func @forward(
// CHECK: loom.add_norm {{.*}} -> tensor<?x?x8xf32>{{$}}
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[X:.*]] = loom.embedding
// CHECK: %[[H:.*]] = loom.linear %[[X]]
// CHECK: %[[N:.*]], %[[SAVED:.*]]:2 = loom.add_norm %[[H]], %[[X]], %[[G:.*]], %{{.*}} {epsilon = 9.99999974E-6 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x2xf32>
// CHECK: %[[DN:.*]] = loom.cross_entropy_grad %[[N]]
// CHECK-NEXT: %[[DS:.*]], %[[DG:.*]], %[[DB:.*]] = loom.layer_norm_grad %[[DN]], %[[SAVED]]#0, %[[SAVED]]#1, %[[G]] : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>
// CHECK-NEXT: %[[DXH:.*]] = loom.linear_grad_input %[[DS]],
// CHECK-NEXT: loom.linear_grad_weight %[[DS]], %[[X]]
// CHECK-NEXT: %[[DX:.*]] = loom.add %[[DS]], %[[DXH]] : tensor<?x?x8xf32>
// CHECK-NEXT: loom.embedding_grad %[[DX]],
// CHECK: loom.adam "norm.weight", %[[DG]],
// CHECK-NEXT: loom.adam "norm.bias", %[[DB]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %w = loom.weight "w" : tensor<8x8xf32>
  %h = loom.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %g = loom.weight "norm.weight" : tensor<8xf32>
  %b = loom.weight "norm.bias" : tensor<8xf32>
  %n = loom.add_norm %h, %x, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}
}

// -----

// Pre-norm add_norm: the sum (second result) is also the next residual.
// The sum's gradient is the norm's backward plus the residual's gradient:
// layer_norm_grad with accumulate(the residual's gradient).
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[N:.*]], %[[SAVED:.*]]:2 = loom.add_norm
// CHECK-NEXT: %[[W:.*]] = loom.weight "w"
// CHECK-NEXT: %[[Y:.*]] = loom.linear %[[N]], %[[W]]
// CHECK-NEXT: %[[Z:.*]] = loom.add %[[Y]], %[[SAVED]]#0
// CHECK: %[[DZ:.*]] = loom.cross_entropy_grad %[[Z]]
// CHECK-NEXT: %[[DN:.*]] = loom.linear_grad_input %[[DZ]], %[[W]]
// CHECK-NEXT: loom.linear_grad_weight %[[DZ]], %[[N]]
// CHECK-NEXT: %[[DS:.*]], %{{.*}}, %{{.*}} = loom.layer_norm_grad %[[DN]], %[[SAVED]]#0, %[[SAVED]]#1, %{{[^ ]*}} accumulate(%[[DZ]] : tensor<?x?x8xf32>) : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>
// CHECK-NEXT: %[[DR:.*]] = loom.relu_grad %[[DS]],
// CHECK-NEXT: %[[DX:.*]] = loom.add %[[DS]], %[[DR]]
// CHECK-NEXT: loom.embedding_grad %[[DX]],
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %h = loom.relu %x : tensor<?x?x8xf32>
  %g = loom.weight "norm.weight" : tensor<8xf32>
  %b = loom.weight "norm.bias" : tensor<8xf32>
  %n, %s = loom.add_norm %h, %x, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>, tensor<?x?x8xf32>
  %w = loom.weight "w" : tensor<8x8xf32>
  %y = loom.linear %n, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %z = loom.add %y, %s : tensor<?x?x8xf32>
  return %z : tensor<?x?x8xf32>
}
}

// -----

// Only the sum of a pre-norm add_norm reaches the loss: the norm has no
// gradient; both addends get the sum's.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[DS:.*]] = loom.cross_entropy_grad
// CHECK-NOT: loom.layer_norm_grad
// CHECK: %[[DR:.*]] = loom.relu_grad %[[DS]],
// CHECK-NEXT: %[[DX:.*]] = loom.add %[[DS]], %[[DR]]
// CHECK-NEXT: loom.embedding_grad %[[DX]],
// CHECK-NOT: loom.adam "norm
// CHECK: return
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %h = loom.relu %x : tensor<?x?x8xf32>
  %g = loom.weight "norm.weight" : tensor<8xf32>
  %b = loom.weight "norm.bias" : tensor<8xf32>
  %n, %s = loom.add_norm %h, %x, %g, %b {epsilon = 1.0e-5 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>, tensor<?x?x8xf32>
  return %s : tensor<?x?x8xf32>
}
}

// -----

// fused_attention: the training form returns the row log-sum-exp
// [B, H, Sq] and keeps dropout (stream numbered); fused_attention_grad
// reads the incoming gradient, q, k, v, the output and the lse, with the
// forward op's key lengths, mask, scale, heads and dropout. The q, k and v
// gradients go back through their split_heads and are joined.
// CHECK-LABEL: func.func @forward(
// CHECK: loom.fused_attention {{.*}} {dropout = 1.000000e-01 : f32, heads = 2 : i64, mask = #loom.mask<causal_key_padding>, scale = 5.000000e-01 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>{{$}}
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[LEN:[^:]*]]: tensor<?xi32> {loom.input = "tgt_len"}
// CHECK: %[[Q:.*]] = loom.split_heads %{{.*}} {chunks = 3 : i64, heads = 2 : i64}
// CHECK-NEXT: %[[K:.*]] = loom.split_heads %{{.*}} {chunk = 1 : i64, chunks = 3 : i64, heads = 2 : i64}
// CHECK-NEXT: %[[V:.*]] = loom.split_heads %{{.*}} {chunk = 2 : i64, chunks = 3 : i64, heads = 2 : i64}
// CHECK-NEXT: %[[O:.*]], %[[LSE:.*]] = loom.fused_attention %[[Q]], %[[K]], %[[V]] key_lengths(%[[LEN]] : tensor<?xi32>) {dropout = 1.000000e-01 : f32, dropout_stream = 1 : i64, heads = 2 : i64, mask = #loom.mask<causal_key_padding>, scale = 5.000000e-01 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?xf32>
// CHECK-NEXT: %[[M:.*]] = loom.merge_heads %[[O]]
// CHECK: %[[DM:.*]] = loom.cross_entropy_grad %[[M]]
// CHECK-NEXT: %[[DO:.*]] = loom.split_heads %[[DM]] {heads = 2 : i64}
// CHECK-NEXT: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = loom.fused_attention_grad %[[DO]], %[[Q]], %[[K]], %[[V]], %[[O]], %[[LSE]] key_lengths(%[[LEN]] : tensor<?xi32>) {dropout = 1.000000e-01 : f32, dropout_stream = 1 : i64, heads = 2 : i64, mask = #loom.mask<causal_key_padding>, scale = 5.000000e-01 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?xf32>
// CHECK-NEXT: %[[MV:.*]] = loom.merge_heads %[[DV]]
// CHECK-NEXT: %[[MK:.*]] = loom.merge_heads %[[DK]]
// CHECK-NEXT: %[[MQ:.*]] = loom.merge_heads %[[DQ]]
// CHECK-NEXT: loom.concat %[[MQ]], %[[MK]], %[[MV]] {axis = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x24xf32>
// No zero_rows: zeroing the key bias's gradient is another pass's job.
// CHECK-NOT: loom.zero_rows
// CHECK: loom.adam "qkv.bias"
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %len: tensor<?xi32> {loom.input = "tgt_len"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %w = loom.weight "qkv.weight" : tensor<24x8xf32>
  %b = loom.weight "qkv.bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %v key_lengths(%len : tensor<?xi32>) {heads = 2 : i64, mask = #loom.mask<causal_key_padding>, scale = 0.5 : f32, dropout = 0.1 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %m = loom.merge_heads %o : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  return %m : tensor<?x?x8xf32>
}
}

// -----

// Without dropout and key padding: no key_lengths, no dropout attributes.
// CHECK-LABEL: func.func @train_step(
// CHECK: %[[O:.*]], %[[LSE:.*]] = loom.fused_attention %[[Q:[^,]*]], %[[Q]], %[[Q]] {heads = 2 : i64, mask = #loom.mask<none>, scale = 5.000000e-01 : f32}
// CHECK: loom.fused_attention_grad %{{[^,]*}}, %[[Q]], %[[Q]], %[[Q]], %[[O]], %[[LSE]] {heads = 2 : i64, mask = #loom.mask<none>, scale = 5.000000e-01 : f32}
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %q = loom.split_heads %x {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %q, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %m = loom.merge_heads %o : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  return %m : tensor<?x?x8xf32>
}
}
