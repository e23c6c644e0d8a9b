// The norms' training kernels, arguments as in LOOM_ABI_<family>. Halide dims
// innermost first: x, r, y, sum, dy, acc, dx (d, m) [M, D] (row strides >=
// D), gamma, beta, dgamma, dbeta (d), stats (c, m) [M, 2] with c = 0 the row
// mean and c = 1 the row's 1 / sqrt(var + eps).
//   layer_norm_stats: y = layer_norm(x) (as layer_norm computes it, RowNorm.h)
//                     and stats.
//   add_norm_stats:   y = layer_norm(x + r), sum = x + r and stats (of x + r).
//   layer_norm_grad:  with xh = (x - mean) * rstd and g = dy * gamma,
//                     dx = rstd * (g - mean_d(g) - xh * mean_d(g * xh))
//                     (+ acc where accumulate = 1; acc may be dx's storage),
//                     dgamma = sum_m dy * xh, dbeta = sum_m dy.
//
// Forward: each row is read from memory once: per row, its statistics (two
// passes over the row, in L1), then y, stats (and sum) are written in one
// fused loop nest (compute_with), in parallel row tasks.
//
// Backward: dx is one pass per row (the row sums of g and g * xh in VW lanes,
// then dx). dgamma and dbeta are reduced over rows deterministically: the
// rows are cut into blocks of rows_per_block (a knob, never the thread
// count); each block's partial sums (rows in order) are taken in the same
// parallel task as the block's dx rows, right after them (the rows are still
// in L2), and the blocks' partials are then summed serially in block order.
// The result depends on M, D, the knob and the vector width only: bit-
// identical for any number of threads.
//
// NaN and Inf: plain arithmetic, no data-dependent decision, so a NaN or Inf
// reaches what it must (a NaN in a row makes its stats and y NaN; in dy it
// makes dx's row, dgamma's and dbeta's column NaN), as in PyTorch.
#include "GeneratorMacros.h"
#include "RowNorm.h"
#include "RowSchedules.h"

#include <vector>

using namespace Halide;
using namespace loom::halide;

namespace {

/// Every [M, D] buffer in `like` has x's shape, stats is [M, 2], and all
/// start at 0: what lets the fused loop nests below share one row loop
/// (otherwise Halide must take the union of their row ranges and size the
/// per-row buffers at run time).
template <typename X, typename S>
void sameRows(X &x, std::initializer_list<Halide::OutputImageParam> like, S &stats) {
  x.dim(0).set_min(0);
  x.dim(1).set_min(0);
  for (Halide::OutputImageParam b : like) {
    b.dim(0).set_bounds(0, x.dim(0).extent());
    b.dim(1).set_bounds(0, x.dim(1).extent());
  }
  stats.dim(0).set_bounds(0, 2);
  stats.dim(1).set_bounds(0, x.dim(1).extent());
}

/// y and stats of src's rows, and (where `sum` is defined) sum = src, all
/// three written per row in one loop nest.
void normalizeWithStats(Func src, Expr D, int VW, int rowsPerTask, Func gamma, Func beta,
                        Expr eps, Func y, Func stats, Func sum = Func()) {
  RowNorm norm(D, VW);
  Var d = norm.d, m = norm.m, c("c");
  /* THE ALGORITHM */
  norm.statistics(src, eps);
  y(d, m) = (src(d, m) - norm.mean()) * norm.rstd() * gamma(d) + beta(d);
  stats(c, m) = select(c == 0, norm.mean(), norm.rstd());
  /* THE SCHEDULE */
  // y's row tasks (RowNorm::schedule); stats and sum follow y row by row in
  // the same loop nest: their row loops are split as y's and fused with it
  // at the row (mi). The statistics are computed once per row, before y.
  norm.schedule(y, rowsPerTask);
  stats.split(m, norm.mo, norm.mi, rowsPerTask, TailStrategy::GuardWithIf)
      .parallel(norm.mo)
      .unroll(c, 2);
  stats.compute_with(y, norm.mi);
  if (sum.defined()) {
    sum.split(m, norm.mo, norm.mi, rowsPerTask, TailStrategy::GuardWithIf)
        .parallel(norm.mo)
        .vectorize(d, VW, TailStrategy::GuardWithIf);
    sum.compute_with(y, norm.mi);
  }
}

class LayerNormStatsGenerator : public Generator<LayerNormStatsGenerator> {
public:
  LOOM_GENERATOR_ABI(layer_norm_stats)
#define LOOM_SELECTED_layer_norm_stats LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_layer_norm_stats

  void generate() {
    normalizeWithStats(x, x.dim(0).extent(), natural_vector_size<float>(),
                       rows_per_task.forTarget(get_target()), gamma, beta, eps, y, stats);
    sameRows(x, {y}, stats);
  }
};

class AddNormStatsGenerator : public Generator<AddNormStatsGenerator> {
public:
  LOOM_GENERATOR_ABI(add_norm_stats)
#define LOOM_SELECTED_add_norm_stats LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_add_norm_stats

  void generate() {
    Var d("d"), m("m");
    /* THE ALGORITHM */
    // s is inlined: y, the statistics and sum each add x + r (the same
    // float sum) from rows in L1; sum is never read back.
    Func s("s");
    s(d, m) = x(d, m) + r(d, m);
    sum(d, m) = s(d, m);
    normalizeWithStats(s, x.dim(0).extent(), natural_vector_size<float>(),
                       rows_per_task.forTarget(get_target()), gamma, beta, eps, y, stats, sum);
    sameRows(x, {r, y, sum}, stats);
  }
};

class LayerNormGradGenerator : public Generator<LayerNormGradGenerator> {
public:
  LOOM_GENERATOR_ABI(layer_norm_grad)
#define LOOM_SELECTED_layer_norm_grad LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_layer_norm_grad

  void generate() {
    requireOneOf("layer_norm_grad", "accumulate", std::to_string((int)accumulate), {"0", "1"});
    stats.dim(0).set_bounds(0, 2);
    const int VW = natural_vector_size<float>();
    const int RB = rows_per_block.forTarget(get_target());
    Var d("d"), m("m"), u("u"), blk("blk"), mi("mi");
    Expr D = dy.dim(0).extent(), M = dy.dim(1).extent();

    /* THE ALGORITHM */
    Expr mean = stats(0, m), rstd = stats(1, m);
    Func xh("xh"), g("g");
    xh(d, m) = (x(d, m) - mean) * rstd;
    g(d, m) = dy(d, m) * gamma(d);
    // The row sums of g and g * xh in VW lanes, as RowNorm takes its sums.
    Expr dense = D % VW == 0;
    RDom ro(0, (D + VW - 1) / VW, "ro");
    RDom ru(0, VW, "ru");
    Expr idx = ro * VW + u;
    Expr inRow = dense || idx < D;
    Expr safeIdx = select(dense, unsafe_promise_clamped(idx, 0, D - 1), min(idx, D - 1));
    Func part("part"), rowSum("rowSum");
    part(u, m) = Tuple(0.0f, 0.0f);
    part(u, m) = Tuple(part(u, m)[0] + select(inRow, g(safeIdx, m), 0.0f),
                       part(u, m)[1] + select(inRow, g(safeIdx, m) * xh(safeIdx, m), 0.0f));
    rowSum(m) = Tuple(0.0f, 0.0f);
    rowSum(m) = Tuple(rowSum(m)[0] + part(ru, m)[0], rowSum(m)[1] + part(ru, m)[1]);
    Expr invD = 1.0f / cast<float>(D);
    Expr grad = rstd * (g(d, m) - rowSum(m)[0] * invD - xh(d, m) * (rowSum(m)[1] * invD));
    dx(d, m) = accumulate ? acc(d, m) + grad : grad;

    // dgamma, dbeta: partial sums over blocks of RB rows (rows in order),
    // then over blocks in order. Rows past M are skipped (and clamped, for
    // bounds inference).
    RDom r(0, RB, "r");
    Expr row = blk * RB + r;
    r.where(row < M);
    Expr rowIn = min(row, M - 1);
    Func partial("partial"), total("total");
    partial(d, blk) = Tuple(0.0f, 0.0f);
    partial(d, blk) = Tuple(partial(d, blk)[0] + dy(d, rowIn) * xh(d, rowIn),
                            partial(d, blk)[1] + dy(d, rowIn));
    RDom rb(0, (M + RB - 1) / RB, "rb");
    total(d) = Tuple(0.0f, 0.0f);
    total(d) = Tuple(total(d)[0] + partial(d, rb)[0], total(d)[1] + partial(d, rb)[1]);
    dgamma(d) = total(d)[0];
    dbeta(d) = total(d)[1];
    // One shape for all, starting at 0 (see sameRows).
    using Halide::OutputImageParam;
    // (acc only where it is read: without accumulate the runtime may pass
    // any buffer there.)
    std::vector<OutputImageParam> same = {x, dx};
    if (accumulate) same.push_back(acc);
    for (OutputImageParam b : same) {
      b.dim(0).set_bounds(0, D);
      b.dim(1).set_bounds(0, M);
    }
    dy.dim(0).set_min(0);
    dy.dim(1).set_min(0);
    stats.dim(1).set_bounds(0, M);
    for (OutputImageParam b :
         {OutputImageParam(gamma), OutputImageParam(dgamma), OutputImageParam(dbeta)})
      b.dim(0).set_bounds(0, D);

    /* THE SCHEDULE */
    // dx in parallel tasks of RB rows (a guarded tail: acc may be dx's
    // storage, so no element is computed twice); the row sums per row.
    dx.split(m, blk, mi, RB, TailStrategy::GuardWithIf).parallel(blk);
    dx.specialize(D >= VW).vectorize(d, VW, TailStrategy::GuardWithIf);
    part.compute_at(dx, mi).bound_storage(m, 1).vectorize(u);
    part.update().vectorize(u);
    part.update().specialize(dense);  // no padding selects, dense loads
    rowSum.compute_at(dx, mi).bound_storage(m, 1);
    // The block's partials right after its dx rows, in the same task.
    partial.compute_root();
    partial.vectorize(d, VW, TailStrategy::GuardWithIf);
    partial.update().reorder(d, r, blk).parallel(blk).vectorize(d, VW, TailStrategy::GuardWithIf);
    partial.update().compute_with(dx, blk);
    total.compute_root().vectorize(d, VW, TailStrategy::GuardWithIf);
    total.update().vectorize(d, VW, TailStrategy::GuardWithIf);
    for (Func f : {Func(dgamma), Func(dbeta)}) f.vectorize(d, VW, TailStrategy::GuardWithIf);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(LayerNormStatsGenerator, layer_norm_stats)
HALIDE_REGISTER_GENERATOR(AddNormStatsGenerator, add_norm_stats)
HALIDE_REGISTER_GENERATOR(LayerNormGradGenerator, layer_norm_grad)
