// loom-kernel-check: every kernel of CheckKernels.def for every ISA, linked the
// way Loom links them (kernel objects + one runtime object), against naive
// loops in double on random data with odd sizes and strided views. What an
// instance computes (activation, mask, static sizes) is read from its row's
// params. Each function's arguments are checked against KernelAbi.def: their
// types at compile time (CheckSet.h), their names, kinds and ranks at run time
// (Halide's metadata). One line per check, `ok` or `FAIL`, then
// "N checks, M failed"; exit status 0 = all passed.
#include "CheckSet.h"
#include "StridedView.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

using loom::check::Kernel;
namespace abi = loom::abi;

namespace {

std::mt19937 rng(1234);
int failures = 0, checks = 0;

std::vector<float> randomVector(size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v) x = dist(rng);
  return v;
}

std::string dims(std::initializer_list<std::pair<const char *, int>> named) {
  std::string s;
  for (auto &[name, value] : named) s += std::string(" ") + name + "=" + std::to_string(value);
  return s;
}

void expectClose(const std::string &what, const std::vector<double> &ref,
                 const std::function<double(size_t)> &got) {
  ++checks;
  double worst = 0;
  size_t worstAt = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double g = got(i), err = std::fabs(g - ref[i]) / std::max(1.0, std::fabs(ref[i]));
    if (!(err <= worst)) { worst = err; worstAt = i; }  // also catches NaN
  }
  bool ok = worst <= 1e-4;
  if (!ok) ++failures;
  std::printf("%-4s %-62s max err %.2e%s\n", ok ? "ok" : "FAIL", what.c_str(), worst,
              ok ? "" : (" at " + std::to_string(worstAt)).c_str());
}

void expectStatus(const std::string &what, int status) {
  if (status != 0) {
    ++failures;
    std::printf("FAIL %s returned %d\n", what.c_str(), status);
  }
}

/// An argument as KernelAbi.def declares it.
struct AbiArgument {
  const char *name;
  int kind;  // halide_argument_kind_t
  int dimensions;
  halide_type_t type;
};
#define LOOM_CHECK_KIND_in halide_argument_kind_input_buffer
#define LOOM_CHECK_KIND_out halide_argument_kind_output_buffer
#define LOOM_CHECK_BUFFER(name, type, rank, dir)                                                   \
  {#name, LOOM_CHECK_KIND_##dir, rank, halide_type_of<type>()},
#define LOOM_CHECK_SCALAR(name, type)                                                              \
  {#name, halide_argument_kind_input_scalar, 0, halide_type_of<type>()},

/// "input x: f32 x 2" and the like.
std::string describe(const char *name, int kind, int dimensions, halide_type_t type) {
  const char *kinds[] = {"scalar", "input", "output"}, *codes[] = {"i", "u", "f", "h", "bf"};
  return std::string(kinds[kind]) + " " + name + ": " + codes[type.code] +
         std::to_string(type.bits) + " x " + std::to_string(dimensions);
}

/// The generated function's arguments, as Halide's metadata describes them,
/// are KernelAbi.def's in order: names, kinds, ranks and element types (a
/// swap of two same-typed buffers passes the static_assert, not this).
template <typename Fn>
void checkAbi(const Kernel<Fn> &kernel, const std::vector<AbiArgument> &abi) {
  ++checks;
  const halide_filter_metadata_t *md = kernel.metadata();
  std::string names, problem;
  if (md->num_arguments != (int)abi.size())
    problem = std::to_string(md->num_arguments) + " arguments, KernelAbi.def " +
              std::to_string(abi.size());
  for (int i = 0; problem.empty() && i < md->num_arguments; ++i) {
    const halide_filter_argument_t &got = md->arguments[i];
    const AbiArgument &want = abi[i];
    names += (i ? ", " : "") + std::string(got.name);
    const std::string gotText = describe(got.name, got.kind, got.dimensions, got.type),
                      wantText = describe(want.name, want.kind, want.dimensions, want.type);
    if (gotText != wantText)
      problem = "argument " + std::to_string(i) + " is " + gotText + ", KernelAbi.def: " + wantText;
  }
  if (!problem.empty()) ++failures;
  std::printf("%-4s %-62s %s\n", problem.empty() ? "ok" : "FAIL",
              (std::string("abi ") + kernel.name).c_str(),
              problem.empty() ? names.c_str() : problem.c_str());
}

double geluRef(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

void checkLinear(const Kernel<abi::linear_fn> &kernel, int M, int K, int N) {
  const std::string act = kernel.param("activation", "none");
  int ldx = K + 3;  // strided rows
  auto x = randomVector((size_t)M * ldx), wt = randomVector((size_t)K * N), b = randomVector(N);
  std::vector<float> y((size_t)M * N, NAN);
  auto xb = view(x.data(), {K, M}, {1, ldx});
  auto wb = view(wt.data(), {N, K}, {1, N});
  auto bb = view(b.data(), {N}, {1});
  auto yb = view(y.data(), {N, M}, {1, N});
  std::string what = kernel.name + dims({{"M", M}, {"K", K}, {"N", N}});
  expectStatus(what, kernel.fn(xb, wb, bb, yb));
  std::vector<double> ref((size_t)M * N);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double acc = b[n];
      for (int k = 0; k < K; ++k) acc += (double)x[(size_t)m * ldx + k] * wt[(size_t)k * N + n];
      if (act == "relu") acc = std::max(acc, 0.0);
      if (act == "gelu") acc = geluRef(acc);
      ref[(size_t)m * N + n] = acc;
    }
  expectClose(what, ref, [&](size_t i) { return y[i]; });
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
    return;
  }
  // {M, K, N}. The last three take the k-blocked path (K >= 1024, K % 256 ==
  // 0, M >= 96, N >= 128), with uneven M and N tails.
  const int shapes[][3] = {{1, 24, 40},     {37, 24, 40},    {37, 24, 64},     {5, 24, 130},
                           {1, 512, 512},   {37, 33, 200},   {64, 512, 256},   {100, 7, 1000},
                           {200, 2048, 130}, {100, 1024, 512}, {97, 1280, 192}};
  for (auto &s : shapes) checkLinear(kernel, s[0], s[1], s[2]);
  if (kernel.param("activation", "none") == "gelu") checkErf(kernel);
}

struct AttentionShape {
  int B, H, Dh, Sq, Sk;
  std::vector<int> lengths;
};

/// The reference: softmax(mask(q k^T * scale)) v in double; a query that sees
/// no key gets 0.
std::vector<double> attentionRef(const AttentionShape &s, bool causal, bool padding,
                                 const float *qp, const float *kp, const float *vp, int qStride,
                                 int kStride, float scale) {
  const int D = s.H * s.Dh;
  std::vector<double> ref((size_t)s.B * s.Sq * D);
  for (int b = 0; b < s.B; ++b)
    for (int h = 0; h < s.H; ++h)
      for (int i = 0; i < s.Sq; ++i) {
        std::vector<double> p(s.Sk);
        double mx = -INFINITY;
        for (int j = 0; j < s.Sk; ++j) {
          bool visible = (!causal || j <= i) && (!padding || j < s.lengths[b]);
          double acc = 0;
          for (int e = 0; e < s.Dh; ++e)
            acc += (double)qp[((size_t)b * s.Sq + i) * qStride + h * s.Dh + e] *
                   kp[((size_t)b * s.Sk + j) * kStride + h * s.Dh + e];
          p[j] = visible ? acc * scale : -INFINITY;
          mx = std::max(mx, p[j]);
        }
        double sum = 0;
        for (int j = 0; j < s.Sk; ++j) sum += p[j] = std::isinf(p[j]) ? 0 : std::exp(p[j] - mx);
        for (int e = 0; e < s.Dh; ++e) {
          double acc = 0;
          for (int j = 0; j < s.Sk; ++j)
            acc += p[j] * vp[((size_t)b * s.Sk + j) * kStride + h * s.Dh + e];
          ref[((size_t)b * s.Sq + i) * D + h * s.Dh + e] = sum > 0 ? acc / sum : 0;
        }
      }
  return ref;
}

/// q, k, v, o as strided views: self-attention slices a packed qkv [B, S, 3D]
/// (Sq == Sk); otherwise q from [B, Sq, D], k/v from a packed kv [B, Sk, 2D].
void checkAttention(const Kernel<abi::attention_fn> &kernel, const AttentionShape &s) {
  const std::string mask = kernel.param("mask", "none");
  const bool causal = mask.find("causal") != std::string::npos;
  const bool padding = mask.find("key_padding") != std::string::npos;
  const int D = s.H * s.Dh;
  const bool self = s.Sq == s.Sk;
  std::vector<float> qs = randomVector((size_t)s.B * s.Sq * (self ? 3 : 1) * D, -2, 2), kvs;
  if (!self) kvs = randomVector((size_t)s.B * s.Sk * 2 * D, -2, 2);
  float *qp = qs.data(), *kp = self ? qp + D : kvs.data(), *vp = kp + D;
  const int qStride = self ? 3 * D : D, kStride = self ? 3 * D : 2 * D;
  std::vector<float> o((size_t)s.B * s.Sq * D, NAN);
  std::vector<int> lengths = s.lengths;
  auto qb = view(qp, {s.Dh, s.Sq, s.H, s.B}, {1, qStride, s.Dh, qStride * s.Sq});
  auto kb = view(kp, {s.Dh, s.Sk, s.H, s.B}, {1, kStride, s.Dh, kStride * s.Sk});
  auto vb = view(vp, {s.Dh, s.Sk, s.H, s.B}, {1, kStride, s.Dh, kStride * s.Sk});
  auto lb = view(lengths.data(), {s.B}, {1});
  auto ob = view(o.data(), {s.Dh, s.Sq, s.H, s.B}, {1, D, s.Dh, D * s.Sq});
  const float scale = 1.0f / std::sqrt((float)s.Dh);
  std::string what = kernel.name +
                     dims({{"B", s.B}, {"H", s.H}, {"Dh", s.Dh}, {"Sq", s.Sq}, {"Sk", s.Sk}});
  expectStatus(what, kernel.fn(qb, kb, vb, lb, scale, ob));
  expectClose(what, attentionRef(s, causal, padding, qp, kp, vp, qStride, kStride, scale),
              [&](size_t i) { return o[i]; });
}

void checkAttentionKernel(const Kernel<abi::attention_fn> &kernel) {
  struct { int B, H, Sq, Sk; std::vector<int> lengths; } shapes[] = {
      {1, 1, 1, 1, {1}}, {2, 2, 13, 13, {5, 13}}, {2, 3, 70, 70, {70, 33}},
      {2, 1, 5, 130, {130, 65}}, {1, 2, 150, 150, {150}}};
  const int headDim = kernel.intParam("head_dim");
  const std::vector<int> widths =
      headDim > 0 ? std::vector<int>{headDim} : std::vector<int>{8, 64, 24};
  for (auto &s : shapes)
    for (int Dh : widths) checkAttention(kernel, {s.B, s.H, Dh, s.Sq, s.Sk, s.lengths});
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
};

const int kNormWidths[] = {8, 24, 64, 40, 512};

template <typename Fn, typename Call>
void forNormShapes(const Kernel<Fn> &kernel, Call call) {
  for (int D : kNormWidths)
    for (int M : {37, 1}) {
      NormData n(M, D);
      call(n, n.what(kernel.name));
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
void checkEmbed(const Kernel<abi::embed_fn> &kernel, std::vector<int> tokens, int B, int S, int V,
                int D, int maxLen, float scale, const std::string &note) {
  auto table = randomVector((size_t)V * D), pe = randomVector((size_t)maxLen * D);
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
}

void checkArgmax(const Kernel<abi::argmax_rows_fn> &kernel, int M, int V) {
  int ld = V + 1;
  auto logits = randomVector((size_t)M * ld);
  // Ties: some rows repeat their maximum at a later (or earlier) index.
  for (int m = 0; m < M; m += 3) {
    float *row = &logits[(size_t)m * ld];
    int a = (m * 7) % V, b = (m * 13 + 5) % V;
    row[a] = row[b] = 2.0f;
  }
  if (M > 1) std::fill(&logits[(size_t)1 * ld], &logits[(size_t)1 * ld] + V, -INFINITY);
  std::vector<int> idx(M, -7);
  auto lb = view(logits.data(), {V, M}, {1, ld});
  auto ib = view(idx.data(), {M}, {1});
  std::string what = kernel.name + dims({{"M", M}, {"V", V}});
  expectStatus(what, kernel.fn(lb, ib));
  std::vector<double> ref(M);
  for (int m = 0; m < M; ++m) {
    const float *row = &logits[(size_t)m * ld];
    ref[m] = std::max_element(row, row + V) - row;  // first maximum
  }
  expectClose(what, ref, [&](size_t i) { return idx[i]; });
}

void checkArgmaxKernel(const Kernel<abi::argmax_rows_fn> &kernel) {
  for (int V : {1, 5, 40, 64, 1000}) checkArgmax(kernel, 37, V);
  checkArgmax(kernel, 1, 17);
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

void checkAddKernel(const Kernel<abi::add_fn> &kernel) {
  const int shapes[][2] = {{1, 1}, {37, 5}, {37, 24}, {1, 512}, {100, 1000}};  // M N
  for (auto &s : shapes) {
    checkAdd(kernel, s[0], s[1]);
    checkAddInPlace(kernel, s[0], s[1]);
  }
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
  std::printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
