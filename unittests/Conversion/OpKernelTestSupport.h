// Shared helpers of the op kernel tests: typed buffers, an independent software f16 / bf16
// rounding (the oracle for the kernels' F16C / bit code), random data with edge values, and ulp
// distances. The scalar references in the tests follow lib/Reference's code (double sums).
#ifndef QOPT_UNITTESTS_CONVERSION_OPKERNELTESTSUPPORT_H
#define QOPT_UNITTESTS_CONVERSION_OPKERNELTESTSUPPORT_H

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace qopt_opk_test {

inline uint32_t bitsOf(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
inline float floatOf(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// IEEE binary16 round to nearest even, in software.
inline uint16_t f32ToF16(float f) {
  uint32_t x = bitsOf(f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u)
    return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
  if (ax >= 0x477ff000u) // >= 65520 rounds to inf
    return (uint16_t)(sign | 0x7c00u);
  if (ax < 0x38800000u) { // below 2^-14: a subnormal (or zero) f16, mantissa = |f| * 2^24
    float v = std::nearbyint(std::fabs(f) * 16777216.0f);
    return (uint16_t)(sign | (uint32_t)v);
  }
  uint32_t e = (ax >> 23) - 127 + 15, m = ax & 0x7fffffu;
  uint32_t h = (e << 10) | (m >> 13), rem = m & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
    ++h;
  return (uint16_t)(sign | h);
}
inline float f16ToF32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0)
    return floatOf(sign) + (sign ? -1.0f : 1.0f) * (float)m * 5.9604644775390625e-8f;
  if (e == 31)
    return floatOf(sign | 0x7f800000u | (m << 13));
  return floatOf(sign | ((e - 15 + 127) << 23) | (m << 13));
}
inline uint16_t f32ToBf16(float f) {
  uint32_t x = bitsOf(f);
  if (std::isnan(f))
    return (uint16_t)((x >> 16) | 0x40u);
  uint32_t lsb = (x >> 16) & 1u;
  return (uint16_t)((x + 0x7fffu + lsb) >> 16);
}
inline float bf16ToF32(uint16_t h) { return floatOf((uint32_t)h << 16); }

inline float roundTo(int32_t type, float v) {
  if (type == QOPT_K_F16)
    return f16ToF32(f32ToF16(v));
  if (type == QOPT_K_BF16)
    return bf16ToF32(f32ToBf16(v));
  return v;
}

inline size_t sizeOf(int32_t type) {
  switch (type) {
  case QOPT_K_F16:
  case QOPT_K_BF16:
    return 2;
  case QOPT_K_U8:
  case QOPT_K_I8:
    return 1;
  case QOPT_K_I64:
    return 8;
  default:
    return 4;
  }
}

inline const char *typeName(int32_t t) {
  static const char *names[] = {"f32", "f16", "bf16", "u8", "i8", "i32", "i64"};
  return t >= 0 && t <= 6 ? names[t] : "?";
}

/// A buffer of `n` elements of a storage type, 64-byte aligned with a canary-free tail.
struct Buf {
  int32_t type;
  std::vector<uint64_t> storage; // 8-byte aligned backing, enough for the kernels' loads
  size_t n;
  Buf(int32_t t, size_t count) : type(t), storage((count * sizeOf(t) + 7) / 8 + 1, 0), n(count) {}
  void *data() { return storage.data(); }
  const void *data() const { return storage.data(); }
  /// Element k as float (float types) or as its integer value.
  double get(size_t k) const {
    const char *p = (const char *)storage.data();
    switch (type) {
    case QOPT_K_F32: {
      float v;
      std::memcpy(&v, p + 4 * k, 4);
      return v;
    }
    case QOPT_K_F16: {
      uint16_t v;
      std::memcpy(&v, p + 2 * k, 2);
      return f16ToF32(v);
    }
    case QOPT_K_BF16: {
      uint16_t v;
      std::memcpy(&v, p + 2 * k, 2);
      return bf16ToF32(v);
    }
    case QOPT_K_U8:
      return (uint8_t)p[k];
    case QOPT_K_I8:
      return (int8_t)p[k];
    case QOPT_K_I32: {
      int32_t v;
      std::memcpy(&v, p + 4 * k, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p + 8 * k, 8);
      return (double)v;
    }
    }
  }
  float getF(size_t k) const { return (float)get(k); }
  int64_t getI(size_t k) const { return (int64_t)get(k); }
  /// Stores v (rounded to the type for 16-bit floats, truncated for integers).
  void set(size_t k, double v) {
    char *p = (char *)storage.data();
    switch (type) {
    case QOPT_K_F32: {
      float f = (float)v;
      std::memcpy(p + 4 * k, &f, 4);
      break;
    }
    case QOPT_K_F16: {
      uint16_t h = f32ToF16((float)v);
      std::memcpy(p + 2 * k, &h, 2);
      break;
    }
    case QOPT_K_BF16: {
      uint16_t h = f32ToBf16((float)v);
      std::memcpy(p + 2 * k, &h, 2);
      break;
    }
    case QOPT_K_U8:
      p[k] = (char)(uint8_t)(int64_t)v;
      break;
    case QOPT_K_I8:
      p[k] = (char)(int8_t)(int64_t)v;
      break;
    case QOPT_K_I32: {
      int32_t i = (int32_t)(int64_t)v;
      std::memcpy(p + 4 * k, &i, 4);
      break;
    }
    default: {
      int64_t i = (int64_t)v;
      std::memcpy(p + 8 * k, &i, 8);
      break;
    }
    }
  }
};

inline std::mt19937 &rng() {
  static std::mt19937 g(12345);
  return g;
}
inline float uniform(float lo, float hi) {
  return std::uniform_real_distribution<float>(lo, hi)(rng());
}
inline int64_t uniformInt(int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng());
}

/// A float buffer of random values in [lo, hi], already representable in its type.
inline Buf randomFloats(int32_t type, size_t n, float lo = -4.0f, float hi = 4.0f) {
  Buf b(type, n);
  for (size_t k = 0; k < n; ++k)
    b.set(k, uniform(lo, hi));
  return b;
}

/// Distance in units in the last place of `want` (f32), with denormals measured on the
/// subnormal grid; equal NaN-ness gives 0, a NaN mismatch infinity.
inline double ulpDiff(float got, double want) {
  if (std::isnan(got) || std::isnan(want))
    return std::isnan(got) && std::isnan(want) ? 0.0 : INFINITY;
  float w = (float)want; // an overflowing true value rounds to inf
  if (std::isinf(w) || std::isinf(got))
    return got == w ? 0.0 : INFINITY;
  double ulp = std::fabs(w) < std::numeric_limits<float>::min()
                   ? (double)std::numeric_limits<float>::denorm_min()
                   : (double)std::nextafter(std::fabs(w), INFINITY) - std::fabs(w);
  if (std::isinf(ulp)) // want near FLT_MAX
    ulp = (double)std::fabs(w) * 1.1920928955078125e-07;
  return std::fabs((double)got - want) / ulp;
}

/// Float equality that treats all NaNs alike (the kernels' NaN payloads are not specified).
inline bool sameFloat(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

/// The float storage types, and all pairs of them.
inline const std::vector<int32_t> &floatTypes() {
  static const std::vector<int32_t> t = {QOPT_K_F32, QOPT_K_F16, QOPT_K_BF16};
  return t;
}

/// The epsilon of a storage type (half an ulp of relative rounding of a stored result).
inline double storeEps(int32_t type) {
  return type == QOPT_K_F16 ? 0x1p-11 : type == QOPT_K_BF16 ? 0x1p-8 : 0x1p-24;
}

/// |got - want| <= tol plus the rounding of the stored result to its type, with a NaN on one
/// side only (or a different infinity) a failure.
inline bool within(float got, double want, double tol, int32_t outType) {
  if (std::isnan(got) || std::isnan(want))
    return std::isnan(got) && std::isnan(want);
  float rounded = roundTo(outType, (float)want); // a value beyond the type's range is inf
  if (std::isinf(rounded) || std::isinf(got))
    return got == rounded || std::fabs((double)got - want) <= tol;
  double slack = tol + storeEps(outType) * std::fabs(want) * 1.0000001;
  if (outType == QOPT_K_F16)
    slack += 0x1p-25; // half of the f16 subnormal step
  if (outType == QOPT_K_BF16)
    slack += 0x1p-134; // half of the bf16 subnormal step
  return std::fabs((double)got - want) <= slack;
}

/// The kernels' batch sizes of the acceptance tests.
inline const std::vector<int64_t> &batches() {
  static const std::vector<int64_t> b = {1, 3, 64};
  return b;
}

} // namespace qopt_opk_test

#endif
