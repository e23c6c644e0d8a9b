// What the attention Generators share (AttentionGenerator.cpp: inference;
// AttentionTrainGenerators.cpp: training forward and backward): the masks,
// the attention dropout mask in Halide, and the FlashAttention forward
// (FlashForward), which both `attention` and `attention_train` build.
#pragma once

#include "FloatMath.h"
#include "GeneratorParams.h"
#include "Philox.h"

#include <Halide.h>

#include <array>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace loom::halide::attention {

using namespace Halide;

// A finite "minus infinity" for masked scores and empty maxima: e^{kNeg - kNeg}
// stays defined, and as the lowest float it is below every visible finite
// score, so a row max is a visible score unless all of them are -Inf.
constexpr float kNeg = -std::numeric_limits<float>::max();

/// A mask param: none | causal | key_padding | causal_key_padding.
struct Mask {
  bool causal = false, keyPadding = false;
};

inline Mask parseMask(const char *generator, const std::string &m) {
  requireOneOf(generator, "mask", m, {"none", "causal", "key_padding", "causal_key_padding"});
  Mask mask;
  mask.causal = m == "causal" || m == "causal_key_padding";
  mask.keyPadding = m == "key_padding" || m == "causal_key_padding";
  return mask;
}

/// Philox4x32-10 of the 64-bit counter block `block` (Philox.h, the one
/// definition), as Halide expressions on uint32.
inline std::array<Expr, 4> philoxWords(Expr block, Expr seed, Expr stream, Expr step) {
  auto mulhilo = [](Expr a, Expr b) {
    // hi: the widening multiply's high half (two vpmuludq and a shuffle);
    // lo: the wrapping product (one vpmulld).
    return std::array<Expr, 2>{cast<uint32_t>((cast<uint64_t>(a) * cast<uint64_t>(b)) >> 32),
                               a * b};
  };
  return loom::philox::philox4x32_10<Expr>(
      {cast<uint32_t>(block), cast<uint32_t>(block >> 32), cast<uint32_t>(stream),
       cast<uint32_t>(step)},
      {cast<uint32_t>(seed), cast<uint32_t>(seed >> 32)}, mulhilo);
}

/// The attention dropout mask (KernelAbi.def "Training"): element (b, h, i, j)
/// of [B, H, Sq, Sk], index e = ((b H + h) Sq + i) Sk + j, is kept iff Philox
/// word e % 4 of counter e / 4 is >= floor(p 2^32); the factor applied to a
/// probability is 1 / (1 - p) where kept, 0 where dropped.
///
/// `factor(i, jj, kb, h, b)` is that factor for query i and key j = kb KB + jj,
/// as the kernels' key blocks see it. Where Sk % 4 == 0 (`aligned`) the four
/// words of a counter are keys 4q..4q+3 of one row, so `words(i, jq, kb, h, b)`
/// computes one Philox call per four keys (jq = jj / 4); otherwise factor
/// computes a call per element (factorAt). A consumer specialises on
/// `aligned` so that each branch keeps only its half of the select.
class AttentionDropout {
public:
  AttentionDropout(const std::string &name, Expr p, Expr seed, Expr stream, Expr step, Expr H, Expr Sq,
              Expr Sk, int KB)
      : factor(name + "_factor"), words(name + "_words"), p_(p), seed_(seed), stream_(stream),
        step_(step), H_(H), Sq_(Sq), Sk_(Sk) {
    aligned = Sk % 4 == 0;
    // Named as the kernels' vars, so that their schedules name these.
    Var i("i"), jj("jj"), kb("kb"), h("h"), b("b"), jq("jq");
    Expr block = row(i, h, b) * cast<uint64_t>(Sk / 4) + cast<uint64_t>(kb * (KB / 4) + jq);
    std::array<Expr, 4> w = philoxWords(block, seed_, stream_, step_);
    words(i, jq, kb, h, b) = Tuple(w[0], w[1], w[2], w[3]);
    Expr r = jj % 4, q = jj / 4;
    Expr fastWord = select(r == 0, words(i, q, kb, h, b)[0], r == 1, words(i, q, kb, h, b)[1],
                           r == 2, words(i, q, kb, h, b)[2], words(i, q, kb, h, b)[3]);
    factor(i, jj, kb, h, b) =
        select(aligned, fromWord(fastWord), factorAt(i, kb * KB + jj, h, b));
  }

  /// The factor of (query i, key j) of head (h, b), one Philox call of its own.
  Expr factorAt(Expr i, Expr j, Expr h, Expr b) const {
    Expr e = row(i, h, b) * cast<uint64_t>(Sk_) + cast<uint64_t>(j);
    std::array<Expr, 4> w = philoxWords(e >> 2, seed_, stream_, step_);
    Expr r = cast<int32_t>(e & 3);
    return fromWord(select(r == 0, w[0], r == 1, w[1], r == 2, w[2], w[3]));
  }

  Func factor, words;
  Expr aligned;

private:
  Expr p_, seed_, stream_, step_, H_, Sq_, Sk_;

  /// Row (b, h, i) of the [B H Sq, Sk] view, as uint64.
  Expr row(Expr i, Expr h, Expr b) const {
    return (cast<uint64_t>(b) * cast<uint64_t>(H_) + cast<uint64_t>(h)) * cast<uint64_t>(Sq_) +
           cast<uint64_t>(i);
  }
  Expr fromWord(Expr word) const {
    // floor(p 2^32) and 1 / (1 - p) in double, as Philox.h's reference.
    Expr threshold = cast<uint32_t>(cast<double>(p_) * Expr(4294967296.0));
    Expr keptScale = cast<float>(Expr(1.0) / (Expr(1.0) - cast<double>(p_)));
    return select(word >= threshold, keptScale, 0.0f);
  }
};

/// What a FlashForward computes: the mask, a static head_dim (0: Dh at run
/// time) and the knobs resolved for the target (QB = query_block, KB =
/// key_block), with the target's vector width VW.
struct FlashForwardSpec {
  Mask mask;
  int headDim = 0;
  int QB = 0, KB = 0, VW = 0, scoreKeysUnroll = 0, pvQueriesUnroll = 0;
};

/// The Funcs of one online softmax over a task's key blocks: those of one
/// block (recomputed per key block) and the running (m, l, acc) state. The
/// kernel has two of them: the fast one and the exact one (FlashForward).
struct OnlineSoftmax {
  explicit OnlineSoftmax(const std::string &suffix)
      : dotAcc("dot_acc" + suffix), dot("dot" + suffix), blockMax("block_max" + suffix),
        p("p" + suffix), pd("pd" + suffix), blockSum("block_sum" + suffix),
        pvAcc("pv_acc" + suffix), pv("pv" + suffix), state("state" + suffix) {}
  Func dotAcc, dot, blockMax, p, pd, blockSum, pvAcc, pv, state;
};

// FlashForward: o = softmax(mask(q k^T * scale)) v, FlashAttention style;
// the algorithm of `attention` (AttentionGenerator.cpp documents the
// arguments) and, with an lse Func and a dropout mask, of `attention_train`.
// Halide dims innermost first: q(e, i, h, b) [B, Sq, H, Dh], k and v
// (e, j, h, b) [B, Sk, H, Dh], key_lengths(b), o like q, lse(i, h, b).
//
// Per (b, h, block of query_block queries), in one task: for each block of
// key_block keys, a score tile S = q_blk k_blk^T (queries innermost), its row
// max m_blk, P = exp(S - m_blk), l_blk = rowsum P and PV_blk = P v_blk; these
// depend only on the block, and a running (m, l, acc) state is updated with
// the online-softmax rule
//   m' = max(m, m_blk), acc' = acc e^{m-m'} + PV_blk e^{m_blk-m'}, likewise l.
// Nothing of size Sq x Sk (or query_block x Sk) is ever stored. With a causal
// mask the key-block loop stops at the diagonal; with key padding at
// key_lengths[b]. With dropout, PV_blk takes P times the dropout factor
// (AttentionDropout) and l the undropped P: o = (P o keep / (1 - p)) v.
// lse = m + log l, the row's log-sum-exp (-Inf for a row that sees no key).
//
// NaN and Inf: as PyTorch's softmax(masked_fill(S, hidden, -inf)) v, a hidden
// key being absent (its k and v never reach a row: decoding with a KV cache
// never sees a future key, and forward must give the same rows):
//   - a NaN or +Inf score that a query sees makes its row NaN (a NaN score
//     gives a NaN p; +Inf is the max and gives e^{Inf - Inf}); a -Inf score
//     gives p = 0; a row whose visible scores are all -Inf is NaN (0 / 0:
//     "sees no key" is decided on the lengths, never on l);
//   - NaN or +-Inf in v reaches column e of every query that sees that key
//     (a dropped key too: 0 * NaN, as PyTorch's dropout then matmul).
// The online softmax does all this by itself, given a fastExp that keeps a
// NaN (FloatMath.h) and masked scores that are selected, never computed,
// except for one thing: P v multiplies every key of a computed block by its
// p, 0 for a hidden key (the diagonal block of a causal mask, a padding or a
// last partial block), and 0 * NaN or 0 * Inf is NaN where that key must not
// reach. Selecting each product out costs a select per FMA in the hottest
// loop, so only the "exact" online softmax does that, and only for a task
// whose fast result holds a NaN: the fast acc becomes NaN wherever a hidden
// product did (alpha and beta only multiply it; one add per acc element
// tests the task), and the exact pass, over the same blocks, replaces the
// task's rows. Without NaN or Inf in q, k, v no task takes it.
class FlashForward {
public:
  /// q, k, v, keyLengths: the inputs (the Generator has fixed their bounds);
  /// Dh, Sq, Sk their sizes. `tag` suffixes the names of its Funcs, so that
  /// two FlashForwards can share a pipeline (buildWithShort).
  FlashForward(const FlashForwardSpec &spec, Func q, Func k, Func v, Func keyLengths, Expr scale,
               Expr Dh, Expr Sq, Expr Sk, const std::string &tag = "")
      : s_(spec), QB(spec.QB), KB(spec.KB), VW(spec.VW), q(q), k(k), v(v),
        keyLengths(keyLengths), scale(scale), Dh(Dh), Sq(Sq), Sk(Sk), qt("qt" + tag),
        fast(tag), exact("_exact" + tag), accColSum("acc_col_sum" + tag),
        accSum("acc_sum" + tag), result("result" + tag) {}

  /// Defines o and schedules everything (inference).
  void build(Func o) {
    define(Func(), nullptr, false);
    o(e, i, h, b) = rows(i);
    o_ = o;
    scheduleTaskFuncs(scheduleOutput());
    scheduleBlocks();
  }
  /// Training: also lse (defined here: pass an undefined Output Func) and,
  /// if `dropoutMask` is not null, dropout of P in P v.
  void build(Func o, Func lse, const AttentionDropout *dropoutMask) {
    define(lse, dropoutMask, true);
    o_ = o;
    defineTrainOutputs();
    scheduleTaskFuncs(scheduleOutput());
    scheduleBlocks();
  }
  /// Inference in two branches: where `isShort` holds, `shortSeq`'s blocks
  /// (built here too; its QB must cover every query there), else this
  /// one's. One kernel, so one instance and ABI: the branch is taken per
  /// call, on the sizes. Needs a static head_dim (one e width).
  void buildWithShort(Func o, FlashForward &shortSeq, Expr isShort) {
    _halide_user_assert(s_.headDim > 0 && shortSeq.s_.headDim == s_.headDim)
        << "attention: a short-sequence branch needs a static head_dim";
    define(Func(), nullptr, false);
    shortSeq.define(Func(), nullptr, false);
    // Each specialization keeps one side of the select (Halide simplifies a
    // branch's definition with its condition, true there, false after it).
    o(e, i, h, b) = select(isShort, shortSeq.rows(i), rows(i));
    o_ = shortSeq.o_ = o;
    const LoopLevel shortAt = shortSeq.splitInferenceTasks(o.specialize(isShort), eWidths[0].second);
    const LoopLevel at = splitInferenceTasks(Stage(o), eWidths[0].second);
    shortSeq.scheduleTaskFuncs(shortAt);
    scheduleTaskFuncs(at);
    shortSeq.scheduleBlocks();
    scheduleBlocks();
  }

private:
  /// The algorithm, up to the task's rows (result).
  void define(Func lse, const AttentionDropout *dropoutMask, bool train) {
    lse_ = lse;
    train_ = train;
    dropout = dropoutMask;
    setUp();
    // q transposed per query block, so scores vectorise over queries.
    qt(i, e, h, b) = q(e, clamp(i, 0, Sq - 1), h, b);
    defineOnlineSoftmax(fast, false);
    defineOnlineSoftmax(exact, true);
    defineResult();
  }

  /// Query `query`'s row, column e, head (h, b), as the task's result has it.
  Expr rows(Expr query) {
    if (train()) return result(e, query % QB, query / QB, h, b)[0];
    return result(e, query % QB, query / QB, h, b);
  }

  /// What lies inside a task's key-block loop.
  void scheduleBlocks() {
    scheduleScoreTile();
    schedulePv();
    scheduleExact();
  }

  FlashForwardSpec s_;
  int QB, KB, VW;
  Func q, k, v, keyLengths;
  Expr scale, Dh, Sq, Sk;
  const AttentionDropout *dropout = nullptr;
  Func o_, lse_;
  bool train_ = false;
  bool train() const { return train_; }
  Var e{"e"}, i{"i"}, jj{"jj"}, kb{"kb"}, h{"h"}, b{"b"}, qi{"qi"}, qb{"qb"};
  // Vector widths along e, each under the condition it needs (undefined: the
  // remaining case): VW when Dh allows, else 8 lanes, else scalar (tiny Dh).
  std::vector<std::pair<Expr, int>> eWidths;
  RDom re, rj, rk, rn, rq;
  Func qt{"qt"};
  OnlineSoftmax fast{""}, exact{"_exact"};
  // Per task: acc summed over its queries, then over e (the NaN test), and
  // its rows (the fast ones, replaced by the exact ones where the test fails;
  // for training a Tuple (o, m, l): lse needs m and l of the same pass).
  Func accColSum{"acc_col_sum"}, accSum{"acc_sum"}, result{"result"};

  /// Picks the vector widths along e and the reduction domains.
  void setUp() {
    if (s_.headDim > 0) {
      int w = s_.headDim % VW == 0 ? VW : s_.headDim % 8 == 0 ? 8 : 1;
      eWidths = {{Expr(), w}};
    } else {
      eWidths = {{Dh % VW == 0, VW}};
      if (VW > 8) eWidths.push_back({Dh % 8 == 0, 8});
      eWidths.push_back({Expr(), 1});
    }
    re = RDom(0, Dh, "re");
    rj = RDom(0, KB, "rj");
    rk = RDom(0, (Sk + KB - 1) / KB, "rk");
    // The key blocks a query block sees: with a causal mask up to the
    // diagonal, with key padding up to key_lengths[b].
    if (s_.mask.causal) rk.where(rk * KB <= qb * QB + (QB - 1));
    if (s_.mask.keyPadding) rk.where(rk * KB < keyLengths(b));
    rn = RDom(0, QB, "rn");
    rq = RDom(0, QB, "rq");
  }

  Expr keyIndex(Expr blk, Expr inBlock) const { return blk * KB + inBlock; }
  Expr clampKey(Expr j) const { return clamp(j, 0, Sk - 1); }
  Expr visible(Expr query, Expr key) {
    Expr ok = key < Sk;
    if (s_.mask.causal) ok = ok && key <= query;
    if (s_.mask.keyPadding) ok = ok && key < keyLengths(b);
    return ok;
  }
  /// A query that sees no key at all (o = 0), decided on the lengths: key 0
  /// is visible to every query unless key_lengths[b] <= 0.
  Expr seesNoKey() { return s_.mask.keyPadding ? keyLengths(b) <= 0 : Expr(false); }
  Expr score(OnlineSoftmax &s, Expr query, Expr inBlock, Expr blk) {
    return select(visible(query, keyIndex(blk, inBlock)), s.dot(query, inBlock, blk, h, b) * scale,
                  kNeg);
  }

  /// Everything of one key block (scores, their max, P, its row sums, P v),
  /// then the running (m, l, acc) over the key blocks: key_block sets the
  /// order in which the softmax denominator and P v are summed. (m, l) are
  /// replicated along e so the state is one Tuple Func; the redundant work is
  /// O(Dh) per query per block. `maskProducts`: P v selects out each product
  /// of a hidden key (the exact pass).
  void defineOnlineSoftmax(OnlineSoftmax &s, bool maskProducts) {
    s.dotAcc(i, jj, kb, h, b) = 0.0f;  // q_i . k_{kb KB + jj}
    s.dotAcc(i, jj, kb, h, b) += qt(i, re, h, b) * k(re, clampKey(keyIndex(kb, jj)), h, b);
    s.dot(i, jj, kb, h, b) = s.dotAcc(i, jj, kb, h, b);  // dotAcc: its register tile
    s.blockMax(i, kb, h, b) = kNeg;
    s.blockMax(i, kb, h, b) = max(s.blockMax(i, kb, h, b), score(s, i, rj, kb));
    // exp(S - m_blk), zero where masked (a NaN or +Inf score gives NaN).
    // A -Inf score is tested on its bits (fast math may fold a float compare)
    // and gives 0 without the exp: e^{-Inf - m} went NaN in the vectorised
    // fast pass with key blocks of 16.
    Expr sc = score(s, i, jj, kb);
    Expr minusInf = reinterpret<int32_t>(sc) == int32_t(0xff800000u);
    s.p(i, jj, kb, h, b) = select(visible(i, keyIndex(kb, jj)) && !minusInf,
                                  fastExp(sc - s.blockMax(i, kb, h, b)), 0.0f);
    s.blockSum(i, kb, h, b) = 0.0f;
    s.blockSum(i, kb, h, b) += s.p(i, rj, kb, h, b);
    // With dropout, P v takes the dropped P (the fast pass: the mask's
    // blocked factor; the exact pass: a Philox call per element).
    Func pv = s.p;
    if (dropout) {
      Expr f = maskProducts ? dropout->factorAt(i, keyIndex(kb, jj), h, b)
                            : dropout->factor(i, jj, kb, h, b);
      s.pd(i, jj, kb, h, b) = s.p(i, jj, kb, h, b) * f;
      pv = s.pd;
    }
    Expr key = keyIndex(kb, rj);
    Expr product = pv(i, rj, kb, h, b) * v(e, clampKey(key), h, b);
    s.pvAcc(e, i, kb, h, b) = 0.0f;
    s.pvAcc(e, i, kb, h, b) += maskProducts ? select(visible(i, key), product, 0.0f) : product;
    s.pv(e, i, kb, h, b) = s.pvAcc(e, i, kb, h, b);  // pvAcc: its register tile

    // The online-softmax rule:
    //   m' = max(m, m_blk), acc' = acc e^{m-m'} + PV_blk e^{m_blk-m'}, likewise l.
    s.state(e, qi, qb, h, b) = Tuple(kNeg, 0.0f, 0.0f);
    Expr query = qb * QB + qi;
    Expr m0 = s.state(e, qi, qb, h, b)[0], l0 = s.state(e, qi, qb, h, b)[1],
         a0 = s.state(e, qi, qb, h, b)[2];
    Expr mb = s.blockMax(query, rk, h, b);
    Expr m1 = max(m0, mb);
    // One of e^{m0-m1}, e^{mb-m1} is 1: a single exp per update. (Where m0
    // or mb is NaN or +Inf, so are the block's l and acc: whatever alpha
    // and beta then are, the NaN stays.)
    Expr t = fastExp(-abs(m0 - mb));
    Expr alpha = select(m0 >= mb, 1.0f, t), beta = select(m0 >= mb, t, 1.0f);
    s.state(e, qi, qb, h, b) = Tuple(m1, l0 * alpha + beta * s.blockSum(query, rk, h, b),
                                     a0 * alpha + beta * s.pv(e, query, rk, h, b));
  }

  /// The task's rows: acc / l (0 / 0 = NaN where every visible score is
  /// -Inf, as in PyTorch), replaced by the exact pass's where the fast acc
  /// holds a NaN. The test is a sum over the task's acc: a NaN anywhere makes
  /// it NaN (so does Inf - Inf, which only sends a task with an Inf to the
  /// exact pass). For training, result also keeps m and l of the pass that
  /// gave the row, and lse = m + log l.
  void defineResult() {
    auto rows = [&](OnlineSoftmax &s, Expr query) {
      Expr value = select(seesNoKey(), 0.0f,
                          s.state(e, query, qb, h, b)[2] / s.state(e, query, qb, h, b)[1]);
      if (!train()) return Tuple(value);
      return Tuple(value, s.state(e, query, qb, h, b)[0], s.state(e, query, qb, h, b)[1]);
    };
    result(e, qi, qb, h, b) = rows(fast, qi);
    accColSum(e, qb, h, b) = 0.0f;
    accColSum(e, qb, h, b) += fast.state(e, rn, qb, h, b)[2];
    accSum(qb, h, b) = 0.0f;
    accSum(qb, h, b) += accColSum(re, qb, h, b);
    rq.where(isNan(accSum(qb, h, b)));
    result(e, rq, qb, h, b) = rows(exact, rq);
  }

  /// Training's outputs: o, and lse = m + log l of the pass that gave the row.
  void defineTrainOutputs() {
    o_(e, i, h, b) = rows(i);
    Expr m = result(0, i % QB, i / QB, h, b)[1], l = result(0, i % QB, i / QB, h, b)[2];
    Expr negInf = reinterpret<float>(Expr(int32_t(0xff800000u)));
    lse_(i, h, b) = select(seesNoKey(), negInf, m + fastLog(l));
  }

  /// Applies `apply(stage, width)` to each e-width specialization of the
  /// stage that `stageOf()` returns.
  template <typename StageOf, typename Apply>
  void forEachWidth(StageOf stageOf, Apply apply) {
    for (auto &[cond, w] : eWidths)
      apply(cond.defined() ? stageOf().specialize(cond) : stageOf(), w);
  }

  /// Vectorises a stage along e at each width.
  void vectorizeE(std::function<Stage()> stageOf) {
    forEachWidth(stageOf, [&](Stage st, int w) {
      if (w > 1) st.vectorize(e, w);
    });
  }

  /// One task per (b, h, query block); the online-softmax state lives in it.
  /// With a static head_dim every buffer of a task has a fixed size (on the
  /// stack: no halide_malloc per task or block): a task is one query block,
  /// extent 1 in qb (bounds inference cannot see that i / QB is constant over
  /// it), and a block's tiles are QB rows even where a causal mask trims them.
  /// lse (training) is computed with o, in the same task loop: the task's
  /// Funcs serve both. This: the output's loops (and lse's); returns the
  /// task's loop, where scheduleTaskFuncs puts the task's Funcs.
  LoopLevel scheduleOutput() {
    Var qo("qo"), qin("qin");
    Func out = o_;
    // Training computes lse with o, in one loop nest (compute_with), whose
    // loops (qo, h, b) stay unfused: over a fused task loop Halide's bounds
    // for the shared Funcs would be the union over the stages, every head
    // per task. h and b run in parallel instead. compute_with also needs its
    // stage unspecialised: with a run-time Dh, o copies its rows with a
    // guarded vector loop.
    LoopLevel at;
    if (train()) {
      for (Func f : {out, lse_}) {
        f.split(i, qo, qin, QB, TailStrategy::GuardWithIf).parallel(h).parallel(b);
      }
      if (s_.headDim == 0) {
        out.vectorize(e, VW, TailStrategy::GuardWithIf);
      } else {
        forEachWidth([&] { return Stage(out); }, [&](Stage st, int w) {
          if (w > 1) st.vectorize(e, w);
        });
      }
      if (QB % VW == 0) lse_.vectorize(qin, VW);
      lse_.compute_with(out, qo);
      at = LoopLevel(out, qo);
    } else {
      forEachWidth([&] { return Stage(out); },
                   [&](Stage st, int w) { at = splitInferenceTasks(st, w); });
    }
    return at;
  }

  /// Inference: one task per (b, h, query block) of a stage of o, vectorised
  /// along e at width w; returns the task's loop.
  LoopLevel splitInferenceTasks(Stage st, int w) {
    Var qo("qo"), qin("qin"), task("task"), t1("t1");
    st.split(i, qo, qin, QB, TailStrategy::GuardWithIf)
        .fuse(qo, h, t1)
        .fuse(t1, b, task)
        .parallel(task);
    if (w > 1) st.vectorize(e, w);
    return LoopLevel(o_, task);
  }

  /// The Funcs computed once per task, at `at` (see scheduleOutput).
  void scheduleTaskFuncs(LoopLevel at) {
    qt.compute_at(at).bound_extent(i, QB).vectorize(i, VW);
    for (Func f : {accColSum, accSum, result}) f.compute_at(at).bound_extent(qb, 1);
    fast.state.compute_at(at);
    // One (b, h) per task: a bounds error here would mean duplicated work.
    if (train())
      for (Func f : {qt, accColSum, accSum, result, fast.state}) f.bound_extent(h, 1).bound_extent(b, 1);
    // With lse fused in, bounds inference takes each task's (b, h) as the
    // union of lse's and o's (the same one: their extents are tied to q's,
    // but it cannot see that through the fused loop): one (b, h) per task.
    vectorizeE([&] { return Stage(fast.state); });
    forEachWidth([&] { return fast.state.update(); }, [&](Stage st, int w) {
      st.reorder(e, qi, rk, qb, h, b);
      if (w > 1) st.vectorize(e, w);
    });
    // Everything below is recomputed per key block, inside the rk loop.
    for (Func f : {fast.dot, fast.blockMax, fast.p, fast.blockSum, fast.pv})
      f.compute_at(fast.state, rk);
    // The NaN test: vector adds along e, then one vector reduction.
    vectorizeE([&] { return Stage(accColSum); });
    forEachWidth([&] { return accColSum.update(); }, [&](Stage st, int w) {
      st.reorder(e, rn);
      if (w > 1) st.vectorize(e, w);
    });
    forEachWidth([&] { return accSum.update(); }, [&](Stage st, int w) {
      if (w > 1) st.atomic().vectorize(re, w);
    });
    vectorizeE([&] { return Stage(result); });
    forEachWidth([&] { return result.update(); }, [&](Stage st, int w) {
      st.reorder(e, rq);
      if (w > 1) st.vectorize(e, w);
    });
  }

  /// QK^T register tile: score_keys_unroll keys x (QB / VW) query vectors
  /// live in registers across the Dh loop (dotAcc is small, so LLVM keeps it
  /// in vector registers): 4 x 4 = 16 zmm accumulators by default, 2 x 4 ymm
  /// on AVX2. The score tile is query-innermost, so the row max, row sum and
  /// exp are plain vector ops, and it stays in L1 (64 x 64 floats = 16 KB, its
  /// exp as much; Zen 5 has 48 KB). With dropout, P times the factor (pd) is
  /// a third such tile, the factor's Philox words a fourth (QB x KB/4 x 4).
  void scheduleScoreTile() {
    Var jo("jo"), ji("ji"), io("io"), iv("iv");
    // With a causal mask bounds inference trims the score tile to the rows
    // that can see the block; bound_extent keeps the tiles QB rows, so they
    // unroll and are fixed-size.
    fast.dot.bound_extent(i, QB).split(jj, jo, ji, s_.scoreKeysUnroll).vectorize(i, VW);
    fast.dotAcc.compute_at(fast.dot, jo).vectorize(i, VW).unroll(i).unroll(jj);
    fast.dotAcc.update()
        .split(i, io, iv, VW)
        .reorder(iv, io, jj, re)
        .vectorize(iv)
        .unroll(io)
        .unroll(jj);
    for (Func f : {fast.blockMax, fast.p, fast.blockSum, fast.pv}) f.bound_extent(i, QB);
    fast.blockMax.vectorize(i, VW);
    fast.blockMax.update().reorder(i, rj).vectorize(i, VW);
    fast.p.vectorize(i, VW);
    fast.blockSum.vectorize(i, VW);
    fast.blockSum.update().reorder(i, rj).vectorize(i, VW);
    if (dropout) {
      // Four keys per Philox call where Sk % 4 == 0: jj unrolled by 4 picks
      // one word each.
      Var j4("j4"), jin("jin");
      fast.pd.compute_at(fast.state, rk).bound_extent(i, QB);
      fast.pd.specialize(dropout->aligned)
          .split(jj, j4, jin, 4)
          .unroll(jin)
          .vectorize(i, VW);
      fast.pd.vectorize(i, VW);
      Func words = dropout->words;
      words.compute_at(fast.state, rk).bound_extent(i, QB).vectorize(i, VW);
    }
  }

  /// PV register tile: pv_queries_unroll queries x (Dh / w) vectors of e over
  /// rj, 4 x 4 = 16 zmm at Dh = 64 by default (AVX2: 1 query, Dh = 64 is
  /// already 8 ymm); with a run-time Dh: pv_queries_unroll x 1 vectors,
  /// looping over e.
  void schedulePv() {
    Var io("io"), ii("ii"), eo("eo"), ev("ev");
    fast.pvAcc.compute_at(fast.pv, io);
    forEachWidth([&] { return Stage(fast.pv); }, [&](Stage st, int w) {
      st.split(i, io, ii, s_.pvQueriesUnroll);
      if (w > 1) st.vectorize(e, w);
    });
    forEachWidth([&] { return Stage(fast.pvAcc); }, [&](Stage st, int w) {
      if (w > 1) st.vectorize(e, w);
      st.unroll(i);
    });
    forEachWidth([&] { return fast.pvAcc.update(); }, [&](Stage st, int w) {
      if (w > 1) {
        st.split(e, eo, ev, w);
        if (s_.headDim > 0) st.reorder(ev, eo, i, rj).unroll(eo);
        else st.reorder(ev, i, rj, eo);
        st.vectorize(ev);
      } else {
        st.reorder(e, i, rj);
      }
      st.unroll(i);
    });
  }

  /// The exact pass, computed inside the NaN test's if (Halide skips it, and
  /// its buffers, where the test passes): plain loops vectorised at VW
  /// (guarded tails, no specialisations, to keep compile time down), no
  /// register tiles. Its where clause reads a Func, so Halide tests it inside
  /// the update's loops rather than around them: computing the pass at qb
  /// tests it once per task. Its key-block loop runs in a parallel loop over
  /// groups of VW queries: besides using the threads, that puts its code in a
  /// function of its own. In the task's function, the code of a pass never
  /// run still cost the fast pass 3% (more spills in its loops, measured).
  void scheduleExact() {
    const TailStrategy guard = TailStrategy::GuardWithIf;
    exact.state.compute_at(result, qb).bound_extent(qb, 1).vectorize(e, VW, guard);
    // (With a query_block that is not a multiple of 2 VW, one group: the
    // parallel loop of extent 1 vanishes, and the pass stays in the task.)
    const int group = QB % VW == 0 && QB >= 2 * VW ? VW : QB;
    Var qo("qo"), qin("qin");
    exact.state.update()
        .split(qi, qo, qin, group)
        .reorder(e, qin, rk, qo, qb, h, b)
        .parallel(qo)
        .vectorize(e, VW, guard);
    std::vector<Func> blockFuncs = {exact.dotAcc, exact.blockMax, exact.p, exact.blockSum,
                                    exact.pvAcc};
    if (dropout) blockFuncs.push_back(exact.pd);
    for (Func f : blockFuncs) f.compute_at(exact.state, rk).bound_extent(i, group);
    exact.dotAcc.vectorize(i, VW);
    exact.dotAcc.update().reorder(i, re, jj).vectorize(i, VW);
    exact.blockMax.vectorize(i, VW);
    exact.blockMax.update().reorder(i, rj).vectorize(i, VW);
    exact.p.vectorize(i, VW);
    if (dropout) exact.pd.vectorize(i, VW);
    exact.blockSum.vectorize(i, VW);
    exact.blockSum.update().reorder(i, rj).vectorize(i, VW);
    exact.pvAcc.vectorize(e, VW, guard);
    exact.pvAcc.update().reorder(e, rj, i).vectorize(e, VW, guard);
  }
};

}  // namespace loom::halide::attention
