// The attention kernels of training (KernelAbi.def, "Training"):
//
// attention_train: attention's forward (FlashForward, AttentionCommon.h: the
// same masks, head_dim, key_lengths, NaN handling and schedule) that also
// writes lse(i, h, b) = the log-sum-exp of row i's masked, scaled scores
// (-Inf for a row that sees no key), and, with the instance param dropout = 1,
// drops the probabilities of P v (element index over [B, H, Sq, Sk]; kept ones
// scaled by 1 / (1 - p)); lse is of the undropped softmax.
//
// attention_grad: its backward (AttentionGradGenerator below).
#include "AttentionCommon.h"
#include "GeneratorMacros.h"

#include <memory>
#include <string>

using namespace Halide;
using namespace loom::halide;
using namespace loom::halide::attention;

namespace {

class AttentionTrainGenerator : public Generator<AttentionTrainGenerator> {
public:
  LOOM_GENERATOR_ABI(attention_train)
#define LOOM_SELECTED_attention_train LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_attention_train

  void generate() {
    FlashForwardSpec spec;
    spec.mask = parseMask("attention_train", mask);
    requireNonNegative("attention_train", "head_dim", head_dim);
    const int useDropout = with_dropout;
    _halide_user_assert(useDropout == 0 || useDropout == 1)
        << "attention_train: dropout=" << useDropout << " must be 0 or 1\n";
    const Target t = get_target();
    spec.headDim = head_dim;
    spec.VW = natural_vector_size<float>();
    spec.QB = query_block.forTarget(t);
    spec.KB = key_block.forTarget(t);
    spec.scoreKeysUnroll = score_keys_unroll.forTarget(t);
    spec.pvQueriesUnroll = pv_queries_unroll.forTarget(t);
    requireDivides("attention_train", "score_keys_unroll", spec.scoreKeysUnroll, "key_block",
                   spec.KB);
    requireDivides("attention_train", "pv_queries_unroll", spec.pvQueriesUnroll, "query_block",
                   spec.QB);
    // The dropout words: four keys per Philox call.
    requireDivides("attention_train", "4", 4, "key_block", spec.KB);
    for (Input<Buffer<float>> *buf : {&q, &k, &v}) buf->dim(1).set_min(0);
    Expr Dh = q.dim(0).extent();
    if (head_dim > 0) {
      Dh = head_dim;
      for (Input<Buffer<float>> *buf : {&q, &k, &v}) buf->dim(0).set_bounds(0, Dh);
    }
    Expr Sq = q.dim(1).extent(), Sk = k.dim(1).extent();
    std::unique_ptr<AttentionDropout> mask;
    if (useDropout)
      mask = std::make_unique<AttentionDropout>("dropout", dropout, rng_seed, rng_stream, rng_step,
                                                q.dim(2).extent(), Sq, Sk, spec.KB);
    FlashForward forward(spec, q, k, v, key_lengths, scale, Dh, Sq, Sk);
    forward.build(o, lse, mask.get());
    if (head_dim > 0) o.dim(0).set_bounds(0, Dh);
    // o and lse are computed in one task loop (compute_with): with their
    // extents tied to q's, both loops split the same way, and a task is one
    // (b, h, query block) for both.
    Expr H = q.dim(2).extent(), B = q.dim(3).extent();
    o.dim(1).set_bounds(0, Sq).dim(2).set_bounds(0, H).dim(3).set_bounds(0, B);
    lse.dim(0).set_bounds(0, Sq).dim(1).set_bounds(0, H).dim(2).set_bounds(0, B);
  }
};

// attention_grad: FlashAttention-2's backward, deterministic. Arguments as in
// LOOM_ABI_attention_grad; Halide dims innermost first: q, o, d_o, dq
// (e, i, h, b) [B, Sq, H, Dh]; k, v, dk, dv (e, j, h, b) [B, Sk, H, Dh];
// lse (i, h, b) [B, H, Sq] (attention_train's); key_lengths(b) for key
// padding. q, k, v, o, d_o and the gradients may be strided views of packed
// rows (only e has stride 1); dims 1..3 start at 0. Masks as attention's.
//
// One task per (b, h), so that every sum has one order whatever the thread
// count. Blocks of T = `block` queries and T keys; for each key block kb, for
// each query block qb that sees it (causal: from the diagonal on), in
// increasing order, tiles of T x T (never more):
//   S = q_qb k_kb^T,  P = exp(scale S - lse) where visible, else 0,
//   Pd = P * the forward's dropout factor (AttentionDropout),
//   dP = (d_o_qb v_kb^T) * the factor,  dS = P * (dP - D),  D = rowsum(d_o o),
//   dv_kb += Pd^T d_o_qb,  dk_kb += dS^T q_qb,  dq_qb += dS k_kb,
// and dk = scale dk, dq = scale dq at the end: five products per block pair,
// the minimum (P and dS are shared by the three accumulations). dk and dv of
// a key block sum over the query blocks in order, dq of a query block over
// the key blocks in order. Keys a query does not see get nothing from it;
// keys nobody sees (padding) get dk = dv = 0; a query that sees no key gets
// dq = 0.
//
// The three accumulations are one Halide update (Halide 14's compute_with
// cannot fuse two updates that share the tiles: their block loops are
// reduction vars): the rows of one task buffer G (a Tuple of two) are the
// keys' (dk, dv), then the queries' dq two to a row (queries a and a + T/2 of
// a block). The update's "side" loop, unrolled, runs three register-tiled
// products per block pair: keys [0, T/2) and [T/2, T) of the block (dk, dv
// += dS^T q, Pd^T d_o: broadcast dS, Pd; vector rows of q, d_o), then the
// block's dq rows (dq += dS k: broadcast dS; vector rows of k).
//
// NaN and Inf, as PyTorch's autograd of softmax(masked_fill(S, hidden, -inf))
// with dropout, then v, computes them in double, a hidden key being absent
// (as in forward): P and dS are selected to 0 where hidden (never computed
// from a NaN score), so NaN reaches through the visible pairs only, as IEEE
// arithmetic takes it (a dropped pair included: 0 * NaN). But the three
// accumulations multiply every pair of a computed block, a hidden one by its
// P or dS = 0, and 0 * NaN or 0 * Inf is NaN where that pair must not reach:
// q[i] non-finite would reach dk of keys i does not see, d_o[i] their dv,
// k[j] dq of queries that do not see j. So a task whose q, k or d_o holds a
// non-finite value (one sum over them; an overflow or Inf - Inf also sends a
// task there) is recomputed by an "exact" pass that selects each product out
// where hidden (plain loops per block; dk, dv per key block, then dq per query
// block); its rows replace the fast ones. Without NaN or Inf in q, k, d_o no
// task takes it (v, o and lse only reach visible pairs).
class AttentionGradGenerator : public Generator<AttentionGradGenerator> {
public:
  LOOM_GENERATOR_ABI(attention_grad)
#define LOOM_SELECTED_attention_grad LOOM_SELECTED
#include "KernelParams.def"
#undef LOOM_SELECTED_attention_grad

  void generate() {
    readParams();
    /* THE ALGORITHM */
    defineTaskInputs();
    defineFast();
    defineExact();
    defineOutputs();
    /* THE SCHEDULE */
    scheduleTask();
    scheduleFast();
    scheduleExact();
  }

private:
  Mask mask_;
  bool useDropout = false;
  // T = block, TH = T / 2; the knobs for this target.
  int T = 0, TH = 0, VW = 0, sKeysUnroll = 0, rowsUnroll = 0;
  Expr Dh, Sq, Sk, H, B, nQ, nK, keyRows;
  // The vector width along e (the gradients' rows): VW, 8 or 1 by a static
  // head_dim; with Dh at run time VW with guarded tails.
  int eWidth = 0;
  Var e{"e"}, i{"i"}, j{"j"}, jj{"jj"}, kb{"kb"}, ii{"ii"}, qb{"qb"}, r{"r"}, h{"h"}, b{"b"};
  RDom re, rqAll, rkAll, rF, rXq, rYk, rXOut, rYOut;
  std::unique_ptr<AttentionDropout> dropoutMask;
  // Per task: q and d_o transposed (queries innermost, for the S and dP
  // tiles), lse and D per query, the non-finite test's sums.
  Func qt{"qt"}, dot{"do_t"}, lseT{"lse_t"}, dRow{"d_row"};
  Func qdSum{"qd_sum"}, kColSum{"k_col_sum"}, nfSum{"nonfinite_sum"};
  // Per block pair: the S and dP register tiles and the tiles of P, Pd, dS;
  // per task, the gradient rows G.
  Func sAcc{"s_acc"}, p{"p"}, pd{"pd"}, dpAcc{"dp_acc"}, ds{"ds"}, grads{"grads"};
  // The exact pass: per key block its dk and dv over all query blocks
  // (dkvX), per query block its dq over all key blocks (dqX), each with its
  // own tiles of a block pair.
  struct ExactTiles {
    explicit ExactTiles(const std::string &suffix)
        : s("s" + suffix), p("p" + suffix), pd("pd" + suffix), dp("dp" + suffix),
          ds("ds" + suffix) {}
    Func s, p, pd, dp, ds;
  };
  ExactTiles xk{"_exact_kv"}, xq{"_exact_q"};
  Func dkvX{"dkv_exact"}, dqX{"dq_exact"};

  void readParams() {
    mask_ = parseMask("attention_grad", mask);
    requireNonNegative("attention_grad", "head_dim", head_dim);
    const int d = with_dropout;
    _halide_user_assert(d == 0 || d == 1)
        << "attention_grad: dropout=" << d << " must be 0 or 1\n";
    useDropout = d == 1;
    const Target t = get_target();
    VW = natural_vector_size<float>();
    T = block.forTarget(t);
    TH = T / 2;
    sKeysUnroll = score_keys_unroll.forTarget(t);
    rowsUnroll = rows_unroll.forTarget(t);
    // Two halves of T keys, the dropout's four keys per Philox call.
    requireDivides("attention_grad", "8", 8, "block", T);
    requireDivides("attention_grad", "score_keys_unroll", sKeysUnroll, "block", T);
    requireDivides("attention_grad", "rows_unroll", rowsUnroll, "block / 2", TH);
    for (Input<Buffer<float>> *buf : {&q, &k, &v, &o, &d_o}) buf->dim(1).set_min(0);
    Dh = q.dim(0).extent();
    if (head_dim > 0) {
      Dh = head_dim;
      for (Input<Buffer<float>> *buf : {&q, &k, &v, &o, &d_o}) buf->dim(0).set_bounds(0, Dh);
      eWidth = head_dim % VW == 0 ? VW : head_dim % 8 == 0 ? 8 : 1;
    } else {
      eWidth = VW;
    }
    Sq = q.dim(1).extent();
    Sk = k.dim(1).extent();
    H = q.dim(2).extent();
    B = q.dim(3).extent();
    nQ = (Sq + T - 1) / T;
    nK = (Sk + T - 1) / T;
    keyRows = nK * T;
    if (useDropout)
      dropoutMask = std::make_unique<AttentionDropout>("dropout", dropout, rng_seed, rng_stream,
                                                       rng_step, H, Sq, Sk, T);
    re = RDom(0, Dh, "re");
    rqAll = RDom(0, nQ * T, "rq_all");
    rkAll = RDom(0, Sk, "rk_all");
  }

  Expr clampQuery(Expr x) const { return clamp(x, 0, Sq - 1); }
  Expr clampKey(Expr x) const { return clamp(x, 0, Sk - 1); }
  /// Query `query` sees key `key` (both possibly past their ends).
  Expr visible(Expr query, Expr key) {
    Expr ok = key < Sk && query < Sq;
    if (mask_.causal) ok = ok && key <= query;
    if (mask_.keyPadding) ok = ok && key < key_lengths(b);
    return ok;
  }
  /// Restricts a domain to the block pairs (query block rq, key block rk)
  /// with a visible pair: causal, keys up to the query block's last query;
  /// key padding, keys below key_lengths[b].
  void whereVisibleBlocks(RDom &dom, Expr rq, Expr rk) {
    if (mask_.causal) dom.where(rk * T <= rq * T + (T - 1));
    if (mask_.keyPadding) dom.where(rk * T < key_lengths(b));
  }
  /// The dropout factor of (query, key blk T + inBlock): the blocked one
  /// (fast) or one Philox call per element (exact); 1 without dropout.
  Expr factor(Expr query, Expr inBlock, Expr blk, bool perElement) {
    if (!useDropout) return 1.0f;
    return perElement ? dropoutMask->factorAt(query, blk * T + inBlock, h, b)
                      : dropoutMask->factor(query, inBlock, blk, h, b);
  }

  /// Per task: the transposes, lse, D and the non-finite test (q, d_o
  /// through their transposes, k directly).
  void defineTaskInputs() {
    qt(i, e, h, b) = q(e, clampQuery(i), h, b);
    dot(i, e, h, b) = d_o(e, clampQuery(i), h, b);
    lseT(i, h, b) = lse(clampQuery(i), h, b);
    dRow(i, h, b) = 0.0f;
    dRow(i, h, b) += d_o(re, clampQuery(i), h, b) * o(re, clampQuery(i), h, b);
    qdSum(i, h, b) = 0.0f;
    qdSum(i, h, b) += qt(i, re, h, b) + dot(i, re, h, b);
    kColSum(e, h, b) = 0.0f;
    kColSum(e, h, b) += k(e, rkAll, h, b);
    nfSum(h, b) = 0.0f;
    nfSum(h, b) += qdSum(rqAll, h, b);
    nfSum(h, b) += kColSum(re, h, b);
  }

  Expr nonFinite() {
    Expr bits = reinterpret<uint32_t>(nfSum(h, b)) & Expr(uint32_t(0x7f800000));
    return bits == Expr(uint32_t(0x7f800000));
  }

  /// The fast pass: the tiles of a block pair, then G's update over rF =
  /// (c, a, side, rqb, rkb): side 0 and 1, key side T/2 + a of the block,
  /// summing over its queries c; side 2, queries a and a + T/2, summing over
  /// the keys c.
  void defineFast() {
    Expr key = kb * T + jj;
    sAcc(i, jj, kb, h, b) = 0.0f;
    sAcc(i, jj, kb, h, b) += qt(i, re, h, b) * k(re, clampKey(key), h, b);
    p(i, jj, kb, h, b) = select(visible(i, key),
                                fastExp(sAcc(i, jj, kb, h, b) * scale - lseT(i, h, b)), 0.0f);
    Func pv = p;
    if (useDropout) {
      pd(i, jj, kb, h, b) = p(i, jj, kb, h, b) * factor(i, jj, kb, false);
      pv = pd;
    }
    dpAcc(i, jj, kb, h, b) = 0.0f;
    dpAcc(i, jj, kb, h, b) += dot(i, re, h, b) * v(re, clampKey(key), h, b);
    Expr dP = dpAcc(i, jj, kb, h, b) * factor(i, jj, kb, false);
    ds(i, jj, kb, h, b) = select(visible(i, key), p(i, jj, kb, h, b) * (dP - dRow(i, h, b)), 0.0f);

    using Internal::ReductionVariable;
    rF = RDom(Internal::ReductionDomain(
        {ReductionVariable{"c", 0, T}, ReductionVariable{"a", 0, TH},
         ReductionVariable{"side", 0, 3}, ReductionVariable{"rqb", 0, nQ},
         ReductionVariable{"rkb", 0, nK}}));
    RVar c = rF[0], a = rF[1], side = rF[2], rq = rF[3], rk = rF[4];
    whereVisibleBlocks(rF, rq, rk);
    Expr isDq = side == 2;
    // Sides 0 and 1 (min: side 2's unused branch stays inside the tile,
    // which bounds inference cannot know is unused).
    Expr inKey = min(side, 1) * TH + a, query = rq * T + c;
    Expr dk0 = ds(query, inKey, rk, h, b) * q(e, clampQuery(query), h, b);
    Expr dv0 = pv(query, inKey, rk, h, b) * d_o(e, clampQuery(query), h, b);
    // Side 2.
    Expr q0 = rq * T + a, kRow = k(e, clampKey(rk * T + c), h, b);
    Expr dq0 = ds(q0, c, rk, h, b) * kRow, dq1 = ds(q0 + TH, c, rk, h, b) * kRow;
    Expr row = select(isDq, keyRows + rq * TH + a, rk * T + inKey);
    grads(e, r, h, b) = Tuple(0.0f, 0.0f);
    grads(e, row, h, b) = Tuple(grads(e, row, h, b)[0] + select(isDq, dq0, dk0),
                                grads(e, row, h, b)[1] + select(isDq, dq1, dv0));
  }

  /// One set of exact tiles (S, P, Pd, dP, dS of a block pair; no register
  /// tiles, the dropout factor per element).
  void defineExactTiles(ExactTiles &x) {
    Expr key = kb * T + jj;
    x.s(i, jj, kb, h, b) = 0.0f;
    x.s(i, jj, kb, h, b) += qt(i, re, h, b) * k(re, clampKey(key), h, b);
    x.p(i, jj, kb, h, b) =
        select(visible(i, key), fastExp(x.s(i, jj, kb, h, b) * scale - lseT(i, h, b)), 0.0f);
    x.pd(i, jj, kb, h, b) = x.p(i, jj, kb, h, b) * factor(i, jj, kb, true);
    x.dp(i, jj, kb, h, b) = 0.0f;
    x.dp(i, jj, kb, h, b) += dot(i, re, h, b) * v(re, clampKey(key), h, b);
    x.ds(i, jj, kb, h, b) =
        select(visible(i, key),
               x.p(i, jj, kb, h, b) * (x.dp(i, jj, kb, h, b) * factor(i, jj, kb, true) -
                                       dRow(i, h, b)),
               0.0f);
  }

  /// The exact pass (tasks with a non-finite q, k or d_o): every product of a
  /// hidden pair selected out. dkvX of a key block sums over its query
  /// blocks, dqX of a query block over its key blocks (the fast pass's
  /// orders); they replace G's rows (updates over all blocks, where the test
  /// fails).
  void defineExact() {
    defineExactTiles(xk);
    defineExactTiles(xq);
    rXq = RDom(0, T, 0, nQ, "rXq");  // query in block, query block
    whereVisibleBlocks(rXq, rXq.y, kb);
    Expr query = rXq.y * T + rXq.x, key = kb * T + jj;
    dkvX(e, jj, kb, h, b) = Tuple(0.0f, 0.0f);
    dkvX(e, jj, kb, h, b) = Tuple(
        dkvX(e, jj, kb, h, b)[0] +
            select(visible(query, key),
                   xk.ds(query, jj, kb, h, b) * q(e, clampQuery(query), h, b), 0.0f),
        dkvX(e, jj, kb, h, b)[1] +
            select(visible(query, key),
                   xk.pd(query, jj, kb, h, b) * d_o(e, clampQuery(query), h, b), 0.0f));
    rYk = RDom(0, T, 0, nK, "rYk");  // key in block, key block
    whereVisibleBlocks(rYk, qb, rYk.y);
    Expr q2 = qb * T + ii, k2 = rYk.y * T + rYk.x;
    dqX(e, ii, qb, h, b) = 0.0f;
    dqX(e, ii, qb, h, b) +=
        select(visible(q2, k2), xq.ds(q2, rYk.x, rYk.y, h, b) * k(e, clampKey(k2), h, b), 0.0f);
    rXOut = RDom(0, T, 0, nK, "rx_out");
    rXOut.where(nonFinite());
    grads(e, rXOut.y * T + rXOut.x, h, b) = dkvX(e, rXOut.x, rXOut.y, h, b);
    rYOut = RDom(0, TH, 0, nQ, "ry_out");
    rYOut.where(nonFinite());
    grads(e, keyRows + rYOut.y * TH + rYOut.x, h, b) =
        Tuple(dqX(e, rYOut.x, rYOut.y, h, b), dqX(e, rYOut.x + TH, rYOut.y, h, b));
  }

  void defineOutputs() {
    dk(e, j, h, b) = grads(e, j, h, b)[0] * scale;
    dv(e, j, h, b) = grads(e, j, h, b)[1];
    // Query i: block i / T, row a = i % T of it, in row a % (T/2) of the
    // block's T/2 dq rows, component a / (T/2).
    Expr a = i % T, dqRow = keyRows + (i / T) * TH + a % TH;
    dq(e, i, h, b) = select(a < TH, grads(e, dqRow, h, b)[0], grads(e, dqRow, h, b)[1]) * scale;
    if (head_dim > 0)
      for (Output<Buffer<float>> *g : {&dq, &dk, &dv}) g->dim(0).set_bounds(0, Dh);
    // One task loop for the three (compute_with): with their extents tied to
    // q's and k's, the loops split alike, and a task is one (b, h).
    dq.dim(1).set_bounds(0, Sq);
    dk.dim(1).set_bounds(0, Sk);
    dv.dim(1).set_bounds(0, Sk);
    for (Output<Buffer<float>> *g : {&dq, &dk, &dv})
      (*g).dim(2).set_bounds(0, H).dim(3).set_bounds(0, B);
  }

  void vectorizeE(Stage st) {
    if (head_dim > 0) {
      if (eWidth > 1) st.vectorize(e, eWidth);
    } else {
      st.vectorize(e, VW, TailStrategy::GuardWithIf);
    }
  }

  /// One task per (b, h): dk's loop, dv and dq computed with it; everything
  /// of the task at that level, one (b, h) each.
  void scheduleTask() {
    // h and b stay separate loops (parallel each): over a fused (h, b) loop
    // compute_with's bounds would be the union over the outputs, every head.
    Func outs[] = {dk, dv, dq};
    for (Func f : outs) {
      f.parallel(h).parallel(b);
      vectorizeE(f);
    }
    Func(dv).compute_with(Func(dk), h);
    Func(dq).compute_with(Func(dk), h);
    LoopLevel at(Func(dk), h);
    // The task's buffers are sized by S, not constants: on the heap, Halide
    // would malloc and free each of them once per (b, h); on the stack (a
    // pseudostack slot past 16 KB) most need no allocator call.
    for (Func f : {qt, dot, dRow, qdSum, kColSum, grads})
      f.compute_at(at).bound_extent(h, 1).bound_extent(b, 1).store_in(MemoryType::Stack);
    lseT.compute_at(at)
        .bound_extent(h, 1)
        .bound_extent(b, 1)
        .vectorize(i, VW)
        .store_in(MemoryType::Stack);
    nfSum.compute_at(at);
    qt.vectorize(i, VW);
    dot.vectorize(i, VW);
    // D: a vector of products along e per query, then one reduction.
    if (head_dim > 0 && eWidth > 1) dRow.update().atomic().vectorize(re, eWidth);
    qdSum.vectorize(i, VW);
    qdSum.update().reorder(i, re).vectorize(i, VW);
    vectorizeE(kColSum);
    vectorizeE(kColSum.update().reorder(e, rkAll));
    vectorizeE(grads);
  }

  /// The fast pass. The tiles at G's query-block loop (one block pair).
  /// S and dP: score_keys_unroll keys x (T / VW) query vectors in registers
  /// over the Dh loop (as attention's QK^T). G's update: rows_unroll rows x
  /// (Dh / w) vectors of e x 2 (the Tuple) in registers over c (2 x 4 x 2 = 16
  /// zmm at Dh = 64): dk, dv broadcast dS and Pd and load rows of q, d_o; dq
  /// broadcasts dS and loads rows of k.
  void scheduleFast() {
    Var jo("jo"), ji("ji"), io("io"), iv("iv"), eo("eo"), ev("ev");
    RVar c = rF[0], a = rF[1], side = rF[2], rq = rF[3], rk = rF[4];
    RVar ao("ao"), ai("ai");
    LoopLevel pair(grads, rq);
    const bool staticE = head_dim > 0 && eWidth > 1;
    Stage st = grads.update(0);
    st.split(a, ao, ai, rowsUnroll);
    if (staticE) {
      st.split(e, eo, ev, eWidth)
          .reorder(ev, eo, ai, c, ao, side, rq, rk, h, b)
          .vectorize(ev)
          .unroll(eo);
    } else if (head_dim > 0) {
      st.reorder(e, ai, c, ao, side, rq, rk, h, b);
    } else {
      st.split(e, eo, ev, VW, TailStrategy::GuardWithIf)
          .reorder(ev, ai, c, eo, ao, side, rq, rk, h, b)
          .vectorize(ev);
    }
    st.unroll(ai).unroll(side);
    // The S -> P and dP -> dS tiles.
    for (auto [acc, tile] : {std::pair<Func, Func>{sAcc, p}, std::pair<Func, Func>{dpAcc, ds}}) {
      tile.compute_at(pair).bound_extent(i, T).split(jj, jo, ji, sKeysUnroll).vectorize(i, VW);
      acc.compute_at(tile, jo).vectorize(i, VW).unroll(i).unroll(jj);
      acc.update()
          .split(i, io, iv, VW)
          .reorder(iv, io, jj, re)
          .vectorize(iv)
          .unroll(io)
          .unroll(jj);
    }
    if (useDropout) {
      Var j4("j4"), jin("jin");
      pd.compute_at(pair).bound_extent(i, T);
      pd.specialize(dropoutMask->aligned).split(jj, j4, jin, 4).unroll(jin).vectorize(i, VW);
      pd.vectorize(i, VW);
      Func words = dropoutMask->words;
      words.compute_at(pair).bound_extent(i, T).vectorize(i, VW);
    }
  }

  /// The exact pass: computed only where the test fails (Halide guards a
  /// Func by the where clause of the update that reads it); plain loops
  /// vectorised at VW with guarded tails.
  void scheduleExact() {
    const TailStrategy guard = TailStrategy::GuardWithIf;
    grads.update(1).reorder(e, rXOut.x, rXOut.y, h, b).vectorize(e, VW, guard);
    grads.update(2).reorder(e, rYOut.x, rYOut.y, h, b).vectorize(e, VW, guard);
    dkvX.compute_at(grads, rXOut.y).bound_extent(kb, 1).vectorize(e, VW, guard);
    dkvX.update().reorder(e, jj, rXq.x, rXq.y).vectorize(e, VW, guard);
    dqX.compute_at(grads, rYOut.y).bound_extent(qb, 1).vectorize(e, VW, guard);
    dqX.update().reorder(e, ii, rYk.x, rYk.y).vectorize(e, VW, guard);
    auto tiles = [&](ExactTiles &x, LoopLevel at) {
      for (Func f : {x.s, x.p, x.pd, x.dp, x.ds})
        f.compute_at(at).bound_extent(i, T).vectorize(i, VW);
      for (Func f : {x.s, x.dp}) f.update().reorder(i, re, jj).vectorize(i, VW);
    };
    tiles(xk, LoopLevel(dkvX, rXq.y));
    tiles(xq, LoopLevel(dqX, rYk.y));
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AttentionTrainGenerator, attention_train)
HALIDE_REGISTER_GENERATOR(AttentionGradGenerator, attention_grad)
