// RUN: loom-opt %s | loom-opt | FileCheck %s
// loom.fused_attention: softmax(mask(scale · Q · Kᵀ)) · V with the mask kind,
// scale and head count as attributes. key_lengths comes exactly with the
// key-padding masks.

// CHECK-LABEL: func @all_masks
func.func @all_masks(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>, %len: tensor<?xi32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) {
  // CHECK: loom.fused_attention %{{.*}}, %{{.*}}, %{{.*}} {heads = 8 : i64, mask = #loom.mask<none>, scale = 1.250000e-01 : f32}
  %0 = loom.fused_attention %q, %k, %v {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  // CHECK: loom.fused_attention {{.*}} {heads = 8 : i64, mask = #loom.mask<causal>, scale = 1.250000e-01 : f32}
  %1 = loom.fused_attention %q, %k, %v {heads = 8 : i64, mask = #loom.mask<causal>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  // CHECK: loom.fused_attention %{{.*}}, %{{.*}}, %{{.*}} key_lengths(%{{.*}} : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<key_padding>
  %2 = loom.fused_attention %q, %k, %v key_lengths(%len : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<key_padding>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  // CHECK: key_lengths(%{{.*}} : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<causal_key_padding>
  %3 = loom.fused_attention %q, %k, %v key_lengths(%len : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<causal_key_padding>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return %0, %1, %2, %3 : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
}

// Cross-attention: queries and keys may have different lengths.
// CHECK-LABEL: func @cross
func.func @cross(%q: tensor<2x4x5x8xf32>, %k: tensor<2x4x9x8xf32>, %v: tensor<2x4x9x8xf32>, %len: tensor<2xi64>) -> tensor<2x4x5x8xf32> {
  // CHECK: loom.fused_attention {{.*}} : tensor<2x4x5x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32> -> tensor<2x4x5x8xf32>
  %0 = loom.fused_attention %q, %k, %v key_lengths(%len : tensor<2xi64>) {heads = 4 : i64, mask = #loom.mask<key_padding>, scale = 0.35355339 : f32} : tensor<2x4x5x8xf32>, tensor<2x4x9x8xf32>, tensor<2x4x9x8xf32> -> tensor<2x4x5x8xf32>
  return %0 : tensor<2x4x5x8xf32>
}
