// RUN: loom-opt %s -split-input-file --loom-zero-key-bias-gradient | FileCheck %s
// RUN: loom-opt %s -split-input-file --loom-zero-key-bias-gradient --loom-zero-key-bias-gradient | FileCheck %s
// --loom-zero-key-bias-gradient: softmax ignores a constant added to a row
// of scores, so the bias rows that make attention's keys have gradient 0.
// The pass zeroes those rows of the gradient loom.adam reads: rows
// [first + chunk·W, +W) of the bias of the linear whose split_heads chunk
// are the keys (W its chunk width, first its first weight row). Running it
// twice adds nothing (the second run line has the same checks). It leaves
// alone keys that are not a split_heads chunk of a linear with a bias
// weight, and other parameters. Unsound cases: -unsound.mlir.

// Self-attention, packed q|k|v (chunks = 3, D = 8): the keys are chunk 1,
// rows [8, 16) of the 24 bias rows. The weight's gradient is untouched.
// CHECK-LABEL: func.func @self_attention
// CHECK-SAME: (%{{[^:]*}}: tensor<?x?x8xf32>, %[[DW:[^:]*]]: tensor<24x8xf32>, %[[DB:[^:]*]]: tensor<24xf32>, %[[LR:[^:]*]]: tensor<f32>)
// CHECK: loom.adam "in_proj_weight", %[[DW]], %[[LR]]
// CHECK-NEXT: %[[Z:.*]] = loom.zero_rows %[[DB]] {count = 8 : i64, start = 8 : i64} : tensor<24xf32>
// CHECK-NOT: loom.zero_rows
// CHECK-NEXT: loom.adam "in_proj_bias", %[[Z]], %[[LR]]
// CHECK-NEXT: return
func.func @self_attention(%x: tensor<?x?x8xf32>, %dw: tensor<24x8xf32>, %db: tensor<24xf32>, %lr: tensor<f32>) -> tensor<?x2x?x4xf32> {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o, %lse = loom.fused_attention %q, %k, %v {heads = 2 : i64, mask = #loom.mask<causal>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>, tensor<?x2x?xf32>
  loom.adam "in_proj_weight", %dw, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24x8xf32>, tensor<f32>
  loom.adam "in_proj_bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// Cross-attention: the queries read rows [0, 8), keys and values rows
// [8, 24) (weight_rows = [8, 16], chunks = 2): the keys are chunk 0 of that
// range, bias rows [8, 16). The gradient loom.adam reads is the join of
// the two layers' slices.
// CHECK-LABEL: func.func @cross_attention
// CHECK: %[[G:.*]] = loom.concat
// CHECK-NEXT: %[[Z:.*]] = loom.zero_rows %[[G]] {count = 8 : i64, start = 8 : i64} : tensor<24xf32>
// CHECK-NOT: loom.zero_rows
// CHECK-NEXT: loom.adam "in_proj_bias", %[[Z]],
func.func @cross_attention(%y: tensor<?x?x8xf32>, %mem: tensor<?x?x8xf32>, %len: tensor<?xi32>, %dbq: tensor<8xf32>, %dbkv: tensor<16xf32>, %lr: tensor<f32>) -> tensor<?x2x?x4xf32> {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %q0 = loom.linear %y, %w, %b {weight_rows = array<i64: 0, 8>} : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x8xf32>
  %kv = loom.linear %mem, %w, %b {weight_rows = array<i64: 8, 16>} : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x16xf32>
  %q = loom.split_heads %q0 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %kv {heads = 2 : i64, chunks = 2 : i64, chunk = 0 : i64} : tensor<?x?x16xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %kv {heads = 2 : i64, chunks = 2 : i64, chunk = 1 : i64} : tensor<?x?x16xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %v key_lengths(%len : tensor<?xi32>) {heads = 2 : i64, mask = #loom.mask<key_padding>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %g = loom.concat %dbq, %dbkv {axis = 0 : i64} : (tensor<8xf32>, tensor<16xf32>) -> tensor<24xf32>
  loom.adam "in_proj_bias", %g, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// A key projection of its own (one chunk, no weight_rows): its whole bias.
// The query projection's bias is left alone.
// CHECK-LABEL: func.func @own_key_projection
// CHECK-SAME: %[[DBQ:[^:]*]]: tensor<8xf32>, %[[DBK:[^:]*]]: tensor<8xf32>
// CHECK: loom.adam "q.bias", %[[DBQ]],
// CHECK-NEXT: %[[Z:.*]] = loom.zero_rows %[[DBK]] {count = 8 : i64, start = 0 : i64} : tensor<8xf32>
// CHECK-NEXT: loom.adam "k.bias", %[[Z]],
func.func @own_key_projection(%x: tensor<?x?x8xf32>, %dbq: tensor<8xf32>, %dbk: tensor<8xf32>, %lr: tensor<f32>) -> tensor<?x2x?x4xf32> {
  %wq = loom.weight "q.weight" : tensor<8x8xf32>
  %bq = loom.weight "q.bias" : tensor<8xf32>
  %wk = loom.weight "k.weight" : tensor<8x8xf32>
  %bk = loom.weight "k.bias" : tensor<8xf32>
  %q0 = loom.linear %x, %wq, %bq : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %k0 = loom.linear %x, %wk, %bk : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %q = loom.split_heads %q0 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %k0 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o = loom.fused_attention %q, %k, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  loom.adam "q.bias", %dbq, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<8xf32>, tensor<f32>
  loom.adam "k.bias", %dbk, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<8xf32>, tensor<f32>
  return %o : tensor<?x2x?x4xf32>
}

// -----

// Keys that are not a split_heads chunk of a linear with a bias weight: a
// function argument; the chunk of a linear without a bias; the chunk of
// something other than a linear; a bias that is not a loom.weight.
// CHECK-LABEL: func.func @not_a_key_bias
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @not_a_key_bias(%x: tensor<?x?x8xf32>, %karg: tensor<?x2x?x4xf32>, %barg: tensor<8xf32>, %db: tensor<8xf32>, %lr: tensor<f32>) -> (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) {
  %w = loom.weight "w" : tensor<8x8xf32>
  %b = loom.weight "b" : tensor<8xf32>
  %q0 = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %q = loom.split_heads %q0 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o1 = loom.fused_attention %q, %karg, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %k2 = loom.linear %x, %w : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %k2h = loom.split_heads %k2 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o2 = loom.fused_attention %q, %k2h, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %k3 = loom.add %q0, %x : tensor<?x?x8xf32>
  %k3h = loom.split_heads %k3 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o3 = loom.fused_attention %q, %k3h, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %k4 = loom.linear %x, %w, %barg : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %k4h = loom.split_heads %k4 {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %o4 = loom.fused_attention %q, %k4h, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  loom.adam "w", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<8xf32>, tensor<f32>
  loom.adam "b", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<8xf32>, tensor<f32>
  return %o1, %o2, %o3, %o4 : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
}

// -----

// The same rows are zeroed once even when two attentions read the keys
// (as @forward's and @train_step's copies of one attention do).
// CHECK-LABEL: func.func @two_readers
// CHECK-COUNT-1: loom.zero_rows
// CHECK-NOT: loom.zero_rows
// CHECK: return
func.func @two_readers(%x: tensor<?x?x8xf32>, %db: tensor<24xf32>, %lr: tensor<f32>) -> (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) {
  %w = loom.weight "in_proj_weight" : tensor<24x8xf32>
  %b = loom.weight "in_proj_bias" : tensor<24xf32>
  %qkv = loom.linear %x, %w, %b : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  %q = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %k = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 1 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %v = loom.split_heads %qkv {heads = 2 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %o1 = loom.fused_attention %q, %k, %v {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %o2 = loom.fused_attention %v, %k, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  loom.adam "in_proj_bias", %db, %lr {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64} : tensor<24xf32>, tensor<f32>
  return %o1, %o2 : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
}
