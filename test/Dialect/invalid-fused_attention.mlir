// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @lengths_missing(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{mask 'key_padding' needs key_lengths}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<key_padding>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

func.func @lengths_unused(%q: tensor<?x8x?x64xf32>, %len: tensor<?xi32>) {
  // expected-error @+1 {{key_lengths given but mask 'causal' has no key padding}}
  %a = loom.fused_attention %q, %q, %q key_lengths(%len : tensor<?xi32>) {heads = 8 : i64, mask = #loom.mask<causal>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

func.func @heads(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{heads attribute (4) does not match the query's head dim (8)}}
  %a = loom.fused_attention %q, %q, %q {heads = 4 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

func.func @scale(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{scale must be positive and finite, got -1}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = -1.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

func.func @key_width(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x32xf32>) {
  // expected-error @+1 {{key dim 3 (32) does not match query dim 3 (64)}}
  %a = loom.fused_attention %q, %k, %k {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32> -> tensor<?x8x?x64xf32>
  return
}

// -----

func.func @value_length(%q: tensor<2x8x5x64xf32>, %k: tensor<2x8x7x64xf32>, %v: tensor<2x8x6x64xf32>) {
  // expected-error @+1 {{value dim 2 (6) does not match key dim 2 (7)}}
  %a = loom.fused_attention %q, %k, %v {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<2x8x5x64xf32>, tensor<2x8x7x64xf32>, tensor<2x8x6x64xf32> -> tensor<2x8x5x64xf32>
  return
}

// -----

func.func @rank(%q: tensor<?x?x64xf32>) {
  // expected-error @+1 {{query must have rank 4}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32> -> tensor<?x?x64xf32>
  return
}

// -----

func.func @result(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{result type must equal the query type}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<none>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<2x8x?x64xf32>
  return
}

// -----

func.func @mask_kind(%q: tensor<?x8x?x64xf32>) {
  // expected-error @+2 {{expected ::loom::MaskKind to be one of: none, causal, key_padding, causal_key_padding}}
  // expected-error @+1 {{failed to parse}}
  %a = loom.fused_attention %q, %q, %q {heads = 8 : i64, mask = #loom.mask<sliding>, scale = 0.125 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32> -> tensor<?x8x?x64xf32>
  return
}
