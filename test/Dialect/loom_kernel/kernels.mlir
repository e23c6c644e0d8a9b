// RUN: loom-opt %s | loom-opt | FileCheck %s
// Kernel ops without a selected kernel: linear (each activation), attention
// (with and without key_lengths), layer_norm, add_norm (with and without
// sum), embed, argmax, add and attention_probs.

// CHECK-LABEL: func @linear_none
func.func @linear_none(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 48], f32>, %b: !loom_kernel.buffer<[48], f32>, %y: !loom_kernel.buffer<[B, S, 48], f32>) {
  // CHECK: loom_kernel.linear %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} {activation = #loom_kernel.activation<none>} : !BxSx16xf32_, !_16x48xf32, !_48xf32, !BxSx48xf32_
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 48], f32>, !loom_kernel.buffer<[48], f32>, !loom_kernel.buffer<[B, S, 48], f32>
  return
}

// CHECK-LABEL: func @linear_relu
func.func @linear_relu(%x: !loom_kernel.buffer<[B, T, 16], f32>, %wt: !loom_kernel.buffer<[16, 32], f32>, %b: !loom_kernel.buffer<[32], f32>, %y: !loom_kernel.buffer<[B, T, 32], f32>) {
  // CHECK: loom_kernel.linear {{.*}} {activation = #loom_kernel.activation<relu>} : !BxTx16xf32_, !_16x32xf32, !_32xf32, !BxTx32xf32_
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<relu>} : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[16, 32], f32>, !loom_kernel.buffer<[32], f32>, !loom_kernel.buffer<[B, T, 32], f32>
  return
}

// CHECK-LABEL: func @linear_gelu
func.func @linear_gelu(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 32], f32>, %b: !loom_kernel.buffer<[32], f32>, %y: !loom_kernel.buffer<[B, S, 32], f32>) {
  // CHECK: loom_kernel.linear {{.*}} {activation = #loom_kernel.activation<gelu>} : !BxSx16xf32_, !_16x32xf32, !_32xf32, !BxSx32xf32_
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<gelu>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 32], f32>, !loom_kernel.buffer<[32], f32>, !loom_kernel.buffer<[B, S, 32], f32>
  return
}

// The value projection of a packed in_proj: column windows of the
// transposed weight and of the bias.
// CHECK-LABEL: func @linear_windows
func.func @linear_windows(%x: !loom_kernel.buffer<[B, S, 16], f32>, %y: !loom_kernel.buffer<[B, S, 16], f32>) {
  %w = loom_kernel.weight "in_proj_weight" transposed : !loom_kernel.buffer<[16, 48], f32>
  %b = loom_kernel.weight "in_proj_bias" : !loom_kernel.buffer<[48], f32>
  %wv = loom_kernel.columns %w {offset = 32 : i64, width = 16 : i64} : !loom_kernel.buffer<[16, 48], f32> -> !loom_kernel.buffer<[16, 16], f32, row_stride = 48>
  %bv = loom_kernel.columns %b {offset = 32 : i64, width = 16 : i64} : !loom_kernel.buffer<[48], f32> -> !loom_kernel.buffer<[16], f32>
  // CHECK: loom_kernel.linear {{.*}} : !BxSx16xf32_, !_16x16xf32_r48, !_16xf32, !BxSx16xf32_
  loom_kernel.linear %x, %wv, %bv into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 16], f32, row_stride = 48>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// CHECK-LABEL: func @attention_key_padding
func.func @attention_key_padding(%qkv: !loom_kernel.buffer<[B, S, 48], f32>, %len: !loom_kernel.buffer<[B], i32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  %q = loom_kernel.columns %qkv {offset = 0 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
  %k = loom_kernel.columns %qkv {offset = 16 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
  %v = loom_kernel.columns %qkv {offset = 32 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
  %qh = loom_kernel.split_heads %q {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48> -> !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>
  %kh = loom_kernel.split_heads %k {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48> -> !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>
  %vh = loom_kernel.split_heads %v {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48> -> !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>
  %oh = loom_kernel.split_heads %out {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  // CHECK: loom_kernel.attention %{{.*}}, %{{.*}}, %{{.*}} key_lengths(%{{.*}} : !Bxi32_) into %{{.*}} {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !Bx2xSx8xf32_h_r48_, !Bx2xSx8xf32_h_r48_, !Bx2xSx8xf32_h_r48_, !Bx2xSx8xf32_h
  loom_kernel.attention %qh, %kh, %vh key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %oh {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// Decoder self-attention: causal, with padding.
// CHECK-LABEL: func @attention_causal_key_padding
func.func @attention_causal_key_padding(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %v: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %len: !loom_kernel.buffer<[B], i32>, %o: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>) {
  // CHECK: loom_kernel.attention {{.*}} key_lengths(%{{.*}} : !Bxi32_) into %{{.*}} {mask = #loom.mask<causal_key_padding>, scale = 0.353553385 : f32}
  loom_kernel.attention %q, %k, %v key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %o {mask = #loom.mask<causal_key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// Cross-attention reads S keys for T queries; without padding no
// key_lengths.
// CHECK-LABEL: func @attention_no_mask
func.func @attention_no_mask(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 32>, %v: !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 32>, %o: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>) {
  // CHECK: loom_kernel.attention %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} {mask = #loom.mask<none>, scale = 1.250000e-01 : f32} : !Bx2xTx8xf32_h, !Bx2xSx8xf32_h_r32_, !Bx2xSx8xf32_h_r32_, !Bx2xTx8xf32_h
  // CHECK-NOT: key_lengths
  loom_kernel.attention %q, %k, %v into %o {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 32>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 32>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// CHECK-LABEL: func @attention_causal
func.func @attention_causal(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %o: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>) {
  // CHECK: loom_kernel.attention %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} {mask = #loom.mask<causal>, scale = 1.250000e-01 : f32}
  loom_kernel.attention %q, %q, %q into %o {mask = #loom.mask<causal>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// A decoding step: T queries over the L = 6 positions of the key cache.
// CHECK-LABEL: func @attention_cache
func.func @attention_cache(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %step: index, %o: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>) {
  %len = loom_kernel.step_lengths %step : !loom_kernel.buffer<[B], i32>
  %kc = loom_kernel.state "self_keys.0" : !loom_kernel.buffer<[B, 6, 16], f32>
  %vc = loom_kernel.state "self_values.0" : !loom_kernel.buffer<[B, 6, 16], f32>
  %kh = loom_kernel.split_heads %kc {heads = 2 : i64} : !loom_kernel.buffer<[B, 6, 16], f32> -> !loom_kernel.buffer<[B, 2, 6, 8], f32, heads>
  %vh = loom_kernel.split_heads %vc {heads = 2 : i64} : !loom_kernel.buffer<[B, 6, 16], f32> -> !loom_kernel.buffer<[B, 2, 6, 8], f32, heads>
  // CHECK: loom_kernel.attention {{.*}} key_lengths(%{{.*}} : !Bxi32_) into {{.*}} : !Bx2xTx8xf32_h, !Bx2x6x8xf32_h, !Bx2x6x8xf32_h, !Bx2xTx8xf32_h
  loom_kernel.attention %q, %kh, %vh key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %o {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, 6, 8], f32, heads>, !loom_kernel.buffer<[B, 2, 6, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// CHECK-LABEL: func @layer_norm
func.func @layer_norm(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %b: !loom_kernel.buffer<[16], f32>, %y: !loom_kernel.buffer<[B, S, 16], f32>) {
  // CHECK: loom_kernel.layer_norm %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} {epsilon = 9.99999974E-6 : f32} : !BxSx16xf32_, !_16xf32, !_16xf32, !BxSx16xf32_
  loom_kernel.layer_norm %x, %g, %b into %y {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// CHECK-LABEL: func @add_norm
func.func @add_norm(%x: !loom_kernel.buffer<[B, T, 16], f32>, %r: !loom_kernel.buffer<[B, T, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %b: !loom_kernel.buffer<[16], f32>, %y: !loom_kernel.buffer<[B, T, 16], f32>) {
  // CHECK: loom_kernel.add_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} {epsilon = 9.99999974E-6 : f32} : !BxTx16xf32_, !BxTx16xf32_, !_16xf32, !_16xf32, !BxTx16xf32_
  // CHECK-NOT: sum
  loom_kernel.add_norm %x, %r, %g, %b into %y {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, T, 16], f32>
  return
}

// Pre-norm layers keep the sum as the next residual.
// CHECK-LABEL: func @add_norm_sum
func.func @add_norm_sum(%x: !loom_kernel.buffer<[B, S, 16], f32>, %r: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %b: !loom_kernel.buffer<[16], f32>, %y: !loom_kernel.buffer<[B, S, 16], f32>, %s: !loom_kernel.buffer<[B, S, 16], f32>) {
  // CHECK: loom_kernel.add_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} into %{{.*}} sum(%{{.*}} : !BxSx16xf32_) {epsilon = 9.99999974E-6 : f32} : !BxSx16xf32_, !BxSx16xf32_, !_16xf32, !_16xf32, !BxSx16xf32_
  loom_kernel.add_norm %x, %r, %g, %b into %y sum(%s : !loom_kernel.buffer<[B, S, 16], f32>) {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// CHECK-LABEL: func @embed
func.func @embed(%tokens: !loom_kernel.buffer<[B, S], i32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  %table = loom_kernel.weight "src_embedding.weight" : !loom_kernel.buffer<[7, 16], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  // CHECK: loom_kernel.embed %{{.*}}[%{{.*}}] + %{{.*}} into %{{.*}} {scale = 4.000000e+00 : f32} : !_7x16xf32, !BxSxi32_, !_6x16xf32, !BxSx16xf32_
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// A decoding step's positions are rows of the table from the step on.
// CHECK-LABEL: func @embed_step
func.func @embed_step(%tokens: !loom_kernel.buffer<[B, T], i32>, %step: index, %out: !loom_kernel.buffer<[B, T, 16], f32>) {
  %table = loom_kernel.weight "tgt_embedding.weight" : !loom_kernel.buffer<[9, 16], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  %pt = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[6, 16], f32> -> !loom_kernel.buffer<[T, 16], f32>
  // CHECK: loom_kernel.embed %{{.*}}[%{{.*}}] + %{{.*}} into %{{.*}} {scale = 4.000000e+00 : f32} : !_9x16xf32, !BxTxi32_, !Tx16xf32_, !BxTx16xf32_
  loom_kernel.embed %table[%tokens] + %pt into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[9, 16], f32>, !loom_kernel.buffer<[B, T], i32>, !loom_kernel.buffer<[T, 16], f32>, !loom_kernel.buffer<[B, T, 16], f32>
  return
}

// CHECK-LABEL: func @argmax
func.func @argmax(%logits: !loom_kernel.buffer<[B, T, 9], f32>, %next: !loom_kernel.buffer<[B, T], i32>) {
  // CHECK: loom_kernel.argmax %{{.*}} into %{{.*}} : !BxTx9xf32_, !BxTxi32_
  loom_kernel.argmax %logits into %next : !loom_kernel.buffer<[B, T, 9], f32>, !loom_kernel.buffer<[B, T], i32>
  return
}

// CHECK-LABEL: func @argmax_2d
func.func @argmax_2d(%logits: !loom_kernel.buffer<[B, 9], f32>, %next: !loom_kernel.buffer<[B], i32>) {
  // CHECK: loom_kernel.argmax %{{.*}} into %{{.*}} : !Bx9xf32_, !Bxi32_
  loom_kernel.argmax %logits into %next : !loom_kernel.buffer<[B, 9], f32>, !loom_kernel.buffer<[B], i32>
  return
}

// CHECK-LABEL: func @add
func.func @add(%a: !loom_kernel.buffer<[B, S, 16], f32>, %b: !loom_kernel.buffer<[B, S, 16], f32>, %c: !loom_kernel.buffer<[B, S, 16], f32>) {
  // CHECK: loom_kernel.add %{{.*}}, %{{.*}} into %{{.*}} : !BxSx16xf32_, !BxSx16xf32_, !BxSx16xf32_
  loom_kernel.add %a, %b into %c : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// The output may be the first input (the kernel reads each element first).
// CHECK-LABEL: func @add_in_place
func.func @add_in_place(%a: !loom_kernel.buffer<[B, T, 16], f32>, %b: !loom_kernel.buffer<[B, T, 16], f32>) {
  // CHECK: loom_kernel.add %[[A:[^,]*]], %{{.*}} into %[[A]] : !BxTx16xf32_, !BxTx16xf32_, !BxTx16xf32_
  loom_kernel.add %a, %b into %a : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, T, 16], f32>
  return
}

// cross_attention's probabilities: queries over T, keys over S, written into
// one layer [B, H, T, S] of the weights output.
// CHECK-LABEL: func @attention_probs_key_padding
func.func @attention_probs_key_padding(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 32>, %len: !loom_kernel.buffer<[B], i32>, %weights: !loom_kernel.buffer<[3, B, 2, T, S], f32>) {
  // CHECK: %[[W:.*]] = loom_kernel.slice %{{.*}}[2] : !_3xBx2xTxSxf32 -> !Bx2xTxSxf32_
  %w = loom_kernel.slice %weights[2] : !loom_kernel.buffer<[3, B, 2, T, S], f32> -> !loom_kernel.buffer<[B, 2, T, S], f32>
  // CHECK: loom_kernel.attention_probs %{{.*}}, %{{.*}} key_lengths(%{{.*}} : !Bxi32_) into %[[W]] {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !Bx2xTx8xf32_h, !Bx2xSx8xf32_h_r32_, !Bx2xTxSxf32_
  loom_kernel.attention_probs %q, %k key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %w {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 32>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// Without padding no key_lengths; a self-attention's [B, H, T, T] would need
// T twice, so causal probabilities are checked on static lengths here.
// CHECK-LABEL: func @attention_probs_causal
func.func @attention_probs_causal(%q: !loom_kernel.buffer<[B, 2, 5, 8], f32, heads>, %p: !loom_kernel.buffer<[B, 2, 5, 5], f32>) {
  // CHECK: loom_kernel.attention_probs %{{.*}}, %{{.*}} into %{{.*}} {mask = #loom.mask<causal>, scale = 1.250000e-01 : f32} : !Bx2x5x8xf32_h, !Bx2x5x8xf32_h, !Bx2x5x5xf32_
  // CHECK-NOT: key_lengths
  loom_kernel.attention_probs %q, %q into %p {mask = #loom.mask<causal>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, 5, 8], f32, heads>, !loom_kernel.buffer<[B, 2, 5, 8], f32, heads>, !loom_kernel.buffer<[B, 2, 5, 5], f32>
  return
}
