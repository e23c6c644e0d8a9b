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
