// embed_grad: the embedding table's gradient, arguments as in
// LOOM_ABI_embed_grad. Halide dims innermost first: tokens(s, b) [B, S]
// (int32), dout(d, s, b) [B, S, D] (strides free but dim 0's), dtable(d, v)
// [V, D].
//   dtable[v, :] = sum over positions (b, s) in order with tokens[b, s] = v
//                  of scale * dout[b, s, :];  0 for rows no token names.
// (PyTorch scales dout first, as the forward's `table[t] * scale` backward
// does, then sums.)
//
// No atomics and no scatter race: the table is first zeroed in parallel row
// tasks, then the positions are scattered in position order by parallel
// tasks that each own a chunk of columns_per_task columns of every row, so
// every element's sum is taken in position order whatever the thread count
// (bit-identical results).
//
// Token ids: the runtime refuses ids outside [0, V) before any kernel runs.
// Should one reach the kernel anyway, its position is skipped (its gradient
// goes nowhere; a guard per position, not per element), and the row index
// is also clamped into [0, V) so that bounds inference can prove every write
// inside dtable.
#include "GeneratorMacros.h"
#include "RowSchedules.h"

using namespace Halide;
using namespace loom::halide;

namespace {

class EmbedGradGenerator : public Generator<EmbedGradGenerator> {
public:
  LOOM_GENERATOR_ABI(embed_grad)
#define LOOM_SELECTED_embed_grad LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_embed_grad

  void generate() {
    const int VW = natural_vector_size<float>();
    const int columns = columns_per_task.forTarget(get_target());
    requireDivides("embed_grad", "vector width", VW, "columns_per_task", columns);
    Var d("d"), v("v");

    /* THE ALGORITHM */
    dtable(d, v) = 0.0f;
    Expr D = dtable.dim(0).extent(), V = dtable.dim(1).extent();
    Expr S = tokens.dim(0).extent(), B = tokens.dim(1).extent();
    RDom p(0, S, 0, B, "p");  // p.x = s inner, p.y = b outer: position order
    Expr token = tokens(p.x, p.y);
    p.where(token >= 0 && token < V);
    Expr row = clamp(token, 0, V - 1);
    dtable(d, row) += dout(d, p.x, p.y) * scale;

    for (int k = 0; k < 2; ++k) {
      tokens.dim(k).set_min(0);
      dtable.dim(k).set_min(0);
    }
    dout.dim(0).set_bounds(0, D);
    dout.dim(1).set_bounds(0, S);
    dout.dim(2).set_bounds(0, B);

    /* THE SCHEDULE */
    // Zeroing: parallel row tasks, vector stores along the row.
    scheduleRows(dtable, d, v, D, rows_per_task.forTarget(get_target()), VW, Var("vo"),
                 Var("vi"));
    // The scatter: a task per column chunk (outermost), positions in order
    // inside it, the chunk's columns in vectors innermost (guarded at D).
    Var dc("dc"), di("di");
    dtable.update()
        .split(d, dc, di, columns, TailStrategy::GuardWithIf)
        .reorder(di, p.x, p.y, dc)
        .parallel(dc);
    dtable.update().specialize(D >= VW).vectorize(di, VW, TailStrategy::GuardWithIf);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(EmbedGradGenerator, embed_grad)
