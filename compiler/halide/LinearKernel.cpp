// linear: y[m, n] = act(sum_k x[m, k] * Wt[k, n] + b[n]).
//
// Generated C function (all buffers float32; Halide dims innermost first):
//   int FN(halide_buffer_t *x,     // [M, K]  x(k, m); row stride >= K (strided views ok)
//          halide_buffer_t *wt,    // [K, N]  wt(n, k); weights pre-transposed, n contiguous
//          halide_buffer_t *bias,  // [N]     bias(n)
//          halide_buffer_t *y);    // [M, N]  y(n, m), output
// act = none | relu | gelu (erf form), fixed at generation time (--activation).
// Any M >= 1, N >= 1, K >= 1; only dim 0 of each buffer must have stride 1.
#include "FloatMath.h"
#include "KernelFamilies.h"
#include "Schedules.h"

using namespace Halide;

namespace loom::halide {

KernelDefinition buildLinear(const KernelRequest &request, const Target &target) {
  ImageParam x(Float(32), 2, "x"), wt(Float(32), 2, "wt"), bias(Float(32), 1, "bias");
  Var n("n"), m("m");
  const LinearSchedule s = linearScheduleFor(target, request.scheduleOverrides);
  const int VW = s.vectorWidth, NR = s.tileVectors * s.vectorWidth, MR = s.tileRows;
  const int KC = s.kBlock, TR = s.tileRows * s.blockedRowTilesPerTask;

  /* THE ALGORITHM */
  Expr K = x.dim(0).extent();
  // y's extents, by the names Halide gives its output buffer: the blocked branch's
  // condition must be one Expr shared by the select below and y.specialize().
  Internal::Parameter yParam(Float(32), true, 2, "y");
  Expr M = Internal::Variable::make(Int(32), "y.extent.1", yParam);
  Expr N = Internal::Variable::make(Int(32), "y.extent.0", yParam);
  // Large K: sum k in blocks of KC so one KC x NR block of Wt stays in cache while a
  // task walks all its row tiles (see LinearSchedule::kBlock).
  // (N >= 2 * NR, not N >= NR: a conjunct equal to a later branch's condition would
  // be rewritten there and the select below would no longer fold.)
  Expr blocked = M >= TR && N >= 2 * NR && K >= s.kBlockMinK && K % KC == 0;

  // Unblocked: one reduction over all of k.
  RDom k(0, K, "k");
  Func prod("prod");
  prod(n, m) = 0.0f;
  prod(n, m) += x(k, m) * wt(n, k);
  // Blocked: part(n, m, b) sums k in [b * KC, (b + 1) * KC); acc sums the blocks.
  Var b("b");
  RDom ki(0, KC, "ki");
  Func part("part");
  part(n, m, b) = 0.0f;
  part(n, m, b) += x(b * KC + ki, m) * wt(n, b * KC + ki);
  RDom kb(0, K / KC, "kb");
  Func acc("acc");
  acc(n, m) = 0.0f;
  acc(n, m) += part(n, m, kb);

  auto activate = [&](Expr pre) -> Expr {
    if (request.activation == "none") return pre;
    if (request.activation == "relu") return max(pre, 0.0f);
    if (request.activation == "gelu") return gelu(pre);
    throw std::runtime_error("linear: unknown --activation=" + request.activation);
  };
  Func y("y");
  // Halide drops the untaken side of this select in each specialization below
  // (SimplifySpecializations), so each branch computes only one of prod / acc.
  y(n, m) = select(blocked, activate(acc(n, m) + bias(n)), activate(prod(n, m) + bias(n)));

  /* THE SCHEDULE */
  // Every unblocked branch below has the loops (nr, mr, mi, task) so prod can be
  // computed at `mi` (one register tile) in all of them. Tails: ShiftInwards
  // recomputes the last tile over already-written outputs, so no tile ever leaves
  // the buffer; it needs the extent >= the tile, hence the branches for small M, N.
  Var nt("nt"), mt("mt"), nr("nr"), mr("mr"), mo("mo"), mi("mi"), task("task");
  auto tileOutput = [&](Stage stage, int tileN, int tileM, int vector) {
    stage.tile(n, m, nt, mt, nr, mr, tileN, tileM, TailStrategy::ShiftInwards)
        .split(mt, mo, mi, s.rowTilesPerTask, TailStrategy::GuardWithIf)
        .reorder(nr, mr, mi, nt, mo)
        .fuse(nt, mo, task)
        .parallel(task);
    if (vector > 1) stage.vectorize(nr, vector);
    if (tileM > 1) stage.unroll(mr);
  };
  // Blocked branch: a task owns exactly TR rows x NR columns (ShiftInwards at both
  // levels, so every extent below is a compile-time constant) and accumulates them
  // in acc (TR x NR floats, 24 KB) over the k blocks; for each k block it walks
  // its row tiles, each a register tile over KC.
  // Loop names match the other branches' (task, mi) so acc and prod have legal
  // compute_at sites in every branch (Halide validates before specializing).
  Var mb("mb"), mrest("mrest");
  {
    Stage yb = y.specialize(blocked);
    yb.split(m, mb, mrest, TR, TailStrategy::ShiftInwards)
        .split(n, nt, nr, NR, TailStrategy::ShiftInwards)
        .split(mrest, mi, mr, MR)
        .reorder(nr, mr, mi, nt, mb)
        .fuse(nt, mb, task)
        .parallel(task)
        .vectorize(nr, VW)
        .unroll(mr);
  }
  Expr fullTiles = M >= MR && N >= NR;
  tileOutput(y.specialize(fullTiles), NR, MR, VW);
  // Few rows (decoding: M = batch): one-row register tiles, still 4 vectors wide.
  tileOutput(y.specialize(N >= NR), NR, 1, VW);
  // Narrow outputs (N < one register tile; tiny models only): scalar.
  tileOutput(y, 1, 1, 1);

  prod.compute_at(y, mi);
  // Register tile: (tileRows x tileVectors) accumulators live across the k loop;
  // each k step loads tileVectors vectors of Wt and broadcasts tileRows x values.
  Var no("no"), ni("ni");
  prod.specialize(N >= NR)
      .split(n, no, ni, VW)
      .reorder(ni, no, m)
      .vectorize(ni)
      .unroll(no)
      .unroll(m);
  {
    Stage update = prod.update().specialize(N >= NR);
    update.split(n, no, ni, VW).reorder(ni, no, m, k).vectorize(ni).unroll(no).unroll(m);
    if (s.unrollK > 1) update.unroll(k, s.unrollK);
  }

  // Blocked branch: acc per task; for each k block, each row tile's register tile.
  Var ao("ao"), ai("ai");
  acc.compute_at(y, task).vectorize(n, VW);
  acc.update()
      .split(m, ao, ai, MR)
      .split(n, no, ni, VW)
      .reorder(ni, no, ai, ao, kb)
      .vectorize(ni)
      .unroll(no)
      .unroll(ai);
  part.compute_at(acc, ao)
      .split(n, no, ni, VW)
      .reorder(ni, no, m)
      .vectorize(ni)
      .unroll(no)
      .unroll(m);
  {
    Stage update = part.update();
    update.split(n, no, ni, VW).reorder(ni, no, m, ki).vectorize(ni).unroll(no).unroll(m);
    if (s.unrollK > 1) update.unroll(ki, s.unrollK);
  }
  return {Pipeline(y), {x, wt, bias}};
}

}  // namespace loom::halide
