// RUN: loom-opt %s | loom-opt | FileCheck %s
// RUN: loom-opt %s --canonicalize --cse | FileCheck %s --check-prefix=DCE
// Round-trip of the training IR: every op of LoomTrainingOps.td (the
// gradients, the joins and loom.adam) and the training forms of the forward
// ops (layer_norm with stats, add_norm with sum and stats, cross_entropy
// with lse, fused_attention with dropout, dropout_stream and lse, dropout
// with a stream, masks with a fill, matmul with transpose_lhs). Default
// attribute values are elided when printed.

// CHECK-LABEL: func @fused_attention_grad
func.func @fused_attention_grad(%do: tensor<?x8x?x64xf32>, %q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>, %o: tensor<?x8x?x64xf32>, %lse: tensor<?x8x?xf32>, %len: tensor<?xi32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) {
  // CHECK: %dq, %dk, %dv = loom.fused_attention_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} key_lengths(%{{.*}} : tensor<?xi32>) {dropout = 1.000000e-01 : f32, dropout_stream = 3 : i64, heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 1.250000e-01 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  %dq, %dk, %dv = loom.fused_attention_grad %do, %q, %k, %v, %o, %lse key_lengths(%len : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 0.125 : f32, dropout = 0.1 : f32, dropout_stream = 3 : i64} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  // Without dropout and padding: no key_lengths, the defaults elided.
  // CHECK: loom.fused_attention_grad %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {heads = 8 : i64, mask = #loom.mask<causal>, scale = 1.250000e-01 : f32} : tensor<?x8x?x64xf32>
  %dq2, %dk2, %dv2 = loom.fused_attention_grad %do, %q, %k, %v, %o, %lse {heads = 8 : i64, mask = #loom.mask<causal>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  return %dq, %dk, %dv, %dq2 : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
}

// Cross-attention: keys and values longer than the queries.
// CHECK-LABEL: func @fused_attention_grad_cross
func.func @fused_attention_grad_cross(%do: tensor<2x4x5x8xf32>, %q: tensor<2x4x5x8xf32>, %k: tensor<2x4x9x8xf32>, %v: tensor<2x4x9x8xf32>, %lse: tensor<2x4x5xf32>, %len: tensor<2xi64>) -> (tensor<2x4x5x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32>) {
  // CHECK: loom.fused_attention_grad {{.*}} key_lengths(%{{.*}} : tensor<2xi64>) {heads = 4 : i64, mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : tensor<2x4x5x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x5xf32>
  %dq, %dk, %dv = loom.fused_attention_grad %do, %q, %k, %v, %do, %lse key_lengths(%len : tensor<2xi64>) {heads = 4 : i64, mask = #loom.mask<key_padding>, scale = 0.35355339 : f32} : tensor<2x4x5x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x5xf32>
  return %dq, %dk, %dv : tensor<2x4x5x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32>
}

// CHECK-LABEL: func @layer_norm_grad
func.func @layer_norm_grad(%dy: tensor<?x?x512xf32>, %x: tensor<?x?x512xf32>, %st: tensor<?x?x2xf32>, %g: tensor<512xf32>, %acc: tensor<?x?x512xf32>) -> (tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<?x?x512xf32>) {
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = loom.layer_norm_grad %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x512xf32>, tensor<?x?x2xf32>, tensor<512xf32>
  %dx, %dg, %db = loom.layer_norm_grad %dy, %x, %st, %g : tensor<?x?x512xf32>, tensor<?x?x2xf32>, tensor<512xf32>
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = loom.layer_norm_grad %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} accumulate(%{{.*}} : tensor<?x?x512xf32>) : tensor<?x?x512xf32>, tensor<?x?x2xf32>, tensor<512xf32>
  %dx2, %dg2, %db2 = loom.layer_norm_grad %dy, %x, %st, %g accumulate(%acc : tensor<?x?x512xf32>) : tensor<?x?x512xf32>, tensor<?x?x2xf32>, tensor<512xf32>
  return %dx, %dg, %db, %dx2 : tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>, tensor<?x?x512xf32>
}

// CHECK-LABEL: func @cross_entropy_grad
func.func @cross_entropy_grad(%logits: tensor<?x?x1000xf32>, %labels: tensor<?x?xi32>, %lse: tensor<?x?xf32>, %dl: tensor<f32>) -> (tensor<?x?x1000xf32>, tensor<?x?x1000xf32>) {
  // The root form: no d_loss.
  // CHECK: loom.cross_entropy_grad %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {ignore_index = 0 : i64, label_smoothing = 1.000000e-01 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32>, tensor<?x?xf32>
  %0 = loom.cross_entropy_grad %logits, %labels, %lse {ignore_index = 0 : i64, label_smoothing = 0.1 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32>, tensor<?x?xf32>
  // CHECK: loom.cross_entropy_grad %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} scaled(%{{.*}} : tensor<f32>) {ignore_index = -100 : i64, label_smoothing = 0.000000e+00 : f32}
  %1 = loom.cross_entropy_grad %logits, %labels, %lse scaled(%dl : tensor<f32>) {ignore_index = -100 : i64, label_smoothing = 0.0 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32>, tensor<?x?xf32>
  return %0, %1 : tensor<?x?x1000xf32>, tensor<?x?x1000xf32>
}

// CHECK-LABEL: func @linear_grads
func.func @linear_grads(%dy: tensor<?x?x512xf32>, %dyqkv: tensor<?x?x1536xf32>, %w: tensor<1536x512xf32>, %x: tensor<?x?x512xf32>, %acc: tensor<?x?x512xf32>)
    -> (tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) {
  // CHECK: loom.linear_grad_input %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x1536xf32>, tensor<1536x512xf32> -> tensor<?x?x512xf32>
  %0 = loom.linear_grad_input %dyqkv, %w : tensor<?x?x1536xf32>, tensor<1536x512xf32> -> tensor<?x?x512xf32>
  // CHECK: loom.linear_grad_input %{{[^ ]*}}, %{{[^ ]*}} {weight_rows = array<i64: 0, 512>} : tensor<?x?x512xf32>, tensor<1536x512xf32> -> tensor<?x?x512xf32>
  %1 = loom.linear_grad_input %dy, %w {weight_rows = array<i64: 0, 512>} : tensor<?x?x512xf32>, tensor<1536x512xf32> -> tensor<?x?x512xf32>
  // CHECK: loom.linear_grad_input %{{[^ ]*}}, %{{[^ ]*}} accumulate(%{{.*}} : tensor<?x?x512xf32>) {weight_rows = array<i64: 1024, 512>} : tensor<?x?x512xf32>, tensor<1536x512xf32> -> tensor<?x?x512xf32>
  %2 = loom.linear_grad_input %dy, %w accumulate(%acc : tensor<?x?x512xf32>) {weight_rows = array<i64: 1024, 512>} : tensor<?x?x512xf32>, tensor<1536x512xf32> -> tensor<?x?x512xf32>
  // CHECK: %dw, %db = loom.linear_grad_weight %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x1536xf32>, tensor<?x?x512xf32> -> tensor<1536x512xf32>, tensor<1536xf32>
  %dw, %db = loom.linear_grad_weight %dyqkv, %x : tensor<?x?x1536xf32>, tensor<?x?x512xf32> -> tensor<1536x512xf32>, tensor<1536xf32>
  return %0, %1, %2, %dw, %db : tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>
}

// A dynamic dy width: dw's and db's rows agree with each other.
// CHECK-LABEL: func @linear_grad_weight_dynamic_width
func.func @linear_grad_weight_dynamic_width(%dy: tensor<?x?x?xf32>, %x: tensor<?x?x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>) {
  // CHECK: loom.linear_grad_weight %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x?xf32>, tensor<?x?x8xf32> -> tensor<4x8xf32>, tensor<4xf32>
  %dw, %db = loom.linear_grad_weight %dy, %x : tensor<?x?x?xf32>, tensor<?x?x8xf32> -> tensor<4x8xf32>, tensor<4xf32>
  return %dw, %db : tensor<4x8xf32>, tensor<4xf32>
}

// Row-wise gradients over a single row (rank 1).
// CHECK-LABEL: func @rank1_grads
func.func @rank1_grads(%dy: tensor<8xf32>, %x: tensor<8xf32>, %st: tensor<2xf32>, %g: tensor<8xf32>, %dyl: tensor<4xf32>, %w: tensor<4x8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<4x8xf32>) {
  // CHECK: loom.layer_norm_grad {{.*}} : tensor<8xf32>, tensor<2xf32>, tensor<8xf32>
  %dx, %dg, %db = loom.layer_norm_grad %dy, %x, %st, %g : tensor<8xf32>, tensor<2xf32>, tensor<8xf32>
  // CHECK: loom.linear_grad_input {{.*}} : tensor<4xf32>, tensor<4x8xf32> -> tensor<8xf32>
  %dxl = loom.linear_grad_input %dyl, %w : tensor<4xf32>, tensor<4x8xf32> -> tensor<8xf32>
  // CHECK: loom.linear_grad_weight {{.*}} : tensor<4xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<4xf32>
  %dw, %dbl = loom.linear_grad_weight %dyl, %x : tensor<4xf32>, tensor<8xf32> -> tensor<4x8xf32>, tensor<4xf32>
  return %dx, %dxl, %dw : tensor<8xf32>, tensor<8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func @elementwise_grads
func.func @elementwise_grads(%dy: tensor<?x?x2048xf32>, %h: tensor<?x?x2048xf32>, %tokens: tensor<?x?xi32>, %de: tensor<?x?x512xf32>, %dp: tensor<?x8x?x?xf32>, %p: tensor<?x8x?x?xf32>)
    -> (tensor<1000x512xf32>, tensor<?x?x2048xf32>, tensor<?x?x2048xf32>, tensor<?x?x2048xf32>, tensor<?x8x?x?xf32>) {
  // CHECK: loom.embedding_grad %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x512xf32>, tensor<?x?xi32> -> tensor<1000x512xf32>
  %0 = loom.embedding_grad %de, %tokens : tensor<?x?x512xf32>, tensor<?x?xi32> -> tensor<1000x512xf32>
  // scale = 1 is the default: elided.
  // CHECK: loom.relu_grad %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x2048xf32>
  %1 = loom.relu_grad %dy, %h : tensor<?x?x2048xf32>
  // CHECK: loom.relu_grad %{{[^ ]*}}, %{{[^ ]*}} {scale = 1.250000e+00 : f32} : tensor<?x?x2048xf32>
  %2 = loom.relu_grad %dy, %h {scale = 1.25 : f32} : tensor<?x?x2048xf32>
  // CHECK: loom.gelu_grad %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x2048xf32>
  %3 = loom.gelu_grad %dy, %h : tensor<?x?x2048xf32>
  // CHECK: loom.softmax_grad %{{[^ ]*}}, %{{[^ ]*}} {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %4 = loom.softmax_grad %dp, %p {axis = 3 : i64} : tensor<?x8x?x?xf32>
  return %0, %1, %2, %3, %4 : tensor<1000x512xf32>, tensor<?x?x2048xf32>, tensor<?x?x2048xf32>, tensor<?x?x2048xf32>, tensor<?x8x?x?xf32>
}

// CHECK-LABEL: func @joins
func.func @joins(%a: tensor<?x?x512xf32>, %b: tensor<?x?x1024xf32>, %w0: tensor<512x512xf32>, %w1: tensor<1024x512xf32>, %db: tensor<1536xf32>)
    -> (tensor<?x?x1536xf32>, tensor<1536x512xf32>, tensor<1536xf32>) {
  // CHECK: loom.concat %{{[^ ]*}}, %{{[^ ]*}} {axis = 2 : i64} : (tensor<?x?x512xf32>, tensor<?x?x1024xf32>) -> tensor<?x?x1536xf32>
  %0 = loom.concat %a, %b {axis = 2 : i64} : (tensor<?x?x512xf32>, tensor<?x?x1024xf32>) -> tensor<?x?x1536xf32>
  // CHECK: loom.concat %{{[^ ]*}}, %{{[^ ]*}} {axis = 0 : i64} : (tensor<512x512xf32>, tensor<1024x512xf32>) -> tensor<1536x512xf32>
  %1 = loom.concat %w0, %w1 {axis = 0 : i64} : (tensor<512x512xf32>, tensor<1024x512xf32>) -> tensor<1536x512xf32>
  // CHECK: loom.zero_rows %{{[^ ]*}} {count = 512 : i64, start = 512 : i64} : tensor<1536xf32>
  %2 = loom.zero_rows %db {start = 512 : i64, count = 512 : i64} : tensor<1536xf32>
  return %0, %1, %2 : tensor<?x?x1536xf32>, tensor<1536x512xf32>, tensor<1536xf32>
}

// CHECK-LABEL: func @adam
func.func @adam(%dw: tensor<1000x512xf32>, %lr: tensor<f32>) {
  // CHECK: loom.adam "output.weight", %{{[^ ]*}}, %{{[^ ]*}} {beta1 = 9.000000e-01 : f64, beta2 = 0.97999999999999998 : f64, epsilon = 1.000000e-09 : f64} : tensor<1000x512xf32>, tensor<f32>
  loom.adam "output.weight", %dw, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<1000x512xf32>, tensor<f32>
  return
}

// loom.adam writes the parameter's state: canonicalization and CSE keep
// it (and both of two identical updates), while an unused pure gradient
// goes.
// DCE-LABEL: func @adam_kept
// DCE-NOT: loom.relu_grad
// DCE-COUNT-2: loom.adam "w"
// DCE-NEXT: return
func.func @adam_kept(%dw: tensor<4xf32>, %lr: tensor<f32>) {
  %unused = loom.relu_grad %dw, %dw : tensor<4xf32>
  loom.adam "w", %dw, %lr {beta1 = 0.9 : f64, beta2 = 0.999 : f64, epsilon = 1.0e-8 : f64} : tensor<4xf32>, tensor<f32>
  loom.adam "w", %dw, %lr {beta1 = 0.9 : f64, beta2 = 0.999 : f64, epsilon = 1.0e-8 : f64} : tensor<4xf32>, tensor<f32>
  return
}

//===----------------------------------------------------------------------===//
// Training forms of the forward ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func @layer_norm_stats
func.func @layer_norm_stats(%x: tensor<?x?x512xf32>, %g: tensor<512xf32>) -> (tensor<?x?x512xf32>, tensor<?x?x2xf32>) {
  // CHECK: %{{.*}}, %{{.*}} = loom.layer_norm %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x2xf32>
  %n, %st = loom.layer_norm %x, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x2xf32>
  return %n, %st : tensor<?x?x512xf32>, tensor<?x?x2xf32>
}

// CHECK-LABEL: func @add_norm_saved
func.func @add_norm_saved(%x: tensor<?x?x512xf32>, %r: tensor<?x?x512xf32>, %g: tensor<512xf32>) -> (tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<?x?x2xf32>) {
  // CHECK: %{{.*}}, %{{.*}}:2 = loom.add_norm %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {epsilon = 9.99999974E-6 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<?x?x2xf32>
  %n, %s, %st = loom.add_norm %x, %r, %g, %g {epsilon = 1.0e-5 : f32} : tensor<?x?x512xf32>, tensor<512xf32> -> tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<?x?x2xf32>
  return %n, %s, %st : tensor<?x?x512xf32>, tensor<?x?x512xf32>, tensor<?x?x2xf32>
}

// CHECK-LABEL: func @cross_entropy_lse
func.func @cross_entropy_lse(%logits: tensor<?x?x1000xf32>, %labels: tensor<?x?xi32>) -> (tensor<f32>, tensor<?x?xf32>) {
  // CHECK: %{{.*}}, %{{.*}} = loom.cross_entropy %{{[^ ]*}}, %{{[^ ]*}} {ignore_index = 0 : i64, label_smoothing = 1.000000e-01 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32> -> tensor<f32>, tensor<?x?xf32>
  %l, %lse = loom.cross_entropy %logits, %labels {ignore_index = 0 : i64, label_smoothing = 0.1 : f32} : tensor<?x?x1000xf32>, tensor<?x?xi32> -> tensor<f32>, tensor<?x?xf32>
  return %l, %lse : tensor<f32>, tensor<?x?xf32>
}

// CHECK-LABEL: func @fused_attention_training
func.func @fused_attention_training(%q: tensor<?x8x?x64xf32>, %len: tensor<?xi32>) -> (tensor<?x8x?x64xf32>, tensor<?x8x?xf32>, tensor<?x8x?x64xf32>) {
  // CHECK: %{{.*}}, %{{.*}} = loom.fused_attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} key_lengths(%{{.*}} : tensor<?xi32>) {dropout = 1.000000e-01 : f32, dropout_stream = 7 : i64, heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 1.250000e-01 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  %o, %lse = loom.fused_attention %q, %q, %q key_lengths(%len : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 0.125 : f32, dropout = 0.1 : f32, dropout_stream = 7 : i64} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>, tensor<?x8x?xf32>
  // Dropout without lse (a fused training graph before --loom-autodiff).
  // CHECK: loom.fused_attention {{.*}} {dropout = 2.000000e-01 : f32, heads = 8 : i64, mask = #loom.mask<none>, scale = 1.250000e-01 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>{{$}}
  %o2 = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32, dropout = 0.2 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %o, %lse, %o2 : tensor<?x8x?x64xf32>, tensor<?x8x?xf32>, tensor<?x8x?x64xf32>
}

// CHECK-LABEL: func @dropout_stream
func.func @dropout_stream(%x: tensor<?x?x512xf32>) -> (tensor<?x?x512xf32>, tensor<?x?x512xf32>) {
  // CHECK: loom.dropout %{{[^ ]*}} {probability = 1.000000e-01 : f32, stream = 3 : i64} : tensor<?x?x512xf32>
  %0 = loom.dropout %x {probability = 0.1 : f32, stream = 3 : i64} : tensor<?x?x512xf32>
  // Stream 0 (unnumbered) is the default.
  // CHECK: loom.dropout %{{[^ ]*}} {probability = 1.000000e-01 : f32} : tensor<?x?x512xf32>
  %1 = loom.dropout %x {probability = 0.1 : f32} : tensor<?x?x512xf32>
  return %0, %1 : tensor<?x?x512xf32>, tensor<?x?x512xf32>
}

// CHECK-LABEL: func @mask_fill
func.func @mask_fill(%s: tensor<?x8x?x?xf32>, %len: tensor<?xi32>) -> (tensor<?x8x?x?xf32>, tensor<?x8x?x?xf32>, tensor<?x8x?x?xf32>) {
  // CHECK: loom.causal_mask %{{[^ ]*}} {fill = 0.000000e+00 : f32} : tensor<?x8x?x?xf32>
  %0 = loom.causal_mask %s {fill = 0.0 : f32} : tensor<?x8x?x?xf32>
  // CHECK: loom.key_padding_mask %{{[^ ]*}}, %{{[^ ]*}} {fill = 0.000000e+00 : f32} : tensor<?x8x?x?xf32>, tensor<?xi32>
  %1 = loom.key_padding_mask %s, %len {fill = 0.0 : f32} : tensor<?x8x?x?xf32>, tensor<?xi32>
  // -inf is the default fill: elided.
  // CHECK: loom.causal_mask %{{[^ ]*}} : tensor<?x8x?x?xf32>
  %2 = loom.causal_mask %s {fill = 0xFF800000 : f32} : tensor<?x8x?x?xf32>
  return %0, %1, %2 : tensor<?x8x?x?xf32>, tensor<?x8x?x?xf32>, tensor<?x8x?x?xf32>
}

// CHECK-LABEL: func @matmul_transpose_lhs
func.func @matmul_transpose_lhs(%p: tensor<?x8x?x?xf32>, %do: tensor<?x8x?x64xf32>, %a: tensor<2x3x5xf32>, %b: tensor<2x4x3xf32>) -> (tensor<?x8x?x64xf32>, tensor<2x5x4xf32>) {
  // Pᵀ · dO: [B, H, Sq, Sk]ᵀ · [B, H, Sq, Dh] -> [B, H, Sk, Dh].
  // CHECK: loom.matmul %{{[^ ]*}}, %{{[^ ]*}} {transpose_lhs} : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  %0 = loom.matmul %p, %do {transpose_lhs} : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  // Both transposed: [3, 5]ᵀ · [4, 3]ᵀ -> [5, 4].
  // CHECK: loom.matmul %{{[^ ]*}}, %{{[^ ]*}} {transpose_lhs, transpose_rhs} : tensor<2x3x5xf32>, tensor<2x4x3xf32> -> tensor<2x5x4xf32>
  %1 = loom.matmul %a, %b {transpose_lhs, transpose_rhs} : tensor<2x3x5xf32>, tensor<2x4x3xf32> -> tensor<2x5x4xf32>
  return %0, %1 : tensor<?x8x?x64xf32>, tensor<2x5x4xf32>
}
