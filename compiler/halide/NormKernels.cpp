// layer_norm and add_norm over the last axis (biased variance, two passes over
// each row: mean first, then the mean of squared deviations; never E[x^2]-E[x]^2).
//
// Generated C functions (float32; Halide dims innermost first):
//   layer_norm:             y = (x - mean) / sqrt(var + eps) * gamma + beta
//     int FN(halide_buffer_t *x,      // [M, D] x(d, m), row stride >= D
//            halide_buffer_t *gamma,  // [D]
//            halide_buffer_t *beta,   // [D]
//            float eps,
//            halide_buffer_t *y);     // [M, D] output
//   add_norm:               s = x + r; y = layer_norm(s)
//     int FN(halide_buffer_t *x,      // [M, D]
//            halide_buffer_t *r,      // [M, D] residual
//            halide_buffer_t *gamma, halide_buffer_t *beta, float eps,
//            halide_buffer_t *y);     // [M, D] output
//   add_norm --with-sum: as above, then a second output
//            halide_buffer_t *s);     // [M, D] output: x + r (pre-norm residual stream)
#include "KernelFamilies.h"
#include "Schedules.h"

using namespace Halide;

namespace loom::halide {

namespace {

/// Normalises src(d, m) (extent D along d) into a new Func and schedules it.
/// Row sums are taken in vectorWidth lanes (partial sums per lane, then one
/// horizontal sum), reading zeros past D. When D % vectorWidth == 0 the
/// specialisation below makes the padding selects vanish and the loads dense.
Func normalizeRows(Func src, Expr D, ImageParam gamma, ImageParam beta, Param<float> eps,
                   const Target &target) {
  const NormSchedule s = normScheduleFor(target);
  const int VW = s.vectorWidth;
  Var d("d"), m("m"), u("u");
  Expr dense = D % VW == 0;

  /* THE ALGORITHM */
  RDom ro(0, (D + VW - 1) / VW, "ro");
  RDom ru(0, VW, "ru");
  Expr idx = ro * VW + u;
  Expr inRow = dense || idx < D;
  // Both index forms lie in [0, D): the promise keeps bounds inference from
  // widening the row to a whole vector when D < vectorWidth.
  Expr safeIdx = select(dense, unsafe_promise_clamped(idx, 0, D - 1), min(idx, D - 1));
  Expr loaded = src(safeIdx, m);
  Func part1("part1"), part2("part2"), mean("mean"), rstd("rstd");
  part1(u, m) = 0.0f;
  part1(u, m) += select(inRow, loaded, 0.0f);
  mean(m) = 0.0f;
  mean(m) += part1(ru, m);
  Expr mu = mean(m) / cast<float>(D);
  part2(u, m) = 0.0f;
  part2(u, m) += select(inRow, (loaded - mu) * (loaded - mu), 0.0f);
  rstd(m) = 0.0f;
  rstd(m) += part2(ru, m);
  Expr invStd = 1.0f / sqrt(rstd(m) / cast<float>(D) + eps);
  Func y("y");
  y(d, m) = (src(d, m) - mu) * invStd * gamma(d) + beta(d);

  /* THE SCHEDULE */
  Var mo("mo"), mi("mi");
  auto rows = [&](Stage stage, bool vector) {
    stage.split(m, mo, mi, s.rowsPerTask, TailStrategy::GuardWithIf).parallel(mo);
    if (vector) stage.vectorize(d, VW, TailStrategy::ShiftInwards);
  };
  rows(y.specialize(D >= VW), true);
  rows(y, false);
  for (Func f : {part1, part2}) {
    f.compute_at(y, mi).vectorize(u);
    f.update().vectorize(u);
  }
  mean.compute_at(y, mi);
  rstd.compute_at(y, mi);
  return y;
}

}  // namespace

KernelDefinition buildLayerNorm(const KernelRequest &, const Target &target) {
  ImageParam x(Float(32), 2, "x"), gamma(Float(32), 1, "gamma"), beta(Float(32), 1, "beta");
  Param<float> eps("eps");
  Var d("d"), m("m");
  Func src("src");
  src(d, m) = x(d, m);
  Func y = normalizeRows(src, x.dim(0).extent(), gamma, beta, eps, target);
  return {Pipeline(y), {x, gamma, beta, eps}};
}

KernelDefinition buildAddNorm(const KernelRequest &request, const Target &target) {
  ImageParam x(Float(32), 2, "x"), r(Float(32), 2, "r");
  ImageParam gamma(Float(32), 1, "gamma"), beta(Float(32), 1, "beta");
  Param<float> eps("eps");
  Var d("d"), m("m");
  Func sum("s");
  sum(d, m) = x(d, m) + r(d, m);
  Expr D = x.dim(0).extent();
  Func y = normalizeRows(sum, D, gamma, beta, eps, target);
  if (!request.withSum) return {Pipeline(y), {x, r, gamma, beta, eps}};
  // s is an output too, so it is written once (compute_root) and the norm reads it back.
  const NormSchedule s = normScheduleFor(target);
  Var mo("mo"), mi("mi");
  sum.compute_root();
  sum.specialize(D >= s.vectorWidth)
      .split(m, mo, mi, s.rowsPerTask, TailStrategy::GuardWithIf)
      .parallel(mo)
      .vectorize(d, s.vectorWidth, TailStrategy::ShiftInwards);
  sum.split(m, mo, mi, s.rowsPerTask, TailStrategy::GuardWithIf).parallel(mo);
  return {Pipeline({y, sum}), {x, r, gamma, beta, eps}};
}

}  // namespace loom::halide
