// dropout: y = act(x) * keep / (1 - p) on [M, N], arguments as in
// LOOM_ABI_dropout; with the instance param with_dropout = 0, y = act(x) (the
// dropout scalars are not read). act = none | relu | gelu (erf form), per
// instance. Halide dims innermost first: x, y (n, m); the row strides may
// differ, only dim 0 must have stride 1. y may be x's storage (in place).
//
// The mask of element (n, m), index m * N + n, is RowDropoutMask's
// (DropoutMask.h): each row's Philox blocks once, vectorised, then one dense
// load of words per vector of y. As PyTorch's dropout, a dropped value is
// multiplied by 0 (a NaN or Inf stays NaN), a kept one by 1 / (1 - p).
#include "DropoutMask.h"
#include "FloatMath.h"
#include "GeneratorMacros.h"
#include "RowSchedules.h"

using namespace Halide;
using namespace loom::halide;

namespace {

class DropoutGenerator : public Generator<DropoutGenerator> {
public:
  LOOM_GENERATOR_ABI(dropout)
#define LOOM_SELECTED_dropout LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_dropout

  void generate() {
    requireOneOf("dropout", "activation", activation, {"none", "relu", "gelu"});
    _halide_user_assert(with_dropout == 0 || with_dropout == 1)
        << "dropout: with_dropout=" << int(with_dropout) << " must be 0 or 1\n";
    const int VW = natural_vector_size<float>();
    Var n("n"), m("m"), mo("mo"), mi("mi");
    Expr N = x.dim(0).extent();

    /* THE ALGORITHM */
    Expr v = x(n, m);
    const std::string act = activation;
    if (act == "relu") v = keepNan(v, max(v, 0.0f));  // relu(NaN) = NaN, as PyTorch
    if (act == "gelu") v = gelu(v);
    std::unique_ptr<RowDropoutMask> mask;
    if (with_dropout) {
      mask = std::make_unique<RowDropoutMask>(dropout, rng_seed, rng_stream, rng_step, N);
      v = v * mask->factor(n, m);
    }
    y(n, m) = v;

    /* THE SCHEDULE */
    // Memory bound (plus the mask's Philox, ~2 cycles an element): row tasks,
    // vectors along the row; in place, so every element is computed once (a
    // guarded tail, never a shifted one). The mask's words per row.
    scheduleRows(y, n, m, N, rows_per_task.forTarget(get_target()), VW, mo, mi,
                 TailStrategy::GuardWithIf);
    if (mask) mask->computeAt(LoopLevel(y, mi), VW);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(DropoutGenerator, dropout)
