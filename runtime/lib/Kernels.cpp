//===- Kernels.cpp - views -> halide_buffer_t, kernel calls ---------------===//
#include "loom/runtime/Kernels.h"

#include "loom/runtime/HalideParallel.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace loom {

namespace {

/// A halide_buffer_t over caller memory with up to four dimensions, given
/// innermost first. Halide never frees or copies it.
class View {
public:
  View(const void *data, halide_type_t type,
       std::initializer_list<halide_dimension_t> dims) {
    std::memset(&buffer_, 0, sizeof(buffer_));
    int n = 0;
    for (const halide_dimension_t &d : dims)
      dims_[n++] = d;
    buffer_.host = static_cast<uint8_t *>(const_cast<void *>(data));
    buffer_.type = type;
    buffer_.dimensions = n;
    buffer_.dim = dims_;
  }
  halide_buffer_t *get() { return &buffer_; }

private:
  halide_buffer_t buffer_;
  halide_dimension_t dims_[4];
};

constexpr halide_type_t kF32{halide_type_float, 32, 1};
constexpr halide_type_t kI32{halide_type_int, 32, 1};

halide_dimension_t dim(int64_t extent, int64_t stride) {
  return halide_dimension_t(0, int32_t(extent), int32_t(stride));
}

View matrix(const float *data, int64_t rows, int64_t cols, int64_t stride) {
  return View(data, kF32, {dim(cols, 1), dim(rows, stride)});
}
View matrix(ConstMat m) { return matrix(m.data, m.rows, m.cols, m.stride); }
View matrix(Mat m) { return matrix(m.data, m.rows, m.cols, m.stride); }
View vector(const float *data, int64_t n) {
  return View(data, kF32, {dim(n, 1)});
}
/// q(e, s, h, b) = data[(b·length + s)·stride + h·Dh + e]
View heads(Heads h) {
  return View(h.data, kF32,
              {dim(h.headDim, 1), dim(h.length, h.stride),
               dim(h.heads, h.headDim), dim(h.batch, h.length * h.stride)});
}

} // namespace

bool cpuHasAvx512() {
  // LOOM_ISA=avx2 forces the fallback, so it can be tested on AVX-512 CPUs.
  static const bool has = [] {
    const char *isa = std::getenv("LOOM_ISA");
    if (isa && std::strcmp(isa, "avx2") == 0)
      return false;
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
  }();
  return has;
}

Status runLinear(Kernel<LinearFn> k, ConstMat x, ConstMat wt,
                 const float *bias, Mat y) {
  View xv = matrix(x), wv = matrix(wt), bv = vector(bias, wt.cols),
       yv = matrix(y);
  return kernelStatus(k.fn(xv.get(), wv.get(), bv.get(), yv.get()), k.name);
}

Status runLayerNorm(Kernel<LayerNormFn> k, ConstMat x, const float *gamma,
                    const float *beta, float eps, Mat y) {
  View xv = matrix(x), gv = vector(gamma, x.cols), bv = vector(beta, x.cols),
       yv = matrix(y);
  return kernelStatus(k.fn(xv.get(), gv.get(), bv.get(), eps, yv.get()),
                      k.name);
}

Status runAddNorm(Kernel<AddNormFn> k, ConstMat x, ConstMat r,
                  const float *gamma, const float *beta, float eps, Mat y) {
  View xv = matrix(x), rv = matrix(r), gv = vector(gamma, x.cols),
       bv = vector(beta, x.cols), yv = matrix(y);
  return kernelStatus(
      k.fn(xv.get(), rv.get(), gv.get(), bv.get(), eps, yv.get()), k.name);
}

Status runAddNormSum(Kernel<AddNormSumFn> k, ConstMat x, ConstMat r,
                     const float *gamma, const float *beta, float eps, Mat y,
                     Mat sum) {
  View xv = matrix(x), rv = matrix(r), gv = vector(gamma, x.cols),
       bv = vector(beta, x.cols), yv = matrix(y), sv = matrix(sum);
  return kernelStatus(k.fn(xv.get(), rv.get(), gv.get(), bv.get(), eps,
                           yv.get(), sv.get()),
                      k.name);
}

Status runEmbed(Kernel<EmbedFn> k, const int32_t *tokens, int64_t batch,
                int64_t length, ConstMat table, ConstMat pe, Mat out) {
  View tv(tokens, kI32, {dim(length, 1), dim(batch, length)});
  View tab = matrix(table), pv = matrix(pe);
  View ov(out.data, kF32,
          {dim(out.cols, 1), dim(length, out.stride),
           dim(batch, length * out.stride)});
  return kernelStatus(k.fn(tv.get(), tab.get(), pv.get(), ov.get()), k.name);
}

Status runAttention(Kernel<AttentionFn> k, Heads q, Heads key, Heads value,
                    const int32_t *keyLengths, float scale, Heads out) {
  View qv = heads(q), kv = heads(key), vv = heads(value), ov = heads(out);
  View lv(keyLengths, kI32, {dim(q.batch, 1)});
  return kernelStatus(
      k.fn(qv.get(), kv.get(), vv.get(), lv.get(), scale, ov.get()), k.name);
}

Status runArgmax(Kernel<ArgmaxFn> k, ConstMat logits, int32_t *index) {
  View lv = matrix(logits);
  View iv(index, kI32, {dim(logits.rows, 1)});
  return kernelStatus(k.fn(lv.get(), iv.get()), k.name);
}

Status runAdd(ConstMat a, ConstMat b, Mat out) {
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, out.rows),
                    [&](const tbb::blocked_range<int64_t> &rows) {
                      for (int64_t r = rows.begin(); r != rows.end(); ++r) {
                        const float *x = a.data + r * a.stride;
                        const float *y = b.data + r * b.stride;
                        float *z = out.data + r * out.stride;
                        for (int64_t c = 0; c < out.cols; ++c)
                          z[c] = x[c] + y[c];
                      }
                    });
  return Status();
}

} // namespace loom
