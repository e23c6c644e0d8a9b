// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.split_heads takes one q|k|v chunk of a packed projection and moves the
// head axis before the sequence axis; loom.merge_heads undoes it.

// CHECK-LABEL: func @split_merge
func.func @split_merge(%qkv: tensor<?x?x1536xf32>) -> tensor<?x?x512xf32> {
  // The default chunk (0 of 1) is not printed.
  // CHECK: loom.split_heads %{{.*}} {chunks = 3 : i64, heads = 8 : i64} : tensor<?x?x1536xf32> -> tensor<?x8x?x64xf32>
  %q = loom.split_heads %qkv {heads = 8 : i64, chunks = 3 : i64, chunk = 0 : i64} : tensor<?x?x1536xf32> -> tensor<?x8x?x64xf32>
  // CHECK: loom.split_heads %{{.*}} {chunk = 2 : i64, chunks = 3 : i64, heads = 8 : i64}
  %v = loom.split_heads %qkv {heads = 8 : i64, chunks = 3 : i64, chunk = 2 : i64} : tensor<?x?x1536xf32> -> tensor<?x8x?x64xf32>
  // CHECK: loom.merge_heads %{{.*}} : tensor<?x8x?x64xf32> -> tensor<?x?x512xf32>
  %m = loom.merge_heads %v : tensor<?x8x?x64xf32> -> tensor<?x?x512xf32>
  return %m : tensor<?x?x512xf32>
}

// CHECK-LABEL: func @one_head
func.func @one_head(%x: tensor<2x5x8xf32>) -> tensor<2x1x5x8xf32> {
  // CHECK: loom.split_heads %{{.*}} {heads = 1 : i64} : tensor<2x5x8xf32> -> tensor<2x1x5x8xf32>
  %h = loom.split_heads %x {heads = 1 : i64} : tensor<2x5x8xf32> -> tensor<2x1x5x8xf32>
  return %h : tensor<2x1x5x8xf32>
}
