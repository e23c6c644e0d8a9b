// attention_probs: probs = softmax over the keys of mask(scale q k^T), per
// batch row and head: the probabilities `attention` never stores, written
// out for inspection (cross_attention's heatmaps), not for speed. Arguments
// as in LOOM_ABI_attention_probs. Halide dims innermost first:
// q(e, i, h, b) [B, Sq, H, Dh] and k(e, j, h, b) [B, Sk, H, Dh], strided
// views as attention's (only e must have stride 1; dims 1..3 start at 0),
// key_lengths(b) (int32; read only by key_padding masks), probs(j, i, h, b)
// [B, H, Sq, Sk] with j contiguous. Masks as attention's: causal hides key
// j > i, key_padding hides j >= key_lengths[b]. A hidden key gets 0, and a
// row that sees no key at all is 0 throughout (PyTorch would give NaN).
//
// NaN and Inf as PyTorch's softmax(masked_fill(S, hidden, -inf)) at the
// visible keys: a NaN or +Inf score a row sees makes its visible
// probabilities NaN, a -Inf score gives 0, a row whose visible scores are
// all -Inf is NaN (0 / 0); hidden keys stay 0 whatever their k holds.
#include "AttentionCommon.h"
#include "GeneratorMacros.h"

using namespace Halide;
using namespace loom::halide;

namespace {

class AttentionProbsGenerator : public Generator<AttentionProbsGenerator> {
public:
  LOOM_GENERATOR_ABI(attention_probs)
#define LOOM_SELECTED_attention_probs LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_attention_probs

  void generate() {
    const attention::Mask m = attention::parseMask("attention_probs", mask);
    const Target t = get_target();
    const int VW = natural_vector_size<float>();
    const int perTask = heads_per_task.forTarget(t);  // >= 1 (0 is the default)
    for (Input<Buffer<float>> *buf : {&q, &k}) {
      buf->dim(1).set_min(0);
      buf->dim(2).set_min(0);
      buf->dim(3).set_min(0);
    }
    Var j("j"), i("i"), h("h"), b("b"), e("e");
    Expr Dh = q.dim(0).extent(), Sk = k.dim(1).extent();

    /* THE ALGORITHM */
    // Per row (b, h, i): the visible scores, their max m, p = exp(s - m),
    // l = sum p, probs = p / l; hidden keys 0.
    Expr visible = j < Sk;
    if (m.causal) visible = visible && j <= i;
    if (m.keyPadding) visible = visible && j < key_lengths(b);
    Func kt("kt");  // one head's keys, transposed: keys innermost
    kt(j, e, h, b) = k(e, clamp(j, 0, Sk - 1), h, b);
    RDom re(0, Dh, "re");
    Func dot("dot");
    dot(j, i, h, b) = 0.0f;
    dot(j, i, h, b) += q(re, i, h, b) * kt(j, re, h, b);
    Func score("score");
    score(j, i, h, b) = select(visible, dot(j, i, h, b) * scale, attention::kNeg);
    RDom rj(0, Sk, "rj");
    Func rowMax("row_max");
    rowMax(i, h, b) = attention::kNeg;
    rowMax(i, h, b) = max(rowMax(i, h, b), score(rj, i, h, b));
    Func p("p");
    p(j, i, h, b) = select(visible, fastExp(score(j, i, h, b) - rowMax(i, h, b)), 0.0f);
    Func rowSum("row_sum");
    rowSum(i, h, b) = 0.0f;
    rowSum(i, h, b) += p(rj, i, h, b);
    probs(j, i, h, b) = select(visible, p(j, i, h, b) / rowSum(i, h, b), 0.0f);

    /* THE SCHEDULE */
    // Tasks of heads_per_task (b, h) pairs; each transposes its keys once
    // (kt), then per query row: the dot products as vector FMAs over the
    // keys (q broadcast, kt contiguous), the max and the sum as plain loops,
    // the exps and the output as vector loops. Everything is summed in key
    // order, whatever the thread count.
    const TailStrategy guard = TailStrategy::GuardWithIf;
    Var hb("hb"), task("task"), hbi("hbi");
    probs.fuse(h, b, hb).split(hb, task, hbi, perTask, guard).parallel(task);
    probs.vectorize(j, VW, guard);
    kt.compute_at(probs, hbi).vectorize(j, VW, guard);
    dot.compute_at(probs, i).vectorize(j, VW, guard);
    dot.update().reorder(j, re).vectorize(j, VW, guard);
    rowMax.compute_at(probs, i);
    p.compute_at(probs, i).vectorize(j, VW, guard);
    rowSum.compute_at(probs, i);
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AttentionProbsGenerator, attention_probs)
