//===- Kernels.h - calling Loom's AOT Halide kernels ------------*- C++ -*-===//
//
// Generated glue describes every operand as a row-major view (`Mat`) or a
// per-head view (`Heads`) into the arena, the weights or the caller's arrays;
// these helpers turn views into halide_buffer_t descriptors (no copies), call
// the kernel, and turn a non-zero return into a Status naming the kernel.
// The signatures are those documented at the top of compiler/halide/*.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELS_H
#define LOOM_RUNTIME_KERNELS_H

#include "loom/runtime/Status.h"

#include <HalideRuntime.h>

#include <cstdint>

namespace loom {

/// rows × cols floats, row `r` at data + r·stride.
struct Mat {
  float *data;
  int64_t rows, cols, stride;
};
struct ConstMat {
  const float *data;
  int64_t rows, cols, stride;
};
/// [batch, length, heads, headDim] with element (b, s, h, e) at
/// data[(b·length + s)·stride + h·headDim + e]: one head's slice of a
/// [rows, H·Dh] matrix, or of a KV cache with `length` = its capacity.
struct Heads {
  float *data;
  int64_t batch, length, heads, headDim, stride;
};

// Kernel signatures (function types, so glue can declare the AOT symbols
// with them) and the matching pointer types.
using LinearSig = int(halide_buffer_t *x, halide_buffer_t *wt,
                      halide_buffer_t *bias, halide_buffer_t *y);
using LayerNormSig = int(halide_buffer_t *x, halide_buffer_t *gamma,
                         halide_buffer_t *beta, float eps, halide_buffer_t *y);
using AddNormSig = int(halide_buffer_t *x, halide_buffer_t *r,
                       halide_buffer_t *gamma, halide_buffer_t *beta, float eps,
                       halide_buffer_t *y);
using AddNormSumSig = int(halide_buffer_t *x, halide_buffer_t *r,
                          halide_buffer_t *gamma, halide_buffer_t *beta,
                          float eps, halide_buffer_t *y, halide_buffer_t *sum);
using EmbedSig = int(halide_buffer_t *tok, halide_buffer_t *table,
                     halide_buffer_t *pe, halide_buffer_t *out);
using AttentionSig = int(halide_buffer_t *q, halide_buffer_t *k,
                         halide_buffer_t *v, halide_buffer_t *keyLengths,
                         float scale, halide_buffer_t *out);
using ArgmaxSig = int(halide_buffer_t *logits, halide_buffer_t *index);
using LinearFn = LinearSig *;
using LayerNormFn = LayerNormSig *;
using AddNormFn = AddNormSig *;
using AddNormSumFn = AddNormSumSig *;
using EmbedFn = EmbedSig *;
using AttentionFn = AttentionSig *;
using ArgmaxFn = ArgmaxSig *;

/// True where the CPU runs the AVX-512 kernels (F, BW, DQ, VL: Halide's
/// avx512_cannonlake minus what it does not use); else the AVX2 ones run.
/// The environment variable LOOM_ISA=avx2 forces the AVX2 kernels.
bool cpuHasAvx512();

/// A kernel with its name, for error messages; `pick` chooses the variant
/// for this CPU once, when the glue's tables are initialised.
template <typename Fn> struct Kernel {
  Fn fn;
  const char *name;
};
template <typename Fn>
Kernel<Fn> pick(Fn avx512, Fn avx2, const char *name) {
  return {cpuHasAvx512() ? avx512 : avx2, name};
}

Status runLinear(Kernel<LinearFn> k, ConstMat x, ConstMat wt,
                 const float *bias, Mat y);
Status runLayerNorm(Kernel<LayerNormFn> k, ConstMat x, const float *gamma,
                    const float *beta, float eps, Mat y);
Status runAddNorm(Kernel<AddNormFn> k, ConstMat x, ConstMat r,
                  const float *gamma, const float *beta, float eps, Mat y);
Status runAddNormSum(Kernel<AddNormSumFn> k, ConstMat x, ConstMat r,
                     const float *gamma, const float *beta, float eps, Mat y,
                     Mat sum);
/// `tokens` is [batch, length] (row stride `length`); `pe` has at least
/// `length` rows of `table.cols` floats.
Status runEmbed(Kernel<EmbedFn> k, const int32_t *tokens, int64_t batch,
                int64_t length, ConstMat table, ConstMat pe, Mat out);
Status runAttention(Kernel<AttentionFn> k, Heads q, Heads key, Heads value,
                    const int32_t *keyLengths, float scale, Heads out);
Status runArgmax(Kernel<ArgmaxFn> k, ConstMat logits, int32_t *index);
/// out = a + b, row-wise (a rare op: pre-norm models without a final norm).
Status runAdd(ConstMat a, ConstMat b, Mat out);

inline ConstMat asConst(Mat m) { return {m.data, m.rows, m.cols, m.stride}; }
/// Rows [first, rows) of a matrix (the positional table from position t).
inline ConstMat rowsFrom(ConstMat m, int64_t first) {
  return {m.data + first * m.stride, m.rows - first, m.cols, m.stride};
}
/// Columns [first, first + count) of a matrix (a slice of a packed weight).
inline ConstMat columns(ConstMat m, int64_t first, int64_t count) {
  return {m.data + first, m.rows, count, m.stride};
}

} // namespace loom

#endif // LOOM_RUNTIME_KERNELS_H
