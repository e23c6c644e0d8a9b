// --loom-lower-to-kernels: each fused loom op becomes kernel calls on
// buffers. Arguments get dims by role, the returned value becomes the output
// argument that the last kernel writes, epilogues fuse into their anchor,
// heads are views, packed weight rows are column windows of the transposed
// weight.
// RUN: loom-opt %s --loom-lower-to-kernels | FileCheck %s
// RUN: loom-opt %s --loom-lower-to-kernels | loom-opt | FileCheck %s

// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[TGT:.*]]: !BxTxi32_ {loom.input = "tgt"}, %[[LEN:.*]]: !Bxi32_ {loom.input = "tgt_len"}, %[[OUT:.*]]: !BxTx5xf32_ {loom.output = "out"})
func.func @forward(%tgt: tensor<?x?xi32> {loom.input = "tgt"}, %len: tensor<?xi32> {loom.input = "tgt_len"}) -> tensor<?x?x5xf32> {
  // embedding -> scale -> positional_encoding: one embed with the scale.
  // CHECK: %[[TABLE:.*]] = loom_kernel.weight "emb.weight" : !_5x8xf32
  // CHECK: %[[X:.*]] = loom_kernel.alloc : !BxTx8xf32_
  // CHECK: %[[PE:.*]] = loom_kernel.positional_table : !_4x8xf32
  // CHECK: loom_kernel.embed %[[TABLE]][%[[TGT]]] + %[[PE]] into %[[X]] {scale = 2.82842708 : f32}
  %0 = loom.weight "emb.weight" : tensor<5x8xf32>
  %1 = loom.embedding %0[%tgt] : tensor<5x8xf32>, tensor<?x?xi32> -> tensor<?x?x8xf32>
  %2 = loom.scale %1 {factor = 2.82842708 : f32} : tensor<?x?x8xf32>
  %3 = loom.positional_encoding %2 {max_len = 4 : i64} : tensor<?x?x8xf32>

  // Linear weights are stored transposed; the packed QKV is one buffer.
  // CHECK: %[[WQKV:.*]] = loom_kernel.weight "qkv.weight" transposed : !_8x24xf32
  // CHECK: %[[QKV:.*]] = loom_kernel.alloc : !BxTx24xf32_
  // CHECK: loom_kernel.linear %[[X]], %[[WQKV]], %{{.*}} into %[[QKV]] {activation = #loom_kernel.activation<none>}
  %4 = loom.weight "qkv.weight" : tensor<24x8xf32>
  %5 = loom.weight "qkv.bias" : tensor<24xf32>
  %6 = loom.linear %3, %4, %5 : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>

  // Heads: a column window of QKV seen as [B, H, T, Dh]; attention writes
  // [B, T, 8] through a heads view, and merging heads is that buffer.
  // CHECK: %[[QC:.*]] = loom_kernel.columns %[[QKV]] {offset = 0 : i64, width = 8 : i64} : !BxTx24xf32_ -> !BxTx8xf32_r24_
  // CHECK: %[[Q:.*]] = loom_kernel.split_heads %[[QC]] {heads = 2 : i64} : !BxTx8xf32_r24_ -> !Bx2xTx4xf32_h_r24_
  // CHECK: %[[KC:.*]] = loom_kernel.columns %[[QKV]] {offset = 8 : i64, width = 8 : i64}
  // CHECK: %[[VC:.*]] = loom_kernel.columns %[[QKV]] {offset = 16 : i64, width = 8 : i64}
  // CHECK: %[[ATT:.*]] = loom_kernel.alloc : !BxTx8xf32_
  // CHECK: %[[O:.*]] = loom_kernel.split_heads %[[ATT]] {heads = 2 : i64} : !BxTx8xf32_ -> !Bx2xTx4xf32_h
  // CHECK: loom_kernel.attention %[[Q]], %{{.*}}, %{{.*}} key_lengths(%[[LEN]] : !Bxi32_) into %[[O]] {mask = #loom.mask<causal_key_padding>, scale = 5.000000e-01 : f32}
  %7 = loom.split_heads %6 {chunks = 3 : i64, heads = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %8 = loom.split_heads %6 {chunk = 1 : i64, chunks = 3 : i64, heads = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %9 = loom.split_heads %6 {chunk = 2 : i64, chunks = 3 : i64, heads = 2 : i64} : tensor<?x?x24xf32> -> tensor<?x2x?x4xf32>
  %10 = loom.fused_attention %7, %8, %9 key_lengths(%len : tensor<?xi32>) {heads = 2 : i64, mask = #loom.mask<causal_key_padding>, scale = 5.000000e-01 : f32} : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %11 = loom.merge_heads %10 : tensor<?x2x?x4xf32> -> tensor<?x?x8xf32>

  // A linear reading packed weight rows [8, 16): columns of the transposed
  // weight, and of the bias.
  // CHECK: %[[WC:.*]] = loom_kernel.columns %[[WQKV]] {offset = 8 : i64, width = 8 : i64} : !_8x24xf32 -> !_8x8xf32_r24
  // CHECK: %[[BC:.*]] = loom_kernel.columns %{{.*}} {offset = 8 : i64, width = 8 : i64} : !_24xf32 -> !_8xf32
  // CHECK: loom_kernel.linear %[[ATT]], %[[WC]], %[[BC]] into %[[P:.*]] {activation = #loom_kernel.activation<none>}
  %12 = loom.linear %11, %4, %5 {weight_rows = array<i64: 8, 8>} : (tensor<?x?x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<?x?x8xf32>

  // Pre-norm residual: add_norm keeps the sum; relu fuses into the linear.
  // CHECK: loom_kernel.add_norm %[[P]], %[[X]], %{{.*}}, %{{.*}} into %[[N:.*]] sum(%[[SUM:.*]] : !BxTx8xf32_) {epsilon = 9.99999974E-6 : f32}
  %13 = loom.weight "norm.weight" : tensor<8xf32>
  %14 = loom.weight "norm.bias" : tensor<8xf32>
  %n, %s = loom.add_norm %12, %3, %13, %14 {epsilon = 9.99999974E-6 : f32} : tensor<?x?x8xf32>, tensor<8xf32> -> tensor<?x?x8xf32>, tensor<?x?x8xf32>
  // CHECK: loom_kernel.linear %[[N]], %{{.*}}, %{{.*}} into %[[H:.*]] {activation = #loom_kernel.activation<relu>}
  // CHECK-NOT: loom.relu
  %15 = loom.weight "ffn.weight" : tensor<8x8xf32>
  %16 = loom.weight "ffn.bias" : tensor<8xf32>
  %17 = loom.linear %n, %15, %16 : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %18 = loom.relu %17 : tensor<?x?x8xf32>
  // CHECK: loom_kernel.add %[[H]], %[[SUM]] into %[[R:.*]] :
  %19 = loom.add %18, %s : tensor<?x?x8xf32>
  // CHECK: loom_kernel.layer_norm %[[R]], %{{.*}}, %{{.*}} into %[[F:.*]] {epsilon = 9.99999974E-6 : f32}
  %20 = loom.layer_norm %19, %13, %14 {epsilon = 9.99999974E-6 : f32} : tensor<?x?x8xf32>, tensor<8xf32>

  // The returned logits are written straight into the output argument.
  // CHECK: %[[WO:.*]] = loom_kernel.weight "out.weight" transposed : !_8x5xf32
  // CHECK: loom_kernel.linear %[[F]], %[[WO]], %{{.*}} into %[[OUT]]
  // CHECK-NEXT: return{{$}}
  %21 = loom.weight "out.weight" : tensor<5x8xf32>
  %22 = loom.weight "out.bias" : tensor<5xf32>
  %23 = loom.linear %20, %21, %22 : (tensor<?x?x8xf32>, tensor<5x8xf32>, tensor<5xf32>) -> tensor<?x?x5xf32>
  return %23 : tensor<?x?x5xf32>
}
