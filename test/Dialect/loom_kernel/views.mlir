// RUN: loom-opt %s | loom-opt | FileCheck %s
// Views: loom_kernel.columns (a window of each row, keeping the source's row
// stride), split_heads ([B, S, H*Dh] as [B, H, S, Dh]) and rows (rows of a
// 2-D buffer from a position on).

// CHECK-LABEL: func @columns_of_packed_qkv
func.func @columns_of_packed_qkv(%qkv: !loom_kernel.buffer<[B, S, 48], f32>) {
  // CHECK: loom_kernel.columns %{{.*}} {offset = 0 : i64, width = 16 : i64} : !BxSx48xf32_ -> !BxSx16xf32_r48_
  %q = loom_kernel.columns %qkv {offset = 0 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
  // CHECK: loom_kernel.columns %{{.*}} {offset = 16 : i64, width = 32 : i64} : !BxSx48xf32_ -> !BxSx32xf32_r48_
  %kv = loom_kernel.columns %qkv {offset = 16 : i64, width = 32 : i64} : !loom_kernel.buffer<[B, S, 48], f32> -> !loom_kernel.buffer<[B, S, 32], f32, row_stride = 48>
  return
}

// Columns of a transposed packed weight [K, 3N] are rows of the original.
// CHECK-LABEL: func @columns_of_weight
func.func @columns_of_weight() {
  %w = loom_kernel.weight "in_proj_weight" transposed : !loom_kernel.buffer<[16, 48], f32>
  %b = loom_kernel.weight "in_proj_bias" : !loom_kernel.buffer<[48], f32>
  // CHECK: loom_kernel.columns %{{.*}} {offset = 32 : i64, width = 16 : i64} : !_16x48xf32 -> !_16x16xf32_r48
  %wv = loom_kernel.columns %w {offset = 32 : i64, width = 16 : i64} : !loom_kernel.buffer<[16, 48], f32> -> !loom_kernel.buffer<[16, 16], f32, row_stride = 48>
  // A vector's columns are contiguous: it has no rows to stride over.
  // CHECK: loom_kernel.columns %{{.*}} {offset = 32 : i64, width = 16 : i64} : !_48xf32 -> !_16xf32{{$}}
  %bv = loom_kernel.columns %b {offset = 32 : i64, width = 16 : i64} : !loom_kernel.buffer<[48], f32> -> !loom_kernel.buffer<[16], f32>
  return
}

// All the columns: the same buffer, contiguous.
// CHECK-LABEL: func @columns_all
func.func @columns_all(%x: !loom_kernel.buffer<[B, T, 16], f32>) {
  // CHECK: loom_kernel.columns %{{.*}} {offset = 0 : i64, width = 16 : i64} : !BxTx16xf32_ -> !BxTx16xf32_
  %y = loom_kernel.columns %x {offset = 0 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, T, 16], f32> -> !loom_kernel.buffer<[B, T, 16], f32>
  return
}

// A window of a window keeps the outer stride.
// CHECK-LABEL: func @columns_of_columns
func.func @columns_of_columns(%kv: !loom_kernel.buffer<[B, S, 32], f32, row_stride = 48>) {
  // CHECK: loom_kernel.columns %{{.*}} {offset = 16 : i64, width = 16 : i64} : !BxSx32xf32_r48_ -> !BxSx16xf32_r48_
  %v = loom_kernel.columns %kv {offset = 16 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, S, 32], f32, row_stride = 48> -> !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
  return
}

// CHECK-LABEL: func @split_heads
func.func @split_heads(%x: !loom_kernel.buffer<[B, S, 16], f32>) {
  // CHECK: loom_kernel.split_heads %{{.*}} {heads = 2 : i64} : !BxSx16xf32_ -> !Bx2xSx8xf32_h
  %h = loom_kernel.split_heads %x {heads = 2 : i64} : !loom_kernel.buffer<[B, S, 16], f32> -> !loom_kernel.buffer<[B, 2, S, 8], f32, heads>
  return
}

// CHECK-LABEL: func @split_heads_strided
func.func @split_heads_strided(%q: !loom_kernel.buffer<[B, T, 16], f32, row_stride = 48>) {
  // CHECK: loom_kernel.split_heads %{{.*}} {heads = 4 : i64} : !BxTx16xf32_r48_ -> !Bx4xTx4xf32_h_r48_
  %h = loom_kernel.split_heads %q {heads = 4 : i64} : !loom_kernel.buffer<[B, T, 16], f32, row_stride = 48> -> !loom_kernel.buffer<[B, 4, T, 4], f32, heads, row_stride = 48>
  return
}

// CHECK-LABEL: func @rows
func.func @rows(%step: index) {
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  // CHECK: loom_kernel.rows %{{.*}} from %{{.*}} : !_6x16xf32 -> !Tx16xf32_
  %pt = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[6, 16], f32> -> !loom_kernel.buffer<[T, 16], f32>
  // CHECK: loom_kernel.rows %{{.*}} from %{{.*}} : !_6x16xf32 -> !_6x16xf32
  %all = loom_kernel.rows %pe from %step : !loom_kernel.buffer<[6, 16], f32> -> !loom_kernel.buffer<[6, 16], f32>
  return
}

// One layer of cross_attention's weights [L, B, H, T, S].
// CHECK-LABEL: func @slice_layer
func.func @slice_layer(%w: !loom_kernel.buffer<[2, B, 4, T, S], f32>) {
  // CHECK: loom_kernel.slice %{{.*}}[0] : !_2xBx4xTxSxf32 -> !Bx4xTxSxf32_
  %w0 = loom_kernel.slice %w[0] : !loom_kernel.buffer<[2, B, 4, T, S], f32> -> !loom_kernel.buffer<[B, 4, T, S], f32>
  // CHECK: loom_kernel.slice %{{.*}}[1] : !_2xBx4xTxSxf32 -> !Bx4xTxSxf32_
  %w1 = loom_kernel.slice %w[1] : !loom_kernel.buffer<[2, B, 4, T, S], f32> -> !loom_kernel.buffer<[B, 4, T, S], f32>
  return
}

// A static matrix's row, as a vector.
// CHECK-LABEL: func @slice_row
func.func @slice_row(%m: !loom_kernel.buffer<[3, 7], i32>) {
  // CHECK: loom_kernel.slice %{{.*}}[2] : !_3x7xi32 -> !_7xi32
  %r = loom_kernel.slice %m[2] : !loom_kernel.buffer<[3, 7], i32> -> !loom_kernel.buffer<[7], i32>
  return
}
