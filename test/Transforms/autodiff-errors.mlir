// RUN: loom-opt %s -split-input-file -verify-diagnostics --loom-autodiff
// --loom-autodiff refuses what it cannot train: no @forward, a loom.spec
// without the loss and optimizer keys, a @forward without logits over a
// target sequence (an encoder, a wrong result), an op without a gradient
// rule on the loss's path, and gradient slices that do not cover their
// value (part of a packed weight, part of a packed projection). The
// fused ops' gradients without their training forms are not reachable:
// the pass rebuilds every op in training form first.

// expected-error @+1 {{no @forward to derive @train_step from}}
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @model(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// No loom.spec at all.
// expected-error @+1 {{the module's loom.spec attribute needs pad_id, label_smoothing, adam_beta1, adam_beta2 and adam_eps (the spec importer sets them)}}
module {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// A loom.spec without adam_eps.
// expected-error @+1 {{the module's loom.spec attribute needs pad_id, label_smoothing, adam_beta1, adam_beta2 and adam_eps}}
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// pad_id must be an integer, label_smoothing a float.
// expected-error @+1 {{the module's loom.spec attribute needs pad_id, label_smoothing, adam_beta1, adam_beta2 and adam_eps}}
module attributes {loom.spec = {pad_id = 0.0 : f64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// An encoder: hidden states over the source, no target input.
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
// expected-error @+1 {{@forward returns no logits over a target sequence: only encoder_decoder and decoder models have a loss to train}}
func.func @forward(%src: tensor<?x?xi32> {loom.input = "src"}, %len: tensor<?xi32> {loom.input = "src_len"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%src] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// A target input, but the result is not [B, T, V].
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
// expected-error @+1 {{returns no logits over a target sequence}}
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<7x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  return %t : tensor<7x8xf32>
}
}

// -----

// Two results.
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
// expected-error @+1 {{returns no logits over a target sequence}}
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x, %x : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}
}

// -----

// No result at all. (Autodiff.cpp reads the function type's result 0
// before it checks the result count: out of bounds, an assertion in a
// build with assertions.)
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
// expected-error @+1 {{returns no logits over a target sequence}}
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) {
  return
}
}

// -----

// loom.concat (a join backward emits) has no gradient rule: on the loss's
// path it is an error, at the op.
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x16xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{'loom.concat' op has no gradient rule (GradientOpInterface)}}
  %c = loom.concat %x, %x {axis = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x16xf32>
  return %c : tensor<?x?x16xf32>
}
}

// -----

// A linear layer reads rows [4, 8) of a 12-row weight that nothing else
// reads: the gradient slices leave rows [0, 4) uncovered (reported at the
// weight).
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x4xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{weight 'w': gradient slices along axis 0 leave a gap or overlap at 0}}
  %w = loom.weight "w" : tensor<12x8xf32>
  %y = loom.linear %x, %w {weight_rows = array<i64: 4, 4>} : (tensor<?x?x8xf32>, tensor<12x8xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
}

// -----

// Rows [0, 4) and [4, 8) of 12: the end is uncovered.
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x4xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{weight 'w': gradient slices cover 8 of 12 along axis 0}}
  %w = loom.weight "w" : tensor<12x8xf32>
  %a = loom.linear %x, %w {weight_rows = array<i64: 0, 4>} : (tensor<?x?x8xf32>, tensor<12x8xf32>) -> tensor<?x?x4xf32>
  %b = loom.linear %x, %w {weight_rows = array<i64: 4, 4>} : (tensor<?x?x8xf32>, tensor<12x8xf32>) -> tensor<?x?x4xf32>
  %y = loom.add %a, %b : tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
}

// -----

// Rows [0, 8) and [4, 12): the slices overlap.
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{weight 'w': gradient slices along axis 0 leave a gap or overlap at 8}}
  %w = loom.weight "w" : tensor<12x8xf32>
  %a = loom.linear %x, %w {weight_rows = array<i64: 0, 8>} : (tensor<?x?x8xf32>, tensor<12x8xf32>) -> tensor<?x?x8xf32>
  %b = loom.linear %x, %w {weight_rows = array<i64: 4, 8>} : (tensor<?x?x8xf32>, tensor<12x8xf32>) -> tensor<?x?x8xf32>
  %y = loom.add %a, %b : tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}
}

// -----

// One layer reads the whole weight, another a slice of it.
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x4xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  // expected-error @+1 {{weight 'w': a value's gradient has whole and sliced parts}}
  %w = loom.weight "w" : tensor<8x8xf32>
  %a = loom.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %b = loom.linear %a, %w {weight_rows = array<i64: 0, 4>} : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x4xf32>
  return %b : tensor<?x?x4xf32>
}
}

// -----

// A packed q|k|v projection of which only chunks 0 and 2 are read: the
// projection's gradient has a gap at features [8, 16) (reported at the
// linear).
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %w = loom.weight "w" : tensor<24x8xf32>
  // expected-error @+1 {{'loom.linear' result #0: gradient slices along axis 2 leave a gap or overlap at 8}}
  %qkv = loom.linear %x, %w : (tensor<?x?x8xf32>, tensor<24x8xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %s = loom.add %q, %v : tensor<?x2x?x4xf32>
  %m = loom.merge_heads %s : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  return %m : tensor<?x?x8xf32>
}
}

// -----

// Out-of-range loss and optimizer settings are refused at the module,
// naming the loom.spec key (before any op is built from them).
// expected-error @+1 {{the module's loom.spec attribute: label_smoothing must be in [0, 1), got 1.5}}
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 1.5 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// expected-error @+1 {{the module's loom.spec attribute: adam_beta1 must be in [0, 1), got 1}}
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 1.0 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// expected-error @+1 {{the module's loom.spec attribute: adam_beta2 must be in [0, 1), got -0.5}}
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = -0.5 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// expected-error @+1 {{the module's loom.spec attribute: adam_eps must be positive and finite, got 0}}
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 0.0 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}
