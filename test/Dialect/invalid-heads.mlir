// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @not_divisible(%x: tensor<?x?x100xf32>) {
  // expected-error @+1 {{input features (100) must be static and a multiple of chunks * heads (24)}}
  %h = loom.split_heads %x {heads = 8 : i64, chunks = 3 : i64} : tensor<?x?x100xf32> -> tensor<?x8x?x4xf32>
  return
}

// -----

func.func @chunk_range(%x: tensor<?x?x96xf32>) {
  // expected-error @+1 {{chunk 3 is not in [0, 3)}}
  %h = loom.split_heads %x {heads = 8 : i64, chunks = 3 : i64, chunk = 3 : i64} : tensor<?x?x96xf32> -> tensor<?x8x?x4xf32>
  return
}

// -----

func.func @zero_heads(%x: tensor<?x?x96xf32>) {
  // expected-error @+1 {{heads must be >= 1, got 0}}
  %h = loom.split_heads %x {heads = 0 : i64} : tensor<?x?x96xf32> -> tensor<?x1x?x96xf32>
  return
}

// -----

func.func @head_dim(%x: tensor<?x?x96xf32>) {
  // expected-error @+1 {{result head dim must be 8}}
  %h = loom.split_heads %x {heads = 8 : i64, chunks = 3 : i64} : tensor<?x?x96xf32> -> tensor<?x4x?x4xf32>
  return
}

// -----

func.func @head_width(%x: tensor<?x?x96xf32>) {
  // expected-error @+1 {{result head width must be 4}}
  %h = loom.split_heads %x {heads = 8 : i64, chunks = 3 : i64} : tensor<?x?x96xf32> -> tensor<?x8x?x12xf32>
  return
}

// -----

func.func @merge_width(%x: tensor<?x8x?x4xf32>) {
  // expected-error @+1 {{result features must be heads * head width = 32}}
  %m = loom.merge_heads %x : tensor<?x8x?x4xf32> -> tensor<?x?x30xf32>
  return
}

// -----

func.func @merge_dynamic(%x: tensor<?x?x?x4xf32>) {
  // expected-error @+1 {{input heads and head width must be static}}
  %m = loom.merge_heads %x : tensor<?x?x?x4xf32> -> tensor<?x?x32xf32>
  return
}
