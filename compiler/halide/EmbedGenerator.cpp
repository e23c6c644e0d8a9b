// embed: out[b, s, :] = table[tokens[b, s], :] * scale + positions[s, :],
// arguments as in LOOM_ABI_embed. Halide dims innermost first: tokens(s, b)
// (int32), table(d, v) [V, D], positions(d, pos) [max_len, D] (at least S
// rows), out(d, s, b). Token ids are validated by the runtime; the kernel
// clamps them into [0, V) only so that a bad id can never read outside the
// table.
#include "GeneratorMacros.h"
#include "RowSchedules.h"

using namespace Halide;
using namespace loom::halide;

namespace {

class EmbedGenerator : public Generator<EmbedGenerator> {
public:
  LOOM_GENERATOR_ABI(embed)
#define LOOM_SELECTED_embed LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_embed

  void generate() {
    Var d("d"), s("s"), b("b");

    /* THE ALGORITHM */
    Expr D = table.dim(0).extent(), V = table.dim(1).extent();
    Expr row = clamp(tokens(s, b), 0, V - 1);
    out(d, s, b) = table(d, row) * scale + positions(d, s);

    /* THE SCHEDULE */
    // A gather of rows, memory bound: tokens (all of B x S) split into tasks.
    Var t("t"), to("to"), ti("ti");
    out.fuse(s, b, t);
    scheduleRows(out, d, t, D, tokens_per_task.forTarget(get_target()),
                 natural_vector_size<float>(), to, ti);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(EmbedGenerator, embed)
