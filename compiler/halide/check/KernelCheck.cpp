// loom-kernel-check: every generated kernel (AVX-512 and AVX2 builds), linked the
// way Loom links them (kernel .o + one runtime .o), against naive loops in double
// on random data with odd sizes and strided views. Exit status 0 = all passed.
#include <HalideBuffer.h>

#include "StridedView.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "add_norm_avx2.h"
#include "add_norm_avx512.h"
#include "add_norm_sum_avx2.h"
#include "add_norm_sum_avx512.h"
#include "argmax_rows_avx2.h"
#include "argmax_rows_avx512.h"
#include "attention_causal_avx2.h"
#include "attention_causal_avx512.h"
#include "attention_causal_d64_avx2.h"
#include "attention_causal_d64_avx512.h"
#include "attention_causal_key_padding_avx2.h"
#include "attention_causal_key_padding_avx512.h"
#include "attention_causal_key_padding_d64_avx2.h"
#include "attention_causal_key_padding_d64_avx512.h"
#include "attention_key_padding_avx2.h"
#include "attention_key_padding_avx512.h"
#include "attention_key_padding_d64_avx2.h"
#include "attention_key_padding_d64_avx512.h"
#include "attention_none_avx2.h"
#include "attention_none_avx512.h"
#include "attention_none_d64_avx2.h"
#include "attention_none_d64_avx512.h"
#include "embed_avx2.h"
#include "embed_avx512.h"
#include "layer_norm_avx2.h"
#include "layer_norm_avx512.h"
#include "linear_gelu_avx2.h"
#include "linear_gelu_avx512.h"
#include "linear_none_avx2.h"
#include "linear_none_avx512.h"
#include "linear_relu_avx2.h"
#include "linear_relu_avx512.h"

using Halide::Runtime::Buffer;
using Fn4 = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, halide_buffer_t *);
using AttnFn = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                       float, halide_buffer_t *);
using NormFn = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, float,
                       halide_buffer_t *);
using AddNormFn = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                          halide_buffer_t *, float, halide_buffer_t *);
using AddNormSumFn = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                             halide_buffer_t *, float, halide_buffer_t *, halide_buffer_t *);
using ArgmaxFn = int (*)(halide_buffer_t *, halide_buffer_t *);

namespace {

std::mt19937 rng(1234);
int failures = 0, checks = 0;

std::vector<float> randomVector(size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v) x = dist(rng);
  return v;
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
  std::printf("%-4s %-58s max err %.2e%s\n", ok ? "ok" : "FAIL", what.c_str(), worst,
              ok ? "" : (" at " + std::to_string(worstAt)).c_str());
}

void expectStatus(const std::string &what, int status) {
  if (status != 0) {
    ++failures;
    std::printf("FAIL %s returned %d\n", what.c_str(), status);
  }
}

double geluRef(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

void checkLinear(const char *isa, const char *act, Fn4 fn, int M, int K, int N) {
  int ldx = K + 3;  // strided rows
  auto x = randomVector((size_t)M * ldx), wt = randomVector((size_t)K * N), b = randomVector(N);
  std::vector<float> y((size_t)M * N, NAN);
  auto xb = view(x.data(), {K, M}, {1, ldx});
  auto wb = view(wt.data(), {N, K}, {1, N});
  auto bb = view(b.data(), {N}, {1});
  auto yb = view(y.data(), {N, M}, {1, N});
  std::string what = std::string("linear ") + act + " " + isa + " M=" + std::to_string(M) +
                     " K=" + std::to_string(K) + " N=" + std::to_string(N);
  expectStatus(what, fn(xb, wb, bb, yb));
  std::vector<double> ref((size_t)M * N);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double acc = b[n];
      for (int k = 0; k < K; ++k) acc += (double)x[(size_t)m * ldx + k] * wt[(size_t)k * N + n];
      if (std::string(act) == "relu") acc = std::max(acc, 0.0);
      if (std::string(act) == "gelu") acc = geluRef(acc);
      ref[(size_t)m * N + n] = acc;
    }
  expectClose(what, ref, [&](size_t i) { return y[i]; });
}

/// GELU through the linear kernel (K = 1, Wt = 1, b = 0) on a dense grid; reports
/// the implied erf error |err| / (0.5 |x|).
void checkErf(const char *isa, Fn4 fn) {
  const int M = 24001;
  std::vector<float> x(M), wt{1.0f}, b{0.0f}, y(M);
  for (int i = 0; i < M; ++i) x[i] = -6.0f + 12.0f * i / (M - 1);
  auto xb = view(x.data(), {1, M}, {1, 1});
  auto wb = view(wt.data(), {1, 1}, {1, 1});
  auto bb = view(b.data(), {1}, {1});
  auto yb = view(y.data(), {1, M}, {1, 1});
  expectStatus("gelu grid", fn(xb, wb, bb, yb));
  double worstErf = 0, worstGelu = 0;
  for (int i = 0; i < M; ++i) {
    double ref = geluRef(x[i]), err = std::fabs(y[i] - ref);
    worstGelu = std::max(worstGelu, err);
    if (std::fabs(x[i]) > 1e-3) worstErf = std::max(worstErf, err / (0.5 * std::fabs(x[i])));
  }
  ++checks;
  bool ok = worstGelu <= 1e-6;
  if (!ok) ++failures;
  std::printf("%-4s %-58s max abs err gelu %.2e, erf %.2e\n", ok ? "ok" : "FAIL",
              (std::string("gelu/erf accuracy on [-6, 6] ") + isa).c_str(), worstGelu, worstErf);
}

/// q, k, v, o as strided views: self-attention slices a packed qkv [B, S, 3D]
/// (Sq == Sk); otherwise q from [B, Sq, D], k/v from a packed kv [B, Sk, 2D].
void checkAttention(const std::string &name, AttnFn fn, bool causal, bool padding, int B, int H,
                    int Dh, int Sq, int Sk, std::vector<int> lengths) {
  int D = H * Dh;
  bool self = Sq == Sk;
  std::vector<float> qs, kvs;
  float *qp, *kp, *vp;
  int qStride, kStride;
  if (self) {
    qs = randomVector((size_t)B * Sq * 3 * D, -2, 2);
    qp = qs.data(); kp = qp + D; vp = qp + 2 * D; qStride = kStride = 3 * D;
  } else {
    qs = randomVector((size_t)B * Sq * D, -2, 2);
    kvs = randomVector((size_t)B * Sk * 2 * D, -2, 2);
    qp = qs.data(); kp = kvs.data(); vp = kp + D; qStride = D; kStride = 2 * D;
  }
  std::vector<float> o((size_t)B * Sq * D, NAN);
  auto qb = view(qp, {Dh, Sq, H, B}, {1, qStride, Dh, qStride * Sq});
  auto kb = view(kp, {Dh, Sk, H, B}, {1, kStride, Dh, kStride * Sk});
  auto vb = view(vp, {Dh, Sk, H, B}, {1, kStride, Dh, kStride * Sk});
  auto lb = view(lengths.data(), {B}, {1});
  auto ob = view(o.data(), {Dh, Sq, H, B}, {1, D, Dh, D * Sq});
  float scale = 1.0f / std::sqrt((float)Dh);
  std::string what = name + " B=" + std::to_string(B) + " H=" + std::to_string(H) +
                     " Dh=" + std::to_string(Dh) + " Sq=" + std::to_string(Sq) +
                     " Sk=" + std::to_string(Sk);
  expectStatus(what, fn(qb, kb, vb, lb, scale, ob));
  std::vector<double> ref((size_t)B * Sq * D);
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < Sq; ++i) {
        std::vector<double> s(Sk);
        double mx = -INFINITY;
        for (int j = 0; j < Sk; ++j) {
          bool visible = (!causal || j <= i) && (!padding || j < lengths[b]);
          double acc = 0;
          for (int e = 0; e < Dh; ++e)
            acc += (double)qp[((size_t)b * Sq + i) * qStride + h * Dh + e] *
                   kp[((size_t)b * Sk + j) * kStride + h * Dh + e];
          s[j] = visible ? acc * scale : -INFINITY;
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < Sk; ++j) sum += s[j] = std::isinf(s[j]) ? 0 : std::exp(s[j] - mx);
        for (int e = 0; e < Dh; ++e) {
          double acc = 0;
          for (int j = 0; j < Sk; ++j)
            acc += s[j] * vp[((size_t)b * Sk + j) * kStride + h * Dh + e];
          ref[((size_t)b * Sq + i) * D + h * Dh + e] = sum > 0 ? acc / sum : 0;
        }
      }
  expectClose(what, ref, [&](size_t i) { return o[i]; });
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

void checkNorms(const char *isa, NormFn ln, AddNormFn an, AddNormSumFn ans, int M, int D) {
  int ld = D + 5;
  float eps = 1e-5f;
  // An offset of 100 checks the two-pass variance (E[x^2]-E[x]^2 would lose it).
  auto x = randomVector((size_t)M * ld, 99, 101), r = randomVector((size_t)M * ld);
  auto g = randomVector(D), bt = randomVector(D);
  std::vector<float> y((size_t)M * D, NAN), s((size_t)M * D, NAN);
  auto xb = view(x.data(), {D, M}, {1, ld});
  auto rb = view(r.data(), {D, M}, {1, ld});
  auto gb = view(g.data(), {D}, {1});
  auto bb = view(bt.data(), {D}, {1});
  auto yb = view(y.data(), {D, M}, {1, D});
  auto sb = view(s.data(), {D, M}, {1, D});
  std::string dims = std::string(" ") + isa + " M=" + std::to_string(M) + " D=" + std::to_string(D);
  expectStatus("layer_norm", ln(xb, gb, bb, eps, yb));
  expectClose("layer_norm" + dims, layerNormRef(x, ld, M, D, g, bt, eps),
              [&](size_t i) { return y[i]; });
  std::vector<float> sum((size_t)M * ld);
  for (size_t i = 0; i < sum.size(); ++i) sum[i] = x[i] + r[i];
  auto ref = layerNormRef(sum, ld, M, D, g, bt, eps);
  std::fill(y.begin(), y.end(), NAN);
  expectStatus("add_norm", an(xb, rb, gb, bb, eps, yb));
  expectClose("add_norm" + dims, ref, [&](size_t i) { return y[i]; });
  std::fill(y.begin(), y.end(), NAN);
  expectStatus("add_norm --with-sum", ans(xb, rb, gb, bb, eps, yb, sb));
  expectClose("add_norm --with-sum (y)" + dims, ref, [&](size_t i) { return y[i]; });
  std::vector<double> sref((size_t)M * D);
  for (int m = 0; m < M; ++m)
    for (int d = 0; d < D; ++d) sref[(size_t)m * D + d] = sum[(size_t)m * ld + d];
  expectClose("add_norm --with-sum (s)" + dims, sref, [&](size_t i) { return s[i]; });
}

void checkEmbed(const char *isa, Fn4 fn, int B, int S, int V, int D, int maxLen) {
  std::uniform_int_distribution<int> id(0, V - 1);
  std::vector<int> tok((size_t)B * S);
  for (auto &t : tok) t = id(rng);
  auto table = randomVector((size_t)V * D), pe = randomVector((size_t)maxLen * D);
  std::vector<float> out((size_t)B * S * D, NAN);
  auto tb = view(tok.data(), {S, B}, {1, S});
  auto tab = view(table.data(), {D, V}, {1, D});
  auto peb = view(pe.data(), {D, maxLen}, {1, D});
  auto ob = view(out.data(), {D, S, B}, {1, D, D * S});
  std::string what = std::string("embed ") + isa + " B=" + std::to_string(B) +
                     " S=" + std::to_string(S) + " V=" + std::to_string(V) + " D=" + std::to_string(D);
  expectStatus(what, fn(tb, tab, peb, ob));
  std::vector<double> ref(out.size());
  float sc = (float)std::sqrt((double)D);  // PyTorch: float tensor * python float
  for (int b = 0; b < B; ++b)
    for (int s = 0; s < S; ++s)
      for (int d = 0; d < D; ++d)
        ref[((size_t)b * S + s) * D + d] =
            table[(size_t)tok[b * S + s] * D + d] * sc + pe[(size_t)s * D + d];
  expectClose(what, ref, [&](size_t i) { return out[i]; });
}

void checkArgmax(const char *isa, ArgmaxFn fn, int M, int V) {
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
  std::string what = std::string("argmax_rows ") + isa + " M=" + std::to_string(M) +
                     " V=" + std::to_string(V);
  expectStatus(what, fn(lb, ib));
  std::vector<double> ref(M);
  for (int m = 0; m < M; ++m) {
    const float *row = &logits[(size_t)m * ld];
    ref[m] = std::max_element(row, row + V) - row;  // first maximum
  }
  expectClose(what, ref, [&](size_t i) { return idx[i]; });
}

struct IsaKernels {
  const char *isa;
  Fn4 linear[3];
  AttnFn attention[4], attention64[4];
  NormFn layerNorm;
  AddNormFn addNorm;
  AddNormSumFn addNormSum;
  Fn4 embed;
  ArgmaxFn argmax;
};

}  // namespace

int main() {
  const IsaKernels all[] = {
      {"avx512",
       {linear_none_avx512, linear_relu_avx512, linear_gelu_avx512},
       {attention_none_avx512, attention_causal_avx512, attention_key_padding_avx512,
        attention_causal_key_padding_avx512},
       {attention_none_d64_avx512, attention_causal_d64_avx512, attention_key_padding_d64_avx512,
        attention_causal_key_padding_d64_avx512},
       layer_norm_avx512, add_norm_avx512, add_norm_sum_avx512, embed_avx512,
       argmax_rows_avx512},
      {"avx2",
       {linear_none_avx2, linear_relu_avx2, linear_gelu_avx2},
       {attention_none_avx2, attention_causal_avx2, attention_key_padding_avx2,
        attention_causal_key_padding_avx2},
       {attention_none_d64_avx2, attention_causal_d64_avx2, attention_key_padding_d64_avx2,
        attention_causal_key_padding_d64_avx2},
       layer_norm_avx2, add_norm_avx2, add_norm_sum_avx2, embed_avx2, argmax_rows_avx2},
  };
  const char *acts[] = {"none", "relu", "gelu"};
  const char *masks[] = {"none", "causal", "key_padding", "causal_key_padding"};
  // {M, K, N}. The last three take the k-blocked path (K >= 1024, K % 256 == 0,
  // M >= 96, N >= 128), with uneven M and N tails.
  const int linearShapes[][3] = {{1, 24, 40},    {37, 24, 40},     {37, 24, 64},
                                 {5, 24, 130},   {1, 512, 512},    {37, 33, 200},
                                 {64, 512, 256}, {100, 7, 1000},   {200, 2048, 130},
                                 {100, 1024, 512}, {97, 1280, 192}};
  for (const IsaKernels &k : all) {
    for (int a = 0; a < 3; ++a)
      for (auto &s : linearShapes) checkLinear(k.isa, acts[a], k.linear[a], s[0], s[1], s[2]);
    checkErf(k.isa, k.linear[2]);
    struct { int B, H, Sq, Sk; std::vector<int> lengths; } attnShapes[] = {
        {1, 1, 1, 1, {1}}, {2, 2, 13, 13, {5, 13}}, {2, 3, 70, 70, {70, 33}},
        {2, 1, 5, 130, {130, 65}}, {1, 2, 150, 150, {150}}};
    for (int m = 0; m < 4; ++m) {
      bool causal = m == 1 || m == 3, padding = m >= 2;
      for (auto &s : attnShapes) {
        for (int Dh : {8, 64, 24})
          checkAttention(std::string("attention ") + masks[m] + " " + k.isa, k.attention[m], causal,
                         padding, s.B, s.H, Dh, s.Sq, s.Sk, s.lengths);
        checkAttention(std::string("attention ") + masks[m] + " d64 " + k.isa, k.attention64[m],
                       causal, padding, s.B, s.H, 64, s.Sq, s.Sk, s.lengths);
      }
    }
    for (int D : {8, 24, 64, 40, 512}) {
      checkNorms(k.isa, k.layerNorm, k.addNorm, k.addNormSum, 37, D);
      checkNorms(k.isa, k.layerNorm, k.addNorm, k.addNormSum, 1, D);
    }
    checkEmbed(k.isa, k.embed, 2, 13, 50, 24, 20);
    checkEmbed(k.isa, k.embed, 3, 7, 1000, 64, 7);
    checkEmbed(k.isa, k.embed, 1, 1, 5, 8, 4);
    for (int V : {1, 5, 40, 64, 1000}) checkArgmax(k.isa, k.argmax, 37, V);
    checkArgmax(k.isa, k.argmax, 1, 17);
  }
  std::printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
