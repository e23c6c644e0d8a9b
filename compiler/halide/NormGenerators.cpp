// layer_norm, add_norm and add_norm_sum over the last axis, arguments as in
// LOOM_ABI_<family>. Halide dims innermost first: x, r, y, sum (d, m) [M, D]
// (row strides >= D), gamma, beta (d). Biased variance in two passes over each
// row (RowNorm.h, shared with the training variants in NormTrainGenerators.cpp).
//   layer_norm:   y = (x - mean) / sqrt(var + eps) * gamma + beta
//   add_norm:     y = layer_norm(x + r)
//   add_norm_sum: y = layer_norm(x + r) and sum = x + r (pre-norm layers keep it)
#include "GeneratorMacros.h"
#include "RowNorm.h"
#include "RowSchedules.h"

using namespace Halide;
using namespace loom::halide;

namespace {

/// What the three generators share: y = their src's rows normalised, with
/// x (its extent D), gamma, beta, eps and rows_per_task from the generator's
/// own ABI and params.
template <typename Self>
class NormGenerator : public Generator<Self> {
protected:
  /// True where the scheduler knob hands the kernel to Adams2019.
  bool forAdams2019() {
    Self &self = static_cast<Self &>(*this);
    const int chosen = self.scheduler.forTarget(this->get_target());
    _halide_user_assert(chosen == 1 || chosen == 2)
        << "norm: scheduler must be 1 (Loom's) or 2 (Adams2019)";
    _halide_user_assert((chosen == 2) == this->get_auto_schedule())
        << "norm: scheduler=2 goes with auto_schedule=true and the Adams2019 plugin (-p, -s)";
    return chosen == 2;
  }

  void normalizeInto(Func src) {
    Self &self = static_cast<Self &>(*this);
    if (forAdams2019()) return normalizeForAdams2019(src);
    RowNorm norm(self.x.dim(0).extent(), this->template natural_vector_size<float>());
    /* THE ALGORITHM */
    self.y(norm.d, norm.m) = norm.normalized(src, self.gamma, self.beta, self.eps);
    /* THE SCHEDULE */
    norm.schedule(self.y, self.rows_per_task.forTarget(this->get_target()));
  }

  /// The textbook algorithm (row mean, then the biased variance) with
  /// estimates and no schedule, for Halide's Adams2019 autoscheduler: a
  /// baseline for loomc tune.
  void normalizeForAdams2019(Func src) {
    Self &self = static_cast<Self &>(*this);
    Var d("d"), m("m");
    Expr D = self.x.dim(0).extent();
    RDom rd(0, D, "rd");
    Func mean("mean"), var("var");
    mean(m) = 0.0f;
    mean(m) += src(rd, m);
    mean(m) = mean(m) / cast<float>(D);
    var(m) = 0.0f;
    var(m) += (src(rd, m) - mean(m)) * (src(rd, m) - mean(m));
    self.y(d, m) = (src(d, m) - mean(m)) / sqrt(var(m) / cast<float>(D) + self.eps) *
                       self.gamma(d) + self.beta(d);
    const Target t = this->get_target();
    const int em = self.estimate_m.forTarget(t), ed = self.estimate_d.forTarget(t);
    self.gamma.set_estimates({{0, ed}});
    self.beta.set_estimates({{0, ed}});
    self.eps.set_estimate(1e-5f);
    self.estimateRows({{0, ed}, {0, em}});
  }
};

class LayerNormGenerator : public NormGenerator<LayerNormGenerator> {
public:
  LOOM_GENERATOR_ABI(layer_norm)
#define LOOM_SELECTED_layer_norm LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_layer_norm

  void generate() { normalizeInto(x); }
  /// Adams2019's estimates of the [M, D] inputs and outputs.
  void estimateRows(const Region &rows) {
    x.set_estimates(rows);
    y.set_estimates(rows);
  }
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
  /// Adams2019's estimates of the [M, D] inputs and outputs.
  void estimateRows(const Region &rows) {
    for (auto *in : {&x, &r}) in->set_estimates(rows);
    y.set_estimates(rows);
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
    if (get_auto_schedule()) return;  // Adams2019 schedules sum too
    /* THE SCHEDULE */
    // sum is an output, so it is written once (at root) and the norm reads it
    // back, in the same row tasks.
    scheduleRows(sum, d, m, x.dim(0).extent(), rows_per_task.forTarget(get_target()),
                 natural_vector_size<float>(), Var("mo"), Var("mi"));
  }
  /// Adams2019's estimates of the [M, D] inputs and outputs.
  void estimateRows(const Region &rows) {
    for (auto *in : {&x, &r}) in->set_estimates(rows);
    for (auto *out : {&y, &sum}) out->set_estimates(rows);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(LayerNormGenerator, layer_norm)
HALIDE_REGISTER_GENERATOR(AddNormGenerator, add_norm)
HALIDE_REGISTER_GENERATOR(AddNormSumGenerator, add_norm_sum)
