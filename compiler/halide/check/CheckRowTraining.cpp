// loom-kernel-check: the row-wise and elementwise training kernels
// (CheckCommon.h): layer_norm_stats, add_norm_stats, layer_norm_grad,
// embed_grad, cross_entropy and adam, every instance for every ISA, against
// naive loops in double (PyTorch's semantics, NaN and Inf included), on odd
// shapes and strided rows, in place where the plan runs them in place, and
// for determinism: the same call on the Halide runtime's pool with 1, 2 and
// 4 threads must give bit-identical outputs. Adam is also compared bit for
// bit with a float32 emulation of PyTorch's CPU arithmetic.
#include "CheckCommon.h"

#include <HalideRuntime.h>

#include <cstdint>
#include <cstring>

namespace loom::check {

namespace {

using Buf = Halide::Runtime::Buffer<float>;

const int kWidths[] = {1, 24, 40, 512, 1000};
const int kRowCounts[] = {1, 7, 37, 300};


/*--- layer_norm_stats, add_norm_stats --------------------------------------*/

/// Operands of the norms: x, r with row stride D + 5 (x around 100: the
/// two-pass variance), gamma, beta; outputs dense, NaN before the call.
struct NormCase {
  int M, D, ld;
  float eps = 1e-5f;
  std::vector<float> x, r, gamma, beta, y, sum, stats;
  NormCase(int M, int D)
      : M(M), D(D), ld(D + 5), x(randomVector((size_t)M * ld, 99, 101)),
        r(randomVector((size_t)M * ld)), gamma(randomVector(D)), beta(randomVector(D)),
        y((size_t)M * D, kNaN), sum((size_t)M * D, kNaN), stats((size_t)M * 2, kNaN) {}
  float &at(std::vector<float> &v, int m, int d) { return v[(size_t)m * ld + d]; }
  Buf rows(std::vector<float> &v, int stride) { return view(v.data(), {D, M}, {1, stride}); }
  Buf vec(std::vector<float> &v) { return view(v.data(), {D}, {1}); }
  Buf statsBuf() { return view(stats.data(), {2, M}, {1, 2}); }

  /// The reference of y, stats and sum for src = x (+ r, as a float sum).
  void ref(bool add, std::vector<double> &yRef, std::vector<double> &statsRef,
           std::vector<double> &sumRef) const {
    yRef.assign((size_t)M * D, 0);
    statsRef.assign((size_t)M * 2, 0);
    sumRef.assign((size_t)M * D, 0);
    std::vector<double> s(D);
    for (int m = 0; m < M; ++m) {
      double mean = 0, var = 0;
      for (int d = 0; d < D; ++d) {
        const size_t i = (size_t)m * ld + d;
        s[d] = add ? (double)(x[i] + r[i]) : (double)x[i];
        mean += s[d];
      }
      mean /= D;
      for (int d = 0; d < D; ++d) var += (s[d] - mean) * (s[d] - mean);
      var /= D;
      const double rstd = 1.0 / std::sqrt(var + eps);
      statsRef[(size_t)m * 2] = mean;
      statsRef[(size_t)m * 2 + 1] = rstd;
      for (int d = 0; d < D; ++d) {
        yRef[(size_t)m * D + d] = (s[d] - mean) * rstd * gamma[d] + beta[d];
        sumRef[(size_t)m * D + d] = s[d];
      }
    }
  }

  /// NaN and +-Inf (M >= 7): a row with a NaN or an Inf in its source is NaN
  /// throughout (its mean is NaN or Inf, its variance NaN), and so are its
  /// stats but an Inf row's mean; Inf + -Inf in x + r is NaN; gamma[d] NaN
  /// makes column d of y NaN, beta[d] +Inf column d +Inf; NaN in the padding
  /// after every fifth row reaches nothing.
  void pokeNonFinite() {
    for (int m = 0; m < M; m += 5)
      for (int d = D; d < ld; ++d) at(x, m, d) = at(r, m, d) = kNaN;
    at(x, 0, 3 % D) = kNaN;
    at(x, 1, D - 1) = kInf;
    at(x, 2, 0) = -kInf;
    at(r, 3, D / 2) = kNaN;  // add_norm_stats only
    at(x, 4, 1 % D) = kInf;
    at(r, 4, 1 % D) = -kInf;
    at(r, 6, std::max(0, D - 2)) = kInf;  // add_norm_stats only
    gamma[D / 2] = kNaN;
    beta[D - 1] = kInf;
  }
};

template <typename Fn, typename Call>
void forNormCases(const Kernel<Fn> &kernel, bool add, Call call) {
  auto checkCase = [&](NormCase &c, const std::string &what) {
    call(c, what);
    std::vector<double> yRef, statsRef, sumRef;
    c.ref(add, yRef, statsRef, sumRef);
    expectClose(what + " (y)", yRef, [&](size_t i) { return c.y[i]; });
    expectClose(what + " (stats)", statsRef, [&](size_t i) { return c.stats[i]; });
    if (add) expectClose(what + " (sum)", sumRef, [&](size_t i) { return c.sum[i]; });
  };
  for (int D : kWidths)
    for (int M : kRowCounts) {
      NormCase c(M, D);
      checkCase(c, kernel.name + dims({{"M", M}, {"D", D}}));
    }
  for (int D : kWidths) {
    NormCase c(37, D);
    c.pokeNonFinite();
    checkCase(c, kernel.name + dims({{"M", 37}, {"D", D}}) + " non-finite");
  }
  NormCase c(300, 512);
  expectSameBitsAcrossThreads(kernel.name + dims({{"M", 300}, {"D", 512}}), [&] { call(c, kernel.name); },
                      {&c.y, &c.stats, &c.sum});
}

void checkNormStats(const Kernel<abi::layer_norm_stats_fn> &kernel) {
  forNormCases(kernel, false, [&](NormCase &c, const std::string &what) {
    expectStatus(what, kernel.fn(c.rows(c.x, c.ld), c.vec(c.gamma), c.vec(c.beta), c.eps,
                                 c.rows(c.y, c.D), c.statsBuf()));
  });
}

void checkNormStats(const Kernel<abi::add_norm_stats_fn> &kernel) {
  forNormCases(kernel, true, [&](NormCase &c, const std::string &what) {
    expectStatus(what, kernel.fn(c.rows(c.x, c.ld), c.rows(c.r, c.ld), c.vec(c.gamma),
                                 c.vec(c.beta), c.eps, c.rows(c.y, c.D), c.rows(c.sum, c.D),
                                 c.statsBuf()));
  });
}

/*--- layer_norm_grad -------------------------------------------------------*/

/// Operands of layer_norm's backward: dy (row stride D + 3), x (D + 5), its
/// stats as the forward saves them (float), gamma, acc (D + 7) and dx (D + 2),
/// or acc and dx in one buffer (in place).
struct NormGradCase {
  int M, D, ldy, ldx, lda, ldd;
  bool inPlace;
  std::vector<float> dy, x, stats, gamma, acc, dx, dgamma, dbeta;
  NormGradCase(int M, int D, bool inPlace)
      : M(M), D(D), ldy(D + 3), ldx(D + 5), lda(D + 7), ldd(inPlace ? D + 7 : D + 2),
        inPlace(inPlace), dy(randomVector((size_t)M * ldy)),
        x(randomVector((size_t)M * ldx, -3, 5)), stats((size_t)M * 2), gamma(randomVector(D)),
        acc(randomVector((size_t)M * lda)), dx((size_t)M * ldd, kNaN), dgamma(D, kNaN),
        dbeta(D, kNaN) {
    for (int m = 0; m < M; ++m) {
      double mean = 0, var = 0;
      for (int d = 0; d < D; ++d) mean += x[(size_t)m * ldx + d];
      mean /= D;
      for (int d = 0; d < D; ++d) var += std::pow(x[(size_t)m * ldx + d] - mean, 2);
      var /= D;
      stats[(size_t)m * 2] = (float)mean;
      stats[(size_t)m * 2 + 1] = (float)(1.0 / std::sqrt(var + 1e-5));
    }
    if (inPlace) dx = acc;
  }
  std::vector<float> &dxStorage() { return inPlace ? acc : dx; }
  float dxAt(int m, int d) { return dxStorage()[(size_t)m * ldd + d]; }

  int call(const Kernel<abi::layer_norm_grad_fn> &kernel) {
    // Without accumulate acc is never read: a 1 x 1 buffer must do.
    Buf accB = kernel.intParam("accumulate") == 1 ? view(acc.data(), {D, M}, {1, lda})
                                                  : view(acc.data(), {1, 1}, {1, 1});
    Buf dxB = inPlace ? accB : view(dx.data(), {D, M}, {1, ldd});
    return kernel.fn(view(dy.data(), {D, M}, {1, ldy}), view(x.data(), {D, M}, {1, ldx}),
                     view(stats.data(), {2, M}, {1, 2}), view(gamma.data(), {D}, {1}), accB,
                     dxB, view(dgamma.data(), {D}, {1}), view(dbeta.data(), {D}, {1}));
  }

  /// PyTorch's native_layer_norm_backward given the saved stats, in double:
  /// dx [M, D] dense, dgamma, dbeta. `acc` is the accumulator before the call.
  void ref(bool accumulate, const std::vector<float> &accBefore, std::vector<double> &dxRef,
           std::vector<double> &dgRef, std::vector<double> &dbRef) const {
    dxRef.assign((size_t)M * D, 0);
    dgRef.assign(D, 0);
    dbRef.assign(D, 0);
    std::vector<double> xh(D), g(D);
    for (int m = 0; m < M; ++m) {
      const double mean = stats[(size_t)m * 2], rstd = stats[(size_t)m * 2 + 1];
      double s1 = 0, s2 = 0;
      for (int d = 0; d < D; ++d) {
        const double dyv = dy[(size_t)m * ldy + d];
        xh[d] = (x[(size_t)m * ldx + d] - mean) * rstd;
        g[d] = dyv * gamma[d];
        s1 += g[d];
        s2 += g[d] * xh[d];
        dgRef[d] += dyv * xh[d];
        dbRef[d] += dyv;
      }
      for (int d = 0; d < D; ++d) {
        double v = rstd * (g[d] - s1 / D - xh[d] * (s2 / D));
        if (accumulate) v += accBefore[(size_t)m * lda + d];
        dxRef[(size_t)m * D + d] = v;
      }
    }
  }

  /// NaN and +-Inf (M >= 7): NaN in dy makes its row of dx NaN (through the
  /// row sums) and its column of dgamma and dbeta; +Inf in dy likewise gives
  /// Infs and NaNs; NaN in x (stats finite) its row of dx and its column of
  /// dgamma; NaN in acc only its element of dx; NaN in the padding of dy, x
  /// and acc reaches nothing.
  void pokeNonFinite() {
    for (int m = 0; m < M; m += 3) {
      for (int d = D; d < ldy; ++d) dy[(size_t)m * ldy + d] = kNaN;
      for (int d = D; d < ldx; ++d) x[(size_t)m * ldx + d] = kNaN;
      for (int d = D; d < lda; ++d) acc[(size_t)m * lda + d] = kNaN;
    }
    dy[(size_t)0 * ldy + D / 3] = kNaN;
    dy[(size_t)2 * ldy + D - 1] = kInf;
    x[(size_t)5 * ldx + D / 2] = kNaN;
    acc[(size_t)3 * lda + D / 4] = kNaN;
    acc[(size_t)4 * lda + 0] = -kInf;
  }
};

void checkNormGradCase(const Kernel<abi::layer_norm_grad_fn> &kernel, NormGradCase &c,
                       const std::string &what) {
  const bool accumulate = kernel.intParam("accumulate") == 1;
  const std::vector<float> accBefore = c.acc;
  expectStatus(what, c.call(kernel));
  std::vector<double> dxRef, dgRef, dbRef;
  c.ref(accumulate, accBefore, dxRef, dgRef, dbRef);
  expectClose(what + " (dx)", dxRef, [&](size_t i) { return c.dxAt(i / c.D, i % c.D); });
  expectClose(what + " (dgamma)", dgRef, [&](size_t i) { return c.dgamma[i]; });
  expectClose(what + " (dbeta)", dbRef, [&](size_t i) { return c.dbeta[i]; });
}

void checkNormGrad(const Kernel<abi::layer_norm_grad_fn> &kernel) {
  const bool accumulate = kernel.intParam("accumulate") == 1;
  for (int D : kWidths)
    for (int M : kRowCounts)
      for (bool inPlace : {false, true}) {
        if (inPlace && !accumulate) continue;  // acc is dx's storage only when accumulating
        NormGradCase c(M, D, inPlace);
        checkNormGradCase(kernel, c,
                          kernel.name + dims({{"M", M}, {"D", D}}) + (inPlace ? " in place" : ""));
      }
  for (int D : {24, 40, 512, 1000}) {
    NormGradCase c(37, D, accumulate);
    c.pokeNonFinite();
    checkNormGradCase(kernel, c,
                      kernel.name + dims({{"M", 37}, {"D", D}}) +
                          (accumulate ? " in place" : "") + " non-finite");
  }
  // dgamma and dbeta sum over 1000 rows: many row blocks, several per thread.
  for (auto [M, D] : {std::pair{300, 512}, std::pair{1000, 40}}) {
    NormGradCase c(M, D, false);
    const std::vector<float> accBefore = c.acc;
    expectSameBitsAcrossThreads(kernel.name + dims({{"M", M}, {"D", D}}),
                        [&] {
                          c.acc = accBefore;
                          c.call(kernel);
                        },
                        {&c.dx, &c.dgamma, &c.dbeta});
  }
}

/*--- embed_grad ------------------------------------------------------------*/

/// tokens [B, S] (ids from `ids`, or given), dout [B, S, D] with row stride
/// D + 3, dtable [V, D] NaN before the call (every element must be written).
struct EmbedGradCase {
  int B, S, V, D, ld;
  float scale;
  std::vector<int> tokens;
  std::vector<float> dout, dtable;
  EmbedGradCase(int B, int S, int V, int D, int ids, float scale)
      : B(B), S(S), V(V), D(D), ld(D + 3), scale(scale), tokens((size_t)B * S),
        dout(randomVector((size_t)B * S * ld)), dtable((size_t)V * D, kNaN) {
    std::uniform_int_distribution<int> id(0, ids - 1);
    for (auto &t : tokens) t = id(rng);
  }
  int call(const Kernel<abi::embed_grad_fn> &kernel) {
    return kernel.fn(view(tokens.data(), {S, B}, {1, S}),
                     view(dout.data(), {D, S, B}, {1, ld, ld * S}), scale,
                     view(dtable.data(), {D, V}, {1, D}));
  }
  /// PyTorch's embedding backward of table[t] * scale: scale * dout summed
  /// per token in double; ids outside [0, V) contribute nothing.
  std::vector<double> ref() const {
    std::vector<double> out((size_t)V * D, 0.0);
    for (int p = 0; p < B * S; ++p) {
      const int t = tokens[p];
      if (t < 0 || t >= V) continue;
      for (int d = 0; d < D; ++d)
        out[(size_t)t * D + d] += (double)(dout[(size_t)p * ld + d] * scale);
    }
    return out;
  }
};

void checkEmbedGradCase(const Kernel<abi::embed_grad_fn> &kernel, EmbedGradCase &c,
                        const std::string &note) {
  const std::string what =
      kernel.name + dims({{"B", c.B}, {"S", c.S}, {"V", c.V}, {"D", c.D}}) + note;
  expectStatus(what, c.call(kernel));
  expectClose(what, c.ref(), [&](size_t i) { return c.dtable[i]; });
}

void checkEmbedGrad(const Kernel<abi::embed_grad_fn> &kernel) {
  // B, S, V, D, distinct ids (few: many repeats of each)
  const int shapes[][5] = {{2, 13, 50, 24, 50},   {3, 7, 1000, 64, 1000}, {1, 1, 5, 1, 5},
                           {4, 37, 300, 40, 7},   {2, 50, 8000, 512, 8000}, {3, 11, 97, 1000, 3},
                           {8, 128, 8000, 512, 500}};
  for (auto &s : shapes) {
    EmbedGradCase c(s[0], s[1], s[2], s[3], s[4], (float)std::sqrt((double)s[3]));
    checkEmbedGradCase(kernel, c, " scale=sqrt(D)");
  }
  {
    EmbedGradCase c(2, 13, 50, 24, 50, 0.37f);
    checkEmbedGradCase(kernel, c, " scale=0.37");
  }
  {
    // Ids the runtime would refuse: skipped, never written out of bounds.
    EmbedGradCase c(1, 6, 50, 24, 50, 1.0f);
    c.tokens = {-1, 3, 50, 1 << 30, INT32_MIN, 3};
    checkEmbedGradCase(kernel, c, " bad ids skipped");
  }
  // NaN and +-Inf in dout reach their token's row and column only; a 0
  // scale makes an Inf NaN, a NaN scale every row some token names (the
  // others stay 0).
  for (float scale : {2.0f, 0.0f, kNaN}) {
    EmbedGradCase c(2, 13, 50, 24, 10, scale);
    c.tokens[0] = c.tokens[5] = 7;
    c.dout[(size_t)0 * c.ld + 2] = kNaN;
    c.dout[(size_t)5 * c.ld + 3] = kInf;
    c.dout[(size_t)6 * c.ld + 4] = -kInf;
    c.dout[(size_t)9 * c.ld + 24] = kNaN;  // padding
    checkEmbedGradCase(kernel, c, " non-finite scale=" + std::to_string(scale));
  }
  EmbedGradCase c(8, 128, 8000, 512, 300, 22.627417f);
  expectSameBitsAcrossThreads(kernel.name + dims({{"B", 8}, {"S", 128}, {"V", 8000}, {"D", 512}}),
                      [&] { c.call(kernel); }, {&c.dtable});
}

/*--- cross_entropy ---------------------------------------------------------*/

/// logits [M, V] with row stride V + 3 (dlogits dense [M, V], or over the
/// logits: in place), labels with every fifth row ignore_index.
struct CrossEntropyCase {
  int M, V, ld, ignore;
  float smoothing;
  bool inPlace;
  std::vector<float> logits, dlogits, loss{kNaN};
  std::vector<int> labels;
  CrossEntropyCase(int M, int V, int ignore, float smoothing, bool inPlace)
      : M(M), V(V), ld(V + 3), ignore(ignore), smoothing(smoothing), inPlace(inPlace),
        logits(randomVector((size_t)M * ld, -4, 4)), dlogits(inPlace ? 0 : (size_t)M * V, kNaN),
        labels(M) {
    std::uniform_int_distribution<int> id(0, V - 1);
    for (int m = 0; m < M; ++m) {
      labels[m] = m % 5 == 4 ? ignore : id(rng);
      if (m % 7 == 3)  // a large offset: the row max matters
        for (int v = 0; v < V; ++v) logits[(size_t)m * ld + v] += 60.0f;
    }
  }
  int count() const {
    int c = 0;
    for (int l : labels) c += l != ignore;
    return c;
  }
  int call(const Kernel<abi::cross_entropy_fn> &kernel) {
    Buf lb = view(logits.data(), {V, M}, {1, ld});
    Buf db = inPlace ? lb : view(dlogits.data(), {V, M}, {1, V});
    return kernel.fn(lb, view(labels.data(), {M}, {1}), ignore, smoothing,
                     view(loss.data(), {1}, {1}), db);
  }
  float dlogitsAt(int m, int v) const {
    return inPlace ? logits[(size_t)m * ld + v] : dlogits[(size_t)m * V + v];
  }
  /// PyTorch's cross_entropy(logits, labels, ignore_index, label_smoothing)
  /// (mean) and its gradient, in double, from the logits `l` (row stride
  /// ld): the row max propagates NaN (torch.max), the smoothing term exists
  /// only for smoothing > 0; ignored rows have no loss and a 0 gradient.
  void ref(const std::vector<float> &l, double &lossRef, std::vector<double> &grad) const {
    const int C = count();
    grad.assign((size_t)M * V, 0.0);
    double total = 0;
    for (int m = 0; m < M; ++m) {
      if (labels[m] == ignore) continue;
      const float *row = &l[(size_t)m * ld];
      double mx = -INFINITY, sum = 0, se = 0;
      for (int v = 0; v < V; ++v) {
        mx = std::isnan(mx) || std::isnan(row[v]) ? NAN : std::max(mx, (double)row[v]);
        sum += row[v];
      }
      for (int v = 0; v < V; ++v) se += std::exp(row[v] - mx);
      const double lse = mx + std::log(se);
      double rowLoss = (1.0 - smoothing) * (lse - row[labels[m]]);
      if (smoothing > 0) rowLoss += smoothing * (lse - sum / V);
      total += rowLoss;
      for (int v = 0; v < V; ++v)
        grad[(size_t)m * V + v] =
            (std::exp(row[v] - lse) - (v == labels[m] ? 1.0 - smoothing : 0.0) -
             (double)smoothing / V) / C;
    }
    lossRef = total / C;  // 0 / 0 = NaN for C = 0
  }
};

void checkCrossEntropyCase(const Kernel<abi::cross_entropy_fn> &kernel, CrossEntropyCase &c,
                           const std::string &note) {
  const std::string what = kernel.name + dims({{"M", c.M}, {"V", c.V}, {"ignore", c.ignore}}) +
                           " smoothing=" + (c.smoothing == 0 ? "0" : "0.1") +
                           (c.inPlace ? " in place" : "") + note;
  const std::vector<float> before = c.logits;
  double lossRef;
  std::vector<double> grad;
  c.ref(before, lossRef, grad);
  expectStatus(what, c.call(kernel));
  expectClose(what + " (loss)", {lossRef}, [&](size_t) { return c.loss[0]; });
  // The gradient scaled by C * V: the uniform part eps / V / C becomes
  // eps, probabilities ~1/V become ~1, so the 1e-4 bound is relative to
  // the typical entry (unscaled, every entry would be below 1e-4).
  const double scale = (double)std::max(c.count(), 1) * c.V;
  for (auto &g : grad) g *= scale;
  expectClose(what + " (dlogits x C V)", grad,
              [&](size_t i) { return c.dlogitsAt(i / c.V, i % c.V) * scale; });
}

void checkCrossEntropy(const Kernel<abi::cross_entropy_fn> &kernel) {
  const int vocab[] = {1, 5, 40, 1000, 8000};
  for (int V : vocab)
    for (int M : kRowCounts) {
      if ((size_t)M * V > 2500000) continue;
      for (float eps : {0.0f, 0.1f}) {
        CrossEntropyCase c(M, V, -100, eps, false);
        checkCrossEntropyCase(kernel, c, "");
      }
    }
  // In place (dlogits over the logits); ignore_index a class id (pad = 0);
  // a long row (V = 32000).
  for (auto [M, V] : {std::pair{37, 1000}, std::pair{300, 8000}, std::pair{7, 32000},
                      std::pair{7, 24}})
    for (float eps : {0.0f, 0.1f}) {
      CrossEntropyCase c(M, V, -100, eps, true);
      checkCrossEntropyCase(kernel, c, "");
      CrossEntropyCase p(M, V, 0, eps, M % 2 == 1);
      for (int m = 0; m < M; m += 3) p.labels[m] = 0;
      checkCrossEntropyCase(kernel, p, " pad=0");
    }
  // No row counted: loss = 0 / 0 = NaN, dlogits 0.
  for (bool inPlace : {false, true}) {
    CrossEntropyCase c(7, 40, 2, 0.1f, inPlace);
    std::fill(c.labels.begin(), c.labels.end(), 2);
    checkCrossEntropyCase(kernel, c, " all ignored");
  }
  // NaN and +-Inf, one case at a time (the loss is one number).
  using Poke = std::function<void(CrossEntropyCase &)>;
  auto at = [](CrossEntropyCase &c, int m, int v) -> float & {
    return c.logits[(size_t)m * c.ld + v];
  };
  const std::pair<const char *, Poke> cases[] = {
      {"NaN in a row", [&](CrossEntropyCase &c) { at(c, 1, c.V / 2) = kNaN; }},
      {"NaN in an ignored row", [&](CrossEntropyCase &c) { at(c, 4, 0) = kNaN; }},
      {"+Inf in a row", [&](CrossEntropyCase &c) { at(c, 3, c.V - 1) = kInf; }},
      {"-Inf off the label",
       [&](CrossEntropyCase &c) { at(c, 2, (c.labels[2] + 1) % c.V) = -kInf; }},
      {"-Inf at the label", [&](CrossEntropyCase &c) { at(c, 6, c.labels[6]) = -kInf; }},
      {"a row of -Inf",
       [&](CrossEntropyCase &c) {
         for (int v = 0; v < c.V; ++v) at(c, 0, v) = -kInf;
       }},
      {"NaN in the padding",
       [&](CrossEntropyCase &c) {
         for (int m = 0; m < c.M; ++m)
           for (int v = c.V; v < c.ld; ++v) at(c, m, v) = kNaN;
       }},
  };
  for (int V : {40, 1000})
    for (float eps : {0.0f, 0.1f})
      for (auto &[label, poke] : cases) {
        CrossEntropyCase c(37, V, -100, eps, V == 1000);
        poke(c);
        checkCrossEntropyCase(kernel, c, std::string(" ") + label);
      }
  for (bool inPlace : {false, true}) {
    CrossEntropyCase c(300, 8000, 0, 0.1f, inPlace);
    const std::vector<float> before = c.logits;
    expectSameBitsAcrossThreads(kernel.name + dims({{"M", 300}, {"V", 8000}}) +
                            (inPlace ? " in place" : ""),
                        [&] {
                          c.logits = before;
                          c.call(kernel);
                        },
                        {&c.loss, inPlace ? &c.logits : &c.dlogits});
  }
}

/*--- adam ------------------------------------------------------------------*/

/// Distance in ulps between two floats (0 for two NaNs; huge across signs).
int64_t ulps(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : INT64_MAX;
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  const int64_t ka = ia < 0 ? (int64_t)INT32_MIN - ia : ia, kb = ib < 0 ? (int64_t)INT32_MIN - ib : ib;
  return std::llabs(ka - kb);
}

/// The kernel's outputs against an emulation's, in ulps: at most `bound`.
void expectUlps(const std::string &what, const std::vector<float> &got,
                const std::vector<float> &want, int64_t bound) {
  ++checks;
  int64_t worst = 0;
  size_t worstAt = 0, differ = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const int64_t u = ulps(got[i], want[i]);
    differ += u != 0;
    if (u > worst) { worst = u; worstAt = i; }
  }
  const bool ok = worst <= bound;
  if (!ok) ++failures;
  char note[160];
  std::snprintf(note, sizeof note, "max %lld ulp (bound %lld), %zu of %zu differ%s",
                (long long)worst, (long long)bound, differ, got.size(),
                ok ? "" : (" at " + std::to_string(worstAt)).c_str());
  std::printf("%-4s %-62s %s\n", ok ? "ok" : "FAIL", what.c_str(), note);
}

/// Adam's hyperparameters as the runtime holds them (double) and passes them
/// (float: the ABI).
struct AdamHyper {
  double lr, beta1, beta2, eps;
};

/// The scalars of step t (1-based), as torch.optim.Adam computes them in
/// double, rounded to float as the ABI passes them.
struct AdamScalars {
  float stepSize, bc2Sqrt, beta1, beta2, eps;
  AdamScalars(const AdamHyper &h, int t)
      : stepSize((float)(h.lr / (1 - std::pow(h.beta1, t)))),
        bc2Sqrt((float)std::sqrt(1 - std::pow(h.beta2, t))), beta1((float)h.beta1),
        beta2((float)h.beta2), eps((float)h.eps) {}
};

/// PyTorch 1.13's float32 CPU arithmetic for one element (its vectorised
/// kernels: add_ with alpha and addcmul_ are fused multiply-adds, the
/// division by bias_correction2_sqrt a true division), with 1 - beta as
/// PyTorch rounds it: the double 1 - beta to float.
void torchAdamElement(float &p, float g, float &m, float &v, const AdamScalars &s,
                      float oneMinusBeta1, float oneMinusBeta2) {
  m = std::fma(g, oneMinusBeta1, m * s.beta1);
  v = std::fma(oneMinusBeta2 * g, g, v * s.beta2);
  const float denom = std::sqrt(v) / s.bc2Sqrt + s.eps;
  p = p + (-s.stepSize * m) / denom;
}

/// |1 - float(beta) - (1 - beta)| / (1 - beta): how far the kernel's 1 - beta
/// (from the float beta of the ABI) is from the exact one.
double relativeBetaError(double beta) {
  return std::fabs((1 - (double)(float)beta) - (1 - beta)) / (1 - beta);
}

/// got against ref: |got - ref| <= relTol * |ref| + absTol everywhere (the
/// worst ratio of the error to that bound is reported); NaN and Inf must
/// match exactly.
void expectNear(const std::string &what, const std::vector<double> &ref,
                const std::vector<float> &got, double relTol, double absTol) {
  ++checks;
  double worst = 0;
  size_t worstAt = 0, wrongAt = ref.size(), nonFinite = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double g = got[i], r = ref[i];
    if (!std::isfinite(r) || !std::isfinite(g)) {
      nonFinite += !std::isfinite(r);
      const bool same = std::isnan(r) ? std::isnan(g) : g == r;
      if (!same && wrongAt == ref.size()) wrongAt = i;
      continue;
    }
    const double ratio = std::fabs(g - r) / (relTol * std::fabs(r) + absTol);
    if (ratio > worst) { worst = ratio; worstAt = i; }
  }
  const bool ok = wrongAt == ref.size() && worst <= 1;
  if (!ok) ++failures;
  char note[160];
  if (wrongAt < ref.size())
    std::snprintf(note, sizeof note, " at %zu: got %g, want %g", wrongAt, got[wrongAt],
                  ref[wrongAt]);
  else
    std::snprintf(note, sizeof note, " of (%.1e |ref| + %.1e)%s%s", relTol, absTol,
                  nonFinite ? ", NaN/Inf as expected" : "",
                  ok ? "" : (" at " + std::to_string(worstAt)).c_str());
  std::printf("%-4s %-62s err %.2f%s\n", ok ? "ok" : "FAIL", what.c_str(), worst, note);
}

struct AdamCase {
  int P;
  std::vector<float> param, grad, m, v;
  AdamCase(int P)
      : P(P), param(randomVector(P)), grad(P), m(P, 0.0f), v(P, 0.0f) {}
  int call(const Kernel<abi::adam_fn> &kernel, const AdamScalars &s, bool inPlace,
           std::vector<float> *outs = nullptr) {
    auto b = [&](std::vector<float> &x) { return view(x.data(), {P}, {1}); };
    Buf pb = b(param), gb = b(grad), mb = b(m), vb = b(v);
    if (inPlace)
      return kernel.fn(pb, gb, mb, vb, s.stepSize, s.bc2Sqrt, s.beta1, s.beta2, s.eps, pb, mb, vb);
    return kernel.fn(pb, gb, mb, vb, s.stepSize, s.bc2Sqrt, s.beta1, s.beta2, s.eps, b(outs[0]),
                     b(outs[1]), b(outs[2]));
  }
};

/// `steps` Adam steps of the kernel in place on P parameters (fresh random
/// gradients each step, moments from 0), against: the float32 emulation of
/// PyTorch with 1 - beta rounded as the kernel can (from the float beta:
/// bit-exact but for double-rounding ties, <= 1 ulp), PyTorch's own rounding
/// of the double 1 - beta (within that rounding's difference: see
/// AdamGenerator.cpp), and a double reference. Then one more step not in
/// place must give the same bits as in place.
void checkAdamSteps(const Kernel<abi::adam_fn> &kernel, int P, const AdamHyper &h, int steps,
                    const std::function<void(AdamCase &, int)> &poke = {},
                    const std::string &note = "") {
  AdamCase c(P);
  std::vector<float> pF = c.param, mF(P, 0), vF(P, 0), pT = c.param, mT(P, 0), vT(P, 0);
  std::vector<double> pD(c.param.begin(), c.param.end()), mD(P, 0), vD(P, 0);
  char hyper[96];
  std::snprintf(hyper, sizeof hyper, " betas=(%g, %g) eps=%g lr=%g", h.beta1, h.beta2, h.eps, h.lr);
  const std::string what = kernel.name + dims({{"P", P}, {"steps", steps}}) + hyper + note;
  for (int t = 1; t <= steps; ++t) {
    c.grad = randomVector(P, -0.1f, 0.1f);
    if (poke) poke(c, t);
    const AdamScalars s(h, t);
    expectStatus(what, c.call(kernel, s, true));
    for (int i = 0; i < P; ++i) {
      const float g = c.grad[i];
      torchAdamElement(pF[i], g, mF[i], vF[i], s, 1.0f - s.beta1, 1.0f - s.beta2);
      torchAdamElement(pT[i], g, mT[i], vT[i], s, (float)(1 - h.beta1), (float)(1 - h.beta2));
      mD[i] = h.beta1 * mD[i] + (1 - h.beta1) * g;
      vD[i] = h.beta2 * vD[i] + (1 - h.beta2) * (double)g * g;
      const double denom = std::sqrt(vD[i]) / std::sqrt(1 - std::pow(h.beta2, t)) + h.eps;
      pD[i] -= h.lr / (1 - std::pow(h.beta1, t)) * mD[i] / denom;
    }
  }
  expectUlps(what + " vs torch f32, float betas (param)", c.param, pF, 1);
  expectUlps(what + " vs torch f32, float betas (m)", c.m, mF, 1);
  expectUlps(what + " vs torch f32, float betas (v)", c.v, vF, 1);
  // With PyTorch's rounding of 1 - beta (double 1 - beta to float), the
  // kernel's 1 - beta (from the float beta, exact) differs by d1, d2
  // relative (AdamGenerator.cpp): m and v differ by that relative (m also
  // absolutely, where it cancels: gradients are within 0.1), the parameters
  // by 2 ulps or a ten-thousandth of a step (lr) plus what d1, d2 move.
  const double d1 = relativeBetaError(h.beta1), d2 = relativeBetaError(h.beta2);
  const double ulp = 0x1p-23;
  auto widen = [](const std::vector<float> &v) { return std::vector<double>(v.begin(), v.end()); };
  expectNear(what + " vs torch f32 (m)", widen(mT), c.m, d1 + 4 * ulp, 0.1 * (d1 + 4 * ulp));
  expectNear(what + " vs torch f32 (v)", widen(vT), c.v, d2 + 4 * ulp, 1e-12);
  expectNear(what + " vs torch f32 (param)", widen(pT), c.param, 2 * ulp,
             h.lr * (1e-4 + 10 * (d1 + d2)) * steps);
  // The double reference (exact 1 - beta and arithmetic): the same bounds
  // plus float rounding at every step.
  expectNear(what + " vs double (m)", mD, c.m, d1 + steps * ulp, 0.1 * (d1 + steps * ulp));
  expectNear(what + " vs double (v)", vD, c.v, d2 + steps * ulp, 1e-12);
  expectNear(what + " vs double (param)", pD, c.param, steps * ulp,
             h.lr * (1e-4 + 10 * (d1 + d2)) * steps);
  // Separate outputs give the same bits as in place.
  AdamCase o = c;
  std::vector<float> outs[3] = {std::vector<float>(P, kNaN), std::vector<float>(P, kNaN),
                                std::vector<float>(P, kNaN)};
  const AdamScalars s(h, steps + 1);
  expectStatus(what, o.call(kernel, s, false, outs));
  expectStatus(what, c.call(kernel, s, true));
  expectUlps(what + " not in place (param)", outs[0], c.param, 0);
  expectUlps(what + " not in place (m)", outs[1], c.m, 0);
  expectUlps(what + " not in place (v)", outs[2], c.v, 0);
}

void checkAdam(const Kernel<abi::adam_fn> &kernel) {
  const AdamHyper aiayn{1e-3, 0.9, 0.98, 1e-9}, torchDefault{3e-4, 0.9, 0.999, 1e-8};
  for (int P : {1, 15, 16, 17, 1000, 100003}) checkAdamSteps(kernel, P, aiayn, 5);
  checkAdamSteps(kernel, 100003, torchDefault, 5);
  // NaN and +-Inf in the gradient (step 2): NaN makes param, m, v NaN; Inf
  // makes m and v Inf and param NaN (Inf / Inf), as in PyTorch. The
  // emulation has the same IEEE arithmetic, and the double reference too.
  checkAdamSteps(kernel, 1000, aiayn, 3,
                 [](AdamCase &c, int t) {
                   if (t != 2) return;
                   c.grad[3] = kNaN;
                   c.grad[17] = kInf;
                   c.grad[998] = -kInf;
                 },
                 " non-finite");
  // Elementwise, but tasks must not overlap either.
  AdamCase c(1 << 20);
  c.grad = randomVector(c.P, -0.1f, 0.1f);
  const AdamCase start = c;
  const AdamScalars s(aiayn, 1);
  expectSameBitsAcrossThreads(kernel.name + dims({{"P", c.P}}),
                      [&] {
                        c = start;
                        c.call(kernel, s, true);
                      },
                      {&c.param, &c.m, &c.v});
}

}  // namespace

void checkRowTrainingKernels(const CheckSet &set) {
  for (auto &k : set.layer_norm_stats) checkNormStats(k);
  for (auto &k : set.add_norm_stats) checkNormStats(k);
  for (auto &k : set.layer_norm_grad) checkNormGrad(k);
  for (auto &k : set.embed_grad) checkEmbedGrad(k);
  for (auto &k : set.cross_entropy) checkCrossEntropy(k);
  for (auto &k : set.adam) checkAdam(k);
}

}  // namespace loom::check
