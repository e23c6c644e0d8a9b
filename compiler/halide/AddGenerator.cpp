// add: out = a + b elementwise on [M, N], arguments as in LOOM_ABI_add.
// Halide dims innermost first: a, b, out (n, m); the three row strides may
// differ, only dim 0 must have stride 1. out may be a (in place).
#include "GeneratorMacros.h"
#include "RowSchedules.h"

using namespace Halide;
using namespace loom::halide;

namespace {

class AddGenerator : public Generator<AddGenerator> {
public:
  LOOM_GENERATOR_ABI(add)
#define LOOM_SELECTED_add LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_add

  void generate() {
    Var n("n"), m("m");

    /* THE ALGORITHM */
    out(n, m) = a(n, m) + b(n, m);

    /* THE SCHEDULE */
    // Memory bound: parallel row tasks, vector loads along the row. The plan
    // runs add in place (out over a, KernelOpInterface::getInPlaceInput), so
    // every element is computed exactly once: a guarded tail, never a
    // shifted one that would re-read an element already overwritten.
    scheduleRows(out, n, m, out.dim(0).extent(), rows_per_task.forTarget(get_target()),
                 natural_vector_size<float>(), Var("mo"), Var("mi"),
                 TailStrategy::GuardWithIf);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AddGenerator, add)
