// --loom-lower-to-emitc checks a plan before trusting it (a plan printed
// by --emit=plan may be edited by hand): every diagnostic of the check, and
// what emission itself needs.
// RUN: loom-opt %s --loom-lower-to-emitc -split-input-file -verify-diagnostics

// A function the planner never saw.
!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  // expected-error @+1 {{is not planned: it needs loom_kernel.arena_rows, loom_kernel.arena_unit and loom_kernel.arena_bytes (run --loom-plan-buffers)}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) {
    loom_kernel.add %in, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  // expected-error @+1 {{arena sizes must be >= 0}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = -1 : i64, loom_kernel.arena_unit = "B*S"} {
    loom_kernel.add %in, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  // expected-error @+1 {{unknown arena unit "B*U" (expected B, B*S, B*T or B*max(S,T))}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*U"} {
    loom_kernel.add %in, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*S"} {
    // expected-error @+1 {{has no arena offset (run --loom-plan-buffers)}}
    %a = loom_kernel.alloc : !x
    loom_kernel.add %in, %in into %a {kernel = @add} : !x, !x, !x
    loom_kernel.add %a, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

// An offset past the arena the function asks for.
!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*S"} {
    // expected-error @+1 {{ends at 24 row units, past the arena's 16}}
    %a = loom_kernel.alloc offset 16 : !x
    loom_kernel.add %in, %in into %a {kernel = @add} : !x, !x, !x
    loom_kernel.add %a, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 128 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*S"} {
    // expected-error @+1 {{a static buffer's offset must be a multiple of 64 bytes, got 4}}
    %s = loom_kernel.alloc offset 4 : !loom_kernel.buffer<[2, 2], f32>
    loom_kernel.add %s, %s into %s {kernel = @add} : !loom_kernel.buffer<[2, 2], f32>, !loom_kernel.buffer<[2, 2], f32>, !loom_kernel.buffer<[2, 2], f32>
    loom_kernel.add %in, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

// rows_max = B * T cannot hold B * S rows.
!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*T"} {
    // expected-error @+1 {{has a length dim the arena unit "B*T" does not cover}}
    %a = loom_kernel.alloc offset 0 : !x
    loom_kernel.add %in, %in into %a {kernel = @add} : !x, !x, !x
    loom_kernel.add %a, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

// Two buffers alive at once in one place.
!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*S"} {
    // expected-note @+1 {{the other buffer}}
    %a = loom_kernel.alloc offset 0 : !x
    // expected-error @+1 {{shares arena memory with a buffer that is live at the same time}}
    %b = loom_kernel.alloc offset 4 : !x
    loom_kernel.add %in, %in into %a {kernel = @add} : !x, !x, !x
    loom_kernel.add %in, %in into %b {kernel = @add} : !x, !x, !x
    loom_kernel.add %a, %b into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

!x = !loom_kernel.buffer<[B, S, 8], f32>
// expected-error @+1 {{has no loom.spec (the model's description)}}
module {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*S"} {
    loom_kernel.add %in, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

// The runtime calls only the functions of loom/abi/PlanAbi.def.
!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  // expected-error @+1 {{is not a plan function the runtime knows (loom/abi/PlanAbi.def)}}
  func.func @backward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*S"} {
    loom_kernel.add %in, %in into %out {kernel = @add} : !x, !x, !x
    return
  }
}

// -----

!x = !loom_kernel.buffer<[B, S, 8], f32>
module attributes {loom.spec = {name = "t", architecture = "encoder", d_model = 8 : i64, heads = 2 : i64, ffn_hidden = 8 : i64, encoder_layers = 1 : i64, decoder_layers = 0 : i64, src_vocab = 5 : i64, tgt_vocab = 0 : i64, max_len = 4 : i64, pad_id = 0 : i64, bos_id = 1 : i64, eos_id = 2 : i64}} {
  loom_kernel.instance @add {family = "add", params = {}, schedules = {avx2 = {rows_per_task = 16 : i64}, avx512 = {rows_per_task = 16 : i64}}}
  func.func @forward(%in: !x {loom.input = "src"}, %out: !x {loom.output = "out"}) attributes {loom_kernel.arena_bytes = 0 : i64, loom_kernel.arena_rows = 16 : i64, loom_kernel.arena_unit = "B*S"} {
    // expected-error @+1 {{'loom_kernel.add' op has no kernel instance (run --loom-select-kernels)}}
    loom_kernel.add %in, %in into %out : !x, !x, !x
    return
  }
}
