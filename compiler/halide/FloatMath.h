// Vectorisable float32 elementary functions as Halide expressions.
//
// Halide 14's exp/erf on Float(32) lower to scalar libm calls on x86 (exp) or do
// not exist (erf). These are polynomial versions that vectorise and stay accurate
// to a few ulp; the coefficients were fitted with mpmath.chebyfit (Chebyshev
// least squares, 40 digits) and the accuracy is checked by loom-kernel-check.
//
// NaN and Inf: the kernels must compute as PyTorch does (NaN in, NaN out), but
// Halide 14 compiles every float operation with LLVM's fast-math flags,
// nnan and ninf included (CodeGen_LLVM::init_context), so LLVM may assume no
// float is NaN: `min`/`max` (lowered to a compare and a select) may drop a NaN
// operand, an ordered compare may be flipped into an unordered one, and
// `x != x` is folded to false (Halide's own simplifier does that first).
// Halide's is_nan() avoids this by making its whole argument strict_float,
// which recomputes the argument without fast math and switches the module's
// global float options to strict. So every decision that must see a NaN is
// taken on the float's bits, with integer operations that no fast-math flag
// touches (isNan below); plain arithmetic (+, *, fma, /, sqrt) propagates NaN
// and Inf by itself and needs nothing.
#pragma once

#include <Halide.h>

namespace loom::halide {

/// x is a NaN (either sign): |bits| above the bits of +Inf. An integer and and
/// compare (one more op than an unordered float compare, and never folded).
inline Halide::Expr isNan(Halide::Expr x) {
  using namespace Halide;
  Expr magnitude = reinterpret<uint32_t>(x) & Expr(uint32_t(0x7fffffff));
  return magnitude > Expr(uint32_t(0x7f800000));
}

/// `value` where x is a number, x itself (the NaN) where x is NaN: how a
/// function whose formula could lose a NaN argument (a clamp, a compare)
/// passes it on.
inline Halide::Expr keepNan(Halide::Expr x, Halide::Expr value) {
  return Halide::select(isNan(x), x, value);
}

/// exp(x) for float32: 2^n * p(r), r = x - n ln2 in [-ln2/2, ln2/2], degree-6
/// polynomial (fit error 2e-9 relative, ~1 ulp after rounding). Returns 0 below
/// -87.3 (where expf goes subnormal), -Inf included, and +Inf above 88.37
/// (n = 128; expf overflows at 88.72, but every caller passes x <= 0 or a
/// NaN), +Inf included. NaN gives NaN, at the cost of one integer op:
/// n comes from the clamped x (a clamp may drop a NaN), but r from x itself,
/// so a NaN x makes r, p and the result NaN; and the "x < -87.3" test is a
/// range check on x's bits, which a NaN (either sign) is outside of, where a
/// float compare could be folded either way under fast math.
inline Halide::Expr fastExp(Halide::Expr x) {
  using namespace Halide;
  Expr xc = clamp(x, -87.3f, 88.7f);
  Expr n = floor(xc * 1.44269504088896341f + 0.5f);
  // Cody-Waite: ln2 split in a part exact in float and a correction.
  Expr r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  Expr p = 0.0013941108433972674f;
  p = p * r + 0.008375126398153335f;
  p = p * r + 0.04166635289677516f;
  p = p * r + 0.16666415514653277f;
  p = p * r + 0.5000000047117757f;
  p = p * r + 1.000000037716214f;
  p = p * r + 1.0f;
  Expr scale = reinterpret<float>((cast<int32_t>(n) + 127) << 23);
  // x in [-Inf, -87.3): its bits as int32 in (bits(-87.3f), bits(-Inf)] =
  // (0xc2ae999a, 0xff800000] (negative floats grow towards -1 with their
  // magnitude; -NaN lies above -Inf); LLVM turns the two compares into one
  // subtract and one unsigned compare.
  Expr bits = reinterpret<int32_t>(x);
  Expr below = bits > -1028744806 && bits <= -8388608;
  return select(below, 0.0f, p * scale);
}

/// log(x) for float32 (the attention kernels' log-sum-exp; vectorisable, no
/// libm call): x = 2^n m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(t),
/// t = (m - 1) / (m + 1), |t| <= 0.1716, as 2t (1 + t^2/3 + ... + t^8/9)
/// (truncation 1e-9 relative, a few ulp after rounding); n ln2 in two parts
/// as in fastExp. Subnormal x is scaled by 2^23 first. Special values on the
/// bits (fast math may fold float compares): +-0 -> -Inf, +Inf -> +Inf,
/// NaN -> NaN (the same NaN), x < 0 -> NaN.
inline Halide::Expr fastLog(Halide::Expr x) {
  using namespace Halide;
  Expr bits = reinterpret<int32_t>(x);
  Expr magnitude = bits & 0x7fffffff;
  // Subnormal: scale into the normal range (x * 2^23) and take 23 off n.
  Expr subnormal = bits > 0 && bits < 0x00800000;
  Expr sbits = select(subnormal, reinterpret<int32_t>(x * 8388608.0f), bits);
  // n such that m = x / 2^n lies in [sqrt(1/2), sqrt(2)): 0x3f3504f3 = sqrt(1/2).
  Expr n = (sbits - 0x3f3504f3) >> 23;
  Expr m = reinterpret<float>(sbits - (n << 23));
  Expr nf = cast<float>(n - select(subnormal, 23, 0));
  Expr t = (m - 1.0f) / (m + 1.0f);
  Expr t2 = t * t;
  Expr p = 1.0f / 9;
  p = p * t2 + 1.0f / 7;
  p = p * t2 + 1.0f / 5;
  p = p * t2 + 1.0f / 3;
  p = p * t2 + 1.0f;
  Expr logm = 2.0f * t * p;
  Expr value = nf * 0.693359375f + (nf * -2.12194440e-4f + logm);
  Expr negInf = reinterpret<float>(Expr(int32_t(0xff800000u)));
  Expr nan = reinterpret<float>(Expr(int32_t(0x7fc00000)));
  // Order: NaN (either sign) keeps x, then -0 and +0, then negatives, +Inf.
  return select(magnitude > 0x7f800000, x,
                select(magnitude == 0, negInf,
                       select(bits < 0, nan, select(bits == 0x7f800000, x, value))));
}

/// erf(x) for float32, max abs error ~1e-7 (checked against double erf).
/// |x| <= 1: x * P(x^2) (degree 6, fit error 1.2e-9).
/// 1 < |x| < 4: 1 - exp(-x^2) * R(u), R = erfc(x) e^{x^2}, u = (x - 2.5)/1.5,
/// degree 12 in u (fit error 1.7e-9). |x| >= 4: +-1 (erfc(4) = 1.5e-8), +-Inf
/// included. A NaN x gives an unspecified value (the min may drop it): gelu,
/// the only caller, multiplies by x, which carries the NaN.
inline Halide::Expr accurateErf(Halide::Expr x) {
  using namespace Halide;
  Expr a = min(abs(x), 4.0f);
  Expr t = a * a;
  Expr p = 7.875875062685488e-05f;
  p = p * t + -0.000801686428716587f;
  p = p * t + 0.005189087423433974f;
  p = p * t + -0.026854212010626412f;
  p = p * t + 0.11283594715160218f;
  p = p * t + -0.37612626666720334f;
  p = p * t + 1.1283791658483509f;
  Expr small = a * p;
  Expr u = (a - 2.5f) * (1.0f / 1.5f);
  const float rc[] = {1.3365835857927637e-05f, -3.6888910916590526e-05f,
                      5.6303576556181324e-05f, -0.00014405779233076188f,
                      0.0004129869220693504f,  -0.0010170089408470175f,
                      0.002402487431083445f,   -0.005567380322584669f,
                      0.01248952041745665f,    -0.027005716870634796f,
                      0.05611048818984676f,    -0.11152100511306101f,
                      0.2108063640611436f};
  Expr q = rc[0];
  for (int i = 1; i < 13; ++i) q = q * u + rc[i];
  Expr large = 1.0f - fastExp(-t) * q;
  Expr mag = select(a <= 1.0f, small, large);
  return select(x < 0.0f, -mag, mag);
}

/// GELU, erf form (PyTorch's default): 0.5 x (1 + erf(x / sqrt 2)). As in
/// PyTorch: NaN -> NaN (the factor x), +Inf -> +Inf, -Inf -> NaN (-Inf * 0:
/// erf(-Inf) is exactly -1 here, 1 - 1.5e-8 rounding to 1).
inline Halide::Expr gelu(Halide::Expr x) {
  return 0.5f * x * (1.0f + accurateErf(x * 0.70710678118654752f));
}

/// GELU's derivative, erf form, as PyTorch's gelu backward computes it:
/// Phi(x) + x phi(x) = 0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi).
/// As PyTorch: NaN -> NaN (x phi(x)), +-Inf -> NaN (+-Inf * exp(-Inf) =
/// +-Inf * 0), and a finite x whose square overflows -> Phi(x) (x * 0).
inline Halide::Expr geluGrad(Halide::Expr x) {
  Halide::Expr cdf = 0.5f * (1.0f + accurateErf(x * 0.70710678118654752f));
  Halide::Expr pdf = 0.39894228040143268f * fastExp(-0.5f * (x * x));
  return cdf + x * pdf;
}

}  // namespace loom::halide
