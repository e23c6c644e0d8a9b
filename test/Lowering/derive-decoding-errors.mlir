// --loom-derive-decoding: an encoder has nothing to decode; what cannot be
// decoded with a cache is refused on the op at fault.
// RUN: loom-opt %s --loom-derive-decoding -split-input-file -verify-diagnostics | FileCheck %s

// An encoder (no buffer with T): no decoding functions.
// CHECK-LABEL: func.func @forward(
// CHECK-NOT: @decode_
!xs = !loom_kernel.buffer<[B, S, 8], f32>
func.func @forward(%src: !loom_kernel.buffer<[B, S], i32> {loom.input = "src"}, %out: !xs {loom.output = "out"}) {
  %table = loom_kernel.weight "emb" : !loom_kernel.buffer<[5, 8], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 8], f32>
  loom_kernel.embed %table[%src] + %pe into %out {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 8], f32>, !xs
  return
}

// -----

// A target-side self-attention that is not causal would see future tokens
// in forward but not in a cache.
!xt = !loom_kernel.buffer<[B, T, 8], f32>
!h = !loom_kernel.buffer<[B, 2, T, 4], f32, heads>
func.func @forward(%tgt: !loom_kernel.buffer<[B, T], i32> {loom.input = "tgt"}, %len: !loom_kernel.buffer<[B], i32> {loom.input = "tgt_len"}, %out: !xt {loom.output = "out"}) {
  %table = loom_kernel.weight "emb" : !loom_kernel.buffer<[5, 8], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 8], f32>
  %x = loom_kernel.alloc : !xt
  loom_kernel.embed %table[%tgt] + %pe into %x {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !loom_kernel.buffer<[B, T], i32>, !loom_kernel.buffer<[6, 8], f32>, !xt
  %q = loom_kernel.split_heads %x {heads = 2 : i64} : !xt -> !h
  %o = loom_kernel.split_heads %out {heads = 2 : i64} : !xt -> !h
  // expected-error @+1 {{'loom_kernel.attention' op a target-side self-attention must be causal to be decoded with a cache}}
  loom_kernel.attention %q, %q, %q key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %o {mask = #loom.mask<key_padding>, scale = 0.5 : f32} : !h, !h, !h, !h
  return
}

// -----

// Positions in a decoding step come from the positional table.
!xt = !loom_kernel.buffer<[B, T, 8], f32>
// expected-error @+1 {{decoding needs the positional table's max_len}}
func.func @forward(%tgt: !loom_kernel.buffer<[B, T], i32> {loom.input = "tgt"}, %out: !xt {loom.output = "out"}) {
  %x = loom_kernel.alloc : !xt
  loom_kernel.add %x, %x into %out : !xt, !xt, !xt
  return
}

// -----

// decode_step's output is the argmax of forward's output.
!xt = !loom_kernel.buffer<[B, T, 8], f32>
// expected-error @+1 {{@forward has no output to decode from}}
func.func @forward(%tgt: !loom_kernel.buffer<[B, T], i32> {loom.input = "tgt"}, %next: !xt {loom.output = "next"}) {
  %table = loom_kernel.weight "emb" : !loom_kernel.buffer<[5, 8], f32>
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 8], f32>
  loom_kernel.embed %table[%tgt] + %pe into %next {scale = 1.0 : f32} : !loom_kernel.buffer<[5, 8], f32>, !loom_kernel.buffer<[B, T], i32>, !loom_kernel.buffer<[6, 8], f32>, !xt
  return
}
