// --loom-derive-cross-attention adds @cross_attention: @forward's kernels on
// the same inputs with the logits in scratch (an alloc instead of the output
// `out`), and after each decoder cross-attention (target side, keys written
// by the source side) an attention_probs on its q and k views, mask, scale
// and key lengths into slice i of the output `weights` [L, B, H, T, S]. The
// self-attention gets none. Running it again changes nothing; the result
// plans and lowers to emitc like the other functions.
// RUN: loom-opt %s --loom-derive-cross-attention | FileCheck %s
// RUN: loom-opt %s --loom-derive-cross-attention | loom-opt --loom-derive-cross-attention | FileCheck %s --check-prefix=AGAIN
// RUN: loom-opt %s --loom-derive-cross-attention --loom-select-kernels --loom-plan-buffers --loom-lower-to-emitc | FileCheck %s --check-prefix=EMITC

!src = !loom_kernel.buffer<[B, S], i32>
!tgt = !loom_kernel.buffer<[B, T], i32>
!len = !loom_kernel.buffer<[B], i32>
!xs = !loom_kernel.buffer<[B, S, 8], f32>
!xt = !loom_kernel.buffer<[B, T, 8], f32>
!th = !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
!sh = !loom_kernel.buffer<[B, 2, S, 4], f32, heads, row_stride = 16>

module attributes {loom.spec = {name = "ed", architecture = "encoder_decoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 2 : i64, src_vocab = 5 : i64, tgt_vocab = 5 : i64, max_len = 6 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {

// @forward is left as it is.
// CHECK-LABEL: func.func @forward(
// CHECK-NOT: attention_probs
// CHECK: return
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
  %ck = loom_kernel.columns %kv {offset = 0 : i64, width = 8 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16>
  %cv = loom_kernel.columns %kv {offset = 8 : i64, width = 8 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16>
  %ckh = loom_kernel.split_heads %ck {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16> -> !sh
  %cvh = loom_kernel.split_heads %cv {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16> -> !sh
  // Target side: embedding, causal self-attention, two cross-attentions
  // (as two decoder layers would have).
  %x = loom_kernel.alloc : !xt
  loom_kernel.embed %table[%tgt] + %pe into %x {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !tgt, !loom_kernel.buffer<[6, 8], f32>, !xt
  %xh = loom_kernel.split_heads %x {heads = 2 : i64} : !xt -> !th
  %a = loom_kernel.alloc : !xt
  %ah = loom_kernel.split_heads %a {heads = 2 : i64} : !xt -> !th
  loom_kernel.attention %xh, %xh, %xh key_lengths(%tgt_len : !len) into %ah {mask = #loom.mask<causal_key_padding>, scale = 0.5 : f32} : !th, !th, !th, !th
  %c = loom_kernel.alloc : !xt
  %ch = loom_kernel.split_heads %c {heads = 2 : i64} : !xt -> !th
  loom_kernel.attention %ah, %ckh, %cvh key_lengths(%src_len : !len) into %ch {mask = #loom.mask<key_padding>, scale = 0.5 : f32} : !th, !sh, !sh, !th
  %d = loom_kernel.alloc : !xt
  %dh = loom_kernel.split_heads %d {heads = 2 : i64} : !xt -> !th
  loom_kernel.attention %ch, %ckh, %cvh key_lengths(%src_len : !len) into %dh {mask = #loom.mask<key_padding>, scale = 0.25 : f32} : !th, !sh, !sh, !th
  %wo = loom_kernel.weight "out.weight" transposed : !loom_kernel.buffer<[8, 5], f32>
  %bo = loom_kernel.weight "out.bias" : !loom_kernel.buffer<[5], f32>
  loom_kernel.linear %d, %wo, %bo into %out {activation = #loom_kernel.activation<none>} : !xt, !loom_kernel.buffer<[8, 5], f32>, !loom_kernel.buffer<[5], f32>, !loom_kernel.buffer<[B, T, 5], f32>
  return
}

}

// CHECK-LABEL: func.func @cross_attention(
// CHECK-SAME: {loom.input = "src"}
// CHECK-SAME: %[[SRCLEN:[^:]*]]: !Bxi32_ {loom.input = "src_len"}
// CHECK-SAME: {loom.input = "tgt"}
// CHECK-SAME: %[[TGTLEN:[^:]*]]: !Bxi32_ {loom.input = "tgt_len"}
// CHECK-SAME: %[[W:[^:]*]]: !_2xBx2xTxSxf32 {loom.output = "weights"}) {
// The logits are scratch.
// CHECK: %[[LOGITS:.*]] = loom_kernel.alloc : !BxTx5xf32_
// CHECK: loom_kernel.embed
// CHECK: loom_kernel.linear
// CHECK: loom_kernel.embed
// CHECK: loom_kernel.attention {{.*}} key_lengths(%[[TGTLEN]] : !Bxi32_) {{.*}}mask = #loom.mask<causal_key_padding>
// CHECK-NOT: attention_probs
// CHECK: loom_kernel.attention %[[Q0:[^,]*]], %[[K0:[^,]*]], %{{[^ ]*}} key_lengths(%[[SRCLEN]] : !Bxi32_)
// CHECK-NEXT: %[[W0:.*]] = loom_kernel.slice %[[W]][0] : !_2xBx2xTxSxf32 -> !Bx2xTxSxf32_
// CHECK-NEXT: loom_kernel.attention_probs %[[Q0]], %[[K0]] key_lengths(%[[SRCLEN]] : !Bxi32_) into %[[W0]] {mask = #loom.mask<key_padding>, scale = 5.000000e-01 : f32} : !Bx2xTx4xf32_h, !Bx2xSx4xf32_h_r16_, !Bx2xTxSxf32_
// CHECK: loom_kernel.attention %[[Q1:[^,]*]], %[[K1:[^,]*]], %{{[^ ]*}} key_lengths(%[[SRCLEN]] : !Bxi32_)
// CHECK-NEXT: %[[W1:.*]] = loom_kernel.slice %[[W]][1] : !_2xBx2xTxSxf32 -> !Bx2xTxSxf32_
// CHECK-NEXT: loom_kernel.attention_probs %[[Q1]], %[[K1]] key_lengths(%[[SRCLEN]] : !Bxi32_) into %[[W1]] {mask = #loom.mask<key_padding>, scale = 2.500000e-01 : f32}
// The logits are still computed, into the scratch buffer.
// CHECK: loom_kernel.linear {{.*}} into %[[LOGITS]]
// CHECK-NEXT: return

// AGAIN-COUNT-1: func.func @cross_attention(
// AGAIN-NOT: func.func @cross_attention(

// EMITC: emitc.func @loom_plan_cross_attention(
// EMITC: "loom::exec::output"(%{{.*}}) {args = [0 : index, 3, #emitc.opaque<"loom::exec::f32">, 2, #emitc.opaque<"loom::exec::B">, 2, #emitc.opaque<"loom::exec::T">, #emitc.opaque<"loom::exec::S">]}
// EMITC: "loom::exec::slice"(%{{.*}}) {args = [0 : index, 0]}
// EMITC: "loom::exec::attention_probs"
// EMITC: "loom::exec::slice"(%{{.*}}) {args = [0 : index, 1]}
// EMITC: "loom::exec::attention_probs"
// EMITC: emitc.func @loom_describe(
// EMITC: "loom::describe::attention_probs"
