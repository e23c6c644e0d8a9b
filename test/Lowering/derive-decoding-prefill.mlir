// --loom-derive-decoding on a decoder-only model also adds @decode_prefill:
// the target side over a prompt's first T positions in one pass, as
// @forward computes them (the same causal self-attention over this call's
// keys), each self-attention's keys and values also written into the
// caches from position 0 (cache_append without a step), the logits into
// the arena and their argmax into the output `next`. An encoder-decoder
// gets none (derive-decoding.mlir).
// RUN: loom-opt %s --loom-derive-decoding | FileCheck %s
// RUN: loom-opt %s --loom-derive-decoding | loom-opt --loom-derive-decoding | FileCheck %s --check-prefix=AGAIN

!tgt = !loom_kernel.buffer<[B, T], i32>
!len = !loom_kernel.buffer<[B], i32>
!xt = !loom_kernel.buffer<[B, T, 8], f32>
!qkv = !loom_kernel.buffer<[B, T, 24], f32>
!col = !loom_kernel.buffer<[B, T, 8], f32, row_stride = 24>
!hc = !loom_kernel.buffer<[B, 2, T, 4], f32, heads, row_stride = 24>
!h = !loom_kernel.buffer<[B, 2, T, 4], f32, heads>

// CHECK-LABEL: func.func @forward(
func.func @forward(%tgt: !tgt {loom.input = "tgt"}, %tgt_len: !len {loom.input = "tgt_len"},
                   %out: !loom_kernel.buffer<[B, T, 5], f32> {loom.output = "out"}) {
  %table = loom_kernel.weight "emb" : !loom_kernel.buffer<[5, 8], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 8], f32>
  %w = loom_kernel.weight "w" transposed : !loom_kernel.buffer<[8, 24], f32>
  %b = loom_kernel.weight "b" : !loom_kernel.buffer<[24], f32>
  %x = loom_kernel.alloc : !xt
  loom_kernel.embed %table[%tgt] + %pe into %x {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !tgt, !loom_kernel.buffer<[6, 8], f32>, !xt
  %qkv = loom_kernel.alloc : !qkv
  loom_kernel.linear %x, %w, %b into %qkv {activation = #loom_kernel.activation<none>} : !xt, !loom_kernel.buffer<[8, 24], f32>, !loom_kernel.buffer<[24], f32>, !qkv
  %qc = loom_kernel.columns %qkv {offset = 0 : i64, width = 8 : i64} : !qkv -> !col
  %kc = loom_kernel.columns %qkv {offset = 8 : i64, width = 8 : i64} : !qkv -> !col
  %vc = loom_kernel.columns %qkv {offset = 16 : i64, width = 8 : i64} : !qkv -> !col
  %q = loom_kernel.split_heads %qc {heads = 2 : i64} : !col -> !hc
  %k = loom_kernel.split_heads %kc {heads = 2 : i64} : !col -> !hc
  %v = loom_kernel.split_heads %vc {heads = 2 : i64} : !col -> !hc
  %a = loom_kernel.alloc : !xt
  %ah = loom_kernel.split_heads %a {heads = 2 : i64} : !xt -> !h
  loom_kernel.attention %q, %k, %v key_lengths(%tgt_len : !len) into %ah {mask = #loom.mask<causal_key_padding>, scale = 0.5 : f32} : !hc, !hc, !hc, !h
  %wo = loom_kernel.weight "out.weight" transposed : !loom_kernel.buffer<[8, 5], f32>
  %bo = loom_kernel.weight "out.bias" : !loom_kernel.buffer<[5], f32>
  loom_kernel.linear %a, %wo, %bo into %out {activation = #loom_kernel.activation<none>} : !xt, !loom_kernel.buffer<[8, 5], f32>, !loom_kernel.buffer<[5], f32>, !loom_kernel.buffer<[B, T, 5], f32>
  return
}

// No source side: no @decode_init.
// CHECK-NOT: func.func @decode_init(
// CHECK-LABEL: func.func @decode_step(
// CHECK: loom_kernel.cache_append %{{.*}} into %{{.*}} at %{{.*}} :

// CHECK-LABEL: func.func @decode_prefill(
// CHECK-SAME: %[[TGT:[^:]*]]: !BxTxi32_ {loom.input = "tgt"}
// CHECK-SAME: %[[LEN:[^:]*]]: !Bxi32_ {loom.input = "tgt_len"}
// CHECK-SAME: %[[NEXT:[^:]*]]: !BxTxi32_ {loom.output = "next"}
// The logits are scratch.
// CHECK: %[[LOGITS:.*]] = loom_kernel.alloc : !BxTx5xf32_
// Positions come from the table's first rows, as in @forward.
// CHECK: %[[PE:.*]] = loom_kernel.positional_table
// CHECK-NOT: loom_kernel.rows
// CHECK: loom_kernel.embed %{{.*}}[%[[TGT]]] + %[[PE]] into
// CHECK: loom_kernel.linear {{.*}} into %[[QKV:.*]] {activation
// The T new keys and values fill the caches from position 0.
// CHECK: %[[KC:.*]] = loom_kernel.columns %[[QKV]] {offset = 8 : i64, width = 8 : i64}
// CHECK-NEXT: %[[KCACHE:.*]] = loom_kernel.state "self_keys.0" : !Bx6x8xf32_
// CHECK-NEXT: loom_kernel.cache_append %[[KC]] into %[[KCACHE]] : !BxTx8xf32_r24_, !Bx6x8xf32_
// CHECK: %[[VC:.*]] = loom_kernel.columns %[[QKV]] {offset = 16 : i64, width = 8 : i64}
// CHECK-NEXT: %[[VCACHE:.*]] = loom_kernel.state "self_values.0" : !Bx6x8xf32_
// CHECK-NEXT: loom_kernel.cache_append %[[VC]] into %[[VCACHE]] : !BxTx8xf32_r24_, !Bx6x8xf32_
// The attention is @forward's: causal over this call's keys, not the cache.
// CHECK: loom_kernel.attention %{{.*}}, %{{.*}}, %{{.*}} key_lengths(%[[LEN]] : !Bxi32_) into %{{.*}} {mask = #loom.mask<causal_key_padding>, scale = 5.000000e-01 : f32} : !Bx2xTx4xf32_h_r24_
// CHECK: loom_kernel.linear {{.*}} into %[[LOGITS]]
// CHECK-NEXT: loom_kernel.argmax %[[LOGITS]] into %[[NEXT]]
// CHECK-NEXT: return

// AGAIN-COUNT-1: func.func @decode_step(
// AGAIN-COUNT-1: func.func @decode_prefill(
