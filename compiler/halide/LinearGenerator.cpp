// linear: y[m, n] = act(sum_k x[m, k] * wt[k, n] + bias[n]), arguments as in
// LOOM_ABI_linear. Halide dims innermost first: x(k, m) (row stride >= K:
// strided views are fine), wt(n, k) (weights pre-transposed, n contiguous),
// bias(n), y(n, m). Any M, N, K >= 1; only dim 0 of each buffer must have
// stride 1. act = none | relu | gelu (erf form), fixed per instance. Params n
// and k fix N and K (the buffers must then have those extents), so Halide
// folds the parts of the branch conditions below that depend on them; 0 reads
// them at run time.
#include "FloatMath.h"
#include "GeneratorMacros.h"
#include "NarrowTiles.h"

using namespace Halide;
using namespace loom::halide;

namespace {

class LinearGenerator : public Generator<LinearGenerator> {
public:
  LOOM_GENERATOR_ABI(linear)
#define LOOM_SELECTED_linear LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_linear

  void generate() {
    readParams();
    const int chosen = scheduler.forTarget(get_target());
    _halide_user_assert(chosen == 1 || chosen == 2) << "linear: scheduler must be 1 (Loom's) or 2 (Adams2019)";
    if (chosen == 2) return generateForAdams2019();
    _halide_user_assert(!get_auto_schedule()) << "linear: auto_schedule=true needs scheduler=2";

    /* THE ALGORITHM */
    // Unblocked: one reduction over all of k.
    prod(col, row) = 0.0f;
    prod(col, row) += x(rk, row) * wt(col, rk);
    // Blocked (large K): part(n, m, b) sums k in [b KC, (b + 1) KC), acc sums
    // the blocks, so one KC x NR block of wt stays in cache while a task walks
    // all its row tiles. k_block thus sets the summation order.
    part(col, row, blk) = 0.0f;
    part(col, row, blk) += x(blk * KC + ki, row) * wt(col, blk * KC + ki);
    acc(col, row) = 0.0f;
    acc(col, row) += part(col, row, kb);
    // Halide drops the untaken side of this select in each specialization of
    // the schedule (SimplifySpecializations): a branch computes prod or acc.
    y(col, row) = select(blocked, activate(acc(col, row) + bias(col)),
                         activate(prod(col, row) + bias(col)));
    if (n > 0) y.dim(0).set_bounds(0, N);  // (y's buffer exists once y is defined)

    /* THE SCHEDULE */
    scheduleOutput();
    scheduleRegisterTile();
    scheduleBlocked();
  }

private:
  /// The unblocked algorithm with estimates and no schedule: Halide's
  /// Adams2019 autoscheduler (auto_schedule=true, its plugin loaded)
  /// schedules it, as a baseline for loomc tune.
  void generateForAdams2019() {
    _halide_user_assert(get_auto_schedule())
        << "linear: scheduler=2 needs auto_schedule=true and the Adams2019 plugin (-p, -s)";
    prod(col, row) = 0.0f;
    prod(col, row) += x(rk, row) * wt(col, rk);
    y(col, row) = activate(prod(col, row) + bias(col));
    const Target t = get_target();
    const int em = estimate_m.forTarget(t), en = estimate_n.forTarget(t),
              ek = estimate_k.forTarget(t);
    x.set_estimates({{0, ek}, {0, em}});
    wt.set_estimates({{0, en}, {0, ek}});
    bias.set_estimates({{0, en}});
    y.set_estimates({{0, en}, {0, em}});
  }

  // Knob values for this target: register tile MR rows x NR columns (NR =
  // tile_vectors vectors of VW lanes), KC = k_block, TR = rows per blocked task.
  int VW = 0, MR = 0, NR = 0, KC = 0, TR = 0, rowTilesPerTask = 0, unrollK = 0;
  Expr M, N, K, blocked;
  Var col{"n"}, row{"m"}, blk{"b"};  // (n and k are the GeneratorParams' names)
  Var nt{"nt"}, mt{"mt"}, nr{"nr"}, mr{"mr"}, mo{"mo"}, mi{"mi"}, task{"task"};
  Var mb{"mb"}, mrest{"mrest"}, no{"no"}, ni{"ni"}, ao{"ao"}, ai{"ai"};
  RDom rk, ki, kb;
  Func prod{"prod"}, part{"part"}, acc{"acc"};

  /// Validates the params, resolves the knobs, fixes static extents and the
  /// reduction domains.
  void readParams() {
    requireOneOf("linear", "activation", activation, {"none", "relu", "gelu"});
    requireNonNegative("linear", "n", n);
    requireNonNegative("linear", "k", k);
    const Target t = get_target();
    VW = natural_vector_size<float>();
    MR = tile_rows.forTarget(t);
    NR = tile_vectors.forTarget(t) * VW;
    rowTilesPerTask = row_tiles_per_task.forTarget(t);
    unrollK = unroll_k.forTarget(t);
    KC = k_block.forTarget(t);
    TR = MR * blocked_row_tiles_per_task.forTarget(t);
    M = outputExtent(1);
    N = outputExtent(0);
    K = x.dim(0).extent();
    if (n > 0) {
      N = n;
      for (auto d : {wt.dim(0), bias.dim(0)}) d.set_bounds(0, N);
    }
    if (k > 0) {
      K = k;
      for (auto d : {x.dim(0), wt.dim(1)}) d.set_bounds(0, K);
    }
    rk = RDom(0, K, "k");
    ki = RDom(0, KC, "ki");
    kb = RDom(0, K / KC, "kb");
    // One Expr for the select in generate() and y.specialize(). (N >= 2 NR, not
    // N >= NR: a conjunct equal to a later branch's condition would be
    // rewritten there and the select would no longer fold.)
    blocked = M >= TR && N >= 2 * NR && K >= k_block_min_k.forTarget(t) && K % KC == 0;
  }

  /// y's extent in `dim`, by the name Halide gives its output buffer: y has
  /// no buffer before it is defined, and its definition needs this extent.
  Expr outputExtent(int dim) const {
    Internal::Parameter buffer(Float(32), true, 2, y.name());
    return Internal::Variable::make(Int(32), y.name() + ".extent." + std::to_string(dim), buffer);
  }

  /// relu and gelu as PyTorch computes them on NaN and Inf too: relu(NaN) is
  /// NaN (max, a compare and a select under fast math, may return the 0), so
  /// keepNan passes it on; gelu propagates by itself (FloatMath.h). NaN and
  /// Inf in x, wt or bias need nothing else: the sums are plain FMAs.
  Expr activate(Expr pre) const {
    const std::string act = activation;
    if (act == "relu") return keepNan(pre, max(pre, 0.0f));
    if (act == "gelu") return gelu(pre);
    return pre;  // "none" (readParams refused anything else)
  }

  // The defaults (KernelParams.def): a 6 x 4-vector register tile on AVX-512
  // (24 of the 32 zmm accumulate), 16 row tiles per task, so a task keeps one
  // wt column panel (K x 64 floats, 128 KB at K = 512) hot in L2. Measured
  // (Zen 5, loom-kernel-bench, 1 thread, % of the measured FMA peak, M = 1024,
  // N x K = 512 x 512 / 2048 x 512 / 512 x 2048, the last one unblocked):
  //   6x4 vectors, 16 tiles/task: 93% / 89% / 57%;  12x2, 8 tiles: 77% / 83% / 68%;
  //   8x3, 12 tiles: 81% / 80% / 69%;  6x4, 4 tiles: 80% / 75% / 50%.
  // k blocking (K = 2048): a task sums its 96 x 64 outputs in acc (24 KB) and,
  // per k block, walks all its row tiles over one k_block x 64 block of wt
  // (64 KB). Unblocked, the whole K x 64 panel (512 KB at K = 2048, rows 2 KB
  // apart, so probably only 1/8 of the L2 sets hold it) was re-streamed from
  // L3 for every row tile. Measured (M=1024 N=512 K=2048, % of the FMA peak of
  // the same run, 1 / 2 threads; unblocked 73% / 72%):
  //   k_block 256: 77-94% / 75-91%;  512: 76-85% / 72-83%;  128: ~75% (1 thread);
  //   1024: 56% / 65%;  256 with 24 tiles/task: 73% / 79%; 8 tiles (k_block 512): 63%.
  // Blocking K = 512 too (k_block_min_k 512) lost ~5%. The AVX2 defaults
  // (4 x 2 ymm tile) are correctness-checked only; the bench times AVX-512.

  /// The output's loop nests, one per specialization. Every unblocked branch
  /// has the loops (nr, mr, mi, task), so prod is computed at `mi` (one
  /// register tile) in all of them. Tails: ShiftInwards recomputes the last
  /// tile over outputs already written, so no tile leaves the buffer; it needs
  /// the extent >= the tile, hence the branches for small M and N.
  void scheduleOutput() {
    Func out = y;
    // Blocked branch: a task owns exactly TR rows x NR columns (ShiftInwards at
    // both levels, so every extent below is a compile-time constant) and sums
    // them in acc over the k blocks. Loop names match the other branches'
    // (task, mi) so acc and prod have legal compute_at sites in every branch
    // (Halide validates before specializing).
    out.specialize(blocked)
        .split(row, mb, mrest, TR, TailStrategy::ShiftInwards)
        .split(col, nt, nr, NR, TailStrategy::ShiftInwards)
        .split(mrest, mi, mr, MR)
        .reorder(nr, mr, mi, nt, mb)
        .fuse(nt, mb, task)
        .parallel(task)
        .vectorize(nr, VW)
        .unroll(mr);
    tileOutput(out.specialize(M >= MR && N >= NR), NR, MR, VW);
    // Few rows (decoding: M = batch): one-row register tiles, still NR wide.
    tileOutput(out.specialize(N >= NR), NR, 1, VW);
    // Narrow outputs (N < one register tile; tiny models only): fewer
    // vectors, more rows, down to one-vector rows (NarrowTiles.h); under one
    // vector: scalar.
    for (auto [columns, rows] : narrowerTiles(MR, NR / VW, VW))
      tileOutput(out.specialize(M >= rows && N >= columns), columns, rows, VW);
    tileOutput(out, 1, 1, 1);
  }

  void tileOutput(Stage stage, int tileN, int tileM, int vector) {
    stage.tile(col, row, nt, mt, nr, mr, tileN, tileM, TailStrategy::ShiftInwards)
        .split(mt, mo, mi, rowTilesPerTask, TailStrategy::GuardWithIf)
        .reorder(nr, mr, mi, nt, mo)
        .fuse(nt, mo, task)
        .parallel(task);
    if (vector > 1) stage.vectorize(nr, vector);
    if (tileM > 1) stage.unroll(mr);
  }

  /// The register tile: MR x NR / VW accumulators live across the k loop;
  /// each k step loads NR / VW vectors of wt and broadcasts MR values of x.
  void scheduleRegisterTile() {
    prod.compute_at(y, mi);
    prod.specialize(N >= VW)  // every vector tile: NR x MR, NR x 1, the narrower ones
        .split(col, no, ni, VW)
        .reorder(ni, no, row)
        .vectorize(ni)
        .unroll(no)
        .unroll(row);
    Stage update = prod.update().specialize(N >= VW);
    update.split(col, no, ni, VW).reorder(ni, no, row, rk).vectorize(ni).unroll(no).unroll(row);
    if (unrollK > 1) update.unroll(rk, unrollK);
  }

  /// Blocked branch: acc (TR x NR floats) per task; for each k block, each
  /// row tile's register tile over KC.
  void scheduleBlocked() {
    acc.compute_at(y, task).vectorize(col, VW);
    acc.update()
        .split(row, ao, ai, MR)
        .split(col, no, ni, VW)
        .reorder(ni, no, ai, ao, kb)
        .vectorize(ni)
        .unroll(no)
        .unroll(ai);
    part.compute_at(acc, ao)
        .split(col, no, ni, VW)
        .reorder(ni, no, row)
        .vectorize(ni)
        .unroll(no)
        .unroll(row);
    Stage update = part.update();
    update.split(col, no, ni, VW).reorder(ni, no, row, ki).vectorize(ni).unroll(no).unroll(row);
    if (unrollK > 1) update.unroll(ki, unrollK);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(LinearGenerator, linear)
