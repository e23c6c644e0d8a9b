// The row normalisation that layer_norm, add_norm, add_norm_sum
// (NormGenerators.cpp) and their training variants layer_norm_stats and
// add_norm_stats (NormTrainGenerators.cpp) share: per row m of src(d, m),
// the mean and the biased variance in two passes (the mean first, then the
// mean of squared deviations; never E[x^2] - E[x]^2, which loses everything
// at a large mean), then (src - mean) * rstd * gamma + beta with
// rstd = 1 / sqrt(var + eps).
#pragma once

#include "RowSchedules.h"

#include <Halide.h>

namespace loom::halide {

/// The normalisation of src(d, m) over d. Row sums are taken in VW lanes
/// (partial sums per lane, then one horizontal sum), reading zeros past D, so
/// the order of the sums depends on the vector width (never on the thread
/// count). Where D % VW == 0 a specialisation makes the padding selects
/// vanish and the loads dense.
class RowNorm {
public:
  RowNorm(Halide::Expr rowLength, int vectorWidth) : D(rowLength), VW(vectorWidth) {}

  /* THE ALGORITHM */
  /// Defines the row statistics of src (mean() and rstd() below).
  void statistics(Halide::Func src, Halide::Expr eps) {
    using namespace Halide;
    dense = D % VW == 0;
    RDom ro(0, (D + VW - 1) / VW, "ro");
    RDom ru(0, VW, "ru");
    Expr idx = ro * VW + u;
    Expr inRow = dense || idx < D;
    // Both index forms lie in [0, D): the promise keeps bounds inference from
    // widening the row to a whole vector when D < VW.
    Expr safeIdx = select(dense, unsafe_promise_clamped(idx, 0, D - 1), min(idx, D - 1));
    Expr loaded = src(safeIdx, m);
    part1(u, m) = 0.0f;
    part1(u, m) += select(inRow, loaded, 0.0f);
    sum1(m) = 0.0f;
    sum1(m) += part1(ru, m);
    Expr mu = mean();
    part2(u, m) = 0.0f;
    part2(u, m) += select(inRow, (loaded - mu) * (loaded - mu), 0.0f);
    sum2(m) = 0.0f;
    sum2(m) += part2(ru, m);
    eps_ = eps;
  }
  /// The mean of row m (after statistics()).
  Halide::Expr mean() const { return sum1(m) / Halide::cast<float>(D); }
  /// 1 / sqrt(var + eps) of row m (after statistics()).
  Halide::Expr rstd() const {
    return 1.0f / Halide::sqrt(sum2(m) / Halide::cast<float>(D) + eps_);
  }
  /// src's rows normalised, then scaled by gamma and shifted by beta.
  Halide::Expr normalized(Halide::Func src, Halide::Func gamma, Halide::Func beta,
                          Halide::Expr eps) {
    statistics(src, eps);
    return (src(d, m) - mean()) * rstd() * gamma(d) + beta(d);
  }

  /* THE SCHEDULE */
  /// y (defined from normalized() or mean() and rstd()) in parallel row
  /// tasks, each row's statistics computed just before the row is written.
  void schedule(Halide::Func y, int rowsPerTask,
                Halide::TailStrategy tail = Halide::TailStrategy::ShiftInwards) {
    scheduleRows(y, d, m, D, rowsPerTask, VW, mo, mi, tail);
    computeStatisticsAt(y);
  }
  /// The statistics Funcs computed (and vectorised) per row of `y`, whose
  /// row loop is split as schedule() splits it.
  void computeStatisticsAt(Halide::Func y) {
    // The dense case (D % VW == 0) as its own loop (specialised after the
    // vectorize, so it inherits it): no padding selects, dense vector loads.
    // Each Func holds one row (bound_storage: a fixed size on the stack, even
    // where y's row loop is fused with other outputs').
    for (Halide::Func f : {part1, part2}) {
      f.compute_at(y, mi).bound_storage(m, 1).vectorize(u);
      f.update().vectorize(u);
      f.update().specialize(dense);
    }
    sum1.compute_at(y, mi).bound_storage(m, 1);
    sum2.compute_at(y, mi).bound_storage(m, 1);
  }

  Halide::Var d{"d"}, m{"m"}, mo{"mo"}, mi{"mi"};

private:
  Halide::Expr D, eps_, dense;
  int VW;
  Halide::Var u{"u"};
  Halide::Func part1{"part1"}, part2{"part2"}, sum1{"mean"}, sum2{"rstd"};
};

}  // namespace loom::halide
