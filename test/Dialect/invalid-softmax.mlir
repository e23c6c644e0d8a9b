// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @axis(%s: tensor<?x8x?x?xf32>) {
  // expected-error @+1 {{axis 4 is not in [0, 4)}}
  %p = loom.softmax %s {axis = 4 : i64} : tensor<?x8x?x?xf32>
  return
}

// -----

func.func @negative_axis(%s: tensor<?x?xf32>) {
  // expected-error @+1 {{axis -1 is not in [0, 2)}}
  %p = loom.softmax %s {axis = -1 : i64} : tensor<?x?xf32>
  return
}
