// loom-kernel-check: a linear layer's backward and dropout (CheckCommon.h):
// linear_grad_input, linear_grad_weight and dropout, every instance for every
// ISA, against naive loops in double with PyTorch's semantics (NaN and Inf
// included):
//   - odd shapes (M from 1 to 1024; K and N from 1 to 2100, multiples of the
//     vector width and not, on both sides of the blocked branches), strided
//     rows (NaN in the padding, which must reach nothing), dx and dwt as
//     column windows of wider buffers and dbias inside a longer vector (what
//     lies around them must stay untouched);
//   - every param combination of CheckKernels.def (activation x dropout x
//     accumulate for linear_grad_input), accumulation in place (acc = dx),
//     dropout in place (y = x);
//   - NaN and +-Inf in every operand, and relu's and gelu's backward on
//     special saved values (NaN, -NaN, +-Inf, +-0, +-1e30, 1e-30);
//   - the dropout mask element by element against loom::philox::keep (the
//     one reference, Philox.h) in both kernels that apply it, its drop rate,
//     the same mask for the same (seed, stream, step), another for another
//     stream, step or seed;
//   - determinism: the same call on the Halide runtime's pool with 1, 2 and
//     4 threads gives bit-identical outputs.
#include "CheckCommon.h"
#include "../Philox.h"

#include <HalideRuntime.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace loom::check {

namespace {

using Buf = Halide::Runtime::Buffer<float>;


/// A yes/no check: one line, `detail` after it.
void expectTrue(const std::string &what, bool ok, const std::string &detail) {
  ++checks;
  if (!ok) ++failures;
  std::printf("%-4s %-62s %s\n", ok ? "ok" : "FAIL", what.c_str(), detail.c_str());
}

/// The dropout scalars of one call.
struct Rng {
  float p = 0.3f;
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  int32_t stream = 5, step = 11;
  bool keep(uint64_t element) const { return loom::philox::keep(seed, stream, step, element, p); }
  /// PyTorch's factor: 1 / (1 - p) where kept, 0 where dropped (a dropped
  /// NaN or Inf stays NaN: x * 0).
  double factor(uint64_t element) const { return keep(element) ? 1.0 / (1.0 - (double)p) : 0.0; }
};

// PyTorch's backward of relu, threshold_backward(grad, result, 0) = result <=
// 0 ? 0 : grad (a NaN result passes grad on, a NaN grad with result <= 0 gives
// 0), and of GELU (erf form), grad * (Phi(x) + x phi(x)), NaN at x = +-Inf
// (+-Inf * exp(-Inf) = +-Inf * 0).
double reluGradRef(double saved, double grad) { return saved <= 0 ? 0.0 : grad; }
double geluGradRef(double x) {
  const double cdf = 0.5 * (1.0 + std::erf(x / std::sqrt(2.0)));
  const double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
  return cdf + x * pdf;
}

/// What no kernel writes: the padding of outputs and the columns around
/// windows hold it before a call and must after.
const float kSentinel = -12345.0f;

/// Whether every element of `v` (rows of stride `ld`) outside columns [col0,
/// col0 + width) of its first `rows` rows still holds kSentinel.
bool untouched(const std::vector<float> &v, int rows, int ld, int col0, int width) {
  for (size_t i = 0; i < v.size(); ++i) {
    const int r = (int)(i / ld), c = (int)(i % ld);
    const bool inside = r < rows && c >= col0 && c < col0 + width;
    if (!inside && std::memcmp(&v[i], &kSentinel, sizeof(float)) != 0) return false;
  }
  return true;
}

std::string shape(const char *name, int M, int K, int N) {
  return name + dims({{"M", M}, {"K", K}, {"N", N}});
}

/*--- linear_grad_input -------------------------------------------------------*/

/// Operands of linear_grad_input: dy [M, N] with row stride N + 5, wt [K, N]
/// dense, saved [M, K] with row stride K + 3, acc [M, K] with row stride K +
/// 7 (NaN in every row's padding), dx the column window [3, 3 + K) of an [M,
/// K + 9] buffer.
struct GradInputData {
  int M, K, N, ldy, lds, lda, ldx, dx0 = 3;
  std::vector<float> dy, wt, saved, acc, dx;
  std::vector<double> prod;  // sum_n dy[m, n] wt[k, n] in double, [M, K]
  Rng rng;
  GradInputData(int M, int K, int N)
      : M(M), K(K), N(N), ldy(N + 5), lds(K + 3), lda(K + 7), ldx(K + 9),
        dy(randomVector((size_t)M * ldy)), wt(randomVector((size_t)K * N)),
        saved(randomVector((size_t)M * lds, -3, 3)), acc(randomVector((size_t)M * lda)) {
    for (int m = 0; m < M; ++m) {
      for (int n = N; n < ldy; ++n) dyAt(m, n) = kNaN;
      for (int k = K; k < lds; ++k) savedAt(m, k) = kNaN;
      for (int k = K; k < lda; ++k) accAt(m, k) = kNaN;
    }
  }
  float &dyAt(int m, int n) { return dy[(size_t)m * ldy + n]; }
  float &wtAt(int k, int n) { return wt[(size_t)k * N + n]; }
  float &savedAt(int m, int k) { return saved[(size_t)m * lds + k]; }
  float &accAt(int m, int k) { return acc[(size_t)m * lda + k]; }
  float dxAt(size_t i) const { return dx[(i / K) * ldx + dx0 + i % K]; }

  void computeProduct() {
    prod.assign((size_t)M * K, 0.0);
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < K; ++k) {
        const float *a = &dy[(size_t)m * ldy], *b = &wt[(size_t)k * N];
        double s = 0;
        for (int n = 0; n < N; ++n) s += (double)a[n] * b[n];
        prod[(size_t)m * K + k] = s;
      }
  }

  /// KernelAbi.def's epilogue in double on the product.
  std::vector<double> ref(const std::string &act, bool drop, bool accumulate) const {
    std::vector<double> out((size_t)M * K);
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < K; ++k) {
        double v = prod[(size_t)m * K + k];
        if (drop) v *= rng.factor((uint64_t)m * K + k);
        const double s = saved[(size_t)m * lds + k];
        if (act == "relu") v = reluGradRef(s, v);
        if (act == "gelu") v *= geluGradRef(s);
        if (accumulate) v = (double)acc[(size_t)m * lda + k] + v;
        out[(size_t)m * K + k] = v;
      }
    return out;
  }

  /// Runs `kernel` into dx (sentinels around the window). In place, dx's
  /// window first holds acc's values and is passed as acc too.
  int call(const Kernel<abi::linear_grad_input_fn> &kernel, bool inPlace) {
    dx.assign((size_t)M * ldx, kSentinel);
    if (inPlace)
      for (int m = 0; m < M; ++m)
        for (int k = 0; k < K; ++k) dx[(size_t)m * ldx + dx0 + k] = accAt(m, k);
    Buf dxb = view(dx.data() + dx0, {K, M}, {1, ldx});
    Buf accb = inPlace ? dxb : view(acc.data(), {K, M}, {1, lda});
    return kernel.fn(view(dy.data(), {N, M}, {1, ldy}), view(wt.data(), {N, K}, {1, N}),
                     view(saved.data(), {K, M}, {1, lds}), accb, rng.p, rng.seed, rng.stream,
                     rng.step, dxb);
  }

  /// The kernel against the reference, and in place where it accumulates.
  void run(const Kernel<abi::linear_grad_input_fn> &kernel, const std::string &note) {
    const std::string act = kernel.param("activation", "none");
    const bool drop = kernel.intParam("with_dropout"), accumulate = kernel.intParam("accumulate");
    const std::vector<double> want = ref(act, drop, accumulate);
    for (bool inPlace : {false, true}) {
      if (inPlace && !accumulate) continue;
      const std::string what = shape(kernel.name, M, K, N) + (inPlace ? " in place" : "") + note;
      expectStatus(what, call(kernel, inPlace));
      expectClose(what, want, [&](size_t i) { return dxAt(i); });
      if (!inPlace && note.empty())
        expectTrue(what + " window", untouched(dx, M, ldx, dx0, K),
                   "the columns around dx untouched");
    }
  }
};

/// NaN and +-Inf in dy (a row of the product NaN or +-Inf), wt (a column),
/// saved and acc (special values at scattered elements).
void pokeGradInputNonFinite(GradInputData &d) {
  const int M = d.M, K = d.K, N = d.N;
  d.dyAt(0, N / 2) = kNaN;
  d.wtAt(K - 1, N / 3) = kNaN;
  if (M > 2) {
    d.dyAt(M - 1, 0) = kInf;
    d.dyAt(M / 2, N - 1) = -kInf;
  }
  if (K > 2) d.wtAt(K / 2, 0) = kInf;
  const float special[] = {kNaN, kNegNaN, kInf, -kInf, 0.0f, -0.0f, 1e30f, -1e30f, 2.0f, -2.0f};
  for (int i = 0; i < 10; ++i) {
    const int m = (i * 7 + 1) % M, k = (i * 5 + 2) % K;
    d.savedAt(m, k) = special[i];
    d.accAt((m + 1) % M, k) = special[(i + 3) % 10];
  }
}

/// The mask of the dropout instances, exactly: with wt the identity (N = K),
/// the product is dy itself, so dx[m, k] is 0 exactly where element m K + k
/// is dropped, dy[m, k] / (1 - p) elsewhere.
void checkGradInputMask(const Kernel<abi::linear_grad_input_fn> &kernel, int M, int K) {
  GradInputData d(M, K, K);
  for (int k = 0; k < K; ++k)
    for (int n = 0; n < K; ++n) d.wtAt(k, n) = k == n ? 1.0f : 0.0f;
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k) d.dyAt(m, k) = 1.0f + std::fabs(d.dyAt(m, k));
  expectStatus(kernel.name, d.call(kernel, false));
  size_t wrong = 0, dropped = 0;
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k) {
      const bool keep = d.rng.keep((uint64_t)m * K + k);
      dropped += !keep;
      wrong += (d.dxAt((size_t)m * K + k) == 0.0f) == keep;
    }
  char detail[96];
  std::snprintf(detail, sizeof detail, "%zu wrong of %d, drop rate %.4f (p %.2f)", wrong, M * K,
                (double)dropped / (M * K), d.rng.p);
  expectTrue(shape(kernel.name, M, K, K) + " mask = philox::keep", wrong == 0, detail);
}

void checkGradInputKernels(const std::vector<Kernel<abi::linear_grad_input_fn>> &kernels) {
  // {M, K, N}: below one vector and one register tile, odd sizes, the n
  // blocks (N >= n_block_min_n, the last one ragged), M = 1024.
  const int shapes[][3] = {{1, 24, 40},   {7, 40, 24},     {37, 24, 40},  {37, 200, 33},
                           {5, 130, 512}, {37, 512, 2048}, {37, 70, 1030}, {7, 33, 2100},
                           {1024, 40, 24}, {1024, 96, 520}, {100, 2048, 64}, {3, 1, 1}};
  for (auto &s : shapes) {
    GradInputData d(s[0], s[1], s[2]);
    d.computeProduct();
    for (auto &k : kernels) d.run(k, "");
  }
  const int nonFinite[][3] = {{37, 24, 40}, {37, 200, 33}, {7, 70, 1030}};
  for (auto &s : nonFinite) {
    GradInputData d(s[0], s[1], s[2]);
    pokeGradInputNonFinite(d);
    d.computeProduct();
    for (auto &k : kernels) d.run(k, " non-finite");
  }
  // The activations' backward on special saved values and products (N = 1,
  // wt = +-1: the product is +-dy[m], which is NaN, -Inf or 1.5).
  {
    const float special[] = {kNaN,   kNegNaN, kInf, -kInf, 0.0f,   -0.0f,
                             1e30f, -1e30f,  3.5f, -3.5f, 1e-30f, 30.0f};
    const int M = 12, K = 70;
    GradInputData d(M, K, 1);
    for (int m = 0; m < M; ++m) {
      d.dyAt(m, 0) = m % 3 == 0 ? kNaN : (m % 3 == 1 ? 1.5f : -kInf);
      for (int k = 0; k < K; ++k) d.savedAt(m, k) = special[(m + k) % 12];
    }
    for (int k = 0; k < K; ++k) d.wtAt(k, 0) = k % 2 ? 1.0f : -1.0f;
    d.computeProduct();
    for (auto &k : kernels) d.run(k, " special saved, dy");
  }
  for (auto &k : kernels)
    if (k.intParam("with_dropout") && !k.intParam("accumulate") &&
        k.param("activation", "none") == "none") {
      checkGradInputMask(k, 37, 37);
      checkGradInputMask(k, 200, 64);
    }
  // Determinism over thread counts, one n block and several.
  for (auto &k : kernels)
    for (auto s : {std::array<int, 3>{300, 256, 512}, std::array<int, 3>{97, 130, 1300}}) {
      GradInputData d(s[0], s[1], s[2]);
      expectSameBitsAcrossThreads(shape(k.name, s[0], s[1], s[2]), [&] { d.call(k, false); }, {&d.dx});
    }
}

/*--- linear_grad_weight ------------------------------------------------------*/

/// Operands of linear_grad_weight: x [M, K] with row stride K + 3, dy [M, N]
/// with row stride N + 5 (NaN in the padding), dwt the column window [2, 2 +
/// N) of a [K, N + 7] buffer, dbias [3, 3 + N) of a vector of N + 5.
struct GradWeightData {
  int M, K, N, ldx, ldy, ldw, w0 = 2, b0 = 3;
  std::vector<float> x, dy, dwt, dbias;
  GradWeightData(int M, int K, int N)
      : M(M), K(K), N(N), ldx(K + 3), ldy(N + 5), ldw(N + 7), x(randomVector((size_t)M * ldx)),
        dy(randomVector((size_t)M * ldy)) {
    for (int m = 0; m < M; ++m) {
      for (int k = K; k < ldx; ++k) xAt(m, k) = kNaN;
      for (int n = N; n < ldy; ++n) dyAt(m, n) = kNaN;
    }
  }
  float &xAt(int m, int k) { return x[(size_t)m * ldx + k]; }
  float &dyAt(int m, int n) { return dy[(size_t)m * ldy + n]; }

  int call(const Kernel<abi::linear_grad_weight_fn> &kernel) {
    dwt.assign((size_t)K * ldw, kSentinel);
    dbias.assign((size_t)N + 5, kSentinel);
    return kernel.fn(view(x.data(), {K, M}, {1, ldx}), view(dy.data(), {N, M}, {1, ldy}),
                     view(dwt.data() + w0, {N, K}, {1, ldw}), view(dbias.data() + b0, {N}, {1}));
  }

  void run(const Kernel<abi::linear_grad_weight_fn> &kernel, const std::string &note) {
    std::vector<double> wantW((size_t)K * N, 0.0), wantB(N, 0.0);
    for (int m = 0; m < M; ++m) {
      const float *xr = &x[(size_t)m * ldx], *dr = &dy[(size_t)m * ldy];
      for (int k = 0; k < K; ++k) {
        const double a = xr[k];
        double *w = &wantW[(size_t)k * N];
        for (int n = 0; n < N; ++n) w[n] += a * dr[n];
      }
      for (int n = 0; n < N; ++n) wantB[n] += dr[n];
    }
    const std::string what = shape(kernel.name, M, K, N) + note;
    expectStatus(what, call(kernel));
    expectClose(what + " dwt", wantW, [&](size_t i) { return dwt[(i / N) * ldw + w0 + i % N]; });
    expectClose(what + " dbias", wantB, [&](size_t i) { return dbias[b0 + i]; });
    if (note.empty())
      expectTrue(what + " windows", untouched(dwt, K, ldw, w0, N) && untouched(dbias, 1, N + 5, b0, N),
                 "the columns around dwt and dbias untouched");
  }
};

void checkGradWeightKernels(const std::vector<Kernel<abi::linear_grad_weight_fn>> &kernels) {
  // {M, K, N}: narrow (N < 64 on AVX-512: 2- and 1-vector tiles, one-vector
  // rows below their 12 rows (K = 11), scalar below one vector), odd, one row, the blocked
  // branch (M >= 1024, K >= the register tile's rows, N >= 128; M = 1100 and
  // 1601 end with a short block; K = 7, 96, 200 and 390 end with a short row
  // task, 7 and 200 with a register tile past K), the vocabulary
  // projection's width.
  const int shapes[][3] = {{1, 24, 40},     {7, 40, 24},     {37, 24, 40},    {37, 200, 33},
                           {640, 32, 32},   {640, 11, 20},   {64, 13, 17},
                           {1, 512, 512},   {300, 130, 200}, {1024, 96, 130}, {1024, 200, 520},
                           {2048, 100, 300}, {64, 40, 8000},  {3, 1, 1},      {1000, 7, 5},
                           {1100, 96, 130}, {1601, 120, 260}, {1030, 7, 128}, {1024, 390, 136}};
  for (auto &s : shapes) {
    GradWeightData d(s[0], s[1], s[2]);
    for (auto &k : kernels) d.run(k, "");
  }
  // NaN in x[m0, k0] makes row k0 of dwt NaN, in dy[m1, n1] column n1 and
  // dbias[n1]; +-Inf likewise +-Inf, or NaN where signs meet or a 0 is met.
  for (auto s : {std::array<int, 3>{37, 200, 33}, std::array<int, 3>{1024, 96, 130},
                 std::array<int, 3>{1100, 96, 130}}) {
    GradWeightData d(s[0], s[1], s[2]);
    const int M = s[0], K = s[1], N = s[2];
    d.xAt(1, K / 2) = kNaN;
    d.dyAt(M - 1, N / 3) = kNaN;
    d.xAt(M / 2, 0) = kInf;
    d.dyAt(2, N - 1) = -kInf;
    d.dyAt(3, N - 1) = kInf;  // Inf + -Inf in dbias[N - 1]
    d.xAt(5, K - 1) = 0.0f;
    d.dyAt(5, 1) = kInf;  // 0 * Inf at (K - 1, 1)
    for (auto &k : kernels) d.run(k, " non-finite");
  }
  for (auto &k : kernels)
    for (auto s : {std::array<int, 3>{300, 130, 200}, std::array<int, 3>{1024, 200, 520}}) {
      GradWeightData d(s[0], s[1], s[2]);
      expectSameBitsAcrossThreads(shape(k.name, s[0], s[1], s[2]), [&] { d.call(k); }, {&d.dwt, &d.dbias});
    }
}

/*--- dropout -----------------------------------------------------------------*/

/// Operands of dropout: x [M, N] with row stride N + 3 (NaN in the padding),
/// y the column window [2, 2 + N) of an [M, N + 6] buffer.
struct DropoutData {
  int M, N, ldx, ldy, y0 = 2;
  std::vector<float> x, y;
  Rng rng;
  DropoutData(int M, int N, float lo = -3, float hi = 3)
      : M(M), N(N), ldx(N + 3), ldy(N + 6), x(randomVector((size_t)M * ldx, lo, hi)) {
    for (int m = 0; m < M; ++m)
      for (int n = N; n < ldx; ++n) xAt(m, n) = kNaN;
  }
  float &xAt(int m, int n) { return x[(size_t)m * ldx + n]; }
  float yAt(size_t i) const { return y[(i / N) * ldy + y0 + i % N]; }

  int call(const Kernel<abi::dropout_fn> &kernel) {
    y.assign((size_t)M * ldy, kSentinel);
    return kernel.fn(view(x.data(), {N, M}, {1, ldx}), rng.p, rng.seed, rng.stream, rng.step,
                     view(y.data() + y0, {N, M}, {1, ldy}));
  }

  std::vector<double> ref(const Kernel<abi::dropout_fn> &kernel) const {
    const std::string act = kernel.param("activation", "none");
    const bool drop = kernel.param("with_dropout", "1") == "1";
    std::vector<double> out((size_t)M * N);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        double v = x[(size_t)m * ldx + n];
        if (act == "relu") v = reluRef(v);
        if (act == "gelu") v = geluRef(v);
        if (drop) v *= rng.factor((uint64_t)m * N + n);
        out[(size_t)m * N + n] = v;
      }
    return out;
  }

  void run(const Kernel<abi::dropout_fn> &kernel, const std::string &note) {
    const std::string what = kernel.name + dims({{"M", M}, {"N", N}}) + note;
    const std::vector<double> want = ref(kernel);
    expectStatus(what, call(kernel));
    expectClose(what, want, [&](size_t i) { return yAt(i); });
    if (note.empty())
      expectTrue(what + " window", untouched(y, M, ldy, y0, N), "the columns around y untouched");
    // In place: y over x (x's strides).
    std::vector<float> saved = x;
    Buf xb = view(x.data(), {N, M}, {1, ldx});
    expectStatus(what + " in place", kernel.fn(xb, rng.p, rng.seed, rng.stream, rng.step, xb));
    expectClose(what + " in place", want, [&](size_t i) { return x[(i / N) * ldx + i % N]; });
    x = saved;
  }
};

/// Which elements a dropout instance without activation drops, from its
/// output on x = 1 .. 2 (never 0): y == 0 exactly where dropped.
std::vector<bool> droppedBy(const Kernel<abi::dropout_fn> &kernel, DropoutData &d) {
  expectStatus(kernel.name, d.call(kernel));
  std::vector<bool> dropped((size_t)d.M * d.N);
  for (size_t i = 0; i < dropped.size(); ++i) dropped[i] = d.yAt(i) == 0.0f;
  return dropped;
}

size_t differences(const std::vector<bool> &a, const std::vector<bool> &b) {
  size_t count = 0;
  for (size_t i = 0; i < a.size(); ++i) count += a[i] != b[i];
  return count;
}

/// The mask of a dropout instance (activation none): element by element
/// against philox::keep at several p, the drop rate, the same for the same
/// scalars, other masks for another stream, step or seed.
void checkDropoutMask(const Kernel<abi::dropout_fn> &kernel) {
  const int M = 300, N = 511;  // N odd: rows start anywhere in a Philox block
  DropoutData d(M, N, 1, 2);
  for (float p : {0.0f, 0.1f, 0.3f, 0.5f, 0.9f}) {
    d.rng.p = p;
    const std::vector<bool> dropped = droppedBy(kernel, d);
    size_t wrong = 0, count = 0;
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        const size_t i = (size_t)m * N + n;
        wrong += dropped[i] == d.rng.keep(i);
        count += dropped[i];
      }
    const double rate = (double)count / (M * N);
    char detail[96];
    std::snprintf(detail, sizeof detail, "%zu wrong of %d, drop rate %.4f", wrong, M * N, rate);
    expectTrue(kernel.name + std::string(" mask = philox::keep, p=") + std::to_string(p),
               wrong == 0 && std::fabs(rate - p) < 0.01, detail);
  }
  d.rng.p = 0.3f;
  const std::vector<bool> base = droppedBy(kernel, d);
  char detail[96];
  const size_t again = differences(base, droppedBy(kernel, d));
  std::snprintf(detail, sizeof detail, "%zu differences", again);
  expectTrue(kernel.name + std::string(" same seed, stream, step: same mask"), again == 0, detail);
  // Independent masks differ in about 2 p (1 - p) = 42% of the elements.
  struct Change {
    const char *what;
    std::function<void(Rng &)> apply;
  } changes[] = {{"another stream", [](Rng &r) { r.stream += 1; }},
                 {"another step", [](Rng &r) { r.step += 1; }},
                 {"another seed", [](Rng &r) { r.seed ^= 1ull << 40; }}};
  for (auto &c : changes) {
    Rng saved = d.rng;
    c.apply(d.rng);
    const size_t diff = differences(base, droppedBy(kernel, d));
    d.rng = saved;
    const double share = (double)diff / (M * N);
    std::snprintf(detail, sizeof detail, "%.3f of the elements differ (expect ~0.42)", share);
    expectTrue(kernel.name + std::string(" ") + c.what + ": another mask",
               share > 0.38 && share < 0.46, detail);
  }
}

void checkDropoutKernels(const std::vector<Kernel<abi::dropout_fn>> &kernels) {
  const int shapes[][2] = {{1, 1}, {7, 5}, {37, 24}, {37, 40}, {3, 1000}, {300, 512}, {2, 4099}};
  for (auto &s : shapes) {
    DropoutData d(s[0], s[1]);
    for (auto &k : kernels) d.run(k, "");
  }
  // NaN, -NaN, +-Inf, +-0, +-1e30, dropped or kept (a dropped NaN or Inf is
  // NaN), and NaN in the padding.
  {
    const float special[] = {kNaN, kNegNaN, kInf, -kInf, 0.0f, -0.0f, 1e30f, -1e30f, 3.5f, -3.5f};
    DropoutData d(37, 41);
    for (int m = 0; m < d.M; ++m)
      for (int n = 0; n < d.N; n += 3) d.xAt(m, n) = special[(m + n) % 10];
    for (auto &k : kernels) d.run(k, " non-finite");
  }
  for (auto &k : kernels) {
    if (k.param("activation", "none") == "none" && k.param("with_dropout", "1") == "1")
      checkDropoutMask(k);
    DropoutData d(300, 1000);
    expectSameBitsAcrossThreads(k.name + std::string(" M=300 N=1000"), [&] { d.call(k); }, {&d.y});
  }
}

/// The dropout kernel and linear_grad_input's dropout epilogue drop the same
/// elements of an [M, K] tensor for the same scalars (forward and backward
/// agree).
void checkMasksAgree(const CheckSet &set) {
  const Kernel<abi::dropout_fn> *drop = nullptr;
  for (auto &k : set.dropout)
    if (k.param("activation", "none") == "none" && k.param("with_dropout", "1") == "1" &&
        std::string(k.isa) == abi::kIsas[0].name)
      drop = &k;
  const Kernel<abi::linear_grad_input_fn> *grad = nullptr;
  for (auto &k : set.linear_grad_input)
    if (k.intParam("with_dropout") && !k.intParam("accumulate") &&
        k.param("activation", "none") == "none" && std::string(k.isa) == abi::kIsas[0].name)
      grad = &k;
  if (!drop || !grad) return;
  const int M = 53, K = 77;
  DropoutData d(M, K, 1, 2);
  const std::vector<bool> forward = droppedBy(*drop, d);
  GradInputData g(M, K, K);
  for (int k = 0; k < K; ++k)
    for (int n = 0; n < K; ++n) g.wtAt(k, n) = k == n ? 1.0f : 0.0f;
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k) g.dyAt(m, k) = 1.0f;
  expectStatus(grad->name, g.call(*grad, false));
  std::vector<bool> backward((size_t)M * K);
  for (size_t i = 0; i < backward.size(); ++i) backward[i] = g.dxAt(i) == 0.0f;
  const size_t diff = differences(forward, backward);
  expectTrue(std::string(drop->name) + " and " + grad->name + " drop the same elements", diff == 0,
             std::to_string(diff) + " differences");
}

}  // namespace

void checkLinearTrainingKernels(const CheckSet &set) {
  checkGradInputKernels(set.linear_grad_input);
  checkGradWeightKernels(set.linear_grad_weight);
  checkDropoutKernels(set.dropout);
  checkMasksAgree(set);
}

}  // namespace loom::check
