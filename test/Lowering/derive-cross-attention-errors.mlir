// --loom-derive-cross-attention: a module without cross-attention (an
// encoder, a decoder-only model) gets no @cross_attention; cross-attentions
// of different shapes cannot share one weights output.
// RUN: loom-opt %s --loom-derive-cross-attention -split-input-file -verify-diagnostics | FileCheck %s

// An encoder (no buffer with T): nothing to derive.
// CHECK-LABEL: func.func @forward(
// CHECK-NOT: @cross_attention
!xs = !loom_kernel.buffer<[B, S, 8], f32>
!sh = !loom_kernel.buffer<[B, 2, S, 4], f32, heads>
func.func @forward(%src: !loom_kernel.buffer<[B, S], i32> {loom.input = "src"}, %len: !loom_kernel.buffer<[B], i32> {loom.input = "src_len"}, %out: !xs {loom.output = "out"}) {
  %table = loom_kernel.weight "emb" : !loom_kernel.buffer<[5, 8], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 8], f32>
  %x = loom_kernel.alloc : !xs
  loom_kernel.embed %table[%src] + %pe into %x {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 8], f32>, !xs
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !xs -> !sh
  %o = loom_kernel.split_heads %out {heads = 2 : i64} : !xs -> !sh
  loom_kernel.attention %h, %h, %h key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %o {mask = #loom.mask<key_padding>, scale = 0.5 : f32} : !sh, !sh, !sh, !sh
  return
}

// -----

// A decoder-only model: its attention's keys are target rows.
// CHECK-LABEL: func.func @forward(
// CHECK-NOT: @cross_attention
!xt = !loom_kernel.buffer<[B, T, 8], f32>
!th = !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
func.func @forward(%tgt: !loom_kernel.buffer<[B, T], i32> {loom.input = "tgt"}, %len: !loom_kernel.buffer<[B], i32> {loom.input = "tgt_len"}, %out: !xt {loom.output = "out"}) {
  %table = loom_kernel.weight "emb" : !loom_kernel.buffer<[5, 8], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 8], f32>
  %x = loom_kernel.alloc : !xt
  loom_kernel.embed %table[%tgt] + %pe into %x {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !loom_kernel.buffer<[B, T], i32>, !loom_kernel.buffer<[6, 8], f32>, !xt
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !xt -> !th
  %o = loom_kernel.split_heads %out {heads = 2 : i64} : !xt -> !th
  loom_kernel.attention %h, %h, %h key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %o {mask = #loom.mask<causal_key_padding>, scale = 0.5 : f32} : !th, !th, !th, !th
  return
}

// -----

// Two cross-attentions with different head counts.
!xs = !loom_kernel.buffer<[B, S, 8], f32>
!xt = !loom_kernel.buffer<[B, T, 8], f32>
func.func @forward(%src: !loom_kernel.buffer<[B, S], i32> {loom.input = "src"}, %len: !loom_kernel.buffer<[B], i32> {loom.input = "src_len"}, %tgt: !loom_kernel.buffer<[B, T], i32> {loom.input = "tgt"}, %out: !xt {loom.output = "out"}) {
  %table = loom_kernel.weight "emb" : !loom_kernel.buffer<[5, 8], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 8], f32>
  %m = loom_kernel.alloc : !xs
  loom_kernel.embed %table[%src] + %pe into %m {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 8], f32>, !xs
  %x = loom_kernel.alloc : !xt
  loom_kernel.embed %table[%tgt] + %pe into %x {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !loom_kernel.buffer<[B, T], i32>, !loom_kernel.buffer<[6, 8], f32>, !xt
  %m2 = loom_kernel.split_heads %m {heads = 2 : i64} : !xs -> !loom_kernel.buffer<[B, 2, S, 4], f32, heads>
  %x2 = loom_kernel.split_heads %x {heads = 2 : i64} : !xt -> !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
  %a = loom_kernel.alloc : !xt
  %a2 = loom_kernel.split_heads %a {heads = 2 : i64} : !xt -> !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
  loom_kernel.attention %x2, %m2, %m2 key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %a2 {mask = #loom.mask<key_padding>, scale = 0.5 : f32} : !loom_kernel.buffer<[B, 2, T, 4], f32, heads>, !loom_kernel.buffer<[B, 2, S, 4], f32, heads>, !loom_kernel.buffer<[B, 2, S, 4], f32, heads>, !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
  %m4 = loom_kernel.split_heads %m {heads = 4 : i64} : !xs -> !loom_kernel.buffer<[B, 4, S, 2], f32, heads>
  %a4 = loom_kernel.split_heads %a {heads = 4 : i64} : !xt -> !loom_kernel.buffer<[B, 4, T, 2], f32, heads>
  %o4 = loom_kernel.split_heads %out {heads = 4 : i64} : !xt -> !loom_kernel.buffer<[B, 4, T, 2], f32, heads>
  // expected-error @+1 {{'loom_kernel.attention' op is a cross-attention of another shape than the first one's; @cross_attention needs one [B, H, T, S] for every layer}}
  loom_kernel.attention %a4, %m4, %m4 key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %o4 {mask = #loom.mask<key_padding>, scale = 0.5 : f32} : !loom_kernel.buffer<[B, 4, T, 2], f32, heads>, !loom_kernel.buffer<[B, 4, S, 2], f32, heads>, !loom_kernel.buffer<[B, 4, S, 2], f32, heads>, !loom_kernel.buffer<[B, 4, T, 2], f32, heads>
  return
}
