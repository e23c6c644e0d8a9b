// RUN: loom-opt %s -split-input-file -verify-diagnostics
// Decoding helpers: what the verifiers of loom_kernel.step_lengths and
// cache_append refuse.

func.func @step_lengths_dims(%t: index) {
  // expected-error @+1 {{result must have dims [B], got [B, T]}}
  %len = loom_kernel.step_lengths %t : !loom_kernel.buffer<[B, T], i32>
  return
}

// -----

func.func @step_lengths_static(%t: index) {
  // expected-error @+1 {{result must have dims [B], got [4]}}
  %len = loom_kernel.step_lengths %t : !loom_kernel.buffer<[4], i32>
  return
}

// -----

func.func @step_lengths_f32(%t: index) {
  // expected-error @+1 {{result must hold i32, got 'f32'}}
  %len = loom_kernel.step_lengths %t : !loom_kernel.buffer<[B], f32>
  return
}

// -----

func.func @cache_append_source_rows(%k: !loom_kernel.buffer<[B, S, 16], f32>, %cache: !loom_kernel.buffer<[B, 6, 16], f32>, %t: index) {
  // expected-error @+1 {{rows must be [B, T, W], got '!loom_kernel.buffer<[B, S, 16], f32>'}}
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, 6, 16], f32>
  return
}

// -----

func.func @cache_append_rank_2(%k: !loom_kernel.buffer<[B, T], f32>, %cache: !loom_kernel.buffer<[B, 6, 16], f32>, %t: index) {
  // expected-error @+1 {{rows must be [B, T, W], got '!loom_kernel.buffer<[B, T], f32>'}}
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, T], f32>, !loom_kernel.buffer<[B, 6, 16], f32>
  return
}

// -----

func.func @cache_append_heads(%k: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %cache: !loom_kernel.buffer<[B, 6, 16], f32>, %t: index) {
  // expected-error @+1 {{rows must be [B, T, W], got '!loom_kernel.buffer<[B, 2, T, 8], f32, heads>'}}
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 6, 16], f32>
  return
}

// -----

// A cache of another width.
func.func @cache_append_width(%k: !loom_kernel.buffer<[B, T, 16], f32>, %cache: !loom_kernel.buffer<[B, 6, 8], f32>, %t: index) {
  // expected-error @+1 {{cache must be a contiguous [B, L, 16] with a static L, got '!loom_kernel.buffer<[B, 6, 8], f32>'}}
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, 6, 8], f32>
  return
}

// -----

func.func @cache_append_symbolic_length(%k: !loom_kernel.buffer<[B, T, 16], f32>, %cache: !loom_kernel.buffer<[B, S, 16], f32>, %t: index) {
  // expected-error @+1 {{cache must be a contiguous [B, L, 16] with a static L, got '!loom_kernel.buffer<[B, S, 16], f32>'}}
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @cache_append_cache_heads(%k: !loom_kernel.buffer<[B, T, 16], f32>, %cache: !loom_kernel.buffer<[B, 2, 6, 8], f32, heads>, %t: index) {
  // expected-error @+1 {{cache must be a contiguous [B, L, 16] with a static L, got '!loom_kernel.buffer<[B, 2, 6, 8], f32, heads>'}}
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, 2, 6, 8], f32, heads>
  return
}

// -----

// A rank-1 cache (its dims were read past their end before).
func.func @cache_append_rank1(%k: !loom_kernel.buffer<[B, T, 16], f32>, %cache: !loom_kernel.buffer<[B], f32>, %t: index) {
  // expected-error @+1 {{cache must be a contiguous [B, L, 16] with a static L, got '!loom_kernel.buffer<[B], f32>'}}
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B], f32>
  return
}

// -----

func.func @cache_append_element(%k: !loom_kernel.buffer<[B, T, 16], i32>, %cache: !loom_kernel.buffer<[B, 6, 16], f32>, %t: index) {
  // expected-error @+1 {{rows and cache must hold one element type}}
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, T, 16], i32>, !loom_kernel.buffer<[B, 6, 16], f32>
  return
}
