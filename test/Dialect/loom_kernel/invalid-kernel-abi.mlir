// RUN: loom-opt %s -split-input-file -verify-diagnostics
// The checks every kernel op shares (KernelOpInterface): each operand bound
// to an ABI argument of the op's family (runtime/include/loom/abi/
// KernelAbi.def) must have its element type and a rank that folds to the
// kernel's. These run before the op's own verifier.

func.func @linear_x_i32(%x: !loom_kernel.buffer<[B, S, 16], i32>, %wt: !loom_kernel.buffer<[16, 8], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, S, 8], f32>) {
  // expected-error @+1 {{ABI argument 'x' must hold f32}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], i32>, !loom_kernel.buffer<[16, 8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, S, 8], f32>
  return
}

// -----

func.func @linear_y_i32(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 8], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, S, 8], i32>) {
  // expected-error @+1 {{ABI argument 'y' must hold f32}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, S, 8], i32>
  return
}

// -----

// x folds its leading dims into rows; a single row of features has none.
func.func @linear_x_rank_1(%x: !loom_kernel.buffer<[16], f32>, %wt: !loom_kernel.buffer<[16, 8], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[8], f32>) {
  // expected-error @+1 {{ABI argument 'x' has rank 1, which does not fold to the kernel's rank 2}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16, 8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[8], f32>
  return
}

// -----

func.func @linear_bias_scalar(%x: !loom_kernel.buffer<[B, S, 16], f32>, %wt: !loom_kernel.buffer<[16, 8], f32>, %b: !loom_kernel.buffer<[], f32>, %y: !loom_kernel.buffer<[B, S, 8], f32>) {
  // expected-error @+1 {{ABI argument 'bias' has rank 0, which does not fold to the kernel's rank 1}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16, 8], f32>, !loom_kernel.buffer<[], f32>, !loom_kernel.buffer<[B, S, 8], f32>
  return
}

// -----

// A heads view folds to nothing but a rank-4 argument.
func.func @linear_heads(%x: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %wt: !loom_kernel.buffer<[8, 8], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, 2, S, 8], f32>) {
  // expected-error @+1 {{ABI argument 'x' has rank 4, which does not fold to the kernel's rank 2}}
  loom_kernel.linear %x, %wt, %b into %y {activation = #loom_kernel.activation<none>} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[8, 8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, 2, S, 8], f32>
  return
}

// -----

func.func @attention_q_rank_3(%q: !loom_kernel.buffer<[B, S, 16], f32>, %k: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %o: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{ABI argument 'q' has rank 3, which does not fold to the kernel's rank 4}}
  loom_kernel.attention %q, %k, %k into %o {mask = #loom.mask<none>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @attention_key_lengths_f32(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %len: !loom_kernel.buffer<[B], f32>, %o: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{ABI argument 'key_lengths' must hold i32}}
  loom_kernel.attention %q, %q, %q key_lengths(%len : !loom_kernel.buffer<[B], f32>) into %o {mask = #loom.mask<key_padding>, scale = 0.353553385 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

func.func @layer_norm_gamma_i32(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], i32>, %b: !loom_kernel.buffer<[16], f32>, %y: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{ABI argument 'gamma' must hold f32}}
  loom_kernel.layer_norm %x, %g, %b into %y {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], i32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @layer_norm_heads(%x: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, %g: !loom_kernel.buffer<[8], f32>, %b: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{ABI argument 'x' has rank 4, which does not fold to the kernel's rank 2}}
  loom_kernel.layer_norm %x, %g, %b into %y {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// -----

// With a sum the op calls add_norm_sum, whose last argument is `sum`.
func.func @add_norm_sum_i32(%x: !loom_kernel.buffer<[B, S, 16], f32>, %g: !loom_kernel.buffer<[16], f32>, %s: !loom_kernel.buffer<[B, S, 16], i32>) {
  // expected-error @+1 {{ABI argument 'sum' must hold f32}}
  loom_kernel.add_norm %x, %x, %g, %g into %x sum(%s : !loom_kernel.buffer<[B, S, 16], i32>) {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @add_norm_rank_1(%x: !loom_kernel.buffer<[16], f32>, %g: !loom_kernel.buffer<[16], f32>, %y: !loom_kernel.buffer<[16], f32>) {
  // expected-error @+1 {{ABI argument 'x' has rank 1, which does not fold to the kernel's rank 2}}
  loom_kernel.add_norm %x, %x, %g, %g into %y {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>, !loom_kernel.buffer<[16], f32>
  return
}

// -----

func.func @embed_tokens_f32(%tokens: !loom_kernel.buffer<[B, S], f32>, %table: !loom_kernel.buffer<[7, 16], f32>, %pe: !loom_kernel.buffer<[6, 16], f32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{ABI argument 'tokens' must hold i32}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B, S], f32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @embed_table_i32(%tokens: !loom_kernel.buffer<[B, S], i32>, %table: !loom_kernel.buffer<[7, 16], i32>, %pe: !loom_kernel.buffer<[6, 16], f32>, %out: !loom_kernel.buffer<[B, S, 16], f32>) {
  // expected-error @+1 {{ABI argument 'table' must hold f32}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], i32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, S, 16], f32>
  return
}

// -----

func.func @embed_tokens_rank_1(%tokens: !loom_kernel.buffer<[B], i32>, %table: !loom_kernel.buffer<[7, 16], f32>, %pe: !loom_kernel.buffer<[6, 16], f32>, %out: !loom_kernel.buffer<[B, 16], f32>) {
  // expected-error @+1 {{ABI argument 'tokens' has rank 1, which does not fold to the kernel's rank 2}}
  loom_kernel.embed %table[%tokens] + %pe into %out {scale = 4.0 : f32} : !loom_kernel.buffer<[7, 16], f32>, !loom_kernel.buffer<[B], i32>, !loom_kernel.buffer<[6, 16], f32>, !loom_kernel.buffer<[B, 16], f32>
  return
}

// -----

func.func @argmax_index_f32(%logits: !loom_kernel.buffer<[B, T, 9], f32>, %next: !loom_kernel.buffer<[B, T], f32>) {
  // expected-error @+1 {{ABI argument 'index' must hold i32}}
  loom_kernel.argmax %logits into %next : !loom_kernel.buffer<[B, T, 9], f32>, !loom_kernel.buffer<[B, T], f32>
  return
}

// -----

func.func @argmax_one_row(%logits: !loom_kernel.buffer<[9], f32>, %next: !loom_kernel.buffer<[], i32>) {
  // expected-error @+1 {{ABI argument 'logits' has rank 1, which does not fold to the kernel's rank 2}}
  loom_kernel.argmax %logits into %next : !loom_kernel.buffer<[9], f32>, !loom_kernel.buffer<[], i32>
  return
}

// -----

func.func @argmax_heads(%logits: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, %next: !loom_kernel.buffer<[B, 2, T], i32>) {
  // expected-error @+1 {{ABI argument 'logits' has rank 4, which does not fold to the kernel's rank 2}}
  loom_kernel.argmax %logits into %next : !loom_kernel.buffer<[B, 2, T, 8], f32, heads>, !loom_kernel.buffer<[B, 2, T], i32>
  return
}

// -----

func.func @add_i32(%a: !loom_kernel.buffer<[B, S], i32>) {
  // expected-error @+1 {{ABI argument 'a' must hold f32}}
  loom_kernel.add %a, %a into %a : !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[B, S], i32>, !loom_kernel.buffer<[B, S], i32>
  return
}

// -----

func.func @add_heads(%a: !loom_kernel.buffer<[B, 2, S, 8], f32, heads>) {
  // expected-error @+1 {{ABI argument 'a' has rank 4, which does not fold to the kernel's rank 2}}
  loom_kernel.add %a, %a into %a : !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>, !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}
