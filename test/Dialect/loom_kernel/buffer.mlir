// RUN: loom-opt %s | loom-opt | FileCheck %s
// !loom_kernel.buffer: static dims and the symbols B, S, T, the rank-0
// scalar, i32 elements, row_stride windows and heads views; loom-opt prints
// each buffer type once, as an alias named after its dims.

// CHECK-DAG: !BxSx48xf32_ = !loom_kernel.buffer<[B, S, 48], f32>
// CHECK-DAG: !BxTx48xf32_ = !loom_kernel.buffer<[B, T, 48], f32>
// CHECK-DAG: !_48x16xf32 = !loom_kernel.buffer<[48, 16], f32>
// CHECK-DAG: !_16xf32 = !loom_kernel.buffer<[16], f32>
// CHECK-DAG: !scalar_f32_ = !loom_kernel.buffer<[], f32>
// CHECK-DAG: !scalar_i32_ = !loom_kernel.buffer<[], i32>
// CHECK-DAG: !Bxi32_ = !loom_kernel.buffer<[B], i32>
// CHECK-DAG: !BxTxi32_ = !loom_kernel.buffer<[B, T], i32>
// CHECK-DAG: !BxSx16xf32_r48_ = !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>
// CHECK-DAG: !_16x16xf32_r48 = !loom_kernel.buffer<[16, 16], f32, row_stride = 48>
// CHECK-DAG: !_16xf32_r48 = !loom_kernel.buffer<[16], f32, row_stride = 48>
// CHECK-DAG: !Bx2xSx8xf32_h_r48_ = !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>
// CHECK-DAG: !Bx2xTx8xf32_h = !loom_kernel.buffer<[B, 2, T, 8], f32, heads>
// CHECK-DAG: !Bx2xSx8xf32_ = !loom_kernel.buffer<[B, 2, S, 8], f32>
// CHECK-DAG: !_2x3x4x5xi32 = !loom_kernel.buffer<[2, 3, 4, 5], i32>
// CHECK-DAG: !_2xBx4xTxSxf32 = !loom_kernel.buffer<[2, B, 4, T, S], f32>

// CHECK-LABEL: func @symbols
// CHECK-SAME: (%{{.*}}: !BxSx48xf32_, %{{.*}}: !BxTx48xf32_)
func.func @symbols(%s: !loom_kernel.buffer<[B, S, 48], f32>, %t: !loom_kernel.buffer<[B, T, 48], f32>) {
  return
}

// CHECK-LABEL: func @static_dims
// CHECK-SAME: (%{{.*}}: !_48x16xf32, %{{.*}}: !_16xf32, %{{.*}}: !_2x3x4x5xi32)
func.func @static_dims(%w: !loom_kernel.buffer<[48, 16], f32>, %b: !loom_kernel.buffer<[16], f32>, %four: !loom_kernel.buffer<[2, 3, 4, 5], i32>) {
  return
}

// A rank-0 buffer is one scalar.
// CHECK-LABEL: func @scalar
// CHECK-SAME: (%{{.*}}: !scalar_f32_, %{{.*}}: !scalar_i32_)
func.func @scalar(%f: !loom_kernel.buffer<[], f32>, %i: !loom_kernel.buffer<[], i32>) {
  return
}

// CHECK-LABEL: func @int32
// CHECK-SAME: (%{{.*}}: !Bxi32_, %{{.*}}: !BxTxi32_)
func.func @int32(%len: !loom_kernel.buffer<[B], i32>, %tokens: !loom_kernel.buffer<[B, T], i32>) {
  return
}

// A column window of a wider buffer keeps the wider row stride.
// CHECK-LABEL: func @row_stride
// CHECK-SAME: (%{{.*}}: !BxSx16xf32_r48_, %{{.*}}: !_16x16xf32_r48, %{{.*}}: !_16xf32_r48)
func.func @row_stride(%q: !loom_kernel.buffer<[B, S, 16], f32, row_stride = 48>, %wq: !loom_kernel.buffer<[16, 16], f32, row_stride = 48>, %bq: !loom_kernel.buffer<[16], f32, row_stride = 48>) {
  return
}

// row_stride = 0 is the default: the contiguous buffer, printed without it.
// CHECK-LABEL: func @row_stride_zero
// CHECK-SAME: (%{{.*}}: !BxSx48xf32_, %{{.*}}: !Bx2xTx8xf32_h)
// CHECK-NOT: row_stride
func.func @row_stride_zero(%x: !loom_kernel.buffer<[B, S, 48], f32, row_stride = 0>, %h: !loom_kernel.buffer<[B, 2, T, 8], f32, heads, row_stride = 0>) {
  return
}

// CHECK-LABEL: func @heads
// CHECK-SAME: (%{{.*}}: !Bx2xSx8xf32_h_r48_, %{{.*}}: !Bx2xTx8xf32_h)
func.func @heads(%q: !loom_kernel.buffer<[B, 2, S, 8], f32, heads, row_stride = 48>, %o: !loom_kernel.buffer<[B, 2, T, 8], f32, heads>) {
  return
}

// Four dims without `heads` are a plain buffer: no `_h`.
// CHECK-LABEL: func @four_dims_no_heads
// CHECK-SAME: (%{{.*}}: !Bx2xSx8xf32_)
func.func @four_dims_no_heads(%x: !loom_kernel.buffer<[B, 2, S, 8], f32>) {
  return
}

// Five dims, S and T together: a caller-owned output such as
// cross_attention's weights [L, B, H, T, S] (no alloc or state may be).
// CHECK-LABEL: func @sequence_by_sequence
// CHECK-SAME: (%{{.*}}: !_2xBx4xTxSxf32)
func.func @sequence_by_sequence(%w: !loom_kernel.buffer<[2, B, 4, T, S], f32>) {
  return
}
