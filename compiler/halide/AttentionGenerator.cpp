// attention: o = softmax(mask(q k^T * scale)) v, FlashAttention style;
// arguments as in LOOM_ABI_attention. Halide dims innermost first:
// q(e, i, h, b) [B, Sq, H, Dh], k and v (e, j, h, b) [B, Sk, H, Dh],
// key_lengths(b) (int32; read only by key_padding masks), o like q.
// q, k, v and o may be strided views into [B, S, 3D] / [B, S, D] activations
// (q(e, s, h, b) = qkv[b, s, h*Dh + e]): only e must have stride 1. Dims 1..3
// must start at 0. Masks: causal hides key j > i; key_padding hides key
// j >= key_lengths[b]; causal_key_padding both. A query row that sees no key
// at all gets o = 0 (PyTorch would give NaN: this is no NaN input, and a
// padding row must stay finite). Param head_dim fixes Dh (the
// buffers must then have that extent in dim 0); 0 reads Dh from q.
//
// The algorithm (FlashAttention: online softmax over key blocks, one task per
// query block), its schedule and its NaN and Inf handling are FlashForward's
// (AttentionCommon.h), shared with attention_train. With a static head_dim,
// a call with Sq <= short_block takes a second FlashForward, with blocks of
// short_block queries and keys.
#include "AttentionCommon.h"
#include "GeneratorMacros.h"

#include <string>

using namespace Halide;
using namespace loom::halide;
using namespace loom::halide::attention;

namespace {

class AttentionGenerator : public Generator<AttentionGenerator> {
public:
  LOOM_GENERATOR_ABI(attention)
#define LOOM_SELECTED_attention LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_attention

  void generate() {
    FlashForwardSpec spec;
    spec.mask = parseMask("attention", mask);
    requireNonNegative("attention", "head_dim", head_dim);
    const Target t = get_target();
    const int chosen = scheduler.forTarget(t);
    _halide_user_assert(chosen == 1 || chosen == 2)
        << "attention: scheduler must be 1 (Loom's) or 2 (Adams2019)";
    if (chosen == 2) return generateForAdams2019(spec.mask);
    _halide_user_assert(!get_auto_schedule()) << "attention: auto_schedule=true needs scheduler=2";
    spec.headDim = head_dim;
    spec.VW = natural_vector_size<float>();
    spec.QB = query_block.forTarget(t);
    spec.KB = key_block.forTarget(t);
    spec.scoreKeysUnroll = score_keys_unroll.forTarget(t);
    spec.pvQueriesUnroll = pv_queries_unroll.forTarget(t);
    // A remainder would grow every register tile of the block.
    requireDivides("attention", "score_keys_unroll", spec.scoreKeysUnroll, "key_block", spec.KB);
    requireDivides("attention", "pv_queries_unroll", spec.pvQueriesUnroll, "query_block", spec.QB);
    for (Input<Buffer<float>> *buf : {&q, &k, &v}) buf->dim(1).set_min(0);
    Expr Dh = q.dim(0).extent();
    if (head_dim > 0) {
      Dh = head_dim;
      for (Input<Buffer<float>> *buf : {&q, &k, &v}) buf->dim(0).set_bounds(0, Dh);
    }
    Expr Sq = q.dim(1).extent(), Sk = k.dim(1).extent();
    FlashForward forward(spec, q, k, v, key_lengths, scale, Dh, Sq, Sk);
    const int shortBlock = short_block.forTarget(t);
    if (head_dim > 0) {
      // Short query ranges (d2l's 10-token sequences, a decoding step's one
      // query) in blocks of short_block queries and keys: blocks of 64 would
      // compute 64 x 64 scores where 10 x 10 or 1 x Sk are wanted.
      FlashForwardSpec shortSpec = spec;
      shortSpec.QB = shortSpec.KB = shortBlock;
      requireDivides("attention", "the vector width", spec.VW, "short_block", shortBlock);
      requireDivides("attention", "score_keys_unroll", spec.scoreKeysUnroll, "short_block", shortBlock);
      requireDivides("attention", "pv_queries_unroll", spec.pvQueriesUnroll, "short_block", shortBlock);
      FlashForward shortForward(shortSpec, q, k, v, key_lengths, scale, Dh, Sq, Sk, "_short");
      forward.buildWithShort(o, shortForward, Sq <= shortBlock);
    } else {
      forward.build(o);
    }
    if (head_dim > 0) o.dim(0).set_bounds(0, Dh);  // (o's buffer exists once o is defined)
  }

private:
  /// The textbook algorithm with estimates and no schedule, for Halide's
  /// Adams2019 autoscheduler (auto_schedule=true, its plugin loaded): a
  /// baseline for loomc tune. The [B, H, Sq, Sk] scores, their row max,
  /// P = exp(S - max) (0 where hidden), its row sum l, o = P v / l (0 for a
  /// row that sees no key). No NaN handling beyond what falls out.
  void generateForAdams2019(Mask m) {
    _halide_user_assert(get_auto_schedule())
        << "attention: scheduler=2 needs auto_schedule=true and the Adams2019 plugin (-p, -s)";
    Var e("e"), i("i"), j("j"), h("h"), b("b");
    for (Input<Buffer<float>> *buf : {&q, &k, &v}) {
      buf->dim(1).set_min(0);
      if (head_dim > 0) buf->dim(0).set_bounds(0, int(head_dim));
    }
    Expr Dh = head_dim > 0 ? Expr(int(head_dim)) : q.dim(0).extent();
    Expr Sk = k.dim(1).extent();
    RDom re(0, Dh, "re"), rj(0, Sk, "rj");
    Expr visible = j < Sk;
    if (m.causal) visible = visible && j <= i;
    if (m.keyPadding) visible = visible && j < key_lengths(b);
    Func dot("dot"), score("score"), rowMax("row_max"), p("p"), rowSum("row_sum"), pv("pv");
    dot(j, i, h, b) = 0.0f;
    dot(j, i, h, b) += q(re, i, h, b) * k(re, j, h, b);
    score(j, i, h, b) = select(visible, dot(j, i, h, b) * scale, kNeg);
    rowMax(i, h, b) = kNeg;
    rowMax(i, h, b) = max(rowMax(i, h, b), score(rj, i, h, b));
    p(j, i, h, b) = select(visible, exp(score(j, i, h, b) - rowMax(i, h, b)), 0.0f);
    rowSum(i, h, b) = 0.0f;
    rowSum(i, h, b) += p(rj, i, h, b);
    pv(e, i, h, b) = 0.0f;
    pv(e, i, h, b) += p(rj, i, h, b) * v(e, rj, h, b);
    Expr seesNoKey = m.keyPadding ? key_lengths(b) <= 0 : Expr(false);
    o(e, i, h, b) = select(seesNoKey, 0.0f, pv(e, i, h, b) / rowSum(i, h, b));
    const Target t = get_target();
    const int eb = estimate_b.forTarget(t), eh = estimate_h.forTarget(t),
              esq = estimate_sq.forTarget(t), esk = estimate_sk.forTarget(t),
              edh = head_dim > 0 ? int(head_dim) : 64;
    q.set_estimates({{0, edh}, {0, esq}, {0, eh}, {0, eb}});
    k.set_estimates({{0, edh}, {0, esk}, {0, eh}, {0, eb}});
    v.set_estimates({{0, edh}, {0, esk}, {0, eh}, {0, eb}});
    key_lengths.set_estimates({{0, eb}});
    scale.set_estimate(0.125f);
    o.set_estimates({{0, edh}, {0, esq}, {0, eh}, {0, eb}});
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AttentionGenerator, attention)
