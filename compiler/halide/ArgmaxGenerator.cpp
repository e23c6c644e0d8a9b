// argmax_rows: index[m] = the first position of the maximum of logits[m, :]
// (torch.argmax), arguments as in LOOM_ABI_argmax_rows. Halide dims innermost
// first: logits(v, m) [M, V] (row stride >= V), index(m) (int32).
#include "GeneratorMacros.h"

#include <cmath>

using namespace Halide;
using namespace loom::halide;

namespace {

class ArgmaxGenerator : public Generator<ArgmaxGenerator> {
public:
  LOOM_GENERATOR_ABI(argmax_rows)
#define LOOM_SELECTED_argmax_rows LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_argmax_rows

  void generate() {
    const int VW = natural_vector_size<float>();
    Var m("m"), u("u");
    Func lane("lane"), best("best");

    /* THE ALGORITHM */
    // Lane u scans v = u, u + VW, u + 2 VW, ... keeping its first maximum
    // (strict >); then the lanes are merged taking the larger value and, on
    // ties, the smaller index. Index -1 marks a lane that has seen nothing
    // yet. Reads past V are clamped to V - 1, a duplicate of the last element
    // that can never win a tie.
    Expr V = logits.dim(0).extent();
    Expr dense = V % VW == 0;
    RDom ro(0, (V + VW - 1) / VW, "ro");
    Expr v = select(dense, unsafe_promise_clamped(ro * VW + u, 0, V - 1), min(ro * VW + u, V - 1));
    Expr value = logits(v, m);
    lane(u, m) = Tuple(cast<float>(-INFINITY), -1);
    Expr better = lane(u, m)[1] < 0 || value > lane(u, m)[0];
    lane(u, m) = Tuple(select(better, value, lane(u, m)[0]), select(better, v, lane(u, m)[1]));
    RDom ru(0, VW, "ru");
    best(m) = Tuple(cast<float>(-INFINITY), -1);
    Expr lv = lane(ru, m)[0], li = lane(ru, m)[1];
    Expr take =
        li >= 0 && (best(m)[1] < 0 || lv > best(m)[0] || (lv == best(m)[0] && li < best(m)[1]));
    best(m) = Tuple(select(take, lv, best(m)[0]), select(take, li, best(m)[1]));
    index(m) = best(m)[1];

    /* THE SCHEDULE */
    // Rows in parallel tasks; the vocabulary scan is vectorised over the VW
    // running (max, index) lanes, merged once per row.
    Var mo("mo"), mi("mi");
    index.split(m, mo, mi, rows_per_task.forTarget(get_target()), TailStrategy::GuardWithIf)
        .parallel(mo);
    best.compute_at(index, mi);
    lane.compute_at(index, mi).vectorize(u);
    lane.update().vectorize(u);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(ArgmaxGenerator, argmax_rows)
