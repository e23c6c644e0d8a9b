// Vectorisable float32 elementary functions as Halide expressions.
//
// Halide 14's exp/erf on Float(32) lower to scalar libm calls on x86 (exp) or do
// not exist (erf). These are polynomial versions that vectorise and stay accurate
// to a few ulp; the coefficients were fitted with mpmath.chebyfit (Chebyshev
// least squares, 40 digits) and the accuracy is checked by loom-kernel-check.
#pragma once

#include <Halide.h>

namespace loom::halide {

/// exp(x) for float32: 2^n * p(r), r = x - n ln2 in [-ln2/2, ln2/2], degree-6
/// polynomial (fit error 2e-9 relative, ~1 ulp after rounding). Returns 0 below
/// -87.3 (where expf goes subnormal) and saturates at 88.7.
inline Halide::Expr fastExp(Halide::Expr x) {
  using namespace Halide;
  Expr xc = clamp(x, -87.3f, 88.7f);
  Expr n = floor(xc * 1.44269504088896341f + 0.5f);
  // Cody-Waite: ln2 split in a part exact in float and a correction.
  Expr r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  Expr p = 0.0013941108433972674f;
  p = p * r + 0.008375126398153335f;
  p = p * r + 0.04166635289677516f;
  p = p * r + 0.16666415514653277f;
  p = p * r + 0.5000000047117757f;
  p = p * r + 1.000000037716214f;
  p = p * r + 1.0f;
  Expr scale = reinterpret<float>((cast<int32_t>(n) + 127) << 23);
  return select(x < -87.3f, 0.0f, p * scale);
}

/// erf(x) for float32, max abs error ~1e-7 (checked against double erf).
/// |x| <= 1: x * P(x^2) (degree 6, fit error 1.2e-9).
/// 1 < |x| < 4: 1 - exp(-x^2) * R(u), R = erfc(x) e^{x^2}, u = (x - 2.5)/1.5,
/// degree 12 in u (fit error 1.7e-9). |x| >= 4: +-1 (erfc(4) = 1.5e-8).
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

/// GELU, erf form (PyTorch's default): 0.5 x (1 + erf(x / sqrt 2)).
inline Halide::Expr gelu(Halide::Expr x) {
  return 0.5f * x * (1.0f + accurateErf(x * 0.70710678118654752f));
}

}  // namespace loom::halide
