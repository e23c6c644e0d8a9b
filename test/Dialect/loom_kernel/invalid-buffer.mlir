// RUN: loom-opt %s -split-input-file -verify-diagnostics
// !loom_kernel.buffer: what the type's verifier and parser refuse.

// expected-error @+1 {{buffer elements must be f32 or i32, got 'f16'}}
func.func @element_f16(%x: !loom_kernel.buffer<[B, S, 16], f16>) {
  return
}

// -----

// expected-error @+1 {{buffer elements must be f32 or i32, got 'i64'}}
func.func @element_i64(%x: !loom_kernel.buffer<[B], i64>) {
  return
}

// -----

// expected-error @+1 {{buffers have at most 5 dims, got 6}}
func.func @rank_6(%x: !loom_kernel.buffer<[3, B, 2, S, 4, 2], f32>) {
  return
}

// -----

// expected-error @+1 {{a buffer dim is a size >= 1 or B, S, T; got 0}}
func.func @dim_zero(%x: !loom_kernel.buffer<[B, 0], f32>) {
  return
}

// -----

// expected-error @+1 {{a buffer dim is a size >= 1 or B, S, T; got -4}}
func.func @dim_negative(%x: !loom_kernel.buffer<[-4, 16], f32>) {
  return
}

// -----

// expected-error @+1 {{dim B appears twice in one buffer}}
func.func @symbol_twice(%x: !loom_kernel.buffer<[B, B, 16], f32>) {
  return
}

// -----

// expected-error @+1 {{dim S appears twice in one buffer}}
func.func @source_twice(%x: !loom_kernel.buffer<[B, S, S], f32>) {
  return
}

// -----

// expected-error @+1 {{a heads view is [B, H, S, Dh] with static H and Dh}}
func.func @heads_rank_3(%x: !loom_kernel.buffer<[B, S, 16], f32, heads>) {
  return
}

// -----

// expected-error @+1 {{a heads view is [B, H, S, Dh] with static H and Dh}}
func.func @heads_symbolic_head_count(%x: !loom_kernel.buffer<[4, B, S, 8], f32, heads>) {
  return
}

// -----

// expected-error @+1 {{a heads view is [B, H, S, Dh] with static H and Dh}}
func.func @heads_symbolic_head_width(%x: !loom_kernel.buffer<[B, 2, 6, S], f32, heads>) {
  return
}

// -----

// expected-error @+1 {{a strided buffer needs static rows}}
func.func @stride_symbolic_row(%x: !loom_kernel.buffer<[B, S], i32, row_stride = 64>) {
  return
}

// -----

// expected-error @+1 {{a strided buffer needs static rows}}
func.func @stride_scalar(%x: !loom_kernel.buffer<[], f32, row_stride = 4>) {
  return
}

// -----

// expected-error @+1 {{row_stride must be larger than a row (16; omit it for rows that touch), got 8}}
func.func @stride_short(%x: !loom_kernel.buffer<[B, S, 16], f32, row_stride = 8>) {
  return
}

// -----

// A heads row is H*Dh wide.
// expected-error @+1 {{row_stride must be larger than a row (16; omit it for rows that touch), got 8}}
func.func @stride_short_heads(%x: !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 8>) {
  return
}

// -----

// expected-error @+1 {{row_stride must be larger than a row (16; omit it for rows that touch), got -16}}
func.func @stride_negative(%x: !loom_kernel.buffer<[B, S, 16], f32, row_stride = -16>) {
  return
}

// -----

// expected-error @+1 {{expected 'heads' or 'row_stride', got 'stride'}}
func.func @unknown_key(%x: !loom_kernel.buffer<[B, S, 16], f32, stride = 48>) {
  return
}

// -----

// A row stride equal to the row is the contiguous layout: one spelling only.
// expected-error @+1 {{row_stride must be larger than a row (16; omit it for rows that touch), got 16}}
func.func @stride_equal_to_row(%x: !loom_kernel.buffer<[B, S, 16], f32, row_stride = 16>) {
  return
}

// -----

// Negative numbers are not the symbols' spelling.
// expected-error @+1 {{a buffer dim is a size >= 1 or B, S, T; got -1}}
func.func @negative_dim(%x: !loom_kernel.buffer<[-1, S, 16], f32>) {
  return
}
