// --loom-apply-tuning-records: records measured on another machine leave
// the default schedule and say so in a remark on the instance; a record
// whose knobs are not the family's is ignored with a warning; a file that
// is not a records file is an error naming its line. (The positive case,
// a record of this machine replacing a schedule, needs this machine's
// measurements: test/loomc/tune.test.)
// RUN: rm -rf %t && split-file %s %t
// RUN: loom-opt %t/norm.mlir --loom-select-kernels --loom-apply-tuning-records="records=%t/other-cpu.jsonl threads=1" -verify-diagnostics | FileCheck %s
// RUN: loom-opt %t/norm-knobs.mlir --loom-select-kernels --loom-apply-tuning-records="records=%t/bad-knobs.jsonl threads=1" -verify-diagnostics
// RUN: loom-opt %t/norm-bad.mlir --loom-select-kernels --loom-apply-tuning-records="records=%t/bad.jsonl" -verify-diagnostics
// RUN: loom-opt %t/norm-missing.mlir --loom-select-kernels --loom-apply-tuning-records="records=%t/missing.jsonl" -verify-diagnostics
// RUN: loom-opt %t/norm-shapes.mlir --loom-select-kernels --loom-apply-tuning-records="records=%t/other-cpu.jsonl shapes=B=0" -verify-diagnostics

//--- norm.mlir
!x = !loom_kernel.buffer<[B, S, 8], f32>
!g = !loom_kernel.buffer<[8], f32>
// CHECK: loom_kernel.instance @layer_norm {family = "layer_norm", params = {}, schedules = {avx2 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}, avx512 = {estimate_d = 512 : i64, estimate_m = 1024 : i64, rows_per_task = 16 : i64, scheduler = 1 : i64}}}
func.func @forward(%x: !x, %g: !g, %y: !x) {
  // expected-remark@+1 {{@layer_norm (avx512) keeps its default schedule: 1 record(s) measured on another machine or thread count, 0 for other shapes or calls}}
  loom_kernel.layer_norm %x, %g, %g into %y {epsilon = 1.0e-5 : f32} : !x, !g, !g, !x
  return
}

//--- norm-knobs.mlir
!x = !loom_kernel.buffer<[B, S, 8], f32>
!g = !loom_kernel.buffer<[8], f32>
func.func @forward(%x: !x, %g: !g, %y: !x) {
  // expected-warning@+1 {{1 tuning record(s) of @layer_norm (avx512) have knobs that are not the layer_norm family's (another Loom version?): ignored}}
  loom_kernel.layer_norm %x, %g, %g into %y {epsilon = 1.0e-5 : f32} : !x, !g, !g, !x
  return
}

//--- norm-bad.mlir
// expected-error@+1 {{tuning records: }}
module {
  func.func @forward(%x: !loom_kernel.buffer<[B, S, 8], f32>, %g: !loom_kernel.buffer<[8], f32>, %y: !loom_kernel.buffer<[B, S, 8], f32>) {
    loom_kernel.layer_norm %x, %g, %g into %y {epsilon = 1.0e-5 : f32} : !loom_kernel.buffer<[B, S, 8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[8], f32>, !loom_kernel.buffer<[B, S, 8], f32>
    return
  }
}

//--- norm-missing.mlir
// expected-error@+1 {{is not a regular file}}
module {
}

//--- norm-shapes.mlir
// expected-error@+1 {{tuning records: 'B=0': expected B=N, S=N or T=N with N in [1, 65536], joined by ','}}
module {
}

//--- other-cpu.jsonl
{"kernel":"layer_norm","family":"layer_norm","isa":"avx512","params":[],"workload":"0","shapes":"B=8,S=128,T=128","functions":"forward","schedule":{"estimate_d":512,"estimate_m":1024,"rows_per_task":4,"scheduler":1},"status":"ok","median_us":1.5,"default_us":2.5,"repeats":10,"error":"","machine":{"cpu":"Another CPU","isa_features":"avx2 fma","threads":1},"loom":"x","halide":"14","seed":"1","candidate":1}
//--- bad-knobs.jsonl
{"kernel":"layer_norm","family":"layer_norm","isa":"avx512","params":[],"workload":"0","shapes":"B=8,S=128,T=128","functions":"forward","schedule":{"rows_per_task":4,"tile_rows":2},"status":"ok","median_us":1.5,"default_us":2.5,"repeats":10,"error":"","machine":{"cpu":"Another CPU","isa_features":"avx2 fma","threads":1},"loom":"x","halide":"14","seed":"1","candidate":1}
//--- bad.jsonl

{"kernel": "layer_norm"}
