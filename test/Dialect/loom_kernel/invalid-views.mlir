// RUN: loom-opt %s -split-input-file -verify-diagnostics
// Views: what the verifiers of loom_kernel.columns, split_heads and rows
// refuse.

func.func @columns_of_heads(%x: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{source must have static rows and no heads, got '!loom_kernel.buffer<[B, 2, S, 8], f32, heads>'}}
  %c = loom_kernel.columns %x {offset = 0 : i64, width = 4 : i64} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads> -> !loom_kernel.buffer<[B, 2, S, 4], f32>
  return
}

// -----

func.func @columns_of_scalar(%x: !loom_kernel.buffer<[], f32>) {
  // expected-error @+1 {{source must have static rows and no heads, got '!loom_kernel.buffer<[], f32>'}}
  %c = loom_kernel.columns %x {offset = 0 : i64, width = 1 : i64} : !loom_kernel.buffer<[], f32> -> !loom_kernel.buffer<[1], f32>
  return
}

// -----

func.func @columns_symbolic_row(%x: !loom_kernel.buffer<[B, S], i32>) {
  // expected-error @+1 {{source must have static rows and no heads, got '!loom_kernel.buffer<[B, S], i32>'}}
  %c = loom_kernel.columns %x {offset = 0 : i64, width = 1 : i64} : !loom_kernel.buffer<[B, S], i32> -> !loom_kernel.buffer<[B, 1], i32, row_stride = 2>
  return
}

// -----

func.func @columns_past_end(%x: !loom_kernel.buffer<[B, S, 48], f32>) {
  // expected-error @+1 {{columns [40, 56) are not inside the 48 columns of the source}}
  %c = loom_kernel.columns %x {offset = 40 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
  return
}

// -----

func.func @columns_negative_offset(%x: !loom_kernel.buffer<[B, S, 48], f32>) {
  // expected-error @+1 {{columns [-16, 0) are not inside the 48 columns of the source}}
  %c = loom_kernel.columns %x {offset = -16 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
  return
}

// -----

func.func @columns_empty(%x: !loom_kernel.buffer<[B, S, 48], f32>) {
  // expected-error @+1 {{columns [0, 0) are not inside the 48 columns of the source}}
  %c = loom_kernel.columns %x {offset = 0 : i64, width = 0 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 1], f32, row_stride = 48>
  return
}

// -----

// The window keeps the source's row stride.
func.func @columns_lost_stride(%x: !loom_kernel.buffer<[B, S, 48], f32>) {
  // expected-error @+1 {{result must be '!loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>', got '!loom_kernel.buffer<[B, S, 16], f32>'}}
  %c = loom_kernel.columns %x {offset = 0 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @columns_inner_stride(%x: !loom_kernel.buffer<[B, S, 32], f32, row_stride = 48>) {
  // expected-error @+1 {{result must be '!loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>', got '!loom_kernel.buffer<[B, S, 16], f32, row_stride = 32>'}}
  %c = loom_kernel.columns %x {offset = 16 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 32], f32, row_stride = 48> -> !loom_kernel.buffer<[B, S, 16], f32, row_stride = 32>
  return
}

// -----

func.func @columns_wrong_rows(%x: !loom_kernel.buffer<[B, S, 48], f32>) {
  // expected-error @+1 {{result must be '!loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>', got '!loom_kernel.buffer<[B, T, 16], f32, row_stride = 48>'}}
  %c = loom_kernel.columns %x {offset = 0 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, T, 16], f32, row_stride = 48>
  return
}

// -----

func.func @columns_element(%x: !loom_kernel.buffer<[B, S, 48], f32>) {
  // expected-error @+1 {{result must be '!loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>', got '!loom_kernel.buffer<[B, S, 16], i32, row_stride = 48>'}}
  %c = loom_kernel.columns %x {offset = 0 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 16], i32, row_stride = 48>
  return
}

// -----

func.func @split_heads_rank_2(%x: !loom_kernel.buffer<[B, 16], f32>) {
  // expected-error @+1 {{source must be [B, S, H*Dh] with static H*Dh, got '!loom_kernel.buffer<[B, 16], f32>'}}
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !loom_kernel.buffer<[B, 16], f32> -> !loom_kernel.buffer<[B, 2, 1, 8], f32, heads>
  return
}

// -----

func.func @split_heads_symbolic_row(%x: !loom_kernel.buffer<[4, B, S], f32>) {
  // expected-error @+1 {{source must be [B, S, H*Dh] with static H*Dh, got '!loom_kernel.buffer<[4, B, S], f32>'}}
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !loom_kernel.buffer<[4, B, S], f32> -> !loom_kernel.buffer<[4, 2, B, 8], f32, heads>
  return
}

// -----

func.func @split_heads_twice(%x: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{source must be [B, S, H*Dh] with static H*Dh, got '!loom_kernel.buffer<[B, 2, S, 8], f32, heads>'}}
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads> -> !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @split_heads_not_dividing(%x: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{heads (3) must divide the row width (16)}}
  %h = loom_kernel.split_heads %x {heads = 3 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, 3, S, 5], f32, heads>
  return
}

// -----

func.func @split_heads_zero(%x: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{heads (0) must divide the row width (16)}}
  %h = loom_kernel.split_heads %x {heads = 0 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, 1, S, 16], f32, heads>
  return
}

// -----

func.func @split_heads_head_width(%x: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{result must be '!loom_kernel.buffer<[B, 2, S, 8], f32, heads>', got '!loom_kernel.buffer<[B, 4, S, 4], f32, heads>'}}
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, 4, S, 4], f32, heads>
  return
}

// -----

func.func @split_heads_no_heads_flag(%x: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{result must be '!loom_kernel.buffer<[B, 2, S, 8], f32, heads>', got '!loom_kernel.buffer<[B, 2, S, 8], f32>'}}
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, 2, S, 8], f32>
  return
}

// -----

func.func @split_heads_lost_stride(%x: !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>) {
  // expected-error @+1 {{result must be '!loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>', got '!loom_kernel.buffer<[B, 2, S, 8], f32, heads>'}}
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48> -> !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @rows_of_rank_3(%x: !loom_kernel.buffer<[B, 6, 16], f32>, %step: index) {
  // expected-error @+1 {{rows of [L, D] are a contiguous [n, D], got '!loom_kernel.buffer<[B, 6, 16], f32>' -> '!loom_kernel.buffer<[T, 16], f32>'}}
  %r = loom_kernel.rows %x from %step : !loom_kernel.buffer<[B, 6, 16], f32> -> !loom_kernel.buffer<[T, 16], f32>
  return
}

// -----

func.func @rows_width(%step: index) {
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  // expected-error @+1 {{rows of [L, D] are a contiguous [n, D], got '!loom_kernel.buffer<[6, 16], f32>' -> '!loom_kernel.buffer<[T, 8], f32>'}}
  %r = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[6, 16], f32> -> !loom_kernel.buffer<[T, 8], f32>
  return
}

// -----

func.func @rows_element(%step: index) {
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  // expected-error @+1 {{rows of [L, D] are a contiguous [n, D], got '!loom_kernel.buffer<[6, 16], f32>' -> '!loom_kernel.buffer<[T, 16], i32>'}}
  %r = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[6, 16], f32> -> !loom_kernel.buffer<[T, 16], i32>
  return
}

// -----

func.func @rows_of_window(%x: !loom_kernel.buffer<[6, 16], f32, row_stride = 32>, %step: index) {
  // expected-error @+1 {{rows of [L, D] are a contiguous [n, D], got '!loom_kernel.buffer<[6, 16], f32, row_stride = 32>' -> '!loom_kernel.buffer<[T, 16], f32>'}}
  %r = loom_kernel.rows %x from %step : !loom_kernel.buffer<[6, 16], f32, row_stride = 32> -> !loom_kernel.buffer<[T, 16], f32>
  return
}

// -----

func.func @rows_strided_result(%step: index) {
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  // expected-error @+1 {{rows of [L, D] are a contiguous [n, D], got '!loom_kernel.buffer<[6, 16], f32>' -> '!loom_kernel.buffer<[T, 16], f32, row_stride = 32>'}}
  %r = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[6, 16], f32> -> !loom_kernel.buffer<[T, 16], f32, row_stride = 32>
  return
}

// -----

func.func @rows_too_many(%step: index) {
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  // expected-error @+1 {{cannot take 8 of 6 rows}}
  %r = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[6, 16], f32> -> !loom_kernel.buffer<[8, 16], f32>
  return
}

// -----

// The positional table's rows are static; a length-sized source is not one.
func.func @rows_symbolic_source(%x: !loom_kernel.buffer<[T, 16], f32>, %t: index) {
  // expected-error @+1 {{the source's rows must be static, got [T, 16]}}
  %r = loom_kernel.rows %x from %t : !loom_kernel.buffer<[T, 16], f32> -> !loom_kernel.buffer<[T, 16], f32>
  return
}

// -----

func.func @slice_out_of_range(%w: !loom_kernel.buffer<[2, B, 4, T, S], f32>) {
  // expected-error @+1 {{index 2 is outside [0, 2)}}
  %w2 = loom_kernel.slice %w[2] : !loom_kernel.buffer<[2, B, 4, T, S], f32> -> !loom_kernel.buffer<[B, 4, T, S], f32>
  return
}

// -----

func.func @slice_negative(%w: !loom_kernel.buffer<[2, B, 4, T, S], f32>) {
  // expected-error @+1 {{index -1 is outside [0, 2)}}
  %w2 = loom_kernel.slice %w[-1] : !loom_kernel.buffer<[2, B, 4, T, S], f32> -> !loom_kernel.buffer<[B, 4, T, S], f32>
  return
}

// -----

func.func @slice_symbolic_leading(%x: !loom_kernel.buffer<[B, S, 8], f32>) {
  // expected-error @+1 {{source must be a contiguous [N, ...] with a static N and at least 2 dims, got '!loom_kernel.buffer<[B, S, 8], f32>'}}
  %r = loom_kernel.slice %x[0] : !loom_kernel.buffer<[B, S, 8], f32> -> !loom_kernel.buffer<[S, 8], f32>
  return
}

// -----

func.func @slice_vector(%x: !loom_kernel.buffer<[8], f32>) {
  // expected-error @+1 {{source must be a contiguous [N, ...] with a static N and at least 2 dims, got '!loom_kernel.buffer<[8], f32>'}}
  %r = loom_kernel.slice %x[0] : !loom_kernel.buffer<[8], f32> -> !loom_kernel.buffer<[], f32>
  return
}

// -----

func.func @slice_strided(%x: !loom_kernel.buffer<[4, 8], f32, row_stride = 16>) {
  // expected-error @+1 {{source must be a contiguous [N, ...] with a static N and at least 2 dims, got '!loom_kernel.buffer<[4, 8], f32, row_stride = 16>'}}
  %r = loom_kernel.slice %x[0] : !loom_kernel.buffer<[4, 8], f32, row_stride = 16> -> !loom_kernel.buffer<[8], f32>
  return
}

// -----

func.func @slice_wrong_result(%w: !loom_kernel.buffer<[2, B, 4, T, S], f32>) {
  // expected-error @+1 {{result must be '!loom_kernel.buffer<[B, 4, T, S], f32>', got '!loom_kernel.buffer<[B, 4, S, T], f32>'}}
  %w0 = loom_kernel.slice %w[0] : !loom_kernel.buffer<[2, B, 4, T, S], f32> -> !loom_kernel.buffer<[B, 4, S, T], f32>
  return
}
