// layer_norm, add_norm and add_norm_sum over the last axis, arguments as in
// LOOM_ABI_<family>. Halide dims innermost first: x, r, y, sum (d, m) [M, D]
// (row strides >= D), gamma, beta (d). Biased variance in two passes over each
// row (the mean first, then the mean of squared deviations; never
// E[x^2] - E[x]^2, which loses everything at a large mean).
//   layer_norm:   y = (x - mean) / sqrt(var + eps) * gamma + beta
//   add_norm:     y = layer_norm(x + r)
//   add_norm_sum: y = layer_norm(x + r) and sum = x + r (pre-norm layers keep it)
#include "GeneratorMacros.h"
#include "RowSchedules.h"

using namespace Halide;
using namespace loom::halide;

namespace {

/// The normalisation all three share, of src(d, m) over d. Row sums are taken
/// in VW lanes (partial sums per lane, then one horizontal sum), reading zeros
/// past D, so the order of the sums depends on the vector width. Where
/// D % VW == 0 a specialisation makes the padding selects vanish and the
/// loads dense.
class RowNorm {
public:
  RowNorm(Expr rowLength, int vectorWidth) : D(rowLength), VW(vectorWidth) {}

  /* THE ALGORITHM */
  /// src's rows normalised, then scaled by gamma and shifted by beta.
  Expr normalized(Func src, Func gamma, Func beta, Expr eps) {
    Expr dense = D % VW == 0;
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
    mean(m) = 0.0f;
    mean(m) += part1(ru, m);
    Expr mu = mean(m) / cast<float>(D);
    part2(u, m) = 0.0f;
    part2(u, m) += select(inRow, (loaded - mu) * (loaded - mu), 0.0f);
    rstd(m) = 0.0f;
    rstd(m) += part2(ru, m);
    Expr invStd = 1.0f / sqrt(rstd(m) / cast<float>(D) + eps);
    return (src(d, m) - mu) * invStd * gamma(d) + beta(d);
  }

  /* THE SCHEDULE */
  /// y (defined as normalized()) in parallel row tasks, each row's statistics
  /// computed just before the row is written.
  void schedule(Func y, int rowsPerTask) {
    scheduleRows(y, d, m, D, rowsPerTask, VW, mo, mi);
    for (Func f : {part1, part2}) {
      f.compute_at(y, mi).vectorize(u);
      f.update().vectorize(u);
    }
    mean.compute_at(y, mi);
    rstd.compute_at(y, mi);
  }

  Var d{"d"}, m{"m"};

private:
  Expr D;
  int VW;
  Var u{"u"}, mo{"mo"}, mi{"mi"};
  Func part1{"part1"}, part2{"part2"}, mean{"mean"}, rstd{"rstd"};
};

/// What the three generators share: y = their src's rows normalised, with
/// x (its extent D), gamma, beta, eps and rows_per_task from the generator's
/// own ABI and params.
template <typename Self>
class NormGenerator : public Generator<Self> {
protected:
  void normalizeInto(Func src) {
    Self &self = static_cast<Self &>(*this);
    RowNorm norm(self.x.dim(0).extent(), this->template natural_vector_size<float>());
    /* THE ALGORITHM */
    self.y(norm.d, norm.m) = norm.normalized(src, self.gamma, self.beta, self.eps);
    /* THE SCHEDULE */
    norm.schedule(self.y, self.rows_per_task.forTarget(this->get_target()));
  }
};

class LayerNormGenerator : public NormGenerator<LayerNormGenerator> {
public:
  LOOM_GENERATOR_ABI(layer_norm)
#define LOOM_SELECTED_layer_norm LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_layer_norm

  void generate() { normalizeInto(x); }
};

class AddNormGenerator : public NormGenerator<AddNormGenerator> {
public:
  LOOM_GENERATOR_ABI(add_norm)
#define LOOM_SELECTED_add_norm LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_add_norm

  void generate() {
    /* THE ALGORITHM */
    Var d("d"), m("m");
    Func s("s");
    s(d, m) = x(d, m) + r(d, m);
    // s is inlined: each element is read twice per row (statistics, output).
    normalizeInto(s);
  }
};

class AddNormSumGenerator : public NormGenerator<AddNormSumGenerator> {
public:
  LOOM_GENERATOR_ABI(add_norm_sum)
#define LOOM_SELECTED_add_norm_sum LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_add_norm_sum

  void generate() {
    /* THE ALGORITHM */
    Var d("d"), m("m");
    sum(d, m) = x(d, m) + r(d, m);
    normalizeInto(sum);
    /* THE SCHEDULE */
    // sum is an output, so it is written once (at root) and the norm reads it
    // back, in the same row tasks.
    scheduleRows(sum, d, m, x.dim(0).extent(), rows_per_task.forTarget(get_target()),
                 natural_vector_size<float>(), Var("mo"), Var("mi"));
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(LayerNormGenerator, layer_norm)
HALIDE_REGISTER_GENERATOR(AddNormGenerator, add_norm)
HALIDE_REGISTER_GENERATOR(AddNormSumGenerator, add_norm_sum)
