// RUN: loom-opt %s | loom-opt | FileCheck %s
// Decoding helpers (runtime data movement, not kernels):
// loom_kernel.step_lengths and cache_append.

// CHECK-LABEL: func @step_lengths
func.func @step_lengths(%t: index) {
  // CHECK: loom_kernel.step_lengths %{{.*}} : !Bxi32_
  %len = loom_kernel.step_lengths %t : !loom_kernel.buffer<[B], i32>
  return
}

// The keys of a step are a column window of the packed k/v projection.
// CHECK-LABEL: func @cache_append
func.func @cache_append(%kv: !loom_kernel.buffer<[B, T, 32], f32>, %t: index) {
  %k = loom_kernel.columns %kv {offset = 0 : i64, width = 16 : i64} : !loom_kernel.buffer<[B, T, 32], f32> -> !loom_kernel.buffer<[B, T, 16], f32, row_stride = 32>
  %cache = loom_kernel.state "self_keys.0" : !loom_kernel.buffer<[B, 6, 16], f32>
  // CHECK: loom_kernel.cache_append %{{.*}} into %{{.*}} at %{{.*}} : !BxTx16xf32_r32_, !Bx6x16xf32_
  loom_kernel.cache_append %k into %cache at %t : !loom_kernel.buffer<[B, T, 16], f32, row_stride = 32>, !loom_kernel.buffer<[B, 6, 16], f32>
  return
}

// CHECK-LABEL: func @cache_append_contiguous
func.func @cache_append_contiguous(%v: !loom_kernel.buffer<[B, T, 16], f32>, %cache: !loom_kernel.buffer<[B, 6, 16], f32>, %t: index) {
  // CHECK: loom_kernel.cache_append %{{.*}} into %{{.*}} at %{{.*}} : !BxTx16xf32_, !Bx6x16xf32_
  loom_kernel.cache_append %v into %cache at %t : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, 6, 16], f32>
  return
}

// Without a step (a prefill), the rows go to positions 0..T-1.
// CHECK-LABEL: func @cache_append_from_start
func.func @cache_append_from_start(%v: !loom_kernel.buffer<[B, T, 16], f32>, %cache: !loom_kernel.buffer<[B, 6, 16], f32>) {
  // CHECK: loom_kernel.cache_append %{{.*}} into %{{.*}} : !BxTx16xf32_, !Bx6x16xf32_
  loom_kernel.cache_append %v into %cache : !loom_kernel.buffer<[B, T, 16], f32>, !loom_kernel.buffer<[B, 6, 16], f32>
  return
}
