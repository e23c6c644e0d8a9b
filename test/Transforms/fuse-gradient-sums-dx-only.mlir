// RUN: loom-opt %s -split-input-file --loom-fuse-gradient-sums | FileCheck %s
// --loom-fuse-gradient-sums may fold a sum only into layer_norm_grad's dx,
// the result its accumulate adds to. A sum of its dgamma or dbeta (a gamma
// that two norms share) must stay a loom.add. Fails today: the pattern
// accepts any result of a layer_norm_grad, so the sum is dropped from
// dgamma and added to dx instead (silently when the types agree, as in the
// rank-1 case; with an invalid accumulate in the rank-3 case).

// CHECK-LABEL: func.func @dgamma_sum
// CHECK-SAME: %[[OTHER:[^:]*]]: tensor<8xf32>)
// CHECK: %[[DX:[^,]*]], %[[DG:[^,]*]], %{{[^ ]*}} = loom.layer_norm_grad %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} : tensor<?x?x8xf32>
// CHECK-NEXT: %[[S:.*]] = loom.add %[[DG]], %[[OTHER]] : tensor<8xf32>
// CHECK-NEXT: return %[[DX]], %[[S]],
func.func @dgamma_sum(%dy: tensor<?x?x8xf32>, %x: tensor<?x?x8xf32>, %st: tensor<?x?x2xf32>, %g: tensor<8xf32>, %other: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %dx, %dg, %db = loom.layer_norm_grad %dy, %x, %st, %g : tensor<?x?x8xf32>, tensor<?x?x2xf32>, tensor<8xf32>
  %s = loom.add %dg, %other : tensor<8xf32>
  return %dx, %s, %db : tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// A norm over a single row ([8]): dx, dgamma and dbeta have one type, so
// folding dbeta's sum into dx verifies, and is wrong.
// CHECK-LABEL: func.func @dbeta_sum_rank1
// CHECK-SAME: %[[OTHER:[^:]*]]: tensor<8xf32>)
// CHECK: %[[DX:[^,]*]], %{{[^,]*}}, %[[DB:[^ ]*]] = loom.layer_norm_grad %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} : tensor<8xf32>, tensor<2xf32>, tensor<8xf32>
// CHECK-NEXT: %[[S:.*]] = loom.add %[[OTHER]], %[[DB]] : tensor<8xf32>
// CHECK-NEXT: return %[[DX]], %{{[^,]*}}, %[[S]]
func.func @dbeta_sum_rank1(%dy: tensor<8xf32>, %x: tensor<8xf32>, %st: tensor<2xf32>, %g: tensor<8xf32>, %other: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %dx, %dg, %db = loom.layer_norm_grad %dy, %x, %st, %g : tensor<8xf32>, tensor<2xf32>, tensor<8xf32>
  %s = loom.add %other, %db : tensor<8xf32>
  return %dx, %dg, %s : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
