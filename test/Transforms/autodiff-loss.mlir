// RUN: loom-opt %s -split-input-file --loom-autodiff -o %t.once
// RUN: FileCheck %s < %t.once
// RUN: loom-opt %s -split-input-file --loom-autodiff --loom-autodiff | FileCheck %s
// RUN: loom-opt %t.once -split-input-file --loom-autodiff -o %t.twice
// RUN: diff %t.once %t.twice
// RUN: grep -c "func.func @train_step" %t.twice | FileCheck %s --check-prefix=COUNT
// --loom-autodiff, the function and the loss: @train_step's signature
// (@forward's inputs, then labels and lr; the loss as its result), the
// loss and its gradient (the root: no d_loss) with ignore_index and
// label_smoothing from loom.spec, one loom.adam per parameter the loss
// reaches, in @forward's weight order, with beta1/beta2/epsilon from
// loom.spec. Running the pass again adds nothing (the same output from one
// run and from two, and from a run on its own output).
// COUNT: {{^}}3{{$}}

// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %{{[^:]*}}: tensor<?x?xi32> {loom.input = "tgt"}, %{{[^:]*}}: tensor<?xi32> {loom.input = "tgt_len"}) -> tensor<?x?x8xf32> {
// CHECK-NOT: loom.adam
// CHECK: return
// CHECK-NEXT: }
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[TGT:[^:]*]]: tensor<?x?xi32> {loom.input = "tgt"}, %{{[^:]*}}: tensor<?xi32> {loom.input = "tgt_len"}, %[[LABELS:[^:]*]]: tensor<?x?xi32> {loom.input = "labels"}, %[[LR:[^:]*]]: tensor<f32> {loom.scalar = "lr"}) -> (tensor<f32> {loom.output = "loss"}) attributes {loom.training} {
// CHECK: %[[LOGITS:.*]] = loom.embedding
// CHECK-NEXT: %[[LOSS:.*]], %[[LSE:.*]] = loom.cross_entropy %[[LOGITS]], %[[LABELS]] {ignore_index = 3 : i64, label_smoothing = 1.000000e-01 : f32} : tensor<?x?x8xf32>, tensor<?x?xi32> -> tensor<f32>, tensor<?x?xf32>
// CHECK-NEXT: %[[D:.*]] = loom.cross_entropy_grad %[[LOGITS]], %[[LABELS]], %[[LSE]] {ignore_index = 3 : i64, label_smoothing = 1.000000e-01 : f32} : tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<?x?xf32>
// CHECK-NEXT: %[[DT:.*]] = loom.embedding_grad %[[D]], %[[TGT]]
// CHECK-NEXT: loom.adam "emb", %[[DT]], %[[LR]] {beta1 = 8.000000e-01 : f64, beta2 = 0.94999999999999996 : f64, epsilon = 9.9999999999999995E-7 : f64} : tensor<7x8xf32>, tensor<f32>
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
// CHECK-NEXT: }
// CHECK-NOT: @train_step
module attributes {loom.spec = {pad_id = 3 : i64, label_smoothing = 0.1 : f64, adam_beta1 = 0.8 : f64, adam_beta2 = 0.95 : f64, adam_eps = 1.0e-6 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %len: tensor<?xi32> {loom.input = "tgt_len"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
}

// -----

// An encoder-decoder signature: every @forward input is kept, in order.
// The loss reaches the parameters in an order other than their definition:
// loom.adam follows @forward's weight order ("c", "a", "b"). "unused" (no
// use) and "off_path" (read only by an op the loss does not depend on, even
// one without a gradient rule) get no update.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %{{[^:]*}}: tensor<?x?xi32> {loom.input = "src"}, %{{[^:]*}}: tensor<?xi32> {loom.input = "src_len"}, %{{[^:]*}}: tensor<?x?xi32> {loom.input = "tgt"}, %{{[^:]*}}: tensor<?xi32> {loom.input = "tgt_len"}, %{{[^:]*}}: tensor<?x?xi32> {loom.input = "labels"}, %{{[^:]*}}: tensor<f32> {loom.scalar = "lr"}) -> (tensor<f32> {loom.output = "loss"})
// CHECK: loom.concat
// CHECK: loom.cross_entropy
// CHECK-NOT: loom.adam
// CHECK: loom.adam "c"
// CHECK-NEXT: loom.adam "a"
// CHECK-NEXT: loom.adam "b"
// CHECK-NEXT: return
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%src: tensor<?x?xi32> {loom.input = "src"}, %slen: tensor<?xi32> {loom.input = "src_len"}, %tgt: tensor<?x?xi32> {loom.input = "tgt"}, %tlen: tensor<?xi32> {loom.input = "tgt_len"}) -> tensor<?x?x8xf32> {
  %c = loom.weight "c" : tensor<8x8xf32>
  %unused = loom.weight "unused" : tensor<8x8xf32>
  %a = loom.weight "a" : tensor<7x8xf32>
  %off = loom.weight "off_path" : tensor<8x8xf32>
  %b = loom.weight "b" : tensor<8xf32>
  %x = loom.embedding %a[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %y = loom.linear %x, %c, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %z = loom.linear %x, %off : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
  %dead = loom.concat %z, %z {axis = 2 : i64} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x16xf32>
  return %y : tensor<?x?x8xf32>
}
}

// -----

// A module with @train_step already is left alone.
// CHECK-LABEL: func.func @train_step(%{{[^:]*}}: tensor<f32>) {
// CHECK-NEXT: return
// CHECK-NOT: loom.cross_entropy
module attributes {loom.spec = {pad_id = 0 : i64, label_smoothing = 0.0 : f64, adam_beta1 = 0.9 : f64, adam_beta2 = 0.98 : f64, adam_eps = 1.0e-9 : f64}} {
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}) -> tensor<?x?x8xf32> {
  %t = loom.weight "emb" : tensor<7x8xf32>
  %x = loom.embedding %t[%tgt] : tensor<7x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  return %x : tensor<?x?x8xf32>
}
func.func @train_step(%x: tensor<f32>) {
  return
}
}
