// --loom-plan-buffers refuses a plan that reads scratch memory no kernel
// wrote (its contents would be whatever the arena held).
// RUN: loom-opt %s --loom-plan-buffers -split-input-file -verify-diagnostics

!x = !loom_kernel.buffer<[B, S, 8], f32>
func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) {
  %a = loom_kernel.alloc : !x
  // expected-error @+1 {{reads a buffer that no kernel has written yet}}
  loom_kernel.add %a, %in into %out : !x, !x, !x
  return
}

// -----

// Through a view as well.
!x = !loom_kernel.buffer<[B, S, 16], f32>
!half = !loom_kernel.buffer<[B, S, 8], f32, row_stride = 16>
func.func @forward(%in: !loom_kernel.buffer<[B, S, 8], f32> {loom.input = "src"}, %out: !loom_kernel.buffer<[B, S, 8], f32> {loom.output = "out"}) {
  %a = loom_kernel.alloc : !x
  %v = loom_kernel.columns %a {offset = 8 : i64, width = 8 : i64} : !x -> !half
  // expected-error @+1 {{reads a buffer that no kernel has written yet}}
  loom_kernel.add %v, %in into %out : !half, !loom_kernel.buffer<[B, S, 8], f32>, !loom_kernel.buffer<[B, S, 8], f32>
  return
}
