// cross_entropy: mean label-smoothed softmax cross-entropy and its gradient in
// one pass over the logits, arguments as in LOOM_ABI_cross_entropy. Halide
// dims innermost first: logits(v, m) [M, V] (row stride >= V), labels(m)
// (int32), loss(i) [1], dlogits(v, m) [M, V] (may be logits' storage).
// With eps = label_smoothing, C = the number of rows whose label is not
// ignore_index, and per such row (lse = max + log sum_v exp(l[v] - max)):
//   row loss = (1 - eps) (lse - l[label]) + eps (lse - mean_v l[v])
//            (the eps term only where eps != 0: a -Inf logit must not make
//            0 * Inf = NaN when nothing is smoothed, as PyTorch's plain path)
//   dlogits[m, v] = (exp(l[v] - lse) - (1 - eps) [v = label] - eps / V) / C
//   loss = (sum of row losses, rows in order, in double) / C
// Ignored rows: no loss, dlogits = 0 (whatever their logits hold). C = 0:
// loss = 0 / 0 = NaN (as PyTorch's mean over no element; dlogits all 0).
//
// Per row, in parallel tasks of rows_per_task rows: one sweep for the row's
// max and sum (VW lanes each), one for sum exp(l - max) (VW lanes), then one
// writing the gradient; the row (32 KB at V = 8000) stays in L1/L2 between
// them, so it is read from memory once. The row's loss is kept in a per-row
// buffer written in the same loop nest (compute_with) before the next row
// begins: with dlogits over logits, every logit of row m is read before
// row m is overwritten, and only row m's logits are read for row m (the
// gradient's tail is guarded, never shifted inwards, so no element is
// recomputed from an overwritten one). C is counted from the labels before
// any row.
//
// NaN and Inf (as PyTorch): a NaN or +Inf logit, or a row of all -Inf,
// makes the row's loss (so the loss) and gradient NaN; a -Inf logit gets
// probability 0 (the loss is +Inf if it is the label, or if eps > 0). Under
// Halide's fast math (FloatMath.h) a NaN may not survive float arithmetic
// (LLVM assumes none: a NaN logit in the exp sum was seen to come out as
// Inf), so these rows are found on the logits' bits (the row max as an
// integer key) and their NaNs are written as bits.
// A label outside [0, V) other than ignore_index never reaches the kernel
// (the runtime checks); here its read is clamped into the row.
#include "FloatMath.h"
#include "GeneratorMacros.h"

using namespace Halide;
using namespace loom::halide;

namespace {

class CrossEntropyGenerator : public Generator<CrossEntropyGenerator> {
public:
  LOOM_GENERATOR_ABI(cross_entropy)
#define LOOM_SELECTED_cross_entropy LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_cross_entropy

  void generate() {
    const int VW = natural_vector_size<float>();
    const int rowsPerTask = rows_per_task.forTarget(get_target());
    Var v("v"), m("m"), u("u"), i("i"), mo("mo"), mi("mi");
    Expr V = logits.dim(0).extent(), M = logits.dim(1).extent();

    /* THE ALGORITHM */
    Expr label = labels(m);
    Expr counted = label != ignore_index;
    // C, counted before any row.
    RDom rm(0, M, "rm");
    Func count("count");
    count() = 0;
    count() += select(labels(rm) != ignore_index, 1, 0);
    Expr invC = 1.0f / cast<float>(count());

    // Sweep 1: per lane, the max and the sum of the row. The max is taken
    // on int32 keys in float order with NaN above everything (argmax's keys,
    // ArgmaxGenerator.cpp), never with a float max that fast math may let
    // drop a NaN; it is exact, and it tells the rows PyTorch makes NaN: a
    // NaN or +Inf anywhere (e^{Inf - Inf}), or every logit -Inf.
    Expr dense = V % VW == 0;
    RDom ro(0, (V + VW - 1) / VW, "ro");
    RDom ru(0, VW, "ru");
    Expr idx = ro * VW + u;
    Expr inRow = dense || idx < V;
    Expr safeIdx = select(dense, unsafe_promise_clamped(idx, 0, V - 1), min(idx, V - 1));
    Expr l = logits(safeIdx, m);
    Expr bits = reinterpret<int32_t>(l);
    Expr magnitude = bits & 0x7fffffff;
    // The padding duplicates the last element: harmless for the max.
    Expr key =
        select(magnitude > 0x7f800000, Int(32).max(), select(bits < 0, -magnitude, magnitude));
    Func lane1("lane1"), row1("row1"), lane2("lane2"), row2("row2"), stats("stats");
    lane1(u, m) = Tuple(Int(32).min(), 0.0f);
    lane1(u, m) = Tuple(max(lane1(u, m)[0], key), lane1(u, m)[1] + select(inRow, l, 0.0f));
    row1(m) = Tuple(Int(32).min(), 0.0f);
    row1(m) = Tuple(max(row1(m)[0], lane1(ru, m)[0]), row1(m)[1] + lane1(ru, m)[1]);
    Expr maxKey = row1(m)[0], rowSum = row1(m)[1];
    const int infKey = 0x7f800000;
    Expr bad = maxKey >= infKey || maxKey <= -infKey;
    // The max as a float (0 on a bad row, whose sums below mean nothing).
    Expr rowMax = reinterpret<float>(
        select(bad, 0, select(maxKey < 0, (-maxKey) | int32_t(0x80000000), maxKey)));
    // Sweep 2: per lane, sum exp(l - max): no NaN on a row that is not bad
    // (a -Inf logit gives 0).
    Func ex("ex");
    ex(v, m) = fastExp(logits(v, m) - rowMax);
    lane2(u, m) = 0.0f;
    lane2(u, m) += select(inRow, ex(safeIdx, m), 0.0f);
    row2(m) = 0.0f;
    row2(m) += lane2(ru, m);
    Expr lse = rowMax + log(row2(m));
    Expr labelLogit = logits(clamp(label, 0, V - 1), m);
    Expr smoothed = label_smoothing * (lse - rowSum / cast<float>(V));
    Expr rowLoss = (1.0f - label_smoothing) * (lse - labelLogit) +
                   select(label_smoothing == 0.0f, 0.0f, smoothed);
    // NaN, where PyTorch has one, is written as bits, with integer selects
    // (a float NaN constant or a float select on one is fair game for fast
    // math).
    Expr nanBits = Expr(int32_t(0x7fc00000));
    auto nanWhere = [&](Expr isNanHere, Expr value) {
      return reinterpret<float>(select(isNanHere, nanBits, reinterpret<int32_t>(value)));
    };
    // Per row: lse, the row's loss (0 on an ignored row) and whether it is a
    // counted bad row.
    stats(m) = Tuple(lse, select(counted, nanWhere(bad, rowLoss), 0.0f),
                     select(counted && bad, 1, 0));

    Expr p = ex(v, m) * (1.0f / row2(m));
    Expr target = select(v == label, 1.0f - label_smoothing, 0.0f) + label_smoothing / cast<float>(V);
    dlogits(v, m) = select(counted, nanWhere(bad, (p - target) * invC), 0.0f);
    Func rowLosses("rowLosses");
    rowLosses(m) = Tuple(stats(m)[1], stats(m)[2]);
    // The loss: row losses summed in row order, in double, then / C; NaN if
    // a counted row is bad or C = 0.
    Func total("total");
    total() = Tuple(cast<double>(0), 0);
    total() = Tuple(total()[0] + cast<double>(rowLosses(rm)[0]), total()[1] + rowLosses(rm)[1]);
    loss(i) = nanWhere(total()[1] > 0 || count() == 0,
                       cast<float>(total()[0] / cast<double>(max(count(), 1))));
    loss.dim(0).set_bounds(0, 1);
    // One shape, starting at 0: the fused row loops share one row range.
    logits.dim(0).set_min(0);
    logits.dim(1).set_min(0);
    dlogits.dim(0).set_bounds(0, V);
    dlogits.dim(1).set_bounds(0, M);
    labels.dim(0).set_bounds(0, M);

    /* THE SCHEDULE */
    count.compute_root();
    dlogits.split(m, mo, mi, rowsPerTask, TailStrategy::GuardWithIf).parallel(mo);
    dlogits.specialize(V >= VW).vectorize(v, VW, TailStrategy::GuardWithIf);
    // Each holds one row (bound_storage: a fixed size, on the stack).
    for (Func f : {lane1, lane2}) {
      f.compute_at(dlogits, mi).bound_storage(m, 1).vectorize(u);
      f.update().vectorize(u);
      f.update().specialize(dense);  // no padding selects, dense loads
    }
    for (Func f : {row1, row2, stats}) f.compute_at(dlogits, mi).bound_storage(m, 1);
    ex.store_at(dlogits, mo).compute_at(dlogits, mi).fold_storage(m, 1);
    ex.vectorize(v, VW, TailStrategy::GuardWithIf);
    // rowLosses follows dlogits row by row (reading only stats, computed
    // before both); it is stored whole for the serial total.
    rowLosses.compute_root().split(m, mo, mi, rowsPerTask, TailStrategy::GuardWithIf).parallel(mo);
    rowLosses.compute_with(dlogits, mi);
    total.compute_root();
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(CrossEntropyGenerator, cross_entropy)
