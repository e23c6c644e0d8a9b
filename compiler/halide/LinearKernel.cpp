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

  /* THE ALGORITHM */
  Expr K = x.dim(0).extent();
  RDom k(0, K, "k");
  Func prod("prod");
  prod(n, m) = 0.0f;
  prod(n, m) += x(k, m) * wt(n, k);
  Expr pre = prod(n, m) + bias(n);
  Expr out;
  if (request.activation == "none") out = pre;
  else if (request.activation == "relu") out = max(pre, 0.0f);
  else if (request.activation == "gelu") out = gelu(pre);
  else throw std::runtime_error("linear: unknown --activation=" + request.activation);
  Func y("y");
  y(n, m) = out;

  /* THE SCHEDULE */
  const LinearSchedule s = linearScheduleFor(target, request.scheduleOverrides);
  const int VW = s.vectorWidth, NR = s.tileVectors * s.vectorWidth, MR = s.tileRows;
  Expr M = y.output_buffer().dim(1).extent();
  Expr N = y.output_buffer().dim(0).extent();
  // Every branch below has the loops (nr, mr, mi, task) so prod can be computed at
  // `mi` (one register tile) in all of them. Tails: ShiftInwards recomputes the
  // last tile over already-written outputs, so no tile ever leaves the buffer; it
  // needs the extent >= the tile, hence the branches for small M and N.
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
  return {Pipeline(y), {x, wt, bias}};
}

}  // namespace loom::halide
