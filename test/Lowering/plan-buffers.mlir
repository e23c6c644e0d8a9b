// --loom-plan-buffers: first fit in program order over live ranges (from
// the first write, through views, to the last use); an in-place kernel's
// output takes its dying input's storage; row-sized buffers in rows_max
// units, static ones in bytes after them.
// RUN: loom-opt %s --loom-plan-buffers | FileCheck %s
// RUN: loom-opt %s --loom-plan-buffers | loom-opt | FileCheck %s

!x = !loom_kernel.buffer<[B, S, 8], f32>
!wide = !loom_kernel.buffer<[B, S, 24], f32>
!w = !loom_kernel.buffer<[8, 24], f32>
!b = !loom_kernel.buffer<[24], f32>

// CHECK-LABEL: func.func @forward(
// CHECK-SAME: attributes {loom_kernel.arena_bytes = 128 : i64, loom_kernel.arena_rows = 32 : i64, loom_kernel.arena_unit = "B*S"}
func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) {
  %w = loom_kernel.weight "w" transposed : !w
  %b = loom_kernel.weight "b" : !b
  %g = loom_kernel.weight "g" : !loom_kernel.buffer<[8], f32>
  // CHECK: %[[A:.*]] = loom_kernel.alloc offset 0 : !BxSx8xf32_
  %a = loom_kernel.alloc : !x
  loom_kernel.layer_norm %in, %g, %g into %a {epsilon = 1.0e-5 : f32} : !x, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[8], f32>, !x
  // CHECK: %[[QKV:.*]] = loom_kernel.alloc offset 8 : !BxSx24xf32_
  %qkv = loom_kernel.alloc : !wide
  loom_kernel.linear %a, %w, %b into %qkv {activation = #loom_kernel.activation<none>} : !x, !w, !b, !wide
  // The view keeps %qkv alive until the layer_norm below reads it.
  %k = loom_kernel.columns %qkv {offset = 8 : i64, width = 8 : i64} : !wide -> !loom_kernel.buffer<[B, S, 8], f32, row_stride = 24>
  // %a died at the linear: its space is free again.
  // CHECK: %[[C:.*]] = loom_kernel.alloc offset 0 : !BxSx8xf32_
  %c = loom_kernel.alloc : !x
  loom_kernel.layer_norm %k, %g, %g into %c {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 8], f32, row_stride = 24>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[8], f32>, !x
  // add dies-and-reuses: its output takes over %c's storage.
  // CHECK: %[[D:.*]] = loom_kernel.alloc offset 0 : !BxSx8xf32_
  %d = loom_kernel.alloc : !x
  loom_kernel.add %c, %in into %d : !x, !x, !x
  // A static buffer lives in bytes after the row units, 64-byte aligned;
  // one of 4 bytes still takes a line.
  // CHECK: loom_kernel.alloc offset 0 : !_4x8xf32
  %s = loom_kernel.alloc : !loom_kernel.buffer<[4, 8], f32>
  loom_kernel.add %s, %s into %s : !loom_kernel.buffer<[4, 8], f32>, !loom_kernel.buffer<[4, 8], f32>, !loom_kernel.buffer<[4, 8], f32>
  // A [B, 4] buffer is row-sized too (B <= rows_max), placed while %d
  // (units [0, 8)) is live.
  // CHECK: loom_kernel.alloc offset 8 : !Bx4xf32_
  %r = loom_kernel.alloc : !loom_kernel.buffer<[B, 4], f32>
  loom_kernel.add %r, %r into %r : !loom_kernel.buffer<[B, 4], f32>, !loom_kernel.buffer<[B, 4], f32>, !loom_kernel.buffer<[B, 4], f32>
  // CHECK: loom_kernel.alloc offset 0 : !_1x1xf32
  %t = loom_kernel.alloc : !loom_kernel.buffer<[1, 1], f32>
  loom_kernel.add %t, %t into %t : !loom_kernel.buffer<[1, 1], f32>, !loom_kernel.buffer<[1, 1], f32>, !loom_kernel.buffer<[1, 1], f32>
  loom_kernel.layer_norm %d, %g, %g into %out {epsilon = 1.0e-5 : f32} : !x, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[8], f32>, !x
  return
}
