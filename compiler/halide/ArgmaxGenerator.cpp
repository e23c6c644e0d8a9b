// argmax_rows: index[m] = the first position of the maximum of logits[m, :]
// (torch.argmax: a NaN counts as the maximum, so the first NaN wins),
// arguments as in LOOM_ABI_argmax_rows. Halide dims innermost first:
// logits(v, m) [M, V] (row stride >= V), index(m) (int32).
#include "GeneratorMacros.h"

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
    // torch.argmax: the first position of the maximum, a NaN counting as
    // larger than any number (so the first NaN wins; -0 ties with +0).
    // Values are compared as int32 keys in that order,
    //   key = NaN ? INT32_MAX : (negative ? -|bits| : |bits|),
    // never as floats: under Halide's fast math a float compare may treat a
    // NaN either way (FloatMath.h). Lane u scans v = u, u + VW, u + 2 VW, ...
    // keeping its first maximum (strict >); every key is above INT32_MIN, the
    // initial one, so a lane's first value always replaces it. Then the lanes
    // are merged taking the larger key and, on ties, the smaller index. Reads
    // past V are clamped to V - 1, a duplicate of the last element that can
    // never win a tie.
    Expr V = logits.dim(0).extent();
    Expr dense = V % VW == 0;
    RDom ro(0, (V + VW - 1) / VW, "ro");
    Expr v = select(dense, unsafe_promise_clamped(ro * VW + u, 0, V - 1), min(ro * VW + u, V - 1));
    Expr bits = reinterpret<int32_t>(logits(v, m));
    Expr magnitude = bits & 0x7fffffff;
    Expr key =
        select(magnitude > 0x7f800000, Int(32).max(), select(bits < 0, -magnitude, magnitude));
    lane(u, m) = Tuple(Int(32).min(), -1);
    Expr better = key > lane(u, m)[0];
    lane(u, m) = Tuple(select(better, key, lane(u, m)[0]), select(better, v, lane(u, m)[1]));
    RDom ru(0, VW, "ru");
    best(m) = Tuple(Int(32).min(), -1);
    Expr lk = lane(ru, m)[0], li = lane(ru, m)[1];
    Expr take = lk > best(m)[0] || (lk == best(m)[0] && li < best(m)[1]);
    best(m) = Tuple(select(take, lk, best(m)[0]), select(take, li, best(m)[1]));
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
