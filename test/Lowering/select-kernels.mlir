// --loom-select-kernels: one instance per distinct (family, params), named
// from them, with every knob's default for each ISA; each kernel op names
// its instance.
// RUN: loom-opt %s --loom-select-kernels -split-input-file -verify-diagnostics | FileCheck %s

!x = !loom_kernel.buffer<[B, S, 8], f32>
!w = !loom_kernel.buffer<[8, 8], f32>
!b = !loom_kernel.buffer<[8], f32>
!h = !loom_kernel.buffer<[B, 2, S, 4], f32, heads>

// CHECK: loom_kernel.instance @linear {family = "linear", params = {activation = "none", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}
// CHECK-NEXT: loom_kernel.instance @linear_gelu {family = "linear", params = {activation = "gelu", k = 0 : i64, n = 0 : i64}
// CHECK-NEXT: loom_kernel.instance @attention_causal_head_dim4 {family = "attention", params = {head_dim = 4 : i64, mask = "causal"}
// CHECK-NEXT: loom_kernel.instance @add_norm_sum {family = "add_norm_sum", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}
// CHECK-NOT: loom_kernel.instance
// CHECK-LABEL: func.func @forward(
func.func @forward(%x: !x, %w: !w, %b: !b, %y: !x, %z: !x, %s: !x) {
  // CHECK: loom_kernel.linear {{.*}} {activation = #loom_kernel.activation<none>, kernel = @linear}
  loom_kernel.linear %x, %w, %b into %y {activation = #loom_kernel.activation<none>} : !x, !w, !b, !x
  // Equal requests share an instance.
  // CHECK: loom_kernel.linear {{.*}} {activation = #loom_kernel.activation<none>, kernel = @linear}
  loom_kernel.linear %y, %w, %b into %z {activation = #loom_kernel.activation<none>} : !x, !w, !b, !x
  // CHECK: loom_kernel.linear {{.*}} {activation = #loom_kernel.activation<gelu>, kernel = @linear_gelu}
  loom_kernel.linear %z, %w, %b into %y {activation = #loom_kernel.activation<gelu>} : !x, !w, !b, !x
  %q = loom_kernel.split_heads %x {heads = 2 : i64} : !x -> !h
  %o = loom_kernel.split_heads %z {heads = 2 : i64} : !x -> !h
  // CHECK: loom_kernel.attention {{.*}} {kernel = @attention_causal_head_dim4, mask = #loom.mask<causal>, scale = 5.000000e-01 : f32}
  loom_kernel.attention %q, %q, %q into %o {mask = #loom.mask<causal>, scale = 0.5 : f32} : !h, !h, !h, !h
  // A norm that also writes the sum is its own family.
  // CHECK: loom_kernel.add_norm {{.*}} {epsilon = 9.99999974E-6 : f32, kernel = @add_norm_sum}
  loom_kernel.add_norm %x, %y, %b, %b into %z sum(%s : !x) {epsilon = 9.99999974E-6 : f32} : !x, !x, !b, !b, !x
  return
}

// -----

!x = !loom_kernel.buffer<[B, S, 8], f32>
!w = !loom_kernel.buffer<[8, 8], f32>
!b = !loom_kernel.buffer<[8], f32>
// A symbol that already has the name with other parameters is a conflict.
loom_kernel.instance @linear {family = "linear", params = {activation = "relu", k = 0 : i64, n = 0 : i64}, schedules = {avx2 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 24 : i64, scheduler = 1 : i64, tile_rows = 4 : i64, tile_vectors = 2 : i64, unroll_k = 1 : i64}, avx512 = {blocked_row_tiles_per_task = 16 : i64, estimate_k = 512 : i64, estimate_m = 1024 : i64, estimate_n = 512 : i64, k_block = 256 : i64, k_block_min_k = 1024 : i64, row_tiles_per_task = 16 : i64, scheduler = 1 : i64, tile_rows = 6 : i64, tile_vectors = 4 : i64, unroll_k = 1 : i64}}}
func.func @forward(%x: !x, %w: !w, %b: !b, %y: !x) {
  // expected-error @+1 {{'loom_kernel.linear' op needs a kernel named @linear with params {activation = "none", k = 0 : i64, n = 0 : i64}, but that symbol has {activation = "relu", k = 0 : i64, n = 0 : i64}}}
  loom_kernel.linear %x, %w, %b into %y {activation = #loom_kernel.activation<none>} : !x, !w, !b, !x
  return
}
