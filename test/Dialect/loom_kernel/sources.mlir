// RUN: loom-opt %s | loom-opt | FileCheck %s
// Where buffers come from: loom_kernel.weight (as stored, or transposed),
// positional_table, alloc (before and after --loom-plan-buffers gives it an
// offset) and state.

// CHECK-LABEL: func @weight
func.func @weight() {
  // CHECK: loom_kernel.weight "encoder.norm.weight" : !_16xf32
  %g = loom_kernel.weight "encoder.norm.weight" : !loom_kernel.buffer<[16], f32>
  // CHECK: loom_kernel.weight "src_embedding.weight" : !_7x16xf32
  // CHECK-NOT: transposed
  %e = loom_kernel.weight "src_embedding.weight" : !loom_kernel.buffer<[7, 16], f32>
  return
}

// CHECK-LABEL: func @weight_transposed
func.func @weight_transposed() {
  // CHECK: loom_kernel.weight "layers.0.linear1.weight" transposed : !_16x32xf32
  %w = loom_kernel.weight "layers.0.linear1.weight" transposed : !loom_kernel.buffer<[16, 32], f32>
  return
}

// CHECK-LABEL: func @positional_table
func.func @positional_table() {
  // CHECK: loom_kernel.positional_table : !_6x16xf32
  %pe = loom_kernel.positional_table : !loom_kernel.buffer<[6, 16], f32>
  return
}

// CHECK-LABEL: func @alloc
func.func @alloc() {
  // CHECK: loom_kernel.alloc : !BxSx48xf32_
  // CHECK-NOT: offset
  %0 = loom_kernel.alloc : !loom_kernel.buffer<[B, S, 48], f32>
  return
}

// CHECK-LABEL: func @alloc_offset
func.func @alloc_offset() {
  // CHECK: loom_kernel.alloc offset 0 : !BxSx16xf32_
  %0 = loom_kernel.alloc offset 0 : !loom_kernel.buffer<[B, S, 16], f32>
  // CHECK: loom_kernel.alloc offset 16 : !BxTx16xf32_
  %1 = loom_kernel.alloc offset 16 : !loom_kernel.buffer<[B, T, 16], f32>
  // CHECK: loom_kernel.alloc offset 64 : !Bxi32_
  %2 = loom_kernel.alloc offset 64 : !loom_kernel.buffer<[B], i32>
  return
}

// CHECK-LABEL: func @state
func.func @state() {
  // CHECK: loom_kernel.state "self_keys.0" : !Bx6x16xf32_
  %k = loom_kernel.state "self_keys.0" : !loom_kernel.buffer<[B, 6, 16], f32>
  // CHECK: loom_kernel.state "cross_keys.0" : !BxSx16xf32_
  %ck = loom_kernel.state "cross_keys.0" : !loom_kernel.buffer<[B, S, 16], f32>
  // CHECK: loom_kernel.state "src_len" : !Bxi32_
  %len = loom_kernel.state "src_len" : !loom_kernel.buffer<[B], i32>
  return
}
