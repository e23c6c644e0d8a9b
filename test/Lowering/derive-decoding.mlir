// --loom-derive-decoding splits @forward into @decode_init (the source
// side; the source buffers the target side reads become state) and
// @decode_step (one target position: positions from the step, the causal
// self-attention over KV caches with step + 1 visible keys, the logits into
// the output `out` and their argmax into the output `next`).
// RUN: loom-opt %s --loom-derive-decoding | FileCheck %s
// RUN: loom-opt %s --loom-derive-decoding | loom-opt --loom-derive-decoding | FileCheck %s --check-prefix=AGAIN

!src = !loom_kernel.buffer<[B, S], i32>
!tgt = !loom_kernel.buffer<[B, T], i32>
!len = !loom_kernel.buffer<[B], i32>
!xs = !loom_kernel.buffer<[B, S, 8], f32>
!xt = !loom_kernel.buffer<[B, T, 8], f32>

// @forward is left as it is.
// CHECK-LABEL: func.func @forward(
func.func @forward(%src: !src {loom.input = "src"}, %src_len: !len {loom.input = "src_len"},
                   %tgt: !tgt {loom.input = "tgt"}, %tgt_len: !len {loom.input = "tgt_len"},
                   %out: !loom_kernel.buffer<[B, T, 5], f32> {loom.output = "out"}) {
  %table = loom_kernel.weight "emb" : !loom_kernel.buffer<[5, 8], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 8], f32>
  %w = loom_kernel.weight "w" transposed : !loom_kernel.buffer<[8, 24], f32>
  %b = loom_kernel.weight "b" : !loom_kernel.buffer<[24], f32>
  // Source side: the memory, then its keys and values for the decoder.
  %mem = loom_kernel.alloc : !xs
  loom_kernel.embed %table[%src] + %pe into %mem {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !src, !loom_kernel.buffer<[6, 8], f32>, !xs
  %wkv = loom_kernel.columns %w {offset = 8 : i64, width = 16 : i64} : !loom_kernel.buffer<[8, 24], f32> -> !loom_kernel.buffer<[8, 16], f32, row_stride = 24>
  %bkv = loom_kernel.columns %b {offset = 8 : i64, width = 16 : i64} : !loom_kernel.buffer<[24], f32> -> !loom_kernel.buffer<[16], f32>
  %kv = loom_kernel.alloc : !loom_kernel.buffer<[B, S, 16], f32>
  loom_kernel.linear %mem, %wkv, %bkv into %kv {activation = #loom_kernel.activation<none>} : !xs, !loom_kernel.buffer<[8, 16], f32, row_stride = 24>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  // Target side: embedding, causal self-attention, cross-attention.
  %x = loom_kernel.alloc : !xt
  loom_kernel.embed %table[%tgt] + %pe into %x {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !tgt, !loom_kernel.buffer<[6, 8], f32>, !xt
  %qkv = loom_kernel.alloc : !loom_kernel.buffer<[B, T, 24], f32>
  loom_kernel.linear %x, %w, %b into %qkv {activation = #loom_kernel.activation<none>} : !xt, !loom_kernel.buffer<[8, 24], f32>, !loom_kernel.buffer<[24], f32>, !loom_kernel.buffer<[B, T, 24], f32>
  %qc = loom_kernel.columns %qkv {offset = 0 : i64, width = 8 : i64} : !loom_kernel.buffer<[B, T, 24], f32> -> !loom_kernel.buffer<[B, T, 8], f32, row_stride = 24>
  %kc = loom_kernel.columns %qkv {offset = 8 : i64, width = 8 : i64} : !loom_kernel.buffer<[B, T, 24], f32> -> !loom_kernel.buffer<[B, T, 8], f32, row_stride = 24>
  %vc = loom_kernel.columns %qkv {offset = 16 : i64, width = 8 : i64} : !loom_kernel.buffer<[B, T, 24], f32> -> !loom_kernel.buffer<[B, T, 8], f32, row_stride = 24>
  %q = loom_kernel.split_heads %qc {heads = 2 : i64} : !loom_kernel.buffer<[B, T, 8], f32, row_stride = 24> -> !loom_kernel.buffer<[B, 2, T, 4], f32, heads, row_stride = 24>
  %k = loom_kernel.split_heads %kc {heads = 2 : i64} : !loom_kernel.buffer<[B, T, 8], f32, row_stride = 24> -> !loom_kernel.buffer<[B, 2, T, 4], f32, heads, row_stride = 24>
  %v = loom_kernel.split_heads %vc {heads = 2 : i64} : !loom_kernel.buffer<[B, T, 8], f32, row_stride = 24> -> !loom_kernel.buffer<[B, 2, T, 4], f32, heads, row_stride = 24>
  %a = loom_kernel.alloc : !xt
  %ah = loom_kernel.split_heads %a {heads = 2 : i64} : !xt -> !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
  loom_kernel.attention %q, %k, %v key_lengths(%tgt_len : !len) into %ah {mask = #loom.mask<causal_key_padding>, scale = 0.5 : f32} : !loom_kernel.buffer<[B, 2, T, 4], f32, heads, row_stride = 24>, !loom_kernel.buffer<[B, 2, T, 4], f32, heads, row_stride = 24>, !loom_kernel.buffer<[B, 2, T, 4], f32, heads, row_stride = 24>, !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
  %ck = loom_kernel.columns %kv {offset = 0 : i64, width = 8 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16>
  %cv = loom_kernel.columns %kv {offset = 8 : i64, width = 8 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16>
  %ckh = loom_kernel.split_heads %ck {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16> -> !loom_kernel.buffer<[B, 2, S, 4], f32, heads, row_stride = 16>
  %cvh = loom_kernel.split_heads %cv {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16> -> !loom_kernel.buffer<[B, 2, S, 4], f32, heads, row_stride = 16>
  %aq = loom_kernel.split_heads %a {heads = 2 : i64} : !xt -> !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
  %c = loom_kernel.alloc : !xt
  %ch = loom_kernel.split_heads %c {heads = 2 : i64} : !xt -> !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
  loom_kernel.attention %aq, %ckh, %cvh key_lengths(%src_len : !len) into %ch {mask = #loom.mask<key_padding>, scale = 0.5 : f32} : !loom_kernel.buffer<[B, 2, T, 4], f32, heads>, !loom_kernel.buffer<[B, 2, S, 4], f32, heads, row_stride = 16>, !loom_kernel.buffer<[B, 2, S, 4], f32, heads, row_stride = 16>, !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
  %wo = loom_kernel.weight "out.weight" transposed : !loom_kernel.buffer<[8, 5], f32>
  %bo = loom_kernel.weight "out.bias" : !loom_kernel.buffer<[5], f32>
  loom_kernel.linear %c, %wo, %bo into %out {activation = #loom_kernel.activation<none>} : !xt, !loom_kernel.buffer<[8, 5], f32>, !loom_kernel.buffer<[5], f32>, !loom_kernel.buffer<[B, T, 5], f32>
  return
}

// decode_init takes the inputs the source side reads (here no src_len).
// CHECK-LABEL: func.func @decode_init(
// CHECK-SAME: {loom.input = "src"}) {
// CHECK: loom_kernel.embed
// The cross keys and values are written into state, not the arena.
// CHECK: %[[KV:.*]] = loom_kernel.state "cross.0" : !BxSx16xf32_
// CHECK-NEXT: loom_kernel.linear %{{.*}}, %{{.*}}, %{{.*}} into %[[KV]]
// CHECK-NEXT: return

// CHECK-LABEL: func.func @decode_step(
// CHECK-SAME: %[[STEP:.*]]: index {loom.scalar = "step"}
// CHECK-SAME: %[[LOGITS:[^:]*]]: !BxTx5xf32_ {loom.output = "out"}
// CHECK-SAME: {loom.input = "tgt"}
// CHECK-SAME: %[[SRCLEN:[^:]*]]: !Bxi32_ {loom.input = "src_len"}
// CHECK-SAME: %[[NEXT:[^:]*]]: !BxTxi32_ {loom.output = "next"}
// CHECK: %[[LENS:.*]] = loom_kernel.step_lengths %[[STEP]] : !Bxi32_
// CHECK: %[[PE:.*]] = loom_kernel.positional_table
// CHECK: %[[ROWS:.*]] = loom_kernel.rows %[[PE]] from %[[STEP]] : !_6x8xf32 -> !Tx8xf32_
// CHECK: loom_kernel.embed %{{.*}}[%{{.*}}] + %[[ROWS]] into
// CHECK: loom_kernel.linear {{.*}} into %[[QKV:.*]] {activation
// The new key and value join the caches [B, max_len, 8].
// CHECK: %[[KC:.*]] = loom_kernel.columns %[[QKV]] {offset = 8 : i64, width = 8 : i64}
// CHECK: %[[KCACHE:.*]] = loom_kernel.state "self_keys.0" : !Bx6x8xf32_
// CHECK-NEXT: loom_kernel.cache_append %[[KC]] into %[[KCACHE]] at %[[STEP]]
// CHECK-NEXT: %[[KH:.*]] = loom_kernel.split_heads %[[KCACHE]] {heads = 2 : i64} : !Bx6x8xf32_ -> !Bx2x6x4xf32_h
// CHECK: %[[VCACHE:.*]] = loom_kernel.state "self_values.0" : !Bx6x8xf32_
// CHECK-NEXT: loom_kernel.cache_append %{{.*}} into %[[VCACHE]] at %[[STEP]]
// The self-attention sees step + 1 keys: key padding, no causal mask.
// CHECK: loom_kernel.attention %{{.*}}, %[[KH]], %{{.*}} key_lengths(%[[LENS]] : !Bxi32_) into %{{.*}} {mask = #loom.mask<key_padding>, scale = 5.000000e-01 : f32}
// Cross-attention reads the kept keys and values.
// CHECK: %[[CROSS:.*]] = loom_kernel.state "cross.0" : !BxSx16xf32_
// CHECK: loom_kernel.attention {{.*}} key_lengths(%[[SRCLEN]] : !Bxi32_)
// CHECK: loom_kernel.linear {{.*}} into %[[LOGITS]]
// CHECK-NEXT: loom_kernel.argmax %[[LOGITS]] into %[[NEXT]]
// CHECK-NEXT: return

// An encoder-decoder gets no prefill: translation starts from bos alone.
// CHECK-NOT: func.func @decode_prefill(

// Running the pass again adds nothing: @decode_* exist already.
// AGAIN-COUNT-1: func.func @decode_init(
// AGAIN-COUNT-1: func.func @decode_step(
