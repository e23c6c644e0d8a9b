// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.embedding gathers table rows by token id; the result appends the
// table's width to the tokens' shape. Token ids may be i32 or i64.

// CHECK-LABEL: func @lookup
func.func @lookup(%table: tensor<1000x512xf32>, %tokens: tensor<?x?xi32>) -> tensor<?x?x512xf32> {
  // CHECK: loom.embedding %{{.*}}[%{{.*}}] : tensor<1000x512xf32>, tensor<?x?xi32> -> tensor<?x?x512xf32>
  %e = loom.embedding %table[%tokens] : tensor<1000x512xf32>, tensor<?x?xi32> -> tensor<?x?x512xf32>
  return %e : tensor<?x?x512xf32>
}

// CHECK-LABEL: func @static_i64
func.func @static_i64(%table: tensor<10x4xf32>, %tokens: tensor<2x3xi64>) -> tensor<2x3x4xf32> {
  // CHECK: loom.embedding {{.*}} : tensor<10x4xf32>, tensor<2x3xi64> -> tensor<2x3x4xf32>
  %e = loom.embedding %table[%tokens] : tensor<10x4xf32>, tensor<2x3xi64> -> tensor<2x3x4xf32>
  return %e : tensor<2x3x4xf32>
}
