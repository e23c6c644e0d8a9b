// attention: o = softmax(mask(q k^T * scale)) v, FlashAttention style;
// arguments as in LOOM_ABI_attention. Halide dims innermost first:
// q(e, i, h, b) [B, Sq, H, Dh], k and v (e, j, h, b) [B, Sk, H, Dh],
// key_lengths(b) (int32; read only by key_padding masks), o like q.
// q, k, v and o may be strided views into [B, S, 3D] / [B, S, D] activations
// (q(e, s, h, b) = qkv[b, s, h*Dh + e]): only e must have stride 1. Dims 1..3
// must start at 0. Masks: causal hides key j > i; key_padding hides key
// j >= key_lengths[b]; causal_key_padding both. A query row that sees no key
// at all gets o = 0 (PyTorch would give NaN). Param head_dim fixes Dh (the
// buffers must then have that extent in dim 0); 0 reads Dh from q.
//
// Per (b, h, block of query_block queries), in one task: for each block of
// key_block keys, a score tile S = q_blk k_blk^T (queries innermost), its row
// max m_blk, P = exp(S - m_blk), l_blk = rowsum P and PV_blk = P v_blk; these
// depend only on the block, and a running (m, l, acc) state is updated with
// the online-softmax rule
//   m' = max(m, m_blk), acc' = acc e^{m-m'} + PV_blk e^{m_blk-m'}, likewise l.
// Nothing of size Sq x Sk (or query_block x Sk) is ever stored. With a causal
// mask the key-block loop stops at the diagonal; with key padding at
// key_lengths[b].
#include "FloatMath.h"
#include "GeneratorMacros.h"

#include <utility>
#include <vector>

using namespace Halide;
using namespace loom::halide;

namespace {

// A finite "minus infinity": e^{kNeg - kNeg} stays defined.
constexpr float kNeg = -1.0e30f;

class AttentionGenerator : public Generator<AttentionGenerator> {
public:
  LOOM_GENERATOR_ABI(attention)
#define LOOM_SELECTED_attention LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_attention

  void generate() {
    readParams();
    /* THE ALGORITHM */
    defineBlockScores();
    defineOnlineSoftmax();
    /* THE SCHEDULE */
    scheduleTasks();
    scheduleScoreTile();
    schedulePv();
  }

private:
  bool causal = false, keyPadding = false;
  // Knob values for this target (QB = query_block, KB = key_block) and the
  // vector width.
  int QB = 0, KB = 0, VW = 0, scoreKeysUnroll = 0, pvQueriesUnroll = 0;
  Expr Dh, Sq, Sk;
  // Vector widths along e, each under the condition it needs (undefined: the
  // remaining case): VW when Dh allows, else 8 lanes, else scalar (tiny Dh).
  std::vector<std::pair<Expr, int>> eWidths;
  Var e{"e"}, i{"i"}, jj{"jj"}, kb{"kb"}, h{"h"}, b{"b"}, qi{"qi"}, qb{"qb"};
  RDom re, rj, rk;
  Func qt{"qt"}, dotAcc{"dot_acc"}, dot{"dot"}, blockMax{"block_max"}, p{"p"};
  Func blockSum{"block_sum"}, pvAcc{"pv_acc"}, pv{"pv"}, state{"state"};

  /// Validates the params, resolves the knobs, fixes the buffers' bounds and
  /// picks the vector widths along e.
  void readParams() {
    const std::string m = mask;
    requireOneOf("attention", "mask", m, {"none", "causal", "key_padding", "causal_key_padding"});
    causal = m == "causal" || m == "causal_key_padding";
    keyPadding = m == "key_padding" || m == "causal_key_padding";
    requireNonNegative("attention", "head_dim", head_dim);
    const Target t = get_target();
    VW = natural_vector_size<float>();
    QB = query_block.forTarget(t);
    KB = key_block.forTarget(t);
    scoreKeysUnroll = score_keys_unroll.forTarget(t);
    pvQueriesUnroll = pv_queries_unroll.forTarget(t);
    // A remainder would grow every register tile of the block.
    requireDivides("attention", "score_keys_unroll", scoreKeysUnroll, "key_block", KB);
    requireDivides("attention", "pv_queries_unroll", pvQueriesUnroll, "query_block", QB);
    for (Input<Buffer<float>> *buf : {&q, &k, &v}) buf->dim(1).set_min(0);
    Dh = q.dim(0).extent();
    if (head_dim > 0) {
      Dh = head_dim;
      for (Input<Buffer<float>> *buf : {&q, &k, &v}) buf->dim(0).set_bounds(0, Dh);
      int w = head_dim % VW == 0 ? VW : head_dim % 8 == 0 ? 8 : 1;
      eWidths = {{Expr(), w}};
    } else {
      eWidths = {{Dh % VW == 0, VW}};
      if (VW > 8) eWidths.push_back({Dh % 8 == 0, 8});
      eWidths.push_back({Expr(), 1});
    }
    Sq = q.dim(1).extent();
    Sk = k.dim(1).extent();
    re = RDom(0, Dh, "re");
    rj = RDom(0, KB, "rj");
    rk = RDom(0, (Sk + KB - 1) / KB, "rk");
  }

  Expr keyIndex(Expr blk, Expr inBlock) const { return blk * KB + inBlock; }
  Expr clampKey(Expr j) const { return clamp(j, 0, Sk - 1); }
  Expr visible(Expr query, Expr key) {
    Expr ok = key < Sk;
    if (causal) ok = ok && key <= query;
    if (keyPadding) ok = ok && key < key_lengths(b);
    return ok;
  }
  Expr score(Expr query, Expr inBlock, Expr blk) {
    return select(visible(query, keyIndex(blk, inBlock)), dot(query, inBlock, blk, h, b) * scale,
                  kNeg);
  }

  /// Everything of one key block: scores, their max, P, its row sums, P v.
  void defineBlockScores() {
    // q transposed per query block, so scores vectorise over queries.
    qt(i, e, h, b) = q(e, clamp(i, 0, Sq - 1), h, b);
    dotAcc(i, jj, kb, h, b) = 0.0f;  // q_i . k_{kb KB + jj}
    dotAcc(i, jj, kb, h, b) += qt(i, re, h, b) * k(re, clampKey(keyIndex(kb, jj)), h, b);
    dot(i, jj, kb, h, b) = dotAcc(i, jj, kb, h, b);  // dotAcc: its register tile
    blockMax(i, kb, h, b) = kNeg;
    blockMax(i, kb, h, b) = max(blockMax(i, kb, h, b), score(i, rj, kb));
    // exp(S - m_blk), zero where masked.
    p(i, jj, kb, h, b) = select(visible(i, keyIndex(kb, jj)),
                                fastExp(score(i, jj, kb) - blockMax(i, kb, h, b)), 0.0f);
    blockSum(i, kb, h, b) = 0.0f;
    blockSum(i, kb, h, b) += p(i, rj, kb, h, b);
    pvAcc(e, i, kb, h, b) = 0.0f;
    pvAcc(e, i, kb, h, b) += p(i, rj, kb, h, b) * v(e, clampKey(keyIndex(kb, rj)), h, b);
    pv(e, i, kb, h, b) = pvAcc(e, i, kb, h, b);  // pvAcc: its register tile
  }

  /// The running (m, l, acc) over key blocks: key_block sets the order in
  /// which the softmax denominator and P v are summed. (m, l) are replicated
  /// along e so the state is one Tuple Func; the redundant work is O(Dh) per
  /// query per block.
  void defineOnlineSoftmax() {
    if (causal) rk.where(rk * KB <= qb * QB + (QB - 1));
    if (keyPadding) rk.where(rk * KB < key_lengths(b));
    state(e, qi, qb, h, b) = Tuple(kNeg, 0.0f, 0.0f);
    Expr query = qb * QB + qi;
    Expr m0 = state(e, qi, qb, h, b)[0], l0 = state(e, qi, qb, h, b)[1],
         a0 = state(e, qi, qb, h, b)[2];
    Expr mb = blockMax(query, rk, h, b);
    Expr m1 = max(m0, mb);
    // One of e^{m0-m1}, e^{mb-m1} is 1: a single exp per update.
    Expr t = fastExp(-abs(m0 - mb));
    Expr alpha = select(m0 >= mb, 1.0f, t), beta = select(m0 >= mb, t, 1.0f);
    state(e, qi, qb, h, b) = Tuple(m1, l0 * alpha + beta * blockSum(query, rk, h, b),
                                   a0 * alpha + beta * pv(e, query, rk, h, b));
    Expr l = state(e, i % QB, i / QB, h, b)[1];
    o(e, i, h, b) = select(l > 0.0f, state(e, i % QB, i / QB, h, b)[2] / l, 0.0f);
    if (head_dim > 0) o.dim(0).set_bounds(0, Dh);  // (o's buffer exists once o is defined)
  }

  /// Applies `apply(stage, width)` to each e-width specialization of the
  /// stage that `stageOf()` returns.
  template <typename StageOf, typename Apply>
  void forEachWidth(StageOf stageOf, Apply apply) {
    for (auto &[cond, w] : eWidths)
      apply(cond.defined() ? stageOf().specialize(cond) : stageOf(), w);
  }

  /// One task per (b, h, query block); the online-softmax state lives in it.
  void scheduleTasks() {
    Var qo("qo"), qin("qin"), task("task"), t1("t1");
    Func out = o;
    forEachWidth([&] { return Stage(out); }, [&](Stage st, int w) {
      st.split(i, qo, qin, QB, TailStrategy::GuardWithIf)
          .fuse(qo, h, t1)
          .fuse(t1, b, task)
          .parallel(task);
      if (w > 1) st.vectorize(e, w);
    });
    state.compute_at(out, task);
    forEachWidth([&] { return Stage(state); }, [&](Stage st, int w) {
      if (w > 1) st.vectorize(e, w);
    });
    forEachWidth([&] { return state.update(); }, [&](Stage st, int w) {
      st.reorder(e, qi, rk, qb, h, b);
      if (w > 1) st.vectorize(e, w);
    });
    qt.compute_at(out, task).vectorize(i, VW);
    // Everything below is recomputed per key block, inside the rk loop.
    for (Func f : {dot, blockMax, p, blockSum, pv}) f.compute_at(state, rk);
  }

  /// QK^T register tile: score_keys_unroll keys x (QB / VW) query vectors
  /// live in registers across the Dh loop (dotAcc is small, so LLVM keeps it
  /// in vector registers): 4 x 4 = 16 zmm accumulators by default, 2 x 4 ymm
  /// on AVX2. The score tile is query-innermost, so the row max, row sum and
  /// exp are plain vector ops, and it stays in L1 (64 x 64 floats = 16 KB, its
  /// exp as much; Zen 5 has 48 KB).
  void scheduleScoreTile() {
    Var jo("jo"), ji("ji"), io("io"), iv("iv");
    // With a causal mask bounds inference trims the score tile to the rows
    // that can see the block; bound_extent keeps the tile QB rows so it unrolls.
    dot.bound_extent(i, QB).split(jj, jo, ji, scoreKeysUnroll).vectorize(i, VW);
    dotAcc.compute_at(dot, jo).vectorize(i, VW).unroll(i).unroll(jj);
    dotAcc.update()
        .split(i, io, iv, VW)
        .reorder(iv, io, jj, re)
        .vectorize(iv)
        .unroll(io)
        .unroll(jj);
    blockMax.vectorize(i, VW);
    blockMax.update().reorder(i, rj).vectorize(i, VW);
    p.vectorize(i, VW);
    blockSum.vectorize(i, VW);
    blockSum.update().reorder(i, rj).vectorize(i, VW);
  }

  /// PV register tile: pv_queries_unroll queries x (Dh / w) vectors of e over
  /// rj, 4 x 4 = 16 zmm at Dh = 64 by default (AVX2: 1 query, Dh = 64 is
  /// already 8 ymm); with a run-time Dh: pv_queries_unroll x 1 vectors,
  /// looping over e.
  void schedulePv() {
    Var io("io"), ii("ii"), eo("eo"), ev("ev");
    pvAcc.compute_at(pv, io);
    forEachWidth([&] { return Stage(pv); }, [&](Stage st, int w) {
      st.split(i, io, ii, pvQueriesUnroll);
      if (w > 1) st.vectorize(e, w);
    });
    forEachWidth([&] { return Stage(pvAcc); }, [&](Stage st, int w) {
      if (w > 1) st.vectorize(e, w);
      st.unroll(i);
    });
    forEachWidth([&] { return pvAcc.update(); }, [&](Stage st, int w) {
      if (w > 1) {
        st.split(e, eo, ev, w);
        if (head_dim > 0) st.reorder(ev, eo, i, rj).unroll(eo);
        else st.reorder(ev, i, rj, eo);
        st.vectorize(ev);
      } else {
        st.reorder(e, i, rj);
      }
      st.unroll(i);
    });
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AttentionGenerator, attention)
