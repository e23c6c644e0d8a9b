// RUN: loom-opt %s -split-input-file -verify-diagnostics
// Where buffers come from: what the verifiers of loom_kernel.weight,
// positional_table, alloc and state refuse.

func.func @weight_no_name() {
  // expected-error @+1 {{name must not be empty}}
  %w = loom_kernel.weight "" : !loom_kernel.buffer<[16], f32>
  return
}

// -----

func.func @weight_symbolic() {
  // expected-error @+1 {{weight 'w' must be a static, contiguous rank-1 or rank-2 buffer, got '!loom_kernel.buffer<[B, 16], f32>'}}
  %w = loom_kernel.weight "w" : !loom_kernel.buffer<[B, 16], f32>
  return
}

// -----

func.func @weight_scalar() {
  // expected-error @+1 {{weight 'w' must be a static, contiguous rank-1 or rank-2 buffer, got '!loom_kernel.buffer<[], f32>'}}
  %w = loom_kernel.weight "w" : !loom_kernel.buffer<[], f32>
  return
}

// -----

func.func @weight_rank_3() {
  // expected-error @+1 {{weight 'w' must be a static, contiguous rank-1 or rank-2 buffer, got '!loom_kernel.buffer<[2, 3, 4], f32>'}}
  %w = loom_kernel.weight "w" : !loom_kernel.buffer<[2, 3, 4], f32>
  return
}

// -----

func.func @weight_strided() {
  // expected-error @+1 {{weight 'w' must be a static, contiguous rank-1 or rank-2 buffer, got '!loom_kernel.buffer<[16, 16], f32, row_stride = 48>'}}
  %w = loom_kernel.weight "w" : !loom_kernel.buffer<[16, 16], f32, row_stride = 48>
  return
}

// -----

func.func @weight_transposed_rank_1() {
  // expected-error @+1 {{only a rank-2 weight can be stored transposed}}
  %b = loom_kernel.weight "linear1.bias" transposed : !loom_kernel.buffer<[16], f32>
  return
}

// -----

func.func @weight_i32() {
  // expected-error @+1 {{a weight must hold f32, got 'i32'}}
  %w = loom_kernel.weight "w" : !loom_kernel.buffer<[16], i32>
  return
}

// -----

func.func @table_odd_width() {
  // expected-error @+1 {{the table is a contiguous, static [max_len, D] with D even, got '!loom_kernel.buffer<[6, 15], f32>'}}
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 15], f32>
  return
}

// -----

func.func @table_symbolic() {
  // expected-error @+1 {{the table is a contiguous, static [max_len, D] with D even, got '!loom_kernel.buffer<[T, 16], f32>'}}
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[T, 16], f32>
  return
}

// -----

func.func @table_rank_1() {
  // expected-error @+1 {{the table is a contiguous, static [max_len, D] with D even, got '!loom_kernel.buffer<[16], f32>'}}
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[16], f32>
  return
}

// -----

func.func @table_i32() {
  // expected-error @+1 {{the table must hold f32, got 'i32'}}
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], i32>
  return
}

// -----

func.func @alloc_strided() {
  // expected-error @+1 {{allocates contiguous buffers only, got '!loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>'}}
  %0 = loom_kernel.alloc : !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
  return
}

// -----

func.func @alloc_heads() {
  // expected-error @+1 {{allocates contiguous buffers only, got '!loom_kernel.buffer<[B, 2, S, 8], f32, heads>'}}
  %0 = loom_kernel.alloc : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @state_no_name() {
  // expected-error @+1 {{name must not be empty}}
  %k = loom_kernel.state "" : !loom_kernel.buffer<[B, 6, 16], f32>
  return
}

// -----

func.func @state_heads() {
  // expected-error @+1 {{state is contiguous, got '!loom_kernel.buffer<[B, 2, 6, 8], f32, heads>'}}
  %k = loom_kernel.state "self_keys.0" : !loom_kernel.buffer<[B, 2, 6, 8], f32, heads>
  return
}

// -----

func.func @state_strided() {
  // expected-error @+1 {{state is contiguous, got '!loom_kernel.buffer<[B, 6, 16], f32, row_stride = 32>'}}
  %k = loom_kernel.state "self_keys.0" : !loom_kernel.buffer<[B, 6, 16], f32, row_stride = 32>
  return
}

// -----

// A negative offset would point before the arena.
func.func @alloc_negative_offset() {
  // expected-error @+1 {{offset must be >= 0, got -16}}
  %0 = loom_kernel.alloc offset -16 : !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

// The runtime's table is contiguous.
func.func @positional_table_strided() {
  // expected-error @+1 {{the table is a contiguous, static [max_len, D] with D even, got '!loom_kernel.buffer<[6, 16], f32, row_stride = 32>'}}
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32, row_stride = 32>
  return
}

// -----

// No arena buffer is sequence x sequence.
func.func @alloc_source_and_target() {
  // expected-error @+1 {{cannot allocate a buffer that spans both S and T (no arena buffer is sequence x sequence), got '!loom_kernel.buffer<[B, 2, T, S], f32>'}}
  %a = loom_kernel.alloc : !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// -----

func.func @state_source_and_target() {
  // expected-error @+1 {{state cannot span both S and T (no state is sequence x sequence), got '!loom_kernel.buffer<[B, S, T], f32>'}}
  %s = loom_kernel.state "x" : !loom_kernel.buffer<[B, S, T], f32>
  return
}
