// Branch-free f32 approximations of exp, log, tanh, sigmoid, erf, gelu and pow for the op
// kernels: no libm (generated code links nothing), only selects, fma, rint and sqrt, so that a
// loop calling them vectorises. Every function keeps the special values of its libm counterpart
// (NaN in -> NaN out, +-inf, overflow to inf, underflow to 0).
//
// Maximum errors against the correctly rounded result, measured over all finite inputs of the
// ranges stated in unittests/Conversion/OpKernelMathTest.cpp (which holds them to these bounds):
//   expApprox      1 ulp   (measured 0.99; subnormal results on the subnormal grid)
//   logApprox      1 ulp   (measured 0.77)
//   tanhApprox     1.5 ulp (measured 1.31)
//   sigmoidApprox  2.5 ulp (measured 2.32; 1 / (1 + exp(-x)) as the reference computes it, whose
//                           own f32 rounding is most of it; a subnormal result within 2^-126)
//   erfApprox      2.5 ulp (measured 2.33)
//   powApprox      1 ulp   (measured 0.50: log and exp in double; special cases as C99 Annex F)
//   gelu           the reference's f32 formula with erf / tanh above: 4 ulp + 2^-23 |x| absolute
//                  (the cancellation in 1 + erf(x / sqrt 2) for x << 0 is the reference's too)
//
// Polynomial coefficients: exp, log and tanh use the classic Cephes single-precision minimax
// coefficients; erf's were fitted for this file (Lawson-weighted least squares on Chebyshev
// nodes against mpmath).
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_MATHAPPROX_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_MATHAPPROX_H

#include "Float16.h"

namespace mlir::qopt::opk {

QOPT_UK_INLINE float fmaf_(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
QOPT_UK_INLINE double fma_(double a, double b, double c) { return __builtin_fma(a, b, c); }
QOPT_UK_INLINE float absf(float x) { return floatOf(bitsOf(x) & 0x7fffffffu); }
QOPT_UK_INLINE float copySign(float mag, float sign) {
  return floatOf((bitsOf(mag) & 0x7fffffffu) | (bitsOf(sign) & 0x80000000u));
}

/// e^x: n = rint(x / ln 2), r = x - n ln 2 (Cody-Waite), e^r by a degree-7 polynomial, then 2^n
/// as two factors so that results down into the subnormals round only once.
QOPT_UK_INLINE float expApprox(float x) {
  float xc = x > 128.0f ? 128.0f : x; // NaN falls through both clamps
  xc = xc < -150.0f ? -150.0f : xc;
  float n = __builtin_rintf(xc * 1.44269504088896341f);
  float r = fmaf_(n, -0.693359375f, xc);
  r = fmaf_(n, 2.12194440e-4f, r);
  float p = 1.9875691500e-4f;
  p = fmaf_(p, r, 1.3981999507e-3f);
  p = fmaf_(p, r, 8.3334519073e-3f);
  p = fmaf_(p, r, 4.1665795894e-2f);
  p = fmaf_(p, r, 1.6666665459e-1f);
  p = fmaf_(p, r, 5.0000001201e-1f);
  float y = fmaf_(p, r * r, r) + 1.0f;
  n = n != n ? 0.0f : n; // a NaN x keeps y NaN; the conversion below must not see a NaN
  int32_t ni = (int32_t)n;
  int32_t n1 = ni >> 1, n2 = ni - n1;
  float s1 = floatOf((uint32_t)(n1 + 127) << 23), s2 = floatOf((uint32_t)(n2 + 127) << 23);
  return y * s1 * s2;
}

/// ln x: x = 2^e m with m in [sqrt(1/2), sqrt(2)), ln(m) by a polynomial in m - 1.
QOPT_UK_INLINE float logApprox(float x) {
  bool sub = x < 1.17549435e-38f;
  float xs = sub ? x * 8388608.0f : x;
  uint32_t b = bitsOf(xs);
  float e = (float)((int32_t)((b >> 23) & 0xffu) - 126 - (sub ? 23 : 0));
  float m = floatOf((b & 0x007fffffu) | 0x3f000000u); // [0.5, 1)
  bool lowHalf = m < 0.707106781186547524f;
  e = lowHalf ? e - 1.0f : e;
  m = lowHalf ? m + m - 1.0f : m - 1.0f;
  float z = m * m;
  float y = 7.0376836292e-2f;
  y = fmaf_(y, m, -1.1514610310e-1f);
  y = fmaf_(y, m, 1.1676998740e-1f);
  y = fmaf_(y, m, -1.2420140846e-1f);
  y = fmaf_(y, m, 1.4249322787e-1f);
  y = fmaf_(y, m, -1.6668057665e-1f);
  y = fmaf_(y, m, 2.0000714765e-1f);
  y = fmaf_(y, m, -2.4999993993e-1f);
  y = fmaf_(y, m, 3.3333331174e-1f);
  y = y * m * z;
  y = fmaf_(e, -2.12194440e-4f, y);
  y = fmaf_(-0.5f, z, y);
  float r = m + y;
  r = fmaf_(e, 0.693359375f, r);
  r = x == __builtin_inff() ? x : r;
  r = x == 0.0f ? -__builtin_inff() : r;
  r = x < 0.0f ? __builtin_nanf("") : r;
  return x != x ? x : r;
}

/// tanh x: an odd polynomial for |x| < 0.625, 1 - 2 / (e^{2|x|} + 1) beyond (no cancellation
/// there; e^{2|x|} overflowing to inf gives exactly 1).
QOPT_UK_INLINE float tanhApprox(float x) {
  float ax = absf(x);
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = fmaf_(p, z, 2.06390887954e-2f);
  p = fmaf_(p, z, -5.37397155531e-2f);
  p = fmaf_(p, z, 1.33314422036e-1f);
  p = fmaf_(p, z, -3.33332819422e-1f);
  float small = fmaf_(p * z, x, x);
  float e = expApprox(ax + ax);
  float large = copySign(1.0f - 2.0f / (e + 1.0f), x);
  return ax < 0.625f ? small : large; // NaN takes the exp path and stays NaN
}

/// 1 / (1 + e^-x), the reference's formula.
QOPT_UK_INLINE float sigmoidApprox(float x) { return 1.0f / (1.0f + expApprox(-x)); }

/// erf x: x P(x^2) for |x| < 0.875; 1 - e^{-x^2} Q(x) beyond, Q in the centred variable
/// u = (|x| - 2.4375) / 1.5625 on [0.875, 4] (at 4 erf is 1 in f32, so larger |x| clamp to 1).
QOPT_UK_INLINE float erfApprox(float x) {
  float ax = absf(x);
  float z = x * x;
  float p = 7.891019476315153e-05f;
  p = fmaf_(p, z, -0.0008021452164052312f);
  p = fmaf_(p, z, 0.005189610622084423f);
  p = fmaf_(p, z, -0.0268544888786654f);
  p = fmaf_(p, z, 0.11283601430529286f);
  p = fmaf_(p, z, -0.3761262728524549f);
  p = fmaf_(p, z, 1.1283791659618752f);
  float small = p * x;
  float axc = ax > 4.0f ? 4.0f : ax;
  float u = (axc - 2.4375f) * 0.64f;
  float q = 0.00018855366215575486f;
  q = fmaf_(q, u, -0.000437230832176283f);
  q = fmaf_(q, u, 0.0005551444482989609f);
  q = fmaf_(q, u, -0.001357405912131071f);
  q = fmaf_(q, u, 0.003534313291311264f);
  q = fmaf_(q, u, -0.007696918211877346f);
  q = fmaf_(q, u, 0.01613110862672329f);
  q = fmaf_(q, u, -0.03297488018870354f);
  q = fmaf_(q, u, 0.06469395011663437f);
  q = fmaf_(q, u, -0.12118954956531525f);
  q = fmaf_(q, u, 0.2155524492263794f);
  float large = 1.0f - expApprox(-(axc * axc)) * q;
  large = large > 1.0f ? 1.0f : large;
  large = copySign(large, x);
  return ax < 0.875f ? small : (x != x ? x : large);
}

/// GELU exactly as the reference writes it in f32 (rt::gelu), with the approximations above.
QOPT_UK_INLINE float geluErf(float x) {
  return 0.5f * x * (1.0f + erfApprox(x / 1.41421356237309505f));
}
QOPT_UK_INLINE float geluTanh(float x) {
  const float kSqrt2OverPi = (float)0.79788456080286535588;
  return 0.5f * x * (1.0f + tanhApprox(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

/// ln|x| in double for pow (relative error ~1e-14), for finite |x| > 0.
QOPT_UK_INLINE double logAbsDouble(float x) {
  float ax = absf(x);
  bool sub = ax < 1.17549435e-38f;
  float xs = sub ? ax * 8388608.0f : ax;
  uint32_t b = bitsOf(xs);
  double e = (double)((int32_t)((b >> 23) & 0xffu) - 127 - (sub ? 23 : 0));
  double m = (double)floatOf((b & 0x007fffffu) | 0x3f800000u); // [1, 2)
  bool high = m > 1.41421356237309505;
  e = high ? e + 1.0 : e;
  m = high ? m * 0.5 : m;
  double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double t = 1.0 / 15;
  t = fma_(t, s2, 1.0 / 13);
  t = fma_(t, s2, 1.0 / 11);
  t = fma_(t, s2, 1.0 / 9);
  t = fma_(t, s2, 1.0 / 7);
  t = fma_(t, s2, 1.0 / 5);
  t = fma_(t, s2, 1.0 / 3);
  t = fma_(t, s2, 1.0);
  return fma_(e, 0.693147180559945309, 2.0 * s * t);
}

/// e^t in double for pow, t clamped to [-200, 200] (beyond, the f32 result is 0 or inf anyway).
QOPT_UK_INLINE double expDouble(double t) {
  double tc = t > 200.0 ? 200.0 : t;
  tc = tc < -200.0 ? -200.0 : tc;
  double n = __builtin_rint(tc * 1.44269504088896341);
  double r = fma_(n, -0.6931471803691238, tc);
  r = fma_(n, -1.9082149292705877e-10, r);
  double p = 1.0 / 39916800;
  p = fma_(p, r, 1.0 / 3628800);
  p = fma_(p, r, 1.0 / 362880);
  p = fma_(p, r, 1.0 / 40320);
  p = fma_(p, r, 1.0 / 5040);
  p = fma_(p, r, 1.0 / 720);
  p = fma_(p, r, 1.0 / 120);
  p = fma_(p, r, 1.0 / 24);
  p = fma_(p, r, 1.0 / 6);
  p = fma_(p, r, 0.5);
  p = fma_(p, r, 1.0);
  p = fma_(p, r, 1.0);
  n = n != n ? 0.0 : n;
  int64_t ni = (int64_t)n;
  return p * __builtin_bit_cast(double, (uint64_t)(ni + 1023) << 52);
}

/// x^y with std::pow's special cases (C99 Annex F): pow(x, +-0) = 1 and pow(1, y) = 1 even for
/// NaN, pow(-1, +-inf) = 1, a negative x needs an integral y (else NaN) whose parity gives the
/// sign, zeros and infinities by the limits of e^{y ln|x|}.
QOPT_UK_INLINE float powApprox(float x, float y) {
  float ay = absf(y);
  bool yInt = __builtin_rintf(y) == y; // true for +-inf, false for NaN
  bool yOdd = yInt && ay < 16777216.0f && (((int32_t)(ay < 16777216.0f ? y : 0.0f)) & 1);
  double lx = logAbsDouble(x);
  lx = absf(x) == 0.0f ? -__builtin_inf() : lx;
  lx = absf(x) == __builtin_inff() ? __builtin_inf() : lx;
  double t = (double)y * lx; // NaN for y or x NaN; 0 * inf only for |x| == 1 or y == 0, below
  float mag = (float)expDouble(t);
  float r = yOdd ? copySign(mag, x) : mag;
  r = (x < 0.0f && x != -__builtin_inff() && !yInt) ? __builtin_nanf("") : r;
  r = (x != x || y != y) ? __builtin_nanf("") : r;
  bool one = y == 0.0f || x == 1.0f || (x == -1.0f && ay == __builtin_inff());
  return one ? 1.0f : r;
}

} // namespace mlir::qopt::opk

#endif
