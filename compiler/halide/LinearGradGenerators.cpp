// A linear layer's backward, arguments as in LOOM_ABI_linear_grad_input and
// LOOM_ABI_linear_grad_weight. Halide dims innermost first: x(k, m), dy(n,
// m), wt(n, k) (the weight as stored, transposed), saved, acc, dx (k, m),
// dwt(n, k), dbias(n). Any M, N, K >= 1; only dim 0 of each buffer must have
// stride 1, so dy, saved, acc and x may be strided row views, dx and dwt
// column windows of wider buffers, dbias a sub-range of a longer vector.
//
// linear_grad_input: dx[m, k] = (acc +) epilogue(sum_n dy[m, n] wt[k, n]).
//   The forward's register tile (MR rows x NR columns of dx, the sum innermost:
//   per step NR / VW vector loads of a packed row and MR broadcasts of dy)
//   needs wt's columns contiguous along k, but wt is stored n-contiguous: wt
//   is packed once per call, transposed, into NR-wide k panels (wtT: per
//   panel N rows of NR floats), which the tasks read in the order their tiles
//   consume them. (Packing per task instead moves each element of wt once per
//   row task: 7-15% slower, loom-kernel-bench on 2 threads.) A task sums its
//   tile of the product into a scratch (g, per n block, then over the blocks
//   in order), and only then applies the epilogue and writes dx, each element
//   exactly once, tasks never overlapping: acc may be dx's own storage (each
//   acc element is read just before dx's element over it is written), and a
//   dx window leaves the columns around it untouched. Register tiles past the
//   last row or column read the last row of dy or column of wt (clamped) and
//   land in g's padding, never in dx.
//
// linear_grad_weight: dwt[k, n] = sum_m x[m, k] dy[m, n], dbias[n] = sum_m
//   dy[m, n]. The forward's GEMM with the roles moved: dwt's rows are k (MR
//   broadcasts of x[m, k..k+MR) per step; in the blocked branch from xt, x
//   transposed once per call, so that they walk rows in order), its vectors n
//   (rows of dy), the sum runs over m. Parallel over tiles of dwt and column
//   blocks of dbias; the sum over m is taken in a fixed order (m in order; in
//   the blocked branch per m_block, then over the blocks in order), never
//   split by thread: the results are bit-identical for any thread count.
//
// NaN and Inf: the sums are plain FMAs; the epilogue's decisions are taken as
// PyTorch takes them (relu: threshold_backward, saved <= 0 ? 0 : g, so a NaN
// in saved passes g on; the dropout mask multiplies by 0, so a dropped NaN or
// Inf gradient stays NaN; gelu' of +-Inf is NaN), NaN tests on the bits.
#include "DropoutMask.h"
#include "FloatMath.h"
#include "GeneratorMacros.h"
#include "NarrowTiles.h"

using namespace Halide;
using namespace loom::halide;

namespace {

/// The extent in `dim` of the output buffer `name`, by the name Halide gives
/// it: an Output has no buffer before it is defined, and its definition needs
/// this extent.
Expr outputExtent(const std::string &name, int dim) {
  Internal::Parameter buffer(Float(32), true, 2, name);
  return Internal::Variable::make(Int(32), name + ".extent." + std::to_string(dim), buffer);
}

class LinearGradInputGenerator : public Generator<LinearGradInputGenerator> {
public:
  LOOM_GENERATOR_ABI(linear_grad_input)
#define LOOM_SELECTED_linear_grad_input LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_linear_grad_input

  void generate() {
    readParams();

    /* THE ALGORITHM */
    // Panel p: the NR columns of dx from start(p) = p NR, the last one shifted
    // inwards to end at K (where K >= NR; else start 0, and columns past K
    // read row K - 1 of wt). wtT(c, n, p) = wt(n, start(p) + c): the panel's
    // rows of wt, transposed. The select keeps the clamp out of the K >= NR
    // branch (each specialization of wtRows drops one side).
    Expr start = max(min(pan * NR, K - NR), 0);
    Func wtRows("wt_rows");
    wtRows(nn, c, pan) = wt(nn, select(K >= NR, start + c, min(c, K - 1)));
    wtT(c, nn, pan) = wtRows(nn, c, pan);
    // The n blocks: block b sums n in [b NB, min((b + 1) NB, N)) (rn's
    // predicate trims its loop). Bounds inference takes the interval of b NB +
    // rn over all b, past N for a ragged last block: the promise (no code)
    // tells it what the predicate guarantees.
    Expr nIndex = unsafe_promise_clamped(blk * NB + rn, 0, N - 1);
    part(c, row, pan, blk) = 0.0f;
    part(c, row, pan, blk) += dy(nIndex, min(row, M - 1)) * wtT(c, nIndex, pan);
    g(c, row, pan) = 0.0f;
    g(c, row, pan) += part(c, row, pan, rb);
    // dx's column col lies in panel col / NR (the panel its task computes).
    Expr p = col / NR;
    dx(col, row) = epilogue(g(col - max(min(p * NR, K - NR), 0), row, p), col, row);

    /* THE SCHEDULE */
    schedule(wtRows);
  }

private:
  int VW = 0, MR = 0, NR = 0, TR = 0, NB = 0, PC = 0, PN = 0;
  Expr M, K, N, numBlocks;
  Var col{"k"}, row{"m"}, nn{"nn"}, blk{"b"}, c{"c"}, pan{"p"};
  Var task{"task"}, kt{"kt"}, mt{"mt"}, ki{"ki"}, mi{"mi"}, kv{"kv"}, kl{"kl"};
  Var ro{"ro"}, ri{"ri"}, co{"co"}, ci{"ci"}, no{"no"}, ni{"ni"};
  RDom rn, rb;
  Func wtT{"wtT"}, part{"part"}, g{"g"};
  std::unique_ptr<RowDropoutMask> mask;

  void readParams() {
    requireOneOf("linear_grad_input", "activation", activation, {"none", "relu", "gelu"});
    _halide_user_assert(with_dropout == 0 || with_dropout == 1)
        << "linear_grad_input: with_dropout=" << int(with_dropout) << " must be 0 or 1\n";
    _halide_user_assert(accumulate == 0 || accumulate == 1)
        << "linear_grad_input: accumulate=" << int(accumulate) << " must be 0 or 1\n";
    const Target t = get_target();
    VW = natural_vector_size<float>();
    MR = tile_rows.forTarget(t);
    NR = tile_vectors.forTarget(t) * VW;
    TR = MR * row_tiles_per_task.forTarget(t);
    NB = n_block.forTarget(t);
    PC = pack_columns.forTarget(t);
    PN = pack_rows.forTarget(t);
    requireDivides("linear_grad_input", "pack_columns", PC, "the register tile's columns", NR);
    M = outputExtent(dx.name(), 1);
    K = outputExtent(dx.name(), 0);
    N = dy.dim(0).extent();
    wt.dim(0).set_bounds(0, N);
    numBlocks = (N + NB - 1) / NB;
    rn = RDom(0, NB, "rn");
    rn.where(blk * NB + rn < N);
    rb = RDom(0, numBlocks, "rb");
  }

  /// dropout, then relu's or gelu's backward, then the accumulation
  /// (KernelAbi.def), on the product v at (k, m).
  Expr epilogue(Expr v, Expr k, Expr m) {
    if (with_dropout) {
      mask = std::make_unique<RowDropoutMask>(dropout, rng_seed, rng_stream, rng_step, K);
      v = v * mask->factor(k, m);
    }
    const std::string act = activation;
    if (act == "relu") {
      // threshold_backward: saved <= 0 ? 0 : v; NaN (either sign) passes v.
      Expr s = saved(k, m);
      v = select(isNan(s) || s > 0.0f, v, 0.0f);
    } else if (act == "gelu") {
      v = v * geluGrad(saved(k, m));
    }
    if (accumulate) v = acc(k, m) + v;
    return v;
  }

  void schedule(Func wtRows) {
    // dx: tasks of TR rows x one panel, exact (GuardWithIf: no task or vector
    // overlaps another, so each element is read and written once).
    dx.split(row, mt, mi, TR, TailStrategy::GuardWithIf)
        .split(col, kt, ki, NR, TailStrategy::GuardWithIf)
        .reorder(ki, mi, kt, mt)
        .fuse(kt, mt, task)
        .parallel(task)
        .split(ki, kv, kl, VW, TailStrategy::GuardWithIf)
        .vectorize(kl);
    if (mask) mask->computeAt(LoopLevel(dx, mi), VW);
    // g: the task's TR x NR sums (its panel's NR columns; rows rounded up to
    // MR), asked for on the stack. Its size is not a compile-time constant,
    // so Halide 14 gives it a pseudostack slot, which is heap memory from
    // halide_malloc once it passes 16 KB (24 KB at the AVX-512 defaults).
    g.compute_at(dx, task)
        .bound(c, 0, NR)
        .vectorize(c, VW)
        .store_in(MemoryType::Stack);
    g.update()
        .split(row, ro, ri, MR, TailStrategy::RoundUp)
        .split(c, co, ci, VW)
        .reorder(ci, co, ri, ro, rb)
        .vectorize(ci)
        .unroll(co)
        .unroll(ri);
    // The register tile: MR x NR accumulators over one n block.
    part.compute_at(g, ro)
        .split(c, no, ni, VW)
        .reorder(ni, no, row)
        .vectorize(ni)
        .unroll(no)
        .unroll(row);
    part.update()
        .split(c, no, ni, VW)
        .reorder(ni, no, row, rn)
        .vectorize(ni)
        .unroll(no)
        .unroll(row);
    // The packed panels, once per call, in parallel over panels: blocks of
    // PN rows of wt loaded as vectors along n, stored as PC-wide vectors
    // along k (an in-register transpose). A block narrower than PN (only the
    // last one can be) is shifted inwards over the previous one; N < PN:
    // scalar along n.
    wtT.compute_root().parallel(pan);
    wtT.specialize(N >= PN)
        .split(nn, no, ni, PN, TailStrategy::ShiftInwards)
        .split(c, co, ci, PC)
        .reorder(ci, ni, co, no)
        .vectorize(ci)
        .unroll(ni);
    wtT.split(c, co, ci, PC).reorder(ci, nn, co).vectorize(ci);
    wtRows.compute_at(wtT, co).unroll(c);
    wtRows.specialize(K >= NR && N >= PN).vectorize(nn, PN);
    wtRows.specialize(N >= PN).vectorize(nn, PN);
  }
};

class LinearGradWeightGenerator : public Generator<LinearGradWeightGenerator> {
public:
  LOOM_GENERATOR_ABI(linear_grad_weight)
#define LOOM_SELECTED_linear_grad_weight LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_linear_grad_weight

  void generate() {
    readParams();

    /* THE ALGORITHM */
    // Unblocked: one sum over all of m, in order.
    prod(col, row) = 0.0f;
    prod(col, row) += x(row, rm) * dy(col, rm);
    // Blocked (large M): part(n, k, b) sums m in [b MC, min((b + 1) MC, M)),
    // blockSum the blocks in order, so one MC x NR block of dy stays in cache
    // while a task walks all its row tiles. m_block thus sets the summation
    // order (the last block is shorter when MC does not divide M: M is B x T,
    // rarely a multiple of it).
    part(col, row, blk) = 0.0f;
    // (min: bounds inference does not see the last block's end in mi.where.)
    Expr m = min(blk * MC + mi, M - 1);
    // x transposed once per call (xt(m, k), m contiguous), so that the tile's
    // MR broadcasts per step walk MR rows of xt in order, as the forward's
    // broadcasts walk rows of x, rather than jump a row of x (K floats) per
    // step.
    // The last task's register tiles round its rows up to MR: xt's rows past
    // K repeat row K - 1 of x (the clamp here, not in part, keeps the tile's
    // loads at fixed offsets), and land in blockSum's padding, never in dwt.
    xt(xm, row) = x(min(row, K - 1), xm);
    part(col, row, blk) += xt(m, row) * dy(col, m);
    blockSum(col, row) = 0.0f;
    blockSum(col, row) += part(col, row, mb);
    dwt(col, row) = select(blocked, blockSum(col, row), prod(col, row));
    // dbias: each column's sum over m, in order.
    biasSum(bcol) = 0.0f;
    biasSum(bcol) += dy(bcol, rm);
    dbias(bcol) = biasSum(bcol);

    /* THE SCHEDULE */
    scheduleOutput();
    scheduleRegisterTile();
    scheduleBlocked();
    scheduleBias();
  }

private:
  int VW = 0, MR = 0, NR = 0, MC = 0, TR = 0, rowTilesPerTask = 0, BC = 0;
  Expr M, N, K, NB, blocked;
  Var col{"n"}, row{"k"}, blk{"b"}, bcol{"nb"};
  Var nt{"nt"}, mt{"mt"}, nr{"nr"}, mr{"mr"}, mo{"mo"}, mi_{"mi"}, task{"task"};
  Var mb_{"mb"}, mrest{"mrest"}, no{"no"}, ni{"ni"}, ao{"ao"}, ai{"ai"}, bo{"bo"}, bi{"bi"};
  RDom rm, mi, mb;
  Func prod{"prod"}, part{"part"}, blockSum{"block_sum"}, biasSum{"bias_sum"}, xt{"xt"};
  Var xm{"xm"}, xmo{"xmo"}, xmi{"xmi"}, ko{"ko"}, ki{"ki"};

  void readParams() {
    const Target t = get_target();
    VW = natural_vector_size<float>();
    MR = tile_rows.forTarget(t);
    NR = tile_vectors.forTarget(t) * VW;
    rowTilesPerTask = row_tiles_per_task.forTarget(t);
    MC = m_block.forTarget(t);
    TR = MR * blocked_row_tiles_per_task.forTarget(t);
    BC = bias_columns_per_task.forTarget(t);
    requireDivides("linear_grad_weight", "the vector width", VW, "bias_columns_per_task", BC);
    N = outputExtent(dwt.name(), 0);
    K = outputExtent(dwt.name(), 1);
    M = x.dim(1).extent();
    NB = outputExtent1(dbias.name());
    rm = RDom(0, M, "rm");
    mi = RDom(0, MC, "mi");
    mi.where(blk * MC + mi < M); // the last block's end (Halide tightens the loop)
    mb = RDom(0, (M + MC - 1) / MC, "mb");
    blocked = K >= MR && N >= 2 * NR && M >= m_block_min_m.forTarget(t);
  }

  static Expr outputExtent1(const std::string &name) {
    Internal::Parameter buffer(Float(32), true, 1, name);
    return Internal::Variable::make(Int(32), name + ".extent.0", buffer);
  }

  /// dwt's loop nests, as the forward's: the blocked branch (tasks of up to
  /// TR rows x NR columns; it copies blockSum out), register tiles (MR x NR),
  /// one-row tiles, narrower tiles (N < NR, NarrowTiles.h), scalar (N < VW).
  /// Columns and tiles ShiftInwards (dwt is written, never read, so an
  /// element computed twice gets the same bits twice). The blocked branch's
  /// row tasks instead share K evenly, in multiples of MR,
  /// the last one cut short (GuardWithIf): shifted inwards it would redo up
  /// to TR - 1 rows of the sum (64 of 512 at K = 512, TR = 96), and TR rows
  /// each would leave a short last task (K = 256, TR = 192: 192 + 64, one
  /// thread of two idle a third of the time); now at most MR - 1 rows are
  /// redone, and only the last task is short, by under MR rows per task
  /// (K = 512: 174, 174, 164 rows).
  void scheduleOutput() {
    Func out = dwt;
    Expr rowTasks = (K + TR - 1) / TR;
    Expr taskRows = ((K + rowTasks - 1) / rowTasks + MR - 1) / MR * MR;
    out.specialize(blocked)
        .split(row, mb_, mrest, taskRows, TailStrategy::GuardWithIf)
        .split(col, nt, nr, NR, TailStrategy::ShiftInwards)
        .reorder(nr, mrest, nt, mb_)
        .fuse(nt, mb_, task)
        .parallel(task)
        .vectorize(nr, VW);
    tileOutput(out.specialize(K >= MR && N >= NR), NR, MR, VW);
    tileOutput(out.specialize(N >= NR), NR, 1, VW);
    for (auto [columns, rows] : narrowerTiles(MR, NR / VW, VW))
      tileOutput(out.specialize(K >= rows && N >= columns), columns, rows, VW);
    tileOutput(out, 1, 1, 1);
  }

  void tileOutput(Stage stage, int tileN, int tileM, int vector) {
    stage.tile(col, row, nt, mt, nr, mr, tileN, tileM, TailStrategy::ShiftInwards)
        .split(mt, mo, mi_, rowTilesPerTask, TailStrategy::GuardWithIf)
        .reorder(nr, mr, mi_, nt, mo)
        .fuse(nt, mo, task)
        .parallel(task);
    if (vector > 1) stage.vectorize(nr, vector);
    if (tileM > 1) stage.unroll(mr);
  }

  void scheduleRegisterTile() {
    prod.compute_at(dwt, mi_);
    prod.specialize(N >= VW)  // every vector tile: NR x MR, NR x 1, the narrower ones
        .split(col, no, ni, VW)
        .reorder(ni, no, row)
        .vectorize(ni)
        .unroll(no)
        .unroll(row);
    prod.update()
        .specialize(N >= VW)
        .split(col, no, ni, VW)
        .reorder(ni, no, row, rm)
        .vectorize(ni)
        .unroll(no)
        .unroll(row);
  }

  void scheduleBlocked() {
    // The transposition, only in the blocked branch (Halide guards its
    // allocation and loops by that branch's condition): tiles of 16 k x VW m,
    // one strided vector load (VW rows m of one column k) per k, parallel
    // over blocks of k; M x K floats from halide_malloc per call. In
    // loom-kernel-bench (2 threads, M = 1024) dwt gains 2-16% with it.
    xt.compute_root()
        .split(row, ko, ki, 16, TailStrategy::GuardWithIf)
        .split(xm, xmo, xmi, VW, TailStrategy::GuardWithIf)
        .reorder(xmi, ki, xmo, ko)
        .vectorize(xmi)
        .unroll(ki)
        .parallel(ko);
    blockSum.compute_at(dwt, task).vectorize(col, VW);
    blockSum.update()
        .split(row, ao, ai, MR, TailStrategy::RoundUp)
        .split(col, no, ni, VW)
        .reorder(ni, no, ai, ao, mb)
        .vectorize(ni)
        .unroll(no)
        .unroll(ai);
    part.compute_at(blockSum, ao)
        .split(col, no, ni, VW)
        .reorder(ni, no, row)
        .vectorize(ni)
        .unroll(no)
        .unroll(row);
    part.update()
        .split(col, no, ni, VW)
        .reorder(ni, no, row, mi)
        .vectorize(ni)
        .unroll(no)
        .unroll(row);
  }

  /// dbias: tasks of BC columns (shifted inwards), BC / VW vector sums per
  /// task over m in order; narrower than BC: one scalar task.
  void scheduleBias() {
    dbias.specialize(NB >= BC)
        .split(bcol, bo, bi, BC, TailStrategy::ShiftInwards)
        .parallel(bo);
    dbias.split(bcol, bo, bi, BC, TailStrategy::GuardWithIf);
    biasSum.compute_at(dbias, bo);
    biasSum.specialize(NB >= BC).vectorize(bcol, VW);
    biasSum.update()
        .specialize(NB >= BC)
        .split(bcol, no, ni, VW)
        .reorder(ni, no, rm)
        .vectorize(ni)
        .unroll(no);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(LinearGradInputGenerator, linear_grad_input)
HALIDE_REGISTER_GENERATOR(LinearGradWeightGenerator, linear_grad_weight)
