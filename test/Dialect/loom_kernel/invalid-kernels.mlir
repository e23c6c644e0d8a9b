// RUN: loom-opt %s -split-input-file -verify-diagnostics
// Kernel ops: what the verifiers of loom_kernel.linear, attention,
// layer_norm, add_norm, embed, argmax, add and attention_probs refuse (shapes and attributes;
// element types and ranks are the ABI checks of invalid-kernel-abi.mlir).

func.func @linear_wt_rank_3(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[2, 16, 8], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, S, 8], f32>) {
  // expected-error @+1 {{wt must be [K, N], got '!loom_kernel.buffer<[2, 16, 8], f32>'}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[2, 16, 8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, S, 8], f32>
  return
}

// -----

// wt is the transposed weight [K, N], not the state_dict's [N, K].
func.func @linear_untransposed(%x: !loom_kernel.buffer<[B, S, 16], f32>, %w: !loom_kernel.buffer<[8, 16], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, S, 8], f32>) {
  // expected-error @+1 {{x has 16 features but wt has 8 rows}}
  loom_kernel.linear %x, %w, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[8, 16], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, S, 8], f32>
  return
}

// -----

func.func @linear_bias(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 8], f32>, %b: !loom_kernel.buffer<[16], f32>, %y: !loom_kernel.buffer<[B, S, 8], f32>) {
  // expected-error @+1 {{bias must have dims [8], got [16]}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 8], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 8], f32>
  return
}

// -----

func.func @linear_bias_rank_2(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 8], f32>, %b: !loom_kernel.buffer<[1, 8], f32>, %y: !loom_kernel.buffer<[B, S, 8], f32>) {
  // expected-error @+1 {{bias must have dims [8], got [1, 8]}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 8], f32>, !loom_kernel.buffer<[1, 8], f32>, !loom_kernel.buffer<[B, S, 8], f32>
  return
}

// -----

func.func @linear_y_features(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 8], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{y must have dims [B, S, 8], got [B, S, 16]}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

// Symbols compare by name: S rows never match T rows.
func.func @linear_y_rows(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 8], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, T, 8], f32>) {
  // expected-error @+1 {{y must have dims [B, S, 8], got [B, T, 8]}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, T, 8], f32>
  return
}

// -----

func.func @attention_not_heads(%q: !loom_kernel.buffer<[B, 2, S, 8], f32>, %o: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{q, k, v and o are heads views [B, H, S, Dh], got '!loom_kernel.buffer<[B, 2, S, 8], f32>'}}
  loom_kernel.attention %q, %q, %q into %o {mask = #loom.mask<none>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32>, !loom_kernel.buffer<[B, 2, S, 8], f32>, !loom_kernel.buffer<[B, 2, S, 8], f32>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_head_count(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 4, S, 8], f32, heads>, %o: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{every operand must have q's heads (2) and head width (8)}}
  loom_kernel.attention %q, %k, %k into %o {mask = #loom.mask<none>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 4, S, 8], f32, heads>, !loom_kernel.buffer<[B, 4, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_head_width(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %o: !loom_kernel.buffer<[B, 2, S, 4], f32, heads>) {
  // expected-error @+1 {{every operand must have q's heads (2) and head width (8)}}
  loom_kernel.attention %q, %q, %q into %o {mask = #loom.mask<none>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 4], f32, heads>
  return
}

// -----

func.func @attention_o_rows(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %o: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{o must have q's rows [B, T], got [B, S]}}
  loom_kernel.attention %q, %k, %k into %o {mask = #loom.mask<none>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_v_rows(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{v must have k's rows [B, S], got [B, T]}}
  loom_kernel.attention %q, %k, %q into %q {mask = #loom.mask<none>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// -----

func.func @attention_batch(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[4, 2, 6, 8], f32, heads>) {
  // expected-error @+1 {{q and k must have the same batch dim}}
  loom_kernel.attention %q, %k, %k into %q {mask = #loom.mask<none>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[4, 2, 6, 8], f32, heads>, !loom_kernel.buffer<[4, 2, 6, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// -----

func.func @attention_padding_without_lengths(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{a key_padding mask needs key_lengths}}
  loom_kernel.attention %q, %q, %q into %q {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_causal_padding_without_lengths(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>) {
  // expected-error @+1 {{a key_padding mask needs key_lengths}}
  loom_kernel.attention %q, %q, %q into %q {mask = #loom.mask<causal_key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// -----

func.func @attention_lengths_without_padding(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %len: !loom_kernel.buffer<[B], i32>) {
  // expected-error @+1 {{key_lengths are read only by key_padding masks}}
  loom_kernel.attention %q, %q, %q key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %q {mask = #loom.mask<causal>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// -----

func.func @attention_lengths_dims(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %len: !loom_kernel.buffer<[4], i32>) {
  // expected-error @+1 {{key_lengths must have dims [B], got [4]}}
  loom_kernel.attention %q, %q, %q key_lengths(%len : !loom_kernel.buffer<[4], i32>) into %q {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_lengths_per_key(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %len: !loom_kernel.buffer<[B, S], i32>) {
  // expected-error @+1 {{key_lengths must have dims [B], got [B, S]}}
  loom_kernel.attention %q, %q, %q key_lengths(%len : !loom_kernel.buffer<[B, S], i32>) into %q {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_scale_negative(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{scale must be positive and finite, got -0.125}}
  loom_kernel.attention %q, %q, %q into %q {mask = #loom.mask<none>, scale = -0.125 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_scale_zero(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{scale must be positive and finite, got 0}}
  loom_kernel.attention %q, %q, %q into %q {mask = #loom.mask<none>, scale = 0.0 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_scale_inf(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{scale must be positive and finite, got inf}}
  loom_kernel.attention %q, %q, %q into %q {mask = #loom.mask<none>, scale = 0x7F800000 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_scale_nan(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{scale must be positive and finite, got nan}}
  loom_kernel.attention %q, %q, %q into %q {mask = #loom.mask<none>, scale = 0x7FC00000 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @layer_norm_y(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %y: !loom_kernel.buffer<[B, T, 16], f32>) {
  // expected-error @+1 {{every row operand must have dims [B, S, 16], got [B, T, 16]}}
  loom_kernel.layer_norm %x, %g, %g into %y {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, T, 16], f32>
  return
}

// -----

func.func @layer_norm_gamma(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[8], f32>, %b: !loom_kernel.buffer<[16], f32>) {
  // expected-error @+1 {{gamma and beta must have dims [16], got [8]}}
  loom_kernel.layer_norm %x, %g, %b into %x {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @layer_norm_beta(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %b: !loom_kernel.buffer<[1, 16], f32>) {
  // expected-error @+1 {{gamma and beta must have dims [16], got [1, 16]}}
  loom_kernel.layer_norm %x, %g, %b into %x {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[1, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @layer_norm_epsilon_zero(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got 0}}
  loom_kernel.layer_norm %x, %g, %g into %x {epsilon = 0.0 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @add_norm_residual(%x: !loom_kernel.buffer<[B, S, 16], f32>, %r: !loom_kernel.buffer<[B, S, 8], f32>, %g: !loom_kernel.buffer<[16], f32>) {
  // expected-error @+1 {{every row operand must have dims [B, S, 16], got [B, S, 8]}}
  loom_kernel.add_norm %x, %r, %g, %g into %x {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 8], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @add_norm_sum_dims(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %s: !loom_kernel.buffer<[B, T, 16], f32>) {
  // expected-error @+1 {{every row operand must have dims [B, S, 16], got [B, T, 16]}}
  loom_kernel.add_norm %x, %x, %g, %g into %x sum(%s : !loom_kernel.buffer<[B, T, 16], f32>) {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @add_norm_gamma(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[32], f32>) {
  // expected-error @+1 {{gamma and beta must have dims [16], got [32]}}
  loom_kernel.add_norm %x, %x, %g, %g into %x {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[32], f32>, !loom_kernel.buffer<[32], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @add_norm_epsilon_negative(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got -1}}
  loom_kernel.add_norm %x, %x, %g, %g into %x {epsilon = -1.0 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @embed_table_rank_3(%tokens: !loom_kernel.buffer<[B, S], i32>, %table: !loom_kernel.buffer<[7, 2, 16], f32>, %pe: !loom_kernel.buffer<[6, 16], f32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{table must be [V, D] and tokens [B, S], got '!loom_kernel.buffer<[7, 2, 16], f32>' and '!loom_kernel.buffer<[B, S], i32>'}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 2, 16], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @embed_tokens_rank_3(%tokens: !loom_kernel.buffer<[B, S, 1], i32>, %table: !loom_kernel.buffer<[7, 16], f32>, %pe: !loom_kernel.buffer<[6, 16], f32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{table must be [V, D] and tokens [B, S], got '!loom_kernel.buffer<[7, 16], f32>' and '!loom_kernel.buffer<[B, S, 1], i32>'}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S, 1], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @embed_out(%tokens: !loom_kernel.buffer<[B, S], i32>, %table: !loom_kernel.buffer<[7, 16], f32>, %pe: !loom_kernel.buffer<[6, 16], f32>, %out: !loom_kernel.buffer<[B, T, 16], f32>) {
  // expected-error @+1 {{out must have dims [B, S, 16], got [B, T, 16]}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, T, 16], f32>
  return
}

// -----

func.func @embed_positions_width(%tokens: !loom_kernel.buffer<[B, S], i32>, %table: !loom_kernel.buffer<[7, 16], f32>, %pe: !loom_kernel.buffer<[6, 32], f32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{positions must be [L, 16], got '!loom_kernel.buffer<[6, 32], f32>'}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 32], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @embed_positions_rank_3(%tokens: !loom_kernel.buffer<[B, S], i32>, %table: !loom_kernel.buffer<[7, 16], f32>, %pe: !loom_kernel.buffer<[B, 6, 16], f32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{positions must be [L, 16], got '!loom_kernel.buffer<[B, 6, 16], f32>'}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[B, 6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @embed_scale_inf(%tokens: !loom_kernel.buffer<[B, S], i32>, %table: !loom_kernel.buffer<[7, 16], f32>, %pe: !loom_kernel.buffer<[6, 16], f32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{scale must be finite}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 0x7F800000 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @embed_scale_nan(%tokens: !loom_kernel.buffer<[B, S], i32>, %table: !loom_kernel.buffer<[7, 16], f32>, %pe: !loom_kernel.buffer<[6, 16], f32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{scale must be finite}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 0x7FC00000 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @argmax_index_rows(%logits: !loom_kernel.buffer<[B, T, 9], f32>, %next: !loom_kernel.buffer<[B], i32>) {
  // expected-error @+1 {{index must have dims [B, T], got [B]}}
  loom_kernel.argmax %logits into %next : !loom_kernel.buffer<[B, T, 9], f32>, !loom_kernel.buffer<[B], i32>
  return
}

// -----

func.func @add_b(%a: !loom_kernel.buffer<[B, S, 16], f32>, %b: !loom_kernel.buffer<[B, T, 16], f32>) {
  // expected-error @+1 {{every operand must have dims [B, S, 16], got [B, T, 16]}}
  loom_kernel.add %a, %b into %a : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @add_out(%a: !loom_kernel.buffer<[B, S, 16], f32>, %c: !loom_kernel.buffer<[B, S, 8], f32>) {
  // expected-error @+1 {{every operand must have dims [B, S, 16], got [B, S, 8]}}
  loom_kernel.add %a, %a into %c : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 8], f32>
  return
}

// -----

func.func @attention_probs_q_not_heads(%q: !loom_kernel.buffer<[B, T, 16], f32>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %p: !loom_kernel.buffer<[B, 2, T, S], f32>) {
  // expected-error @+1 {{ABI argument 'q' has rank 3, which does not fold to the kernel's rank 4}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// -----

func.func @attention_probs_k_not_heads(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32>, %p: !loom_kernel.buffer<[B, 2, T, S], f32>) {
  // expected-error @+1 {{q and k are heads views [B, H, S, Dh], got '!loom_kernel.buffer<[B, 2, S, 8], f32>'}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// -----

func.func @attention_probs_head_width(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 4, S, 4], f32, heads>, %p: !loom_kernel.buffer<[B, 2, T, S], f32>) {
  // expected-error @+1 {{k must have q's heads (2) and head width (8), got 4 and 4}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 4, S, 4], f32, heads>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// -----

func.func @attention_probs_batch(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[3, 2, S, 8], f32, heads>, %p: !loom_kernel.buffer<[B, 2, T, S], f32>) {
  // expected-error @+1 {{q and k must have the same batch dim}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[3, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// -----

// probs are [B, H, Sq, Sk]: queries first.
func.func @attention_probs_transposed(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %p: !loom_kernel.buffer<[B, 2, S, T], f32>) {
  // expected-error @+1 {{probs must have dims [B, 2, T, S], got [B, 2, S, T]}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, T], f32>
  return
}

// -----

func.func @attention_probs_rank_3(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %p: !loom_kernel.buffer<[B, T, S], f32>) {
  // expected-error @+1 {{ABI argument 'probs' has rank 3, which does not fold to the kernel's rank 4}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, T, S], f32>
  return
}

// -----

func.func @attention_probs_heads_output(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %p: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>) {
  // expected-error @+1 {{probs must be contiguous, got '!loom_kernel.buffer<[B, 2, T, 8], f32, heads>'}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
  return
}

// -----

func.func @attention_probs_i32(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %p: !loom_kernel.buffer<[B, 2, T, S], i32>) {
  // expected-error @+1 {{ABI argument 'probs' must hold f32, got 'i32'}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, S], i32>
  return
}

// -----

func.func @attention_probs_padding_without_lengths(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %p: !loom_kernel.buffer<[B, 2, T, S], f32>) {
  // expected-error @+1 {{a key_padding mask needs key_lengths}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<key_padding>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// -----

func.func @attention_probs_lengths_without_padding(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %len: !loom_kernel.buffer<[B], i32>, %p: !loom_kernel.buffer<[B, 2, T, S], f32>) {
  // expected-error @+1 {{key_lengths are read only by key_padding masks}}
  loom_kernel.attention_probs %q, %k key_lengths(%len : !loom_kernel.buffer<[B], i32>) into %p {mask = #loom.mask<causal>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// -----

func.func @attention_probs_lengths_dims(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %len: !loom_kernel.buffer<[B, S], i32>, %p: !loom_kernel.buffer<[B, 2, T, S], f32>) {
  // expected-error @+1 {{key_lengths must have dims [B], got [B, S]}}
  loom_kernel.attention_probs %q, %k key_lengths(%len : !loom_kernel.buffer<[B, S], i32>) into %p {mask = #loom.mask<key_padding>, scale = 0.125 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}

// -----

func.func @attention_probs_scale(%q: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %p: !loom_kernel.buffer<[B, 2, T, S], f32>) {
  // expected-error @+1 {{scale must be positive and finite, got 0}}
  loom_kernel.attention_probs %q, %k into %p {mask = #loom.mask<none>, scale = 0.0 : f32} : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T, S], f32>
  return
}
