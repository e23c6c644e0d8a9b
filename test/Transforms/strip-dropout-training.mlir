// RUN: loom-opt %s -split-input-file --loom-strip-dropout | FileCheck %s
// RUN: loom-opt %s -split-input-file --loom-autodiff --loom-strip-dropout | FileCheck %s --check-prefix=AD
// --loom-strip-dropout in a module with training functions: functions
// marked loom.training keep every loom.dropout and fused_attention's
// dropout; other functions (the inference @forward) lose both (the fused
// op's dropout and stream go back to their elided defaults).

// CHECK-LABEL: func.func @forward(
// CHECK-NOT: loom.dropout
// CHECK-NOT: dropout
// CHECK: loom.fused_attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {heads = 2 : i64, mask = #loom.mask<none>, scale = 5.000000e-01 : f32}
// CHECK-NOT: dropout
// CHECK: return
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: attributes {loom.training}
// CHECK: loom.dropout %{{.*}} {probability = 1.000000e-01 : f32, stream = 1 : i64}
// CHECK: loom.fused_attention {{.*}} {dropout = 2.000000e-01 : f32, dropout_stream = 2 : i64, heads = 2 : i64
// CHECK: loom.dropout %{{.*}} {probability = 1.000000e-01 : f32, stream = 1 : i64}
// CHECK: return
// A function without the attribute is stripped, whatever its name.
// CHECK-LABEL: func.func @helper(
// CHECK-NOT: loom.dropout
// CHECK: return
module {
func.func @forward(%x: tensor<?x?x8xf32>) -> tensor<?x2x?x4xf32> {
  %d = loom.dropout %x {probability = 0.1 : f32} : tensor<?x?x8xf32>
  %q = loom.split_heads %d {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %a = loom.fused_attention %q, %q, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32, dropout = 0.2 : f32, dropout_stream = 3 : i64} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  return %a : tensor<?x2x?x4xf32>
}
func.func @train_step(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> attributes {loom.training} {
  %d = loom.dropout %x {probability = 0.1 : f32, stream = 1 : i64} : tensor<?x?x8xf32>
  %q = loom.split_heads %d {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %a = loom.fused_attention %q, %q, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32, dropout = 0.2 : f32, dropout_stream = 2 : i64} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %m = loom.merge_heads %a : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  %b = loom.dropout %m {probability = 0.1 : f32, stream = 1 : i64} : tensor<?x?x8xf32>
  return %b : tensor<?x?x8xf32>
}
func.func @helper(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %d = loom.dropout %x {probability = 0.1 : f32, stream = 5 : i64} : tensor<?x?x8xf32>
  return %d : tensor<?x?x8xf32>
}
}

// -----

// After --loom-autodiff: @train_step keeps its numbered dropout (forward
// and backward), @forward is the inference graph.
// AD-LABEL: func.func @forward(
// AD-NOT: dropout
// AD: loom.fused_attention {{.*}} {heads = 2 : i64, mask = #loom.mask<none>, scale = 5.000000e-01 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
// AD-NOT: dropout
// AD: return
// AD-LABEL: func.func @train_step(
// AD: loom.dropout %{{.*}} {probability = 1.000000e-01 : f32, stream = 1 : i64}
// AD: loom.fused_attention {{.*}} {dropout = 2.000000e-01 : f32, dropout_stream = 2 : i64
// AD: loom.fused_attention_grad {{.*}} {dropout = 2.000000e-01 : f32, dropout_stream = 2 : i64
// AD: loom.dropout %{{.*}} {probability = 1.000000e-01 : f32, stream = 1 : i64}
// AD: return
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %d = loom.dropout %x {probability = 0.1 : f32} : tensor<?x?x8xf32>
  %q = loom.split_heads %d {heads = 2 : i64} : tensor<?x?x8xf32> -> tensor<?x2x?x4xf32>
  %a = loom.fused_attention %q, %q, %q {heads = 2 : i64, mask = #loom.mask<none>, scale = 0.5 : f32, dropout = 0.2 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %m = loom.merge_heads %a : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>
  return %m : tensor<?x?x8xf32>
}
}
