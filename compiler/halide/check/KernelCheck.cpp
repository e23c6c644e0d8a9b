// loom-kernel-check: every kernel of CheckKernels.def for every ISA, linked the
// way Loom links them (kernel objects + one runtime object), against naive
// loops in double on random data with odd sizes and strided views. What an
// instance computes (activation, mask, static sizes) is read from its row's
// params. Each function's arguments are checked against KernelAbi.def: their
// types at compile time (CheckSet.h), their names, kinds and ranks at run time
// (Halide's metadata). Every family is also checked with NaN and +-Inf in
// each input where it matters (the "non-finite" checks): the references
// compute in double as PyTorch does on them (NaN in, NaN out), and the
// output must be NaN exactly where the reference is NaN and the same Inf
// where it is Inf. One line per check, `ok` or `FAIL`, then
// "N checks, M failed"; exit status 0 = all passed.
#include "CheckCommon.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace loom::check;

namespace {


/// Operands of the linear kernel: x with row stride K + 3 (strided rows).
struct LinearData {
  int M, K, N, ldx;
  std::vector<float> x, wt, b, y;
  LinearData(int M, int K, int N)
      : M(M), K(K), N(N), ldx(K + 3), x(randomVector((size_t)M * ldx)),
        wt(randomVector((size_t)K * N)), b(randomVector(N)), y((size_t)M * N, NAN) {}
  float &xAt(int m, int k) { return x[(size_t)m * ldx + k]; }
  float &wtAt(int k, int n) { return wt[(size_t)k * N + n]; }
  /// act(x wt + b) in double; IEEE arithmetic gives PyTorch's NaN and Inf.
  std::vector<double> ref(const std::string &act) const {
    std::vector<double> out((size_t)M * N);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        double acc = b[n];
        for (int k = 0; k < K; ++k) acc += (double)x[(size_t)m * ldx + k] * wt[(size_t)k * N + n];
        if (act == "relu") acc = reluRef(acc);
        if (act == "gelu") acc = geluRef(acc);
        out[(size_t)m * N + n] = acc;
      }
    return out;
  }
  void run(const Kernel<abi::linear_fn> &kernel, const std::string &what) {
    expectStatus(what, kernel.fn(view(x.data(), {K, M}, {1, ldx}), view(wt.data(), {N, K}, {1, N}),
                                 view(b.data(), {N}, {1}), view(y.data(), {N, M}, {1, N})));
    expectClose(what, ref(kernel.param("activation", "none")), [&](size_t i) { return y[i]; });
  }
};

void checkLinear(const Kernel<abi::linear_fn> &kernel, int M, int K, int N) {
  LinearData d(M, K, N);
  d.run(kernel, kernel.name + dims({{"M", M}, {"K", K}, {"N", N}}));
}

/// NaN and +-Inf in x, wt and bias: a NaN in x[m, :] makes row m NaN, one in
/// wt[:, n] or bias[n] column n; an Inf gives +-Inf, or NaN where it meets a
/// 0 weight or an Inf of the other sign. NaN in the padding between x's rows
/// must reach nothing.
void checkLinearNonFinite(const Kernel<abi::linear_fn> &kernel, int M, int K, int N) {
  LinearData d(M, K, N);
  for (int m = 0; m < M; m += 4)
    for (int k = K; k < d.ldx; ++k) d.xAt(m, k) = kNaN;  // the padding
  d.xAt(0, K / 2) = kNaN;
  d.wtAt(K / 3, N - 1) = kNaN;
  d.b[N / 2] = -kInf;
  d.wtAt(0, 0) = kInf;
  if (M > 1) {
    d.xAt(M - 1, 0) = kInf;
    d.xAt(M / 2 + 1, K - 1) = -kInf;
  }
  if (M > 2 && K > 1 && N > 2) {
    d.xAt(1, 1) = kInf;  // x 0 * Inf = NaN at (1, 2)
    d.wtAt(1, 2) = 0.0f;
  }
  d.run(kernel, kernel.name + dims({{"M", M}, {"K", K}, {"N", N}}) + " non-finite");
}

/// The activation on special values (K = 1, wt = +-1, bias 0, so y = +-x): NaN,
/// -NaN, +-Inf, +-1e30, +-0, through the one-row, full-tile and narrow paths.
void checkActivationNonFinite(const Kernel<abi::linear_fn> &kernel) {
  const float special[] = {kNaN, kNegNaN, kInf, -kInf, 1e30f, -1e30f, 0.0f, -0.0f, 3.5f, -3.5f};
  const int M = sizeof special / sizeof special[0];
  for (int N : {1, 64, 150}) {
    LinearData d(M, 1, N);
    for (int m = 0; m < M; ++m) d.xAt(m, 0) = special[m];
    for (int n = 0; n < N; ++n) {
      d.wtAt(0, n) = n % 2 ? -1.0f : 1.0f;
      d.b[n] = 0.0f;
    }
    d.run(kernel, std::string(kernel.name) + " NaN, Inf, +-1e30" + dims({{"M", M}, {"N", N}}));
  }
}

/// GELU through the linear kernel (K = 1, Wt = 1, b = 0) on a dense grid;
/// reports the implied erf error |err| / (0.5 |x|).
void checkErf(const Kernel<abi::linear_fn> &kernel) {
  const int M = 24001;
  std::vector<float> x(M), wt{1.0f}, b{0.0f}, y(M);
  for (int i = 0; i < M; ++i) x[i] = -6.0f + 12.0f * i / (M - 1);
  auto xb = view(x.data(), {1, M}, {1, 1});
  auto wb = view(wt.data(), {1, 1}, {1, 1});
  auto bb = view(b.data(), {1}, {1});
  auto yb = view(y.data(), {1, M}, {1, 1});
  expectStatus("gelu grid", kernel.fn(xb, wb, bb, yb));
  double worstErf = 0, worstGelu = 0;
  for (int i = 0; i < M; ++i) {
    double ref = geluRef(x[i]), err = std::fabs(y[i] - ref);
    worstGelu = std::max(worstGelu, err);
    if (std::fabs(x[i]) > 1e-3) worstErf = std::max(worstErf, err / (0.5 * std::fabs(x[i])));
  }
  ++checks;
  bool ok = worstGelu <= 1e-6;
  if (!ok) ++failures;
  std::printf("%-4s %-62s max abs err gelu %.2e, erf %.2e\n", ok ? "ok" : "FAIL",
              (std::string("gelu/erf accuracy on [-6, 6] ") + kernel.name).c_str(), worstGelu,
              worstErf);
}

void checkLinearKernel(const Kernel<abi::linear_fn> &kernel) {
  const int n = kernel.intParam("n"), k = kernel.intParam("k");
  if (n > 0 && k > 0) {
    // Static N and K: the rows decide the branch (one-row tiles, full tiles,
    // the k-blocked branch where K allows it).
    for (int M : {1, 6, 37, 200}) checkLinear(kernel, M, k, n);
    for (int M : {1, 37, 200}) checkLinearNonFinite(kernel, M, k, n);
    return;
  }
  // {M, K, N}. Narrower than a register tile (N < 64 on AVX-512): 2-vector
  // and 1-vector tiles, one-vector rows below their 12 rows, scalar below one
  // vector. The last
  // three take the k-blocked path (K >= 1024, K % 256 == 0, M >= 96, N >=
  // 128), with uneven M and N tails.
  const int shapes[][3] = {{1, 24, 40},     {37, 24, 40},    {13, 40, 32},     {37, 24, 20},
                           {11, 24, 40},    {37, 24, 64},     {5, 24, 130},
                           {1, 512, 512},   {37, 33, 200},   {64, 512, 256},   {100, 7, 1000},
                           {200, 2048, 130}, {100, 1024, 512}, {97, 1280, 192}};
  for (auto &s : shapes) checkLinear(kernel, s[0], s[1], s[2]);
  // One of each branch: narrow, one-row tiles, full tiles, k-blocked.
  const int nonFinite[][3] = {{37, 24, 40}, {37, 24, 20}, {5, 24, 130}, {37, 33, 200},
                              {100, 1024, 512}};
  for (auto &s : nonFinite) checkLinearNonFinite(kernel, s[0], s[1], s[2]);
  checkActivationNonFinite(kernel);
  if (kernel.param("activation", "none") == "gelu") checkErf(kernel);
}

struct AttentionShape {
  int B, H, Dh, Sq, Sk;
  std::vector<int> lengths;
};

/// q, k, v as packed activations: self-attention slices a packed qkv [B, S,
/// 3D] (Sq == Sk); otherwise q is [B, Sq, D] and k, v slice a packed kv [B,
/// Sk, 2D]. The accessors take (b, position, h, e).
struct AttentionData {
  AttentionShape s;
  int D, qStride, kStride;
  std::vector<float> qs, kvs;
  float *qp, *kp, *vp;
  explicit AttentionData(const AttentionShape &shape) : s(shape), D(shape.H * shape.Dh) {
    const bool self = s.Sq == s.Sk;
    qs = randomVector((size_t)s.B * s.Sq * (self ? 3 : 1) * D, -2, 2);
    if (!self) kvs = randomVector((size_t)s.B * s.Sk * 2 * D, -2, 2);
    qp = qs.data();
    kp = self ? qp + D : kvs.data();
    vp = kp + D;
    qStride = self ? 3 * D : D;
    kStride = self ? 3 * D : 2 * D;
  }
  float &q(int b, int i, int h, int e) { return qp[at(b, i, s.Sq, qStride) + h * s.Dh + e]; }
  float &k(int b, int j, int h, int e) { return kp[at(b, j, s.Sk, kStride) + h * s.Dh + e]; }
  float &v(int b, int j, int h, int e) { return vp[at(b, j, s.Sk, kStride) + h * s.Dh + e]; }
  static size_t at(int b, int position, int length, int stride) {
    return ((size_t)b * length + position) * stride;
  }

  /// The reference in double: PyTorch's softmax(masked_fill(q k^T * scale,
  /// hidden, -inf)) v, a hidden key being absent. The row max propagates NaN
  /// (as torch.max), so a NaN or +Inf visible score makes the row NaN
  /// (e^{Inf - Inf}), and so does a row whose visible scores are all -Inf
  /// (e^{-Inf + Inf}); a query that sees no key at all gets 0 (the kernel's
  /// documented choice; PyTorch gives NaN).
  std::vector<double> ref(bool causal, bool padding, float scale) {
    std::vector<double> out((size_t)s.B * s.Sq * D);
    for (int b = 0; b < s.B; ++b)
      for (int h = 0; h < s.H; ++h)
        for (int i = 0; i < s.Sq; ++i) {
          std::vector<double> p(s.Sk, 0.0);
          std::vector<bool> visible(s.Sk);
          double mx = -INFINITY;
          bool seesAny = false;
          for (int j = 0; j < s.Sk; ++j) {
            visible[j] = (!causal || j <= i) && (!padding || j < s.lengths[b]);
            if (!visible[j]) continue;
            seesAny = true;
            double acc = 0;
            for (int e = 0; e < s.Dh; ++e) acc += (double)q(b, i, h, e) * k(b, j, h, e);
            p[j] = acc * scale;
            mx = std::isnan(mx) || std::isnan(p[j]) ? NAN : std::max(mx, p[j]);
          }
          double sum = 0;
          for (int j = 0; j < s.Sk; ++j)
            if (visible[j]) sum += p[j] = std::exp(p[j] - mx);
          for (int e = 0; e < s.Dh; ++e) {
            double acc = 0;
            for (int j = 0; j < s.Sk; ++j)
              if (visible[j]) acc += p[j] * v(b, j, h, e);
            out[((size_t)b * s.Sq + i) * D + h * s.Dh + e] = seesAny ? acc / sum : 0;
          }
        }
    return out;
  }
};

/// The kernel on `data` (o dense [B, Sq, D]) against the reference.
void checkAttention(const Kernel<abi::attention_fn> &kernel, AttentionData &data,
                    const std::string &note = "") {
  const std::string mask = kernel.param("mask", "none");
  const bool causal = mask.find("causal") != std::string::npos;
  const bool padding = mask.find("key_padding") != std::string::npos;
  const AttentionShape &s = data.s;
  const int D = data.D, qStride = data.qStride, kStride = data.kStride;
  std::vector<float> o((size_t)s.B * s.Sq * D, NAN);
  std::vector<int> lengths = s.lengths;
  auto qb = view(data.qp, {s.Dh, s.Sq, s.H, s.B}, {1, qStride, s.Dh, qStride * s.Sq});
  auto kb = view(data.kp, {s.Dh, s.Sk, s.H, s.B}, {1, kStride, s.Dh, kStride * s.Sk});
  auto vb = view(data.vp, {s.Dh, s.Sk, s.H, s.B}, {1, kStride, s.Dh, kStride * s.Sk});
  auto lb = view(lengths.data(), {s.B}, {1});
  auto ob = view(o.data(), {s.Dh, s.Sq, s.H, s.B}, {1, D, s.Dh, D * s.Sq});
  const float scale = 1.0f / std::sqrt((float)s.Dh);
  std::string what = kernel.name +
                     dims({{"B", s.B}, {"H", s.H}, {"Dh", s.Dh}, {"Sq", s.Sq}, {"Sk", s.Sk}}) +
                     note;
  expectStatus(what, kernel.fn(qb, kb, vb, lb, scale, ob));
  expectClose(what, data.ref(causal, padding, scale), [&](size_t i) { return o[i]; });
}

/// NaN and +-Inf in q, k and v, each case on its own: where they must reach
/// (rows that see them, columns of v) and where not (other rows, heads and
/// batches; keys a query does not see). A task whose rows hold a NaN takes
/// the kernel's exact path (AttentionGenerator.cpp), so its finite rows are
/// checked there too.
void checkAttentionNonFinite(const Kernel<abi::attention_fn> &kernel, const AttentionShape &s) {
  using Poke = std::function<void(AttentionData &)>;
  const int B = s.B, H = s.H, Sq = s.Sq, Sk = s.Sk;
  const std::pair<const char *, Poke> cases[] = {
      {"NaN in q", [&](AttentionData &d) { d.q(0, Sq - 1, 0, 1) = kNaN; }},
      // +-Inf scores: +Inf makes a row NaN, -Inf drops the key from it.
      {"+Inf in k", [&](AttentionData &d) { d.k(B - 1, 0, H - 1, 0) = kInf; }},
      {"-Inf in k", [&](AttentionData &d) { d.k(0, Sk / 2, 0, 2) = -kInf; }},
      {"NaN in v", [&](AttentionData &d) { d.v(0, 0, 0, 3) = kNaN; }},
      // One column: +Inf, -Inf or NaN by the keys a row sees; the last key
      // also sits in the partial last key block.
      {"+-Inf in v",
       [&](AttentionData &d) {
         d.v(B - 1, Sk - 1, 0, 0) = kInf;
         d.v(B - 1, Sk / 3, 0, 0) = -kInf;
       }},
      // Row 0 scores -Inf against every key: NaN, unlike a row that sees none.
      {"all scores -Inf",
       [&](AttentionData &d) {
         d.q(0, 0, 0, 0) = -kInf;
         for (int j = 0; j < Sk; ++j) d.k(0, j, 0, 0) = std::fabs(d.k(0, j, 0, 0)) + 0.5f;
       }},
      // Hidden from every query under key padding (j >= lengths[B-1]), from
      // the earlier queries under causal, seen by all without a mask.
      {"NaN, Inf at a hidden key",
       [&](AttentionData &d) {
         const int j = Sk * 4 / 7;
         d.k(B - 1, j, 0, 1) = kNaN;
         d.v(B - 1, j, 0, 2) = kNaN;
         d.v(B - 1, j, 0, 3) = kInf;
       }},
  };
  for (auto &[label, poke] : cases) {
    AttentionData data(s);
    poke(data);
    checkAttention(kernel, data, std::string(" ") + label);
  }
}

void checkAttentionKernel(const Kernel<abi::attention_fn> &kernel) {
  // With a static head_dim, Sq <= 16 takes the short-sequence branch
  // (short_block): 16 and 17 are its edge, Sq = 1 over 40 keys a decoding step.
  struct { int B, H, Sq, Sk; std::vector<int> lengths; } shapes[] = {
      {1, 1, 1, 1, {1}},          {2, 2, 13, 13, {5, 13}},  {2, 3, 70, 70, {70, 33}},
      {2, 1, 5, 130, {130, 65}},  {1, 2, 150, 150, {150}},  {2, 2, 16, 16, {16, 9}},
      {1, 2, 17, 17, {17}},       {3, 2, 1, 40, {40, 17, 1}}};
  const int headDim = kernel.intParam("head_dim");
  const std::vector<int> widths =
      headDim > 0 ? std::vector<int>{headDim} : std::vector<int>{8, 64, 24};
  for (auto &s : shapes)
    for (int Dh : widths) {
      AttentionData data({s.B, s.H, Dh, s.Sq, s.Sk, s.lengths});
      checkAttention(kernel, data);
    }
  // Two query blocks and a partial key block (self), three key blocks
  // (cross); batch 0 of the last one sees no key under key padding.
  const std::vector<int> nonFiniteWidths =
      headDim > 0 ? std::vector<int>{headDim} : std::vector<int>{24, 64};
  for (int Dh : nonFiniteWidths) {
    checkAttentionNonFinite(kernel, {2, 2, Dh, 70, 70, {70, 33}});
    checkAttentionNonFinite(kernel, {2, 1, Dh, 5, 130, {130, 65}});
    AttentionData empty({2, 2, Dh, 13, 13, {0, 13}});
    empty.v(0, 0, 0, 1) = kNaN;
    empty.q(1, 3, 1, 0) = kNaN;
    checkAttention(kernel, empty, " NaN, lengths 0 and 13");
  }
}

/// attention_probs on `data` (probs dense [B, H, Sq, Sk]) against the
/// reference in double: softmax over the visible keys of scale q k^T, 0 at
/// hidden keys and in a row that sees none. The row max propagates NaN (as
/// torch.max), so a visible NaN or +Inf score makes the row's visible
/// probabilities NaN, and so does a row whose visible scores are all -Inf.
void checkAttentionProbs(const Kernel<abi::attention_probs_fn> &kernel, AttentionData &data,
                         const std::string &note = "") {
  const std::string mask = kernel.param("mask", "none");
  const bool causal = mask.find("causal") != std::string::npos;
  const bool padding = mask.find("key_padding") != std::string::npos;
  const AttentionShape &s = data.s;
  const int qStride = data.qStride, kStride = data.kStride;
  std::vector<float> probs((size_t)s.B * s.H * s.Sq * s.Sk, NAN);
  std::vector<int> lengths = s.lengths;
  auto qb = view(data.qp, {s.Dh, s.Sq, s.H, s.B}, {1, qStride, s.Dh, qStride * s.Sq});
  auto kb = view(data.kp, {s.Dh, s.Sk, s.H, s.B}, {1, kStride, s.Dh, kStride * s.Sk});
  auto lb = view(lengths.data(), {s.B}, {1});
  auto pb = view(probs.data(), {s.Sk, s.Sq, s.H, s.B}, {1, s.Sk, s.Sq * s.Sk, s.H * s.Sq * s.Sk});
  const float scale = 1.0f / std::sqrt((float)s.Dh);
  std::string what = kernel.name +
                     dims({{"B", s.B}, {"H", s.H}, {"Dh", s.Dh}, {"Sq", s.Sq}, {"Sk", s.Sk}}) +
                     note;
  expectStatus(what, kernel.fn(qb, kb, lb, scale, pb));
  std::vector<double> ref(probs.size(), 0.0);
  for (int b = 0; b < s.B; ++b)
    for (int h = 0; h < s.H; ++h)
      for (int i = 0; i < s.Sq; ++i) {
        double *row = &ref[(((size_t)b * s.H + h) * s.Sq + i) * s.Sk];
        std::vector<bool> visible(s.Sk);
        double mx = -INFINITY;
        for (int j = 0; j < s.Sk; ++j) {
          visible[j] = (!causal || j <= i) && (!padding || j < s.lengths[b]);
          if (!visible[j]) continue;
          double acc = 0;
          for (int e = 0; e < s.Dh; ++e) acc += (double)data.q(b, i, h, e) * data.k(b, j, h, e);
          row[j] = acc * scale;
          mx = std::isnan(mx) || std::isnan(row[j]) ? NAN : std::max(mx, row[j]);
        }
        double sum = 0;
        for (int j = 0; j < s.Sk; ++j)
          if (visible[j]) sum += row[j] = std::exp(row[j] - mx);
        for (int j = 0; j < s.Sk; ++j) row[j] = visible[j] ? row[j] / sum : 0.0;
      }
  expectClose(what, ref, [&](size_t i) { return probs[i]; });
}

void checkAttentionProbsKernel(const Kernel<abi::attention_probs_fn> &kernel) {
  // Self (packed qkv, Sq == Sk) and cross shapes; lengths below Sk, Sk = 1,
  // a batch row of length 0 (all zeros), odd sizes and head widths.
  struct { int B, H, Sq, Sk; std::vector<int> lengths; } shapes[] = {
      {1, 1, 1, 1, {1}},        {2, 2, 13, 13, {5, 13}},   {2, 3, 7, 70, {70, 33}},
      {3, 2, 5, 1, {1, 1, 1}},  {2, 1, 11, 130, {130, 65}}, {2, 2, 13, 13, {0, 13}},
      {3, 4, 17, 9, {9, 1, 4}}};
  for (auto &s : shapes)
    for (int Dh : {8, 5, 64}) {
      AttentionData data({s.B, s.H, Dh, s.Sq, s.Sk, s.lengths});
      checkAttentionProbs(kernel, data);
    }
  // NaN and +-Inf in q and k (AttentionData's accessors take (b, position,
  // h, e)): where they reach (the visible keys of the rows that see them)
  // and where not (hidden keys, other rows and heads).
  using Poke = std::function<void(AttentionData &)>;
  const std::pair<const char *, Poke> cases[] = {
      {"NaN in q", [](AttentionData &d) { d.q(0, 3, 0, 1) = kNaN; }},
      {"+Inf in k", [](AttentionData &d) { d.k(1, 0, 1, 0) = kInf; }},
      {"-Inf in k", [](AttentionData &d) { d.k(0, 4, 0, 2) = -kInf; }},
      {"all scores -Inf",
       [](AttentionData &d) {
         d.q(0, 0, 0, 0) = -kInf;
         for (int j = 0; j < d.s.Sk; ++j) d.k(0, j, 0, 0) = std::fabs(d.k(0, j, 0, 0)) + 0.5f;
       }},
      {"NaN, Inf at a hidden key",
       [](AttentionData &d) {
         d.k(1, d.s.Sk - 1, 0, 1) = kNaN;
         d.k(1, d.s.Sk - 2, 1, 3) = kInf;
       }},
  };
  for (auto &[label, poke] : cases) {
    AttentionData data({2, 2, 8, 9, 19, {19, 11}});
    poke(data);
    checkAttentionProbs(kernel, data, std::string(" ") + label);
  }
}

std::vector<double> layerNormRef(const std::vector<float> &x, int ld, int M, int D,
                                 const std::vector<float> &g, const std::vector<float> &b,
                                 float eps) {
  std::vector<double> y((size_t)M * D);
  for (int m = 0; m < M; ++m) {
    double mean = 0, var = 0;
    for (int d = 0; d < D; ++d) mean += x[(size_t)m * ld + d];
    mean /= D;
    for (int d = 0; d < D; ++d) var += std::pow(x[(size_t)m * ld + d] - mean, 2);
    var /= D;
    for (int d = 0; d < D; ++d)
      y[(size_t)m * D + d] = (x[(size_t)m * ld + d] - mean) / std::sqrt(var + eps) * g[d] + b[d];
  }
  return y;
}

/// Operands of the norm families: x, r with row stride D + 5, outputs dense.
/// An offset of 100 in x checks the two-pass variance (E[x^2] - E[x]^2 would
/// lose it).
struct NormData {
  int M, D, ld;
  float eps = 1e-5f;
  std::vector<float> x, r, g, bt, y, sum;
  NormData(int M, int D)
      : M(M), D(D), ld(D + 5), x(randomVector((size_t)M * ld, 99, 101)),
        r(randomVector((size_t)M * ld)), g(randomVector(D)), bt(randomVector(D)),
        y((size_t)M * D, NAN), sum((size_t)M * D, NAN) {}
  Halide::Runtime::Buffer<float> rows(std::vector<float> &v, int stride) {
    return view(v.data(), {D, M}, {1, stride});
  }
  Halide::Runtime::Buffer<float> vec(std::vector<float> &v) { return view(v.data(), {D}, {1}); }
  /// layer_norm(x + r) (or of x alone), and x + r densely.
  std::vector<double> normRef(bool addR) const {
    std::vector<float> s(x);
    if (addR)
      for (size_t i = 0; i < s.size(); ++i) s[i] += r[i];
    return layerNormRef(s, ld, M, D, g, bt, eps);
  }
  std::vector<double> sumRef() const {
    std::vector<double> s((size_t)M * D);
    for (int m = 0; m < M; ++m)
      for (int d = 0; d < D; ++d)
        s[(size_t)m * D + d] = x[(size_t)m * ld + d] + r[(size_t)m * ld + d];
    return s;
  }
  std::string what(const char *name) const { return name + dims({{"M", M}, {"D", D}}); }
  float &at(std::vector<float> &v, int m, int d) { return v[(size_t)m * ld + d]; }
  /// NaN and +-Inf in x, r, gamma and beta (M >= 8): a row with a NaN or an
  /// Inf in x (x + r for the add norms) is NaN throughout, as its mean is;
  /// gamma[d] NaN makes column d NaN, beta[d] +Inf column d +Inf; Inf + -Inf
  /// in x + r is NaN; NaN in the padding after each fifth row reaches nothing.
  void pokeNonFinite() {
    for (int m = 0; m < M; m += 5)
      for (int d = D; d < ld; ++d) at(x, m, d) = at(r, m, d) = kNaN;
    at(x, 0, 3 % D) = kNaN;
    at(x, 1, D - 1) = kInf;
    at(x, 2, 0) = -kInf;
    at(r, 3, D / 2) = kNaN;  // add norms only
    at(x, 4, 1) = kInf;
    at(r, 4, 1) = -kInf;
    at(r, 6, D - 2) = kInf;  // add norms only
    g[D / 2] = kNaN;
    bt[D - 1] = kInf;
  }
};

const int kNormWidths[] = {8, 24, 64, 40, 512};

/// Each width with 37 rows and 1, then 37 rows with NaN and Inf.
template <typename Fn, typename Call>
void forNormShapes(const Kernel<Fn> &kernel, Call call) {
  for (int D : kNormWidths)
    for (int M : {37, 1}) {
      NormData n(M, D);
      call(n, n.what(kernel.name));
    }
  for (int D : kNormWidths) {
    NormData n(37, D);
    n.pokeNonFinite();
    call(n, n.what(kernel.name) + " non-finite");
  }
}

void checkNormKernel(const Kernel<abi::layer_norm_fn> &kernel) {
  forNormShapes(kernel, [&](NormData &n, const std::string &what) {
    expectStatus(what,
                 kernel.fn(n.rows(n.x, n.ld), n.vec(n.g), n.vec(n.bt), n.eps, n.rows(n.y, n.D)));
    expectClose(what, n.normRef(false), [&](size_t i) { return n.y[i]; });
  });
}

void checkNormKernel(const Kernel<abi::add_norm_fn> &kernel) {
  forNormShapes(kernel, [&](NormData &n, const std::string &what) {
    expectStatus(what, kernel.fn(n.rows(n.x, n.ld), n.rows(n.r, n.ld), n.vec(n.g), n.vec(n.bt),
                                 n.eps, n.rows(n.y, n.D)));
    expectClose(what, n.normRef(true), [&](size_t i) { return n.y[i]; });
  });
}

void checkNormKernel(const Kernel<abi::add_norm_sum_fn> &kernel) {
  forNormShapes(kernel, [&](NormData &n, const std::string &what) {
    expectStatus(what, kernel.fn(n.rows(n.x, n.ld), n.rows(n.r, n.ld), n.vec(n.g), n.vec(n.bt),
                                 n.eps, n.rows(n.y, n.D), n.rows(n.sum, n.D)));
    expectClose(what + " (y)", n.normRef(true), [&](size_t i) { return n.y[i]; });
    expectClose(what + " (sum)", n.sumRef(), [&](size_t i) { return n.sum[i]; });
  });
}

/// tokens may hold ids outside [0, V): the kernel reads the clamped row.
/// `poke` may change the table and positions before the call.
void checkEmbed(const Kernel<abi::embed_fn> &kernel, std::vector<int> tokens, int B, int S, int V,
                int D, int maxLen, float scale, const std::string &note,
                const std::function<void(std::vector<float> &, std::vector<float> &)> &poke = {}) {
  auto table = randomVector((size_t)V * D), pe = randomVector((size_t)maxLen * D);
  if (poke) poke(table, pe);
  std::vector<float> out((size_t)B * S * D, NAN);
  auto tb = view(tokens.data(), {S, B}, {1, S});
  auto tab = view(table.data(), {D, V}, {1, D});
  auto peb = view(pe.data(), {D, maxLen}, {1, D});
  auto ob = view(out.data(), {D, S, B}, {1, D, D * S});
  std::string what = kernel.name + dims({{"B", B}, {"S", S}, {"V", V}, {"D", D}}) + note;
  expectStatus(what, kernel.fn(tb, tab, peb, scale, ob));
  std::vector<double> ref(out.size());
  for (int b = 0; b < B; ++b)
    for (int s = 0; s < S; ++s) {
      const int row = std::clamp(tokens[b * S + s], 0, V - 1);
      for (int d = 0; d < D; ++d)
        ref[((size_t)b * S + s) * D + d] =
            table[(size_t)row * D + d] * scale + pe[(size_t)s * D + d];
    }
  expectClose(what, ref, [&](size_t i) { return out[i]; });
}

void checkEmbedKernel(const Kernel<abi::embed_fn> &kernel) {
  // B, S, V, D, max_len
  const int shapes[][5] = {{2, 13, 50, 24, 20}, {3, 7, 1000, 64, 7}, {1, 1, 5, 8, 4}};
  for (auto &s : shapes) {
    std::uniform_int_distribution<int> id(0, s[2] - 1);
    std::vector<int> tokens((size_t)s[0] * s[1]);
    for (auto &t : tokens) t = id(rng);
    // The model's scale (PyTorch: float tensor * python float), then another.
    checkEmbed(kernel, tokens, s[0], s[1], s[2], s[3], s[4], (float)std::sqrt((double)s[3]),
               " scale=sqrt(D)");
    checkEmbed(kernel, tokens, s[0], s[1], s[2], s[3], s[4], 0.37f, " scale=0.37");
  }
  checkEmbed(kernel, {-1, 3, 50, 1 << 30}, 1, 4, 50, 24, 4, 1.0f, " bad ids clamped");
  // NaN and +-Inf in the table (rows 0, read through a clamped id too, and 7)
  // and in the positions; a 0 scale makes an Inf NaN, a NaN scale everything.
  const std::vector<int> tokens = {7, 0, -1, 12, 7, 3, 0, 49, 1, 2, 3, 4, 5, 6,
                                   8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  auto poke = [](std::vector<float> &table, std::vector<float> &pe) {
    const int D = 24;
    table[0 * D + 2] = kNaN;
    table[7 * D + 5] = kInf;
    table[7 * D + 6] = -kInf;
    pe[1 * D + 7] = -kInf;
    pe[2 * D + 0] = kNaN;
    pe[12 * D + 23] = kInf;
  };
  for (float scale : {(float)std::sqrt(24.0), 0.0f, kNaN})
    checkEmbed(kernel, tokens, 2, 13, 50, 24, 20, scale,
               " non-finite scale=" + std::to_string(scale), poke);
}

/// torch.argmax of a row: the first NaN (either sign) if there is one, else
/// the first maximum (-0 ties with +0).
int argmaxRef(const float *row, int V) {
  const float *nan = std::find_if(row, row + V, [](float x) { return std::isnan(x); });
  return nan < row + V ? (int)(nan - row) : (int)(std::max_element(row, row + V) - row);
}

/// logits [M, V] with row stride V + 1; `poke` may change them first.
void checkArgmax(const Kernel<abi::argmax_rows_fn> &kernel, int M, int V,
                 const std::function<void(float *row, int m)> &poke = {},
                 const std::string &note = "") {
  int ld = V + 1;
  auto logits = randomVector((size_t)M * ld);
  // Ties: some rows repeat their maximum at a later (or earlier) index.
  for (int m = 0; m < M; m += 3) {
    float *row = &logits[(size_t)m * ld];
    int a = (m * 7) % V, b = (m * 13 + 5) % V;
    row[a] = row[b] = 2.0f;
  }
  if (M > 1) std::fill(&logits[(size_t)1 * ld], &logits[(size_t)1 * ld] + V, -INFINITY);
  if (poke)
    for (int m = 0; m < M; ++m) poke(&logits[(size_t)m * ld], m);
  std::vector<int> idx(M, -7);
  auto lb = view(logits.data(), {V, M}, {1, ld});
  auto ib = view(idx.data(), {M}, {1});
  std::string what = kernel.name + dims({{"M", M}, {"V", V}}) + note;
  expectStatus(what, kernel.fn(lb, ib));
  std::vector<double> ref(M);
  for (int m = 0; m < M; ++m) ref[m] = argmaxRef(&logits[(size_t)m * ld], V);
  expectClose(what, ref, [&](size_t i) { return idx[i]; });
}

/// Rows with NaN and +-Inf: a NaN wins over everything, +Inf included, the
/// first NaN over later ones (also one in an earlier vector lane); -NaN
/// counts as NaN; -0 ties with +0; NaN in the padding after a row (its
/// element V) never counts.
void checkArgmaxNonFinite(const Kernel<abi::argmax_rows_fn> &kernel, int M, int V) {
  auto poke = [V](float *row, int m) {
    const int a = (m * 7 + 3) % V, last = V - 1;
    switch (m % 9) {
    case 0: row[a] = kNaN; break;
    case 1: row[std::min(last, 16)] = kNaN; row[std::min(last, 15)] = kNaN; break;
    case 2: row[0] = kInf; row[last] = kNaN; break;
    case 3: row[a] = kInf; row[(a + 5) % V] = kInf; break;
    case 4: row[a] = kInf; row[(a + 1) % V] = kNegNaN; break;
    case 5: std::fill(row, row + V, -kInf); row[last] = kNaN; break;
    case 6: row[V] = kNaN; break;
    case 7:
      for (int v = 0; v < V; ++v) row[v] = -std::fabs(row[v]) - 1.0f;
      row[(a + 2) % V] = 0.0f;
      row[a] = -0.0f;
      break;
    default: row[a] = -kInf; break;
    }
  };
  checkArgmax(kernel, M, V, poke, " non-finite");
}

void checkArgmaxKernel(const Kernel<abi::argmax_rows_fn> &kernel) {
  for (int V : {1, 5, 40, 64, 1000}) checkArgmax(kernel, 37, V);
  checkArgmax(kernel, 1, 17);
  for (int V : {1, 5, 17, 40, 64, 1000}) checkArgmaxNonFinite(kernel, 37, V);
}

/// a, b and out with three different row strides.
void checkAdd(const Kernel<abi::add_fn> &kernel, int M, int N) {
  const int lda = N + 3, ldb = N + 7;
  auto a = randomVector((size_t)M * lda), b = randomVector((size_t)M * ldb);
  std::vector<float> out((size_t)M * N, NAN);
  std::string what = kernel.name + dims({{"M", M}, {"N", N}});
  expectStatus(what, kernel.fn(view(a.data(), {N, M}, {1, lda}), view(b.data(), {N, M}, {1, ldb}),
                               view(out.data(), {N, M}, {1, N})));
  std::vector<double> ref(out.size());
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n)
      ref[(size_t)m * N + n] = (double)a[(size_t)m * lda + n] + b[(size_t)m * ldb + n];
  expectClose(what, ref, [&](size_t i) { return out[i]; });
}

/// out over a, as the plan runs add when a dies there.
void checkAddInPlace(const Kernel<abi::add_fn> &kernel, int M, int N) {
  auto a = randomVector((size_t)M * N), b = randomVector((size_t)M * N);
  std::vector<double> ref(a.size());
  for (size_t i = 0; i < a.size(); ++i) ref[i] = (double)a[i] + b[i];
  std::string what = std::string(kernel.name) + " in place" + dims({{"M", M}, {"N", N}});
  auto ab = view(a.data(), {N, M}, {1, N});
  expectStatus(what, kernel.fn(ab, view(b.data(), {N, M}, {1, N}), ab));
  expectClose(what, ref, [&](size_t i) { return a[i]; });
}

/// NaN, +-Inf and Inf + -Inf (NaN) in a and b, NaN in their row padding
/// (which reaches nothing), separately and in place.
void checkAddNonFinite(const Kernel<abi::add_fn> &kernel, int M, int N) {
  const int lda = N + 3, ldb = N + 7;
  auto a = randomVector((size_t)M * lda), b = randomVector((size_t)M * ldb);
  for (int m = 0; m < M; ++m) {
    float *ra = &a[(size_t)m * lda], *rb = &b[(size_t)m * ldb];
    std::fill(ra + N, ra + lda, kNaN);
    std::fill(rb + N, rb + ldb, kNaN);
    ra[m % N] = kNaN;
    rb[(m + 1) % N] = kInf;
    ra[(m + 2) % N] = -kInf;
    ra[(m + 3) % N] = kInf;
    rb[(m + 3) % N] = -kInf;
  }
  std::vector<float> out((size_t)M * N, NAN);
  std::vector<double> ref(out.size());
  std::vector<float> dense((size_t)M * N);  // a, densely, for the in-place run
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      ref[(size_t)m * N + n] = (double)a[(size_t)m * lda + n] + b[(size_t)m * ldb + n];
      dense[(size_t)m * N + n] = a[(size_t)m * lda + n];
    }
  std::string what = kernel.name + dims({{"M", M}, {"N", N}}) + " non-finite";
  auto bb = view(b.data(), {N, M}, {1, ldb});
  expectStatus(what, kernel.fn(view(a.data(), {N, M}, {1, lda}), bb,
                               view(out.data(), {N, M}, {1, N})));
  expectClose(what, ref, [&](size_t i) { return out[i]; });
  what = kernel.name + std::string(" in place") + dims({{"M", M}, {"N", N}}) + " non-finite";
  auto db = view(dense.data(), {N, M}, {1, N});
  expectStatus(what, kernel.fn(db, bb, db));
  expectClose(what, ref, [&](size_t i) { return dense[i]; });
}

void checkAddKernel(const Kernel<abi::add_fn> &kernel) {
  const int shapes[][2] = {{1, 1}, {37, 5}, {37, 24}, {1, 512}, {100, 1000}};  // M N
  for (auto &s : shapes) {
    checkAdd(kernel, s[0], s[1]);
    checkAddInPlace(kernel, s[0], s[1]);
  }
  for (auto &s : shapes) checkAddNonFinite(kernel, s[0], s[1]);
}

}  // namespace

int main() {
  const loom::check::CheckSet set = loom::check::checkSet();
#define LOOM_CHECK_ABI(family)                                                                     \
  for (auto &k : set.family) checkAbi(k, {LOOM_ABI_##family(LOOM_CHECK_BUFFER, LOOM_CHECK_SCALAR)});
  LOOM_KERNEL_FAMILIES(LOOM_CHECK_ABI)
#undef LOOM_CHECK_ABI
  for (auto &k : set.linear) checkLinearKernel(k);
  for (auto &k : set.attention) checkAttentionKernel(k);
  for (auto &k : set.layer_norm) checkNormKernel(k);
  for (auto &k : set.add_norm) checkNormKernel(k);
  for (auto &k : set.add_norm_sum) checkNormKernel(k);
  for (auto &k : set.embed) checkEmbedKernel(k);
  for (auto &k : set.argmax_rows) checkArgmaxKernel(k);
  for (auto &k : set.add) checkAddKernel(k);
  checkAttentionTrainingKernels(set);
  checkLinearTrainingKernels(set);
  checkRowTrainingKernels(set);
  // Last: its random data must not shift the data of the checks above.
  for (auto &k : set.attention_probs) checkAttentionProbsKernel(k);
  std::printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
