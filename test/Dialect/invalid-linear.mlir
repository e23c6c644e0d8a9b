// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @contraction(%x: tensor<?x?x512xf32>, %w: tensor<256x511xf32>, %b: tensor<256xf32>) {
  // expected-error @+1 {{input dim 2 (512) does not match weight dim 1 (511)}}
  %y = loom.linear %x, %w, %b : (tensor<?x?x512xf32>, tensor<256x511xf32>, tensor<256xf32>) -> tensor<?x?x256xf32>
  return
}

// -----

func.func @bias(%x: tensor<?x?x512xf32>, %w: tensor<256x512xf32>, %b: tensor<255xf32>) {
  // expected-error @+1 {{bias dim 0 (255) does not match weight dim 0 (256)}}
  %y = loom.linear %x, %w, %b : (tensor<?x?x512xf32>, tensor<256x512xf32>, tensor<255xf32>) -> tensor<?x?x256xf32>
  return
}

// -----

func.func @features(%x: tensor<?x?x512xf32>, %w: tensor<256x512xf32>, %b: tensor<256xf32>) {
  // expected-error @+1 {{result has 128 features but the selected weight rows give 256}}
  %y = loom.linear %x, %w, %b : (tensor<?x?x512xf32>, tensor<256x512xf32>, tensor<256xf32>) -> tensor<?x?x128xf32>
  return
}

// -----

func.func @rows_outside(%x: tensor<?x?x512xf32>, %w: tensor<1536x512xf32>, %b: tensor<1536xf32>) {
  // expected-error @+1 {{weight_rows [1024, 1024 + 1024) is not a non-empty range inside the 1536 weight rows}}
  %y = loom.linear %x, %w, %b {weight_rows = array<i64: 1024, 1024>} : (tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) -> tensor<?x?x1024xf32>
  return
}

// -----

func.func @rows_form(%x: tensor<?x?x512xf32>, %w: tensor<1536x512xf32>, %b: tensor<1536xf32>) {
  // expected-error @+1 {{weight_rows must be [first, count], got 3 values}}
  %y = loom.linear %x, %w, %b {weight_rows = array<i64: 0, 512, 1>} : (tensor<?x?x512xf32>, tensor<1536x512xf32>, tensor<1536xf32>) -> tensor<?x?x512xf32>
  return
}

// -----

func.func @result_rank(%x: tensor<?x?x512xf32>, %w: tensor<256x512xf32>) {
  // expected-error @+1 {{result (input rank) must have rank 3}}
  %y = loom.linear %x, %w : (tensor<?x?x512xf32>, tensor<256x512xf32>) -> tensor<?x256xf32>
  return
}
