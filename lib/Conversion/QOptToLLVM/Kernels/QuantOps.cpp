// quantize, dequantize, requantize and fake_quant_dynamic, bit-exact with QuantMath.h
// (include/qopt/Runtime/QuantMath.h): x / scale in f32, round half to even (rint under the
// default MXCSR), + zero point, saturate; NaN -> the zero point; dequantize (float)(q - zp) * s.
//
// Vector-friendly exactness: when |qmin|, |qmax| and |zp| are at most 2^16 the sum r + zp is done
// in f32, which is exact for |r| < 2^24 - 2^16 and saturates like the exact sum beyond. Other
// parameters (i32 results with large zero points) take a double path that is exact everywhere.
// Deterministic and identical on every target.
#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "Float16.h"
#include "MathApprox.h"

namespace mlir::qopt::opk {
namespace {

struct U8 {
  using T = uint8_t;
};
struct I8 {
  using T = int8_t;
};
struct I32 {
  using T = int32_t;
};

template <class Fn>
QOPT_UK_INLINE void withIntType(int32_t t, Fn &&fn) {
  switch (t) {
  case QOPT_K_U8:
    fn(U8{});
    break;
  case QOPT_K_I8:
    fn(I8{});
    break;
  default:
    fn(I32{});
    break;
  }
}

/// The rounding and saturation of quantize for one element, given 1 / nothing: x / scale.
struct Quantizer {
  float scale;
  int32_t zp, qmin, qmax, zpSat;
  bool small;
  float fzp, fqmin, fqmax;

  QOPT_UK_INLINE Quantizer(float s, int32_t z, int32_t lo, int32_t hi)
      : scale(s), zp(z), qmin(lo), qmax(hi), zpSat(z < lo ? lo : (z > hi ? hi : z)),
        small(z >= -65536 && z <= 65536 && lo >= -65536 && hi <= 65536), fzp((float)z),
        fqmin((float)lo), fqmax((float)hi) {}

  QOPT_UK_INLINE int32_t smallPath(float x) const {
    float q = __builtin_rintf(x / scale) + fzp;
    q = q < fqmin ? fqmin : q;
    q = q > fqmax ? fqmax : q;
    return q != q ? zpSat : (int32_t)q;
  }
  QOPT_UK_INLINE int32_t widePath(float x) const {
    double q = (double)__builtin_rintf(x / scale) + (double)zp;
    q = q < (double)qmin ? (double)qmin : q;
    q = q > (double)qmax ? (double)qmax : q;
    return q != q ? zpSat : (int32_t)q;
  }
};

template <class I, class O>
QOPT_UK_INLINE void quantizeRun(const typename I::T *in, typename O::T *out, int64_t n,
                                const Quantizer &q) {
  if (q.small) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = (typename O::T)q.smallPath(I::load(in, i));
  } else {
    for (int64_t i = 0; i < n; ++i)
      out[i] = (typename O::T)q.widePath(I::load(in, i));
  }
}

/// (float)(q - zp) * scale. For 8-bit storage and |zp| < 2^30 the difference fits i32, whose
/// conversion rounds like the reference's int64 one; i32 storage subtracts in int64.
template <class I>
QOPT_UK_INLINE float dequantizeOne(typename I::T v, int32_t zp, float scale) {
  if constexpr (sizeof(typename I::T) == 1)
    return (float)((int32_t)v - zp) * scale;
  else
    return (float)((int64_t)v - (int64_t)zp) * scale;
}

template <class I, class O>
QOPT_UK_INLINE void dequantizeRun(const typename I::T *in, typename O::T *out, int64_t n,
                                  int32_t zp, float scale) {
  if (sizeof(typename I::T) == 1 && (zp <= -(1 << 30) || zp >= (1 << 30))) {
    for (int64_t i = 0; i < n; ++i)
      O::store(out, i, (float)((int64_t)in[i] - (int64_t)zp) * scale);
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    O::store(out, i, dequantizeOne<I>(in[i], zp, scale));
}

/// Runs run(offset, count, scale, zp) over the batch for per-tensor or per-axis parameters.
template <class Run>
QOPT_UK_INLINE void overChannels(const qopt_k_qparams &q, int64_t n, int64_t batch,
                                 const float *scales, const int32_t *zps, Run run) {
  if (q.axis_len == 0) {
    run((int64_t)0, n * batch, q.scale, q.zero_point);
    return;
  }
  for (int64_t s = 0; s < batch; ++s)
    for (int64_t o = 0; o < q.outer; ++o)
      for (int64_t c = 0; c < q.axis_len; ++c)
        run(s * n + (o * q.axis_len + c) * q.inner, q.inner, scales[c], zps[c]);
}

} // namespace
} // namespace mlir::qopt::opk

using namespace mlir::qopt::opk;

QOPT_UK_ENTRY void qopt_k_quantize(const qopt_k_quantize_params *p, void *const *operands,
                                   int64_t batch, void *) {
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withIntType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      const auto *in = (const typename I::T *)operands[1];
      auto *out = (typename O::T *)operands[0];
      overChannels(p->q, p->n, batch, (const float *)operands[2], (const int32_t *)operands[3],
                   [&](int64_t off, int64_t cnt, float scale, int32_t zp) QOPT_UK_INLINE_LAMBDA {
                     quantizeRun<I, O>(in + off, out + off, cnt,
                                       Quantizer(scale, zp, p->qmin, p->qmax));
                   });
    });
  });
}

QOPT_UK_ENTRY void qopt_k_dequantize(const qopt_k_dequantize_params *p, void *const *operands,
                                     int64_t batch, void *) {
  withIntType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      const auto *in = (const typename I::T *)operands[1];
      auto *out = (typename O::T *)operands[0];
      overChannels(p->q, p->n, batch, (const float *)operands[2], (const int32_t *)operands[3],
                   [&](int64_t off, int64_t cnt, float scale, int32_t zp) QOPT_UK_INLINE_LAMBDA {
                     dequantizeRun<I, O>(in + off, out + off, cnt, zp, scale);
                   });
    });
  });
}

QOPT_UK_ENTRY void qopt_k_requantize(const qopt_k_requantize_params *p, void *const *operands,
                                     int64_t batch, void *) {
  int64_t n = p->n * batch;
  Quantizer q(p->out_scale, p->out_zp, p->qmin, p->qmax);
  withIntType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withIntType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      const auto *in = (const typename I::T *)operands[1];
      auto *out = (typename O::T *)operands[0];
      float s = p->in_scale;
      int32_t zp = p->in_zp;
      bool wideIn = sizeof(typename I::T) == 1 && (zp <= -(1 << 30) || zp >= (1 << 30));
      if (q.small && !wideIn) {
        for (int64_t k = 0; k < n; ++k)
          out[k] = (typename O::T)q.smallPath(dequantizeOne<I>(in[k], zp, s));
      } else {
        for (int64_t k = 0; k < n; ++k)
          out[k] = (typename O::T)q.widePath((float)((int64_t)in[k] - (int64_t)zp) * s);
      }
    });
  });
}

QOPT_UK_ENTRY void qopt_k_fake_quant_dynamic(const qopt_k_fake_quant_params *p,
                                             void *const *operands, int64_t batch, void *) {
  int64_t n = p->n * batch;
  if (n <= 0)
    return;
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      const auto *in = (const typename I::T *)operands[1];
      auto *out = (typename O::T *)operands[0];
      // The range as std::min / std::max in the reference compute it (NaN never enters; the
      // result does not depend on the order, so 16 lanes combined in any order agree).
      constexpr int L = 16;
      float lo[L], hi[L], am[L];
      for (int j = 0; j < L; ++j)
        lo[j] = hi[j] = am[j] = 0.0f;
      int64_t k = 0;
      for (; k + L <= n; k += L)
        for (int j = 0; j < L; ++j) {
          float x = I::load(in, k + j), ax = absf(x);
          lo[j] = x < lo[j] ? x : lo[j];
          hi[j] = hi[j] < x ? x : hi[j];
          am[j] = am[j] < ax ? ax : am[j];
        }
      for (int j = 0; k + j < n; ++j) {
        float x = I::load(in, k + j), ax = absf(x);
        lo[j] = x < lo[j] ? x : lo[j];
        hi[j] = hi[j] < x ? x : hi[j];
        am[j] = am[j] < ax ? ax : am[j];
      }
      float l = 0.0f, h = 0.0f, a = 0.0f;
      for (int j = 0; j < L; ++j) {
        l = lo[j] < l ? lo[j] : l;
        h = h < hi[j] ? hi[j] : h;
        a = a < am[j] ? am[j] : a;
      }
      float scale;
      int32_t zp, qmin, qmax;
      bool identity;
      if (p->signed_storage) { // quant_math::weightI8
        identity = a == 0.0f;
        scale = a > 0.0f ? a / 127.0f : 1.0f;
        zp = 0, qmin = -127, qmax = 127;
      } else { // quant_math::asymmetricU8 (lo <= 0 <= hi already)
        identity = h == l;
        scale = h > l ? (h - l) / 255.0f : 1.0f;
        float z = __builtin_rintf(-l / scale);
        zp = z != z ? 0 : (z < 0.0f ? 0 : (z > 255.0f ? 255 : (int32_t)z));
        qmin = 0, qmax = 255;
      }
      if (identity) {
        for (int64_t m = 0; m < n; ++m)
          O::store(out, m, I::load(in, m));
        return;
      }
      Quantizer q(scale, zp, qmin, qmax);
      for (int64_t m = 0; m < n; ++m)
        O::store(out, m, (float)(q.smallPath(I::load(in, m)) - zp) * scale);
    });
  });
}
