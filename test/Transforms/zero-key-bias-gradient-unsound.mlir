// RUN: loom-opt %s -split-input-file --loom-zero-key-bias-gradient | FileCheck %s
// --loom-zero-key-bias-gradient must zero a key bias's gradient only where
// the identity behind it holds: the bias rows reach the loss through
// attention's keys alone: the key chunk read only as attention keys (of
// loom.fused_attention or of its gradient), the projection only by
// split_heads, the bias only as linear layers' biases. Cases where the rows
// also reach the loss another way, so that their gradient is not 0, and
// the pass must leave it alone (it used to check only that the keys are a
// split_heads chunk of a linear with a bias). The last case is one where
// the rows do reach the loss only as keys, in @train_step's form.

// The key chunk is also the attention's value, so the loss depends on
// those rows and their gradient is not 0 (the pass zeroes rows [8, 16)).
// CHECK-LABEL: func.func @keys_also_values
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @keys_also_values(%x: tensor<?x?x8xf32>, %db: tensor<24xf32>, %lr: tensor<f32>) -> tensor<?x2x?x4xf32> {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %k {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  loom.adam "in_proj_bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// The packed projection's output is also read whole, by another linear:
// the key rows reach the loss through it too.
// CHECK-LABEL: func.func @projection_also_read
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @projection_also_read(%x: tensor<?x?x8xf32>, %db: tensor<24xf32>, %lr: tensor<f32>) -> (tensor<?x2x?x4xf32>, tensor<?x?x8xf32>) {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %wo = loom.weight "other.weight" : tensor<8x24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %v {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %y = loom.linear %qkv, %wo : (tensor<?x?x24xf32>, tensor<8x24xf32>) -> tensor<?x?x8xf32>
  loom.adam "in_proj_bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %o, %y : tensor<?x2x?x4xf32>, tensor<?x?x8xf32>
}

// -----

// The key chunk is also read by another op (merged back into features).
// CHECK-LABEL: func.func @keys_also_merged
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @keys_also_merged(%x: tensor<?x?x8xf32>, %db: tensor<24xf32>, %lr: tensor<f32>) -> (tensor<?x2x?x4xf32>, tensor<?x?x8xf32>) {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %v {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %m = loom.merge_heads %k : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  loom.adam "in_proj_bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %o, %m : tensor<?x2x?x4xf32>, tensor<?x?x8xf32>
}

// -----

// A second split_heads of the same key chunk is the attention's value.
// CHECK-LABEL: func.func @key_chunk_split_twice
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @key_chunk_split_twice(%x: tensor<?x?x8xf32>, %db: tensor<24xf32>, %lr: tensor<f32>) -> tensor<?x2x?x4xf32> {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k2 = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %k2 {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  loom.adam "in_proj_bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// The bias is also read by something other than a linear layer.
// CHECK-LABEL: func.func @bias_also_read
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @bias_also_read(%x: tensor<?x?x8xf32>, %db: tensor<8xf32>, %lr: tensor<f32>) -> (tensor<?x2x?x4xf32>, tensor<8xf32>) {
  %wk = loom.weight "k.weight" : tensor<8x8xf32>
  %bk = loom.weight "k.bias" : tensor<8xf32>
  %k0 = loom.linear %x, %wk, %bk : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %k = loom.split_heads %k0 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %k, %k, %k {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %twice = loom.add %bk, %bk : tensor<8xf32>
  loom.adam "k.bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<8xf32>, tensor<f32>
  return %o, %twice : tensor<?x2x?x4xf32>, tensor<8xf32>
}

// -----

// Another linear layer reads the key rows of the packed bias (rows
// [0, 16): queries and keys) and its output reaches the loss otherwise.
// CHECK-LABEL: func.func @key_rows_read_by_another_linear
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @key_rows_read_by_another_linear(%x: tensor<?x?x8xf32>, %db: tensor<24xf32>, %lr: tensor<f32>) -> (tensor<?x2x?x4xf32>, tensor<?x?x16xf32>) {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %v {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %qk = loom.linear %x, %w, %b {weight_rows = array<i64: 0, 16>} : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x16xf32>
  loom.adam "in_proj_bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %o, %qk : tensor<?x2x?x4xf32>, tensor<?x?x16xf32>
}

// -----

// The keys are attention keys in one function; loom.adam is in another,
// whose loss this function's attention does not make: left alone.
// CHECK-LABEL: func.func @keys_here
// CHECK-LABEL: func.func @adam_elsewhere
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @keys_here(%x: tensor<?x?x8xf32>) -> tensor<?x2x?x4xf32> {
  %wk = loom.weight "k.weight" : tensor<8x8xf32>
  %bk = loom.weight "k.bias" : tensor<8xf32>
  %k0 = loom.linear %x, %wk, %bk : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %k = loom.split_heads %k0 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %q = loom.split_heads %x {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  return %o : tensor<?x2x?x4xf32>
}
func.func @adam_elsewhere(%db: tensor<8xf32>, %lr: tensor<f32>) {
  loom.adam "k.bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<8xf32>, tensor<f32>
  return
}

// -----

// Sound, as --loom-autodiff leaves @train_step: the keys are read by the
// forward attention and, as keys again, by its gradient; the projection's
// value chunk is read elsewhere too (that is not the key rows). Rows
// [8, 16) are zeroed.
// CHECK-LABEL: func.func @train_step_form
// CHECK-SAME: %[[DB:[^:]*]]: tensor<24xf32>, %[[LR:[^:]*]]: tensor<f32>)
// CHECK: loom.fused_attention_grad
// CHECK: %[[Z:.*]] = loom.zero_rows %[[DB]] {count = 8 : i64, start = 8 : i64} : tensor<24xf32>
// CHECK-NEXT: loom.adam "in_proj_bias", %[[Z]], %[[LR]]
func.func @train_step_form(%x: tensor<?x?x8xf32>, %do: tensor<?x2x?x4xf32>, %db: tensor<24xf32>, %lr: tensor<f32>) -> (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x?x8xf32>) {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o, %lse = loom.fused_attention %q, %k, %v {heads = 2 : i64, mask = #loom.mask<causal>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?xf32>
  %vm = loom.merge_heads %v : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  %dq, %dk, %dv = loom.fused_attention_grad %do, %q, %k, %v, %o, %lse {heads = 2 : i64, mask = #loom.mask<causal>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?xf32>
  loom.adam "in_proj_bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %dq, %dk, %dv, %vm : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x?x8xf32>
}
