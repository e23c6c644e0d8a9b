// attention: o = softmax(mask(q k^T * scale)) v, FlashAttention style.
//
// Generated C function (float32 unless noted; Halide dims innermost first):
//   int FN(halide_buffer_t *q,            // [B, H, Sq, Dh]  q(e, i, h, b)
//          halide_buffer_t *k,            // [B, H, Sk, Dh]  k(e, j, h, b)
//          halide_buffer_t *v,            // [B, H, Sk, Dh]  v(e, j, h, b)
//          halide_buffer_t *key_lengths,  // int32 [B]; read only by key_padding masks
//          float scale,                   // usually 1/sqrt(Dh)
//          halide_buffer_t *o);           // [B, H, Sq, Dh]  o(e, i, h, b), output
// q, k, v and o may be strided views into [B, S, 3D] / [B, S, D] activations
// (q(e, s, h, b) = qkv[b, s, h*Dh + e]): only e must have stride 1. Dims 1..3 must
// start at 0. Masks (--mask): causal hides key j > i; key_padding hides key
// j >= key_lengths[b]; causal_key_padding both. A query row that sees no key at all
// gets o = 0 (PyTorch would give NaN). --head-dim=N specialises Dh = N (the buffers
// must then have extent N in dim 0); without it Dh is read from q.
//
// Per (b, h, block of queryBlock queries), in one task: for each block of keyBlock
// keys, a score tile S = q_blk k_blk^T (queries innermost), its row max m_blk, P =
// exp(S - m_blk), l_blk = rowsum P and PV_blk = P v_blk; these only depend on the
// block, and a running (m, l, acc) state is updated with the online-softmax rule
//   m' = max(m, m_blk), acc' = acc e^{m-m'} + PV_blk e^{m_blk-m'}, likewise l.
// Nothing of size Sq x Sk (or queryBlock x Sk) is ever stored. With a causal mask
// the key-block loop stops at the diagonal; with key padding at key_lengths[b].
#include "FloatMath.h"
#include "KernelFamilies.h"
#include "Schedules.h"

using namespace Halide;

namespace loom::halide {

KernelDefinition buildAttention(const KernelRequest &request, const Target &target) {
  const std::string &mask = request.mask;
  bool causal = mask == "causal" || mask == "causal_key_padding";
  bool keyPadding = mask == "key_padding" || mask == "causal_key_padding";
  if (!causal && !keyPadding && mask != "none")
    throw std::runtime_error("attention: unknown --mask=" + mask);

  ImageParam q(Float(32), 4, "q"), k(Float(32), 4, "k"), v(Float(32), 4, "v");
  ImageParam keyLengths(Int(32), 1, "key_lengths");
  Param<float> scale("scale");
  for (ImageParam p : {q, k, v}) p.dim(1).set_min(0);
  const AttentionSchedule s = attentionScheduleFor(target);
  const int QB = s.queryBlock, KB = s.keyBlock, VW = s.vectorWidth;
  const float NEG = -1.0e30f;  // finite "minus infinity": e^{NEG - NEG} stays defined

  Var e("e"), i("i"), jj("jj"), kb("kb"), h("h"), b("b"), qi("qi"), qb("qb");
  Expr Dh = q.dim(0).extent();
  Func o("o");
  if (request.headDim > 0) {
    Dh = request.headDim;
    for (ImageParam p : {q, k, v}) p.dim(0).set_bounds(0, request.headDim);
  }
  Expr Sq = q.dim(1).extent(), Sk = k.dim(1).extent();

  /* THE ALGORITHM */
  auto keyIndex = [&](Expr blk, Expr inBlock) { return blk * KB + inBlock; };
  auto clampKey = [&](Expr j) { return clamp(j, 0, Sk - 1); };
  auto visible = [&](Expr query, Expr key) {
    Expr ok = key < Sk;
    if (causal) ok = ok && key <= query;
    if (keyPadding) ok = ok && key < keyLengths(b);
    return ok;
  };
  // q transposed per query block, so scores vectorise over queries.
  Func qt("qt");
  qt(i, e, h, b) = q(e, clamp(i, 0, Sq - 1), h, b);
  RDom re(0, Dh, "re");
  Func dotAcc("dot_acc");  // q_i . k_{kb*KB+jj}
  dotAcc(i, jj, kb, h, b) = 0.0f;
  dotAcc(i, jj, kb, h, b) += qt(i, re, h, b) * k(re, clampKey(keyIndex(kb, jj)), h, b);
  Func dot("dot");  // the score tile; dotAcc is its register-tile accumulator
  dot(i, jj, kb, h, b) = dotAcc(i, jj, kb, h, b);
  auto score = [&](Expr query, Expr inBlock, Expr blk) {
    return select(visible(query, keyIndex(blk, inBlock)),
                  dot(query, inBlock, blk, h, b) * scale, NEG);
  };
  RDom rj(0, KB, "rj");
  Func blockMax("block_max");
  blockMax(i, kb, h, b) = NEG;
  blockMax(i, kb, h, b) = max(blockMax(i, kb, h, b), score(i, rj, kb));
  Func p("p");  // exp(S - m_blk), zero where masked
  p(i, jj, kb, h, b) = select(visible(i, keyIndex(kb, jj)),
                              fastExp(score(i, jj, kb) - blockMax(i, kb, h, b)), 0.0f);
  Func blockSum("block_sum");
  blockSum(i, kb, h, b) = 0.0f;
  blockSum(i, kb, h, b) += p(i, rj, kb, h, b);
  Func pvAcc("pv_acc");
  pvAcc(e, i, kb, h, b) = 0.0f;
  pvAcc(e, i, kb, h, b) += p(i, rj, kb, h, b) * v(e, clampKey(keyIndex(kb, rj)), h, b);
  Func pv("pv");  // P v for one key block; pvAcc is its register-tile accumulator
  pv(e, i, kb, h, b) = pvAcc(e, i, kb, h, b);

  // Online softmax over key blocks. (m, l) are replicated along e so the state is
  // one Tuple Func; the redundant work is O(Dh) per query per block.
  RDom rk(0, (Sk + KB - 1) / KB, "rk");
  if (causal) rk.where(rk * KB <= qb * QB + (QB - 1));
  if (keyPadding) rk.where(rk * KB < keyLengths(b));
  Func state("state");
  state(e, qi, qb, h, b) = Tuple(NEG, 0.0f, 0.0f);
  {
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
  }
  Expr l = state(e, i % QB, i / QB, h, b)[1];
  o(e, i, h, b) = select(l > 0.0f, state(e, i % QB, i / QB, h, b)[2] / l, 0.0f);
  if (request.headDim > 0) o.output_buffer().dim(0).set_bounds(0, request.headDim);

  /* THE SCHEDULE */
  Var qo("qo"), qin("qin"), task("task"), t1("t1");
  Var io("io"), ii("ii"), iv("iv"), jo("jo"), ji("ji"), eo("eo"), ev("ev");
  // Vector width along e: VW when Dh allows, else 8 lanes, else scalar (tiny Dh).
  std::vector<std::pair<Expr, int>> eWidths;
  if (request.headDim > 0) {
    int w = request.headDim % VW == 0 ? VW : request.headDim % 8 == 0 ? 8 : 1;
    eWidths.push_back({Expr(), w});
  } else {
    eWidths.push_back({Dh % VW == 0, VW});
    if (VW > 8) eWidths.push_back({Dh % 8 == 0, 8});
    eWidths.push_back({Expr(), 1});
  }
  auto forEachWidth = [&](auto stageOf, auto apply) {
    for (auto &[cond, w] : eWidths) apply(cond.defined() ? stageOf().specialize(cond) : stageOf(), w);
  };

  forEachWidth([&] { return Stage(o); }, [&](Stage st, int w) {
    st.split(i, qo, qin, QB, TailStrategy::GuardWithIf)
        .fuse(qo, h, t1)
        .fuse(t1, b, task)
        .parallel(task);
    if (w > 1) st.vectorize(e, w);
  });
  state.compute_at(o, task);
  forEachWidth([&] { return Stage(state); }, [&](Stage st, int w) {
    if (w > 1) st.vectorize(e, w);
  });
  forEachWidth([&] { return state.update(); }, [&](Stage st, int w) {
    st.reorder(e, qi, rk, qb, h, b);
    if (w > 1) st.vectorize(e, w);
  });
  qt.compute_at(o, task).vectorize(i, VW);

  // Everything below is recomputed per key block, inside the rk loop.
  for (Func f : {dot, blockMax, p, blockSum, pv}) f.compute_at(state, rk);
  // QK^T register tile: scoreKeysUnroll keys x (QB / VW) query vectors live in
  // registers across the Dh loop (dotAcc is small so LLVM keeps it in zmm).
  // With a causal mask bounds inference trims the score tile to the rows that can
  // see the block; bound_extent keeps the tile QB rows so it unrolls.
  dot.bound_extent(i, QB).split(jj, jo, ji, s.scoreKeysUnroll).vectorize(i, VW);
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
  // PV register tile: pvQueriesUnroll queries x (Dh / w) vectors of e over rj
  // (with a generic Dh: pvQueriesUnroll x 1 vectors, looping over e blocks).
  pvAcc.compute_at(pv, io);
  forEachWidth([&] { return Stage(pv); }, [&](Stage st, int w) {
    st.split(i, io, ii, s.pvQueriesUnroll);
    if (w > 1) st.vectorize(e, w);
  });
  forEachWidth([&] { return Stage(pvAcc); }, [&](Stage st, int w) {
    if (w > 1) st.vectorize(e, w);
    st.unroll(i);
  });
  forEachWidth([&] { return pvAcc.update(); }, [&](Stage st, int w) {
    if (w > 1) {
      st.split(e, eo, ev, w);
      if (request.headDim > 0) st.reorder(ev, eo, i, rj).unroll(eo);
      else st.reorder(ev, i, rj, eo);
      st.vectorize(ev);
    } else {
      st.reorder(e, i, rj);
    }
    st.unroll(i);
  });
  return {Pipeline(o), {q, k, v, keyLengths, scale}};
}

}  // namespace loom::halide
