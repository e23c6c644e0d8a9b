// loom-kernel-check: the AttentionTraining group of training kernels (CheckCommon.h):
// attention_train (forward with the row log-sum-exp and dropout) and
// attention_grad (its backward), against naive loops in double.
//
// The forward reference is PyTorch's softmax(masked_fill(scale q k^T, hidden,
// -inf)), dropped out with loom::philox::keep (element index over [B, H, Sq,
// Sk]), times v, a hidden key being absent (as the inference check's); lse is
// the log-sum-exp of the visible scaled scores. The backward reference takes
// the kernel's inputs (q, k, v, o, d_o, lse) and computes the ABI's formulas
// in double over the visible pairs: P = exp(scale q k^T - lse), D = rowsum(d_o
// o), dv = Pd^T d_o, dS = P (dP - D), dq = scale dS k, dk = scale dS^T q; with
// o and lse from the forward kernel, that is the analytic gradient (one check
// compares it with central differences of sum(d_o * o)). NaN and Inf follow
// from IEEE arithmetic in double, as in PyTorch.
//
// Operands are laid out as the model lays them out: self-attention reads q,
// k, v as column windows of one packed [B, S, 3D] buffer and writes dq, dk,
// dv into column windows of one [B, S, 3D + 3] buffer (its 3 last columns
// must stay untouched); cross-attention reads q from [B, Sq, D] and k, v from
// [B, Sk, 2D] and writes dq into [B, Sq, D + 3], dk, dv into [B, Sk, 2D + 3].
#include "CheckCommon.h"
#include "../Philox.h"

#include <HalideRuntime.h>

#include <cstdint>
#include <cstring>

namespace loom::check {

namespace {

struct Shape {
  int B, H, Dh, Sq, Sk;
  std::vector<int> lengths;
};

struct Masking {
  bool causal = false, padding = false;
};

Masking maskingOf(const std::string &mask) {
  return {mask.find("causal") != std::string::npos, mask.find("key_padding") != std::string::npos};
}

/// The dropout scalars of a call (p = 0: no element dropped).
struct Dropout {
  bool on = false;
  float p = 0.0f;
  uint64_t seed = 0x0123456789abcdefull;
  int32_t stream = 5, step = 3;
};

/// The sentinel of the gradient buffers' columns no kernel may write.
const float kSentinel = -12345.678f;

/// Inputs, the forward's outputs and the gradients, in the model's layouts.
struct Data {
  Shape s;
  int D;
  bool self;
  int qStride, kStride, gqStride, gkStride;
  std::vector<float> qs, kvs;  // packed inputs (kvs empty for self-attention)
  std::vector<float> o, lse, dout;
  std::vector<float> gq, gkv;  // packed gradients (gkv empty for self-attention)
  float *qp, *kp, *vp, *dqp, *dkp, *dvp;

  explicit Data(const Shape &shape, bool forceCross = false)
      : s(shape), D(shape.H * shape.Dh), self(shape.Sq == shape.Sk && !forceCross) {
    qStride = self ? 3 * D : D;
    kStride = self ? 3 * D : 2 * D;
    qs = randomVector((size_t)s.B * s.Sq * qStride, -2, 2);
    if (!self) kvs = randomVector((size_t)s.B * s.Sk * kStride, -2, 2);
    qp = qs.data();
    kp = self ? qp + D : kvs.data();
    vp = kp + D;
    o.assign((size_t)s.B * s.Sq * D, kNaN);
    lse.assign((size_t)s.B * s.H * s.Sq, kNaN);
    dout = randomVector((size_t)s.B * s.Sq * D, -1, 1);
    gqStride = (self ? 3 * D : D) + 3;
    gkStride = 2 * D + 3;
    gq.assign((size_t)s.B * s.Sq * gqStride, kSentinel);
    if (!self) gkv.assign((size_t)s.B * s.Sk * gkStride, kSentinel);
    dqp = gq.data();
    dkp = self ? dqp + D : gkv.data();
    dvp = dkp + D;
    if (self) gkStride = gqStride;
  }
  static size_t at(int b, int position, int length, int stride) {
    return ((size_t)b * length + position) * stride;
  }
  float &q(int b, int i, int h, int e) { return qp[at(b, i, s.Sq, qStride) + h * s.Dh + e]; }
  float &k(int b, int j, int h, int e) { return kp[at(b, j, s.Sk, kStride) + h * s.Dh + e]; }
  float &v(int b, int j, int h, int e) { return vp[at(b, j, s.Sk, kStride) + h * s.Dh + e]; }
  float &oAt(int b, int i, int h, int e) { return o[at(b, i, s.Sq, D) + h * s.Dh + e]; }
  float &dO(int b, int i, int h, int e) { return dout[at(b, i, s.Sq, D) + h * s.Dh + e]; }
  float &lseAt(int b, int h, int i) { return lse[((size_t)b * s.H + h) * s.Sq + i]; }
  float &dq(int b, int i, int h, int e) { return dqp[at(b, i, s.Sq, gqStride) + h * s.Dh + e]; }
  float &dk(int b, int j, int h, int e) { return dkp[at(b, j, s.Sk, gkStride) + h * s.Dh + e]; }
  float &dv(int b, int j, int h, int e) { return dvp[at(b, j, s.Sk, gkStride) + h * s.Dh + e]; }

  // Halide views (e, position, h, b).
  Halide::Runtime::Buffer<float> rows(float *p, int S, int stride) {
    return view(p, {s.Dh, S, s.H, s.B}, {1, stride, s.Dh, stride * S});
  }
  Halide::Runtime::Buffer<float> qView() { return rows(qp, s.Sq, qStride); }
  Halide::Runtime::Buffer<float> kView() { return rows(kp, s.Sk, kStride); }
  Halide::Runtime::Buffer<float> vView() { return rows(vp, s.Sk, kStride); }
  Halide::Runtime::Buffer<float> oView() { return rows(o.data(), s.Sq, D); }
  Halide::Runtime::Buffer<float> dOView() { return rows(dout.data(), s.Sq, D); }
  Halide::Runtime::Buffer<float> lseView() {
    return view(lse.data(), {s.Sq, s.H, s.B}, {1, s.Sq, s.Sq * s.H});
  }
  Halide::Runtime::Buffer<float> dqView() { return rows(dqp, s.Sq, gqStride); }
  Halide::Runtime::Buffer<float> dkView() { return rows(dkp, s.Sk, gkStride); }
  Halide::Runtime::Buffer<float> dvView() { return rows(dvp, s.Sk, gkStride); }

  bool visible(const Masking &m, int b, int i, int j) const {
    return (!m.causal || j <= i) && (!m.padding || j < s.lengths[b]);
  }
  /// The dropout factor of element (b, h, i, j).
  double factor(const Dropout &d, int b, int h, int i, int j) const {
    if (!d.on) return 1.0;
    uint64_t element = (((uint64_t)b * s.H + h) * s.Sq + i) * (uint64_t)s.Sk + j;
    return loom::philox::keep(d.seed, d.stream, d.step, element, d.p) ? 1.0 / (1.0 - (double)d.p)
                                                                        : 0.0;
  }
  double score(int b, int h, int i, int j, float scale) {
    double acc = 0;
    for (int e = 0; e < s.Dh; ++e) acc += (double)q(b, i, h, e) * k(b, j, h, e);
    return acc * scale;
  }

  /// The forward reference: o [B, Sq, D] and lse [B, H, Sq] in double.
  void forwardRef(const Masking &m, float scale, const Dropout &d, std::vector<double> &oRef,
                  std::vector<double> &lseRef) {
    oRef.assign((size_t)s.B * s.Sq * D, 0.0);
    lseRef.assign((size_t)s.B * s.H * s.Sq, 0.0);
    for (int b = 0; b < s.B; ++b)
      for (int h = 0; h < s.H; ++h)
        for (int i = 0; i < s.Sq; ++i) {
          std::vector<double> p(s.Sk, 0.0);
          double mx = -INFINITY;
          bool any = false;
          for (int j = 0; j < s.Sk; ++j) {
            if (!visible(m, b, i, j)) continue;
            any = true;
            p[j] = score(b, h, i, j, scale);
            mx = std::isnan(mx) || std::isnan(p[j]) ? NAN : std::max(mx, p[j]);
          }
          double &lseOut = lseRef[((size_t)b * s.H + h) * s.Sq + i];
          double *oRow = &oRef[((size_t)b * s.Sq + i) * D + h * s.Dh];
          if (!any) {  // sees no key: o = 0, lse = log 0
            lseOut = -INFINITY;
            continue;
          }
          double sum = 0;
          for (int j = 0; j < s.Sk; ++j)
            if (visible(m, b, i, j)) sum += p[j] = std::exp(p[j] - mx);
          // All visible scores -Inf: torch.logsumexp gives -Inf, the row NaN.
          lseOut = mx == -INFINITY ? -INFINITY : mx + std::log(sum);
          for (int e = 0; e < s.Dh; ++e) {
            double acc = 0;
            for (int j = 0; j < s.Sk; ++j)
              if (visible(m, b, i, j)) acc += p[j] / sum * factor(d, b, h, i, j) * v(b, j, h, e);
            oRow[e] = acc;
          }
        }
  }

  /// The backward reference from the kernel's inputs (q, k, v, o, d_o, lse
  /// as they are now): dq [B, Sq, D], dk, dv [B, Sk, D] in double.
  void backwardRef(const Masking &m, float scale, const Dropout &d, std::vector<double> &dqRef,
                   std::vector<double> &dkRef, std::vector<double> &dvRef) {
    dqRef.assign((size_t)s.B * s.Sq * D, 0.0);
    dkRef.assign((size_t)s.B * s.Sk * D, 0.0);
    dvRef.assign((size_t)s.B * s.Sk * D, 0.0);
    for (int b = 0; b < s.B; ++b)
      for (int h = 0; h < s.H; ++h)
        for (int i = 0; i < s.Sq; ++i) {
          double D_i = 0;
          for (int e = 0; e < s.Dh; ++e) D_i += (double)dO(b, i, h, e) * oAt(b, i, h, e);
          const double l = lseAt(b, h, i);
          for (int j = 0; j < s.Sk; ++j) {
            if (!visible(m, b, i, j)) continue;
            const double P = std::exp(score(b, h, i, j, scale) - l);
            const double f = factor(d, b, h, i, j);
            double dPd = 0;
            for (int e = 0; e < s.Dh; ++e) dPd += (double)dO(b, i, h, e) * v(b, j, h, e);
            const double dS = P * (dPd * f - D_i);
            for (int e = 0; e < s.Dh; ++e) {
              dvRef[((size_t)b * s.Sk + j) * D + h * s.Dh + e] += P * f * dO(b, i, h, e);
              dkRef[((size_t)b * s.Sk + j) * D + h * s.Dh + e] += scale * dS * q(b, i, h, e);
              dqRef[((size_t)b * s.Sq + i) * D + h * s.Dh + e] += scale * dS * k(b, j, h, e);
            }
          }
        }
  }

  /// Column e of position (b, x, h) of a dense [B, X, D] vector, index i.
  struct Index {
    int b, x, h, e;
  };
  Index unpack(size_t index, int X) const {
    const int e = index % s.Dh, h = (index / s.Dh) % s.H, x = (index / D) % X,
              b = index / ((size_t)D * X);
    return {b, x, h, e};
  }
};

const char *const kMaskNames[] = {"none", "causal", "key_padding", "causal_key_padding"};

std::string describe(const char *name, const Shape &s, const Dropout &d, const std::string &note) {
  std::string what = name + dims({{"B", s.B}, {"H", s.H}, {"Dh", s.Dh}, {"Sq", s.Sq}, {"Sk", s.Sk}});
  if (d.on) {
    char p[32];
    std::snprintf(p, sizeof p, " p=%g", d.p);
    what += p;
  }
  return what + note;
}

using TrainKernel = Kernel<abi::attention_train_fn>;
using GradKernel = Kernel<abi::attention_grad_fn>;

int runForward(const TrainKernel &kernel, Data &data, float scale, const Dropout &d) {
  std::vector<int> lengths = data.s.lengths;
  auto lb = view(lengths.data(), {data.s.B}, {1});
  return kernel.fn(data.qView(), data.kView(), data.vView(), lb, scale, d.p, d.seed, d.stream,
                   d.step, data.oView(), data.lseView());
}

int runBackward(const GradKernel &kernel, Data &data, float scale, const Dropout &d) {
  std::vector<int> lengths = data.s.lengths;
  auto lb = view(lengths.data(), {data.s.B}, {1});
  return kernel.fn(data.qView(), data.kView(), data.vView(), data.oView(), data.dOView(),
                   data.lseView(), lb, scale, d.p, d.seed, d.stream, d.step, data.dqView(),
                   data.dkView(), data.dvView());
}

/// The forward kernel against the reference (o, lse).
void checkForward(const TrainKernel &kernel, Data &data, float scale, const Dropout &d,
                  const std::string &note) {
  const Masking m = maskingOf(kernel.param("mask", "none"));
  const std::string what = describe(kernel.name, data.s, d, note);
  expectStatus(what, runForward(kernel, data, scale, d));
  std::vector<double> oRef, lseRef;
  data.forwardRef(m, scale, d, oRef, lseRef);
  expectClose(what + " (o)", oRef, [&](size_t i) { return data.o[i]; });
  expectClose(what + " (lse)", lseRef, [&](size_t i) { return data.lse[i]; });
}

/// The columns of the gradient buffers no kernel writes still hold the
/// sentinel (bit for bit).
void checkUntouched(const std::string &what, Data &data) {
  ++checks;
  size_t bad = 0, total = 0;
  auto scan = [&](const std::vector<float> &buf, int stride, int used) {
    for (size_t row = 0; row < buf.size() / stride; ++row)
      for (int c = used; c < stride; ++c) {
        ++total;
        if (std::memcmp(&buf[row * stride + c], &kSentinel, sizeof(float)) != 0) ++bad;
      }
  };
  if (data.self) {
    scan(data.gq, data.gqStride, 3 * data.D);
  } else {
    scan(data.gq, data.gqStride, data.D);
    scan(data.gkv, data.gkStride, 2 * data.D);
  }
  if (bad) ++failures;
  std::printf("%-4s %-62s %zu of %zu padding columns changed\n", bad ? "FAIL" : "ok",
              (what + " (untouched)").c_str(), bad, total);
}

/// The backward kernel on data's current o and lse against the reference.
void checkBackward(const GradKernel &kernel, Data &data, float scale, const Dropout &d,
                   const std::string &note) {
  const Masking m = maskingOf(kernel.param("mask", "none"));
  const std::string what = describe(kernel.name, data.s, d, note);
  expectStatus(what, runBackward(kernel, data, scale, d));
  std::vector<double> dqRef, dkRef, dvRef;
  data.backwardRef(m, scale, d, dqRef, dkRef, dvRef);
  const Shape &s = data.s;
  expectClose(what + " (dq)", dqRef, [&](size_t x) {
    auto [b, i, h, e] = data.unpack(x, s.Sq);
    return data.dq(b, i, h, e);
  });
  expectClose(what + " (dk)", dkRef, [&](size_t x) {
    auto [b, j, h, e] = data.unpack(x, s.Sk);
    return data.dk(b, j, h, e);
  });
  expectClose(what + " (dv)", dvRef, [&](size_t x) {
    auto [b, j, h, e] = data.unpack(x, s.Sk);
    return data.dv(b, j, h, e);
  });
  checkUntouched(what, data);
}

/// The grad kernel built with the same params as `train` for its ISA, if
/// CheckKernels.def has one.
const GradKernel *gradFor(const CheckSet &set, const TrainKernel &train) {
  for (const GradKernel &g : set.attention_grad)
    if (std::string(g.isa) == train.isa && std::string(g.params) == train.params) return &g;
  return nullptr;
}

Dropout dropoutOf(const TrainKernel &kernel, float p) {
  Dropout d;
  d.on = kernel.intParam("with_dropout") == 1;
  d.p = d.on ? p : 0.0f;
  return d;
}

std::vector<int> widthsOf(const TrainKernel &kernel, std::vector<int> otherwise) {
  const int headDim = kernel.intParam("head_dim");
  return headDim > 0 ? std::vector<int>{headDim} : otherwise;
}

/// Forward, then backward on the forward kernel's o and lse (as training
/// runs them), on the model's layouts.
void checkPair(const TrainKernel &train, const GradKernel *grad, const Shape &s, float p,
               bool cross = false, const std::string &note = "") {
  Data data(s, cross);
  const float scale = 1.0f / std::sqrt((float)s.Dh);
  const Dropout d = dropoutOf(train, p);
  checkForward(train, data, scale, d, note);
  if (grad) checkBackward(*grad, data, scale, d, note);
}

/// The reference gradient against central differences of L = sum(d_o * o)
/// (o from the forward reference, in double), in q, k and v: a check of the
/// references themselves.
void checkReferenceGradient() {
  const Shape s{1, 2, 4, 5, 6, {6}};
  Data data(s, true);
  const Masking m{true, false};
  const float scale = 0.5f;
  Dropout d;
  d.on = true;
  d.p = 0.3f;
  std::vector<double> oRef, lseRef;
  data.forwardRef(m, scale, d, oRef, lseRef);
  for (size_t x = 0; x < oRef.size(); ++x) data.o[x] = (float)oRef[x];
  for (size_t x = 0; x < lseRef.size(); ++x) data.lse[x] = (float)lseRef[x];
  std::vector<double> dqRef, dkRef, dvRef;
  data.backwardRef(m, scale, d, dqRef, dkRef, dvRef);
  auto loss = [&]() {
    std::vector<double> o2, l2;
    data.forwardRef(m, scale, d, o2, l2);
    double L = 0;
    for (size_t x = 0; x < o2.size(); ++x) L += o2[x] * data.dout[x];
    return L;
  };
  double worst = 0;
  auto probe = [&](float &x, double analytic) {
    const float saved = x, eps = 1e-2f;
    x = saved + eps;
    const double up = loss();
    x = saved - eps;
    const double down = loss();
    x = saved;
    const double numeric = (up - down) / ((double)(saved + eps) - (double)(saved - eps));
    worst = std::max(worst, std::fabs(numeric - analytic) / std::max(1.0, std::fabs(analytic)));
  };
  for (int i = 0; i < s.Sq; ++i)
    for (int e = 0; e < s.Dh; ++e) {
      probe(data.q(0, i, 1, e), dqRef[((size_t)i) * data.D + s.Dh + e]);
      probe(data.k(0, i, 1, e), dkRef[((size_t)i) * data.D + s.Dh + e]);
      probe(data.v(0, i, 1, e), dvRef[((size_t)i) * data.D + s.Dh + e]);
    }
  ++checks;
  const bool ok = worst <= 1e-3;
  if (!ok) ++failures;
  std::printf("%-4s %-62s max err %.2e\n", ok ? "ok" : "FAIL",
              "attention backward reference vs central differences", worst);
}

/// NaN and +-Inf, each case on its own, through forward and backward: where
/// they must reach and where not (other rows, heads and batches; pairs a
/// query does not see). A task whose q, k or d_o is non-finite takes the
/// backward's exact pass, so its finite values are checked there too.
void checkNonFinite(const TrainKernel &train, const GradKernel *grad, const Shape &s, float p,
                    bool cross) {
  using Poke = std::function<void(Data &)>;
  const int B = s.B, H = s.H, Sq = s.Sq, Sk = s.Sk;
  // Forward inputs: poked before the forward call.
  const std::pair<const char *, Poke> forwardCases[] = {
      {"NaN in q", [&](Data &d) { d.q(0, Sq - 1, 0, 1) = kNaN; }},
      {"+Inf in k", [&](Data &d) { d.k(B - 1, 0, H - 1, 0) = kInf; }},
      {"-Inf in k", [&](Data &d) { d.k(0, Sk / 2, 0, 2) = -kInf; }},
      {"NaN in v", [&](Data &d) { d.v(0, 0, 0, 3) = kNaN; }},
      {"+-Inf in v",
       [&](Data &d) {
         d.v(B - 1, Sk - 1, 0, 0) = kInf;
         d.v(B - 1, Sk / 3, 0, 0) = -kInf;
       }},
      {"all scores -Inf",
       [&](Data &d) {
         d.q(0, 0, 0, 0) = -kInf;
         for (int j = 0; j < Sk; ++j) d.k(0, j, 0, 0) = std::fabs(d.k(0, j, 0, 0)) + 0.5f;
       }},
      {"NaN, Inf at a hidden key",
       [&](Data &d) {
         const int j = Sk * 4 / 7;
         d.k(B - 1, j, 0, 1) = kNaN;
         d.v(B - 1, j, 0, 2) = kNaN;
         d.v(B - 1, j, 0, 3) = kInf;
       }},
      {"NaN in q of a late row", [&](Data &d) { d.q(B - 1, Sq * 5 / 7, H - 1, 0) = kNaN; }},
  };
  // Backward-only inputs: poked after the forward call (d_o, o, lse).
  const std::pair<const char *, Poke> backwardCases[] = {
      {"NaN in d_o", [&](Data &d) { d.dO(0, Sq / 2, 0, 1) = kNaN; }},
      {"+Inf in d_o", [&](Data &d) { d.dO(B - 1, 0, H - 1, 0) = kInf; }},
      {"NaN in o", [&](Data &d) { d.oAt(0, Sq - 1, 0, 2) = kNaN; }},
      {"NaN in lse", [&](Data &d) { d.lseAt(B - 1, 0, Sq / 3) = kNaN; }},
  };
  const float scale = 1.0f / std::sqrt((float)s.Dh);
  const Dropout d = dropoutOf(train, p);
  for (auto &[label, poke] : forwardCases) {
    Data data(s, cross);
    poke(data);
    checkForward(train, data, scale, d, std::string(" ") + label);
    if (grad) checkBackward(*grad, data, scale, d, std::string(" ") + label);
  }
  if (!grad) return;
  for (auto &[label, poke] : backwardCases) {
    Data data(s, cross);
    expectStatus(label, runForward(train, data, scale, d));
    poke(data);
    checkBackward(*grad, data, scale, d, std::string(" ") + label);
  }
}

/// The kept fraction the forward kernel applies: q = 0 makes every visible
/// probability 1 / Sk and v = 1 makes o = (kept keys / Sk) / (1 - p), so
/// mean(o) (1 - p) is the kept fraction over B H Sq Sk elements; it must lie
/// within 5 standard deviations of 1 - p.
void checkDropRate(const TrainKernel &train, float p) {
  const int Dh = train.intParam("head_dim") > 0 ? train.intParam("head_dim") : 8;
  const Shape s{2, 4, Dh, 128, 128, {128, 128}};
  Data data(s);
  for (int b = 0; b < s.B; ++b)
    for (int h = 0; h < s.H; ++h)
      for (int x = 0; x < s.Sq; ++x)
        for (int e = 0; e < Dh; ++e) {
          data.q(b, x, h, e) = 0.0f;
          data.v(b, x, h, e) = 1.0f;
        }
  Dropout d = dropoutOf(train, p);
  const std::string what = describe(train.name, s, d, " drop rate");
  expectStatus(what, runForward(train, data, 1.0f, d));
  const Masking m = maskingOf(train.param("mask", "none"));
  // Kept fraction over the visible pairs: sum over rows of o * (1 - p) *
  // (visible keys of the row) over the number of visible pairs.
  double kept = 0, pairs = 0;
  for (int b = 0; b < s.B; ++b)
    for (int h = 0; h < s.H; ++h)
      for (int i = 0; i < s.Sq; ++i) {
        int seen = 0;
        for (int j = 0; j < s.Sk; ++j) seen += data.visible(m, b, i, j);
        kept += data.oAt(b, i, h, 0) * (1.0 - p) * seen;
        pairs += seen;
      }
  const double rate = 1.0 - kept / pairs, sigma = std::sqrt(p * (1.0 - p) / pairs);
  ++checks;
  const bool ok = std::fabs(rate - p) <= 5 * sigma;
  if (!ok) ++failures;
  std::printf("%-4s %-62s dropped %.4f of %.0f (p %.2f, sigma %.4f)\n", ok ? "ok" : "FAIL",
              what.c_str(), rate, pairs, p, sigma);
}

/// Bit-identical float vectors (NaN payloads included).
bool sameBits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

/// The same forward and backward calls on 1 thread and on 3 (the Halide
/// runtime's pool; 2 is the default here) give bit-identical outputs.
void checkThreads(const TrainKernel &train, const GradKernel &grad, const Shape &s, float p,
                  const std::string &note, const std::function<void(Data &)> &poke = {}) {
  const float scale = 1.0f / std::sqrt((float)s.Dh);
  const Dropout d = dropoutOf(train, p);
  std::vector<float> out[2][4];
  for (int run = 0; run < 2; ++run) {
    rng.seed(99);  // the same data for both runs
    Data data(s);
    if (poke) poke(data);
    halide_set_num_threads(run == 0 ? 1 : 3);
    expectStatus("forward", runForward(train, data, scale, d));
    expectStatus("backward", runBackward(grad, data, scale, d));
    out[run][0] = data.o;
    out[run][1] = data.lse;
    out[run][2] = data.gq;
    out[run][3] = data.gkv;
  }
  halide_set_num_threads(0);  // back to the default
  ++checks;
  bool same = true;
  for (int x = 0; x < 4; ++x) same = same && sameBits(out[0][x], out[1][x]);
  if (!same) ++failures;
  std::printf("%-4s %-62s %s\n", same ? "ok" : "FAIL",
              (describe(train.name, s, d, note) + " 1 vs 3 threads").c_str(),
              same ? "o, lse, dq, dk, dv bit-identical" : "outputs differ");
}

/// With p = 0 the dropout instance gives the instance without dropout's
/// results, bit for bit.
void checkZeroRate(const TrainKernel &withDropout, const TrainKernel &without,
                   const GradKernel &gradWith, const GradKernel &gradWithout, const Shape &s) {
  const float scale = 1.0f / std::sqrt((float)s.Dh);
  std::vector<float> out[2][4];
  for (int run = 0; run < 2; ++run) {
    rng.seed(77);
    Data data(s);
    Dropout d;
    d.on = run == 0;
    d.p = 0.0f;
    expectStatus("forward", runForward(run == 0 ? withDropout : without, data, scale, d));
    expectStatus("backward", runBackward(run == 0 ? gradWith : gradWithout, data, scale, d));
    out[run][0] = data.o;
    out[run][1] = data.lse;
    out[run][2] = data.gq;
    out[run][3] = data.gkv;
  }
  ++checks;
  bool same = true;
  for (int x = 0; x < 4; ++x) same = same && sameBits(out[0][x], out[1][x]);
  if (!same) ++failures;
  std::printf("%-4s %-62s %s\n", same ? "ok" : "FAIL",
              (std::string(withDropout.name) + " p=0 vs " + without.name).c_str(),
              same ? "o, lse, dq, dk, dv bit-identical" : "outputs differ");
}

const TrainKernel *findTrain(const CheckSet &set, const char *isa, const std::string &mask,
                             int headDim, int dropout) {
  for (const TrainKernel &t : set.attention_train)
    if (std::string(t.isa) == isa && t.param("mask", "none") == mask &&
        t.intParam("head_dim") == headDim && t.intParam("with_dropout") == dropout)
      return &t;
  return nullptr;
}

void checkTrainKernel(const CheckSet &set, const TrainKernel &train) {
  const GradKernel *grad = gradFor(set, train);
  const float p = 0.2f;
  // {B, H, Sq, Sk, lengths}: one row; odd lengths, tails of every block
  // size; cross attention with Sq < Sk and Sq > Sk; padded keys.
  struct { int B, H, Sq, Sk; std::vector<int> lengths; } shapes[] = {
      {1, 1, 1, 1, {1}},         {2, 2, 7, 7, {3, 7}},      {2, 3, 33, 33, {33, 17}},
      {2, 1, 130, 130, {130, 65}}, {2, 2, 7, 33, {33, 20}}, {1, 2, 130, 7, {5}},
      {1, 1, 33, 130, {100}}};
  for (auto &sh : shapes)
    for (int Dh : widthsOf(train, {8, 64, 24}))
      checkPair(train, grad, {sh.B, sh.H, Dh, sh.Sq, sh.Sk, sh.lengths}, p);
  // Self-attention shapes as cross attention (q and kv from separate
  // buffers), and a second dropout rate.
  const int Dh = widthsOf(train, {64})[0];
  checkPair(train, grad, {2, 2, Dh, 70, 70, {70, 40}}, p, true, " (cross layout)");
  if (train.intParam("with_dropout") == 1)
    checkPair(train, grad, {1, 2, Dh, 64, 64, {64}}, 0.5f, false, "");
  // Non-finite values: two query blocks and a partial key block (self),
  // three key blocks (cross), padding.
  for (int w : widthsOf(train, {24, 64})) {
    checkNonFinite(train, grad, {2, 2, w, 70, 70, {70, 33}}, p, false);
    checkNonFinite(train, grad, {2, 1, w, 5, 130, {130, 65}}, p, true);
  }
  if (train.intParam("with_dropout") == 1) {
    checkDropRate(train, 0.1f);
    checkDropRate(train, 0.5f);
  }
  if (grad) {
    checkThreads(train, *grad, {4, 4, Dh, 150, 150, {150, 77, 150, 1}}, p, "");
    checkThreads(train, *grad, {4, 2, Dh, 70, 70, {70, 33, 5, 70}}, p, " NaN in q (exact pass)",
                 [](Data &d) { d.q(1, 3, 1, 2) = kNaN; });
    // p = 0 against the same instance without dropout.
    if (train.intParam("with_dropout") == 1) {
      const TrainKernel *plain = findTrain(set, train.isa, train.param("mask", "none"),
                                           train.intParam("head_dim"), 0);
      const GradKernel *plainGrad = plain ? gradFor(set, *plain) : nullptr;
      if (plainGrad) checkZeroRate(train, *plain, *grad, *plainGrad, {2, 2, Dh, 70, 70, {70, 33}});
    }
  }
}

}  // namespace

void checkAttentionTrainingKernels(const CheckSet &set) {
  checkReferenceGradient();
  for (const TrainKernel &train : set.attention_train) checkTrainKernel(set, train);
}

}  // namespace loom::check
