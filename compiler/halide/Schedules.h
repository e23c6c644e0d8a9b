// Every tunable schedule parameter of every kernel family, one struct per family.
// The algorithms (the *Kernel.cpp files) never contain a tile size: they read it
// from here, so a tuner can search these fields without touching the math.
#pragma once

#include <Halide.h>

#include <map>
#include <stdexcept>
#include <string>

namespace loom::halide {

/// True for every AVX-512 flavour of a pinned target (avx512_cannonlake etc.
/// do not set the plain AVX512 feature).
inline bool hasAvx512(const Halide::Target &target) {
  return target.natural_vector_size<float>() >= 16;
}

/// linear: y[m, n] = act(x[m, :] . Wt[:, n] + b[n]).
struct LinearSchedule {
  // Lanes per vector: 16 floats in a zmm (AVX-512), 8 in a ymm (AVX2).
  int vectorWidth = 16;
  // Register tile = tileRows x (tileVectors * vectorWidth) outputs held in
  // accumulators across the whole k loop. AVX-512 has 32 zmm: 6 x 4 = 24
  // accumulators + 4 loaded Wt vectors + 1 broadcast x value = 29 live registers.
  // Per k step: 24 FMAs for 4 loads + 6 broadcasts, enough for 2 FMAs/cycle.
  int tileRows = 6;
  int tileVectors = 4;
  // Row tiles per parallel task. A task keeps one Wt column panel (K x 64 floats,
  // 128 KB at K = 512) hot in L2 while it walks this many row tiles.
  // Measured (Zen 5, loom-kernel-bench, 1 thread, % of the measured FMA peak):
  //   6x4 vectors, 16 tiles/task: 1024x512x512 93%, 1024x2048x512 89%, K=2048 57%
  //   12x2, 8 tiles: 77% / 83% / 68%;  8x3, 12 tiles: 81% / 80% / 69%;
  //   6x4, 4 tiles: 80% / 75% / 50%. (K = 2048 now takes the k-blocked branch below.)
  int rowTilesPerTask = 16;
  // Unroll of the k loop inside the register tile (1 = let LLVM decide).
  int unrollK = 1;
  // k blocking, used when K >= kBlockMinK, K % kBlock == 0, M >= tileRows *
  // blockedRowTilesPerTask and N >= 2 register tiles (else the branches above).
  // A task owns tileRows * blockedRowTilesPerTask rows x one register tile of
  // columns, sums them in a small buffer (96 x 64 floats = 24 KB) and, per k block,
  // walks all its row tiles over one kBlock x 64 block of Wt (64 KB). Unblocked, the
  // whole K x 64 Wt panel (512 KB at K = 2048, rows 2 KB apart, so probably only
  // 1/8 of the L2 sets hold it) was re-streamed from L3 for every row tile.
  // Measured (Zen 5, loom-kernel-bench, M=1024 N=512 K=2048, % of the FMA peak of
  // the same run, 1 / 2 threads; unblocked before: 73% / 72%, 164 / 320 GFLOP/s):
  //   kBlock 256: 77-94% / 75-91%;  512: 76-85% / 72-83%;  128: ~75% (1 thread);
  //   1024: 56% / 65%;  256 with 24 tiles/task: 73% / 79%; 8 tiles (kBlock 512): 63%.
  // Blocking K = 512 too (kBlockMinK = 512, kBlock 256) lost ~5%: it stays unblocked.
  int kBlock = 256;
  int kBlockMinK = 1024;
  int blockedRowTilesPerTask = 16;
};

/// Applies --schedule=key=value overrides to the named fields; unknown keys throw.
inline void applyOverrides(const std::map<std::string, int> &overrides,
                           const std::map<std::string, int *> &fields) {
  for (auto &[key, value] : overrides) {
    auto it = fields.find(key);
    if (it == fields.end()) throw std::runtime_error("unknown --schedule key '" + key + "'");
    if (value <= 0) throw std::runtime_error("--schedule " + key + " must be positive");
    *it->second = value;
  }
}

inline LinearSchedule linearScheduleFor(const Halide::Target &target,
                                        const std::map<std::string, int> &overrides = {}) {
  LinearSchedule s;
  if (!hasAvx512(target)) {
    // AVX2: 16 ymm. 4 rows x 2 vectors = 8 accumulators + 2 loads + 1 broadcast.
    s.vectorWidth = 8;
    s.tileRows = 4;
    s.tileVectors = 2;
    s.rowTilesPerTask = 24;
    // k blocking: kBlock x 16 Wt block = 16 KB; 16 row tiles = 64-row tasks.
    // Correctness-checked only; not benchmarked (the bench times AVX-512 kernels).
  }
  applyOverrides(overrides, {{"tile_rows", &s.tileRows},
                             {"tile_vectors", &s.tileVectors},
                             {"row_tiles_per_task", &s.rowTilesPerTask},
                             {"unroll_k", &s.unrollK},
                             {"k_block", &s.kBlock},
                             {"k_block_min_k", &s.kBlockMinK},
                             {"blocked_row_tiles_per_task", &s.blockedRowTilesPerTask}});
  return s;
}

/// attention: FlashAttention-style, per (b, h, query block).
struct AttentionSchedule {
  int vectorWidth = 16;
  // Queries per task. Scores are laid out query-innermost so the row max, row
  // sum and exp are plain vector ops; 64 queries = 4 zmm per key.
  int queryBlock = 64;
  // Keys per online-softmax step: the [queryBlock x keyBlock] score tile (16 KB)
  // and its exp (16 KB) stay in L1 (48 KB on Zen 5).
  int keyBlock = 64;
  // QK^T register tile: scoreKeysUnroll keys x (queryBlock / vectorWidth) vectors
  // = 4 x 4 = 16 accumulators over the Dh loop; must divide keyBlock (a remainder
  // would grow every tile of the block).
  int scoreKeysUnroll = 4;
  // PV register tile: pvQueriesUnroll queries x (Dh / vectorWidth) vectors
  // (4 x 4 = 16 accumulators at Dh = 64); must divide queryBlock.
  int pvQueriesUnroll = 4;
};

inline AttentionSchedule attentionScheduleFor(const Halide::Target &target) {
  AttentionSchedule s;
  if (!hasAvx512(target)) {
    s.vectorWidth = 8;
    s.queryBlock = 32;
    s.scoreKeysUnroll = 2;  // 2 keys x 4 ymm = 8 accumulators
    s.pvQueriesUnroll = 1;  // Dh = 64 is already 8 ymm per query
  }
  return s;
}

/// layer_norm / add_norm: memory bound; rows are split over tasks.
struct NormSchedule {
  int vectorWidth = 16;
  // Rows per parallel task: a task should move a few hundred KB so the
  // halide_do_par_for overhead (~1 us with TBB) stays small.
  int rowsPerTask = 16;
};

inline NormSchedule normScheduleFor(const Halide::Target &target) {
  NormSchedule s;
  if (!hasAvx512(target)) s.vectorWidth = 8;
  return s;
}

/// embed: a gather of rows, memory bound.
struct EmbedSchedule {
  int vectorWidth = 16;
  int tokensPerTask = 32;
};

inline EmbedSchedule embedScheduleFor(const Halide::Target &target) {
  EmbedSchedule s;
  if (!hasAvx512(target)) s.vectorWidth = 8;
  return s;
}

/// argmax_rows: one row per task at a time; the vocabulary scan is vectorised by
/// keeping vectorWidth running (max, index) lanes and reducing them at the end.
struct ArgmaxSchedule {
  int vectorWidth = 16;
  int rowsPerTask = 4;
};

inline ArgmaxSchedule argmaxScheduleFor(const Halide::Target &target) {
  ArgmaxSchedule s;
  if (!hasAvx512(target)) s.vectorWidth = 8;
  return s;
}

}  // namespace loom::halide
