// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.positional_encoding adds the sinusoidal table row of each position.

// CHECK-LABEL: func @add_table
func.func @add_table(%x: tensor<?x?x512xf32>, %y: tensor<2x7x8xf32>) -> (tensor<?x?x512xf32>, tensor<2x7x8xf32>) {
  // CHECK: loom.positional_encoding %{{.*}} {max_len = 128 : i64} : tensor<?x?x512xf32>
  %p = loom.positional_encoding %x {max_len = 128 : i64} : tensor<?x?x512xf32>
  // A static length up to max_len is fine.
  // CHECK: loom.positional_encoding %{{.*}} {max_len = 7 : i64} : tensor<2x7x8xf32>
  %q = loom.positional_encoding %y {max_len = 7 : i64} : tensor<2x7x8xf32>
  return %p, %q : tensor<?x?x512xf32>, tensor<2x7x8xf32>
}
