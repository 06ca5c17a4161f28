// max_pool2d, avg_pool2d and global_avg_pool over NCHW planes (OpKernels.h). Freestanding.
//
// Each output row is produced in chunks of up to 64 outputs held in a local accumulator array;
// every kernel tap (ky, kx) updates the whole chunk with one loop over the outputs, which
// vectorises (strided loads for stride > 1) and visits the taps of each output in the
// reference's order.
//
// Accuracy against the reference executor:
//   max_pool2d       exact for every type (same tap order, same NaN rule: a NaN tap wins)
//   avg_pool2d       relative 2^-22 (f32 sum of at most kernel_h * kernel_w terms, one division)
//   global_avg_pool  relative (spatial / 16 + 4) * 2^-24 of sum |x| (LaneSum.h order)
// Identical on every target.
#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "Float16.h"
#include "KernelSupport.h"
#include "KernelThreads.h"
#include "LaneSum.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace mlir::qopt::opk {
namespace {

constexpr int64_t kChunk = 64;
constexpr int64_t kMaxPhases = 4, kPhaseLen = kChunk + 16; // maxPool's phase rows

struct U8 {
  using T = uint8_t;
  using Acc = int32_t;
  static QOPT_UK_INLINE int32_t load(const T *p, int64_t i) { return p[i]; }
  static QOPT_UK_INLINE void store(T *p, int64_t i, int32_t v) { p[i] = (T)v; }
  static constexpr int32_t lowest = 0;
};
struct I8 {
  using T = int8_t;
  using Acc = int32_t;
  static QOPT_UK_INLINE int32_t load(const T *p, int64_t i) { return p[i]; }
  static QOPT_UK_INLINE void store(T *p, int64_t i, int32_t v) { p[i] = (T)v; }
  static constexpr int32_t lowest = -128;
};
/// Float storage types with an f32 accumulator.
template <class F>
struct Flt : F {
  using Acc = float;
  static constexpr float lowest = -__builtin_inff();
};

template <class Ty>
QOPT_UK_INLINE bool takesMax(typename Ty::Acc v, typename Ty::Acc best) {
  return v > best || v != v; // NaN propagates, as in the reference (and PyTorch)
}

/// The common 2x2 window with stride 2 and no padding, every window inside the plane: the four
/// taps in the reference's order, as plain stride-2 loads the vectorizer turns into interleaved
/// vector loads (the general loop's clamped indices keep it scalar, at ~5x the time).
template <class Ty>
QOPT_UK_INLINE bool maxPool2x2(const qopt_k_pool2d_params *p, const typename Ty::T *in,
                               typename Ty::T *out, int64_t planes) {
  int64_t h = p->in_h, w = p->in_w, oh = p->out_h, ow = p->out_w;
  if (p->kernel_h != 2 || p->kernel_w != 2 || p->stride_h != 2 || p->stride_w != 2 ||
      p->dilation_h != 1 || p->dilation_w != 1 || p->pad_top != 0 || p->pad_left != 0 ||
      2 * oh > h || 2 * ow > w)
    return false;
#if defined(__AVX512F__)
  if constexpr (__is_same(typename Ty::T, float)) {
    // f32 with zmm: 16 outputs from 32 inputs of each row (masked, so any width), split into
    // the even and odd columns, the four taps folded in the reference's order with its NaN rule.
    // The loop below vectorizes only over rows of 16 outputs or more: the Fashion-MNIST CNN's
    // 14- and 7-wide pools ran scalar at 2 cycles per output.
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                           28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    auto step = [](__m512 best, __m512 v) QOPT_UK_INLINE_LAMBDA {
      const __mmask16 take =
          _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
      return _mm512_mask_mov_ps(best, take, v);
    };
    for (int64_t pl = 0; pl < planes; ++pl) {
      const float *src = in + pl * h * w;
      float *dst = out + pl * oh * ow;
      for (int64_t y = 0; y < oh; ++y) {
        const float *r0 = src + 2 * y * w, *r1 = r0 + w;
        for (int64_t x0 = 0; x0 < ow; x0 += 16) {
          const int64_t n = ow - x0 < 16 ? ow - x0 : 16; // outputs, 2n inputs per row
          const __mmask16 lo = (__mmask16)(2 * n >= 16 ? 0xFFFF : (1u << (2 * n)) - 1u);
          const __mmask16 hi = (__mmask16)(2 * n >= 32 ? 0xFFFF : (2 * n > 16 ? (1u << (2 * n - 16)) - 1u : 0u));
          const __m512 a0 = _mm512_maskz_loadu_ps(lo, r0 + 2 * x0);
          const __m512 a1 = _mm512_maskz_loadu_ps(hi, r0 + 2 * x0 + 16);
          const __m512 b0 = _mm512_maskz_loadu_ps(lo, r1 + 2 * x0);
          const __m512 b1 = _mm512_maskz_loadu_ps(hi, r1 + 2 * x0 + 16);
          __m512 best = _mm512_set1_ps(-__builtin_inff());
          best = step(best, _mm512_permutex2var_ps(a0, even, a1));
          best = step(best, _mm512_permutex2var_ps(a0, odd, a1));
          best = step(best, _mm512_permutex2var_ps(b0, even, b1));
          best = step(best, _mm512_permutex2var_ps(b0, odd, b1));
          _mm512_mask_storeu_ps(dst + y * ow + x0,
                                (__mmask16)(n >= 16 ? 0xFFFF : (1u << n) - 1u), best);
        }
      }
    }
    return true;
  }
#endif
  for (int64_t pl = 0; pl < planes; ++pl) {
    const auto *src = in + pl * h * w;
    auto *dst = out + pl * oh * ow;
    for (int64_t y = 0; y < oh; ++y) {
      const auto *r0 = src + 2 * y * w, *r1 = r0 + w;
      for (int64_t x = 0; x < ow; ++x) {
        typename Ty::Acc best = Ty::lowest, v;
        v = Ty::load(r0, 2 * x);
        best = takesMax<Ty>(v, best) ? v : best;
        v = Ty::load(r0, 2 * x + 1);
        best = takesMax<Ty>(v, best) ? v : best;
        v = Ty::load(r1, 2 * x);
        best = takesMax<Ty>(v, best) ? v : best;
        v = Ty::load(r1, 2 * x + 1);
        best = takesMax<Ty>(v, best) ? v : best;
        Ty::store(dst, y * ow + x, best);
      }
    }
  }
  return true;
}

/// The phase rows of one input row for a chunk of outputs from o0: phase ph holds the inputs at
/// columns (o0 + q) * stride_w + ph - pad_left for q < len, or `lowest` outside the row (a tap
/// there never wins, as a skipped tap: lowest is -inf, 0 or -128). Tap kx of output o0 + j then
/// reads phase (kx * dilation_w) % stride_w at q = j + (kx * dilation_w) / stride_w: contiguous
/// over j for every stride and dilation.
template <class Ty>
QOPT_UK_INLINE void poolPhases(const qopt_k_pool2d_params *p, const typename Ty::T *row,
                               int64_t o0, int64_t len, typename Ty::Acc *phases) {
  const int64_t w = p->in_w, sw = p->stride_w;
  for (int64_t ph = 0; ph < sw; ++ph) {
    typename Ty::Acc *dst = phases + ph * kPhaseLen;
    const int64_t x0 = o0 * sw + ph - p->pad_left;
    // q in [qlo, qhi): 0 <= x0 + q * sw < w.
    int64_t qlo = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
    int64_t qhi = w - x0 <= 0 ? 0 : (w - x0 + sw - 1) / sw;
    qhi = qhi < len ? qhi : len;
    qlo = qlo < qhi ? qlo : qhi;
    for (int64_t q = 0; q < qlo; ++q)
      dst[q] = Ty::lowest;
    for (int64_t q = qlo; q < qhi; ++q)
      dst[q] = Ty::load(row, x0 + q * sw);
    for (int64_t q = qhi; q < len; ++q)
      dst[q] = Ty::lowest;
  }
}

template <class Ty>
QOPT_UK_INLINE void maxPool(const qopt_k_pool2d_params *p, const typename Ty::T *in,
                            typename Ty::T *out, int64_t planes) {
  if (maxPool2x2<Ty>(p, in, out, planes))
    return;
  int64_t h = p->in_h, w = p->in_w, oh = p->out_h, ow = p->out_w;
  const int64_t sw = p->stride_w, reach = (p->kernel_w - 1) * p->dilation_w / sw;
  // Each input row's taps as contiguous phase rows (poolPhases), so that every tap's loop over
  // the chunk is plain vector loads and a compare-select: at stride 2 this is ~5x faster than
  // the strided loads. Kernels wider than the phase rows keep the strided loop below.
  const bool phased = sw <= kMaxPhases && kChunk + reach <= kPhaseLen;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const auto *src = in + pl * h * w;
    auto *dst = out + pl * oh * ow;
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t o0 = 0; o0 < ow; o0 += kChunk) {
        int64_t cw = ow - o0 < kChunk ? ow - o0 : kChunk;
        typename Ty::Acc best[kChunk];
        for (int64_t j = 0; j < cw; ++j)
          best[j] = Ty::lowest;
        for (int64_t ky = 0; ky < p->kernel_h; ++ky) {
          int64_t iy = y * p->stride_h - p->pad_top + ky * p->dilation_h;
          if (iy < 0 || iy >= h)
            continue;
          const auto *row = src + iy * w;
          if (phased) {
            typename Ty::Acc phases[kMaxPhases * kPhaseLen];
            poolPhases<Ty>(p, row, o0, cw + reach, phases);
            for (int64_t kx = 0; kx < p->kernel_w; ++kx) {
              const int64_t off = kx * p->dilation_w;
              const typename Ty::Acc *tap = phases + (off % sw) * kPhaseLen + off / sw;
              for (int64_t j = 0; j < cw; ++j)
                best[j] = takesMax<Ty>(tap[j], best[j]) ? tap[j] : best[j];
            }
            continue;
          }
          for (int64_t kx = 0; kx < p->kernel_w; ++kx) {
            // The outputs whose tap is inside the row, 0 <= x0 + j * sw < w, as one range: the
            // loop then has no per-element test and vectorizes (strided loads) like the 2x2 path.
            int64_t x0 = o0 * sw - p->pad_left + kx * p->dilation_w;
            int64_t jlo = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
            int64_t jhi = w - x0 <= 0 ? 0 : (w - x0 + sw - 1) / sw;
            jhi = jhi < cw ? jhi : cw;
            for (int64_t j = jlo; j < jhi; ++j) {
              typename Ty::Acc v = Ty::load(row, x0 + j * sw);
              best[j] = takesMax<Ty>(v, best[j]) ? v : best[j];
            }
          }
        }
        for (int64_t j = 0; j < cw; ++j)
          Ty::store(dst, y * ow + o0 + j, best[j]);
      }
  }
}

template <class I, class O>
QOPT_UK_INLINE void avgPool(const qopt_k_pool2d_params *p, const typename I::T *in,
                            typename O::T *out, int64_t planes) {
  int64_t h = p->in_h, w = p->in_w, oh = p->out_h, ow = p->out_w;
  int64_t kh = p->kernel_h, kw = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
  for (int64_t pl = 0; pl < planes; ++pl) {
    const auto *src = in + pl * h * w;
    auto *dst = out + pl * oh * ow;
    for (int64_t y = 0; y < oh; ++y) {
      int64_t y0 = y * sh - p->pad_top;
      int64_t y1 = y0 + kh < h + p->pad_bottom ? y0 + kh : h + p->pad_bottom;
      int64_t paddedH = y1 - y0;
      int64_t ry0 = y0 < 0 ? 0 : y0, ry1 = y1 < h ? y1 : h;
      int64_t realH = ry1 > ry0 ? ry1 - ry0 : 0;
      for (int64_t o0 = 0; o0 < ow; o0 += kChunk) {
        int64_t cw = ow - o0 < kChunk ? ow - o0 : kChunk;
        float sum[kChunk];
        for (int64_t j = 0; j < cw; ++j)
          sum[j] = 0.0f;
        for (int64_t iy = ry0; iy < ry1; ++iy) {
          const auto *row = src + iy * w;
          for (int64_t kx = 0; kx < kw; ++kx) {
            int64_t x0 = o0 * sw - p->pad_left + kx;
            for (int64_t j = 0; j < cw; ++j) {
              int64_t ix = x0 + j * sw;
              bool valid = ix >= 0 && ix < w;
              float v = I::load(row, valid ? ix : 0);
              sum[j] += valid ? v : 0.0f;
            }
          }
        }
        for (int64_t j = 0; j < cw; ++j) {
          int64_t x0 = (o0 + j) * sw - p->pad_left;
          int64_t x1 = x0 + kw < w + p->pad_right ? x0 + kw : w + p->pad_right;
          int64_t paddedW = x1 - x0;
          int64_t rx0 = x0 < 0 ? 0 : x0, rx1 = x1 < w ? x1 : w;
          int64_t realW = rx1 > rx0 ? rx1 - rx0 : 0;
          int64_t divisor = p->count_include_pad ? paddedH * paddedW : realH * realW;
          O::store(dst, y * ow + o0 + j, divisor > 0 ? sum[j] / (float)divisor : 0.0f);
        }
      }
    }
  }
}

} // namespace
} // namespace mlir::qopt::opk

using namespace mlir::qopt::opk;

/// maxPool over planes [0, planes) split into parts on env's threads.
template <class Ty>
QOPT_UK_INLINE void maxPoolParts(const qopt_k_pool2d_params *p, const typename Ty::T *in,
                                 typename Ty::T *out, int64_t planes,
                                 const qopt_native_env *env) {
  // A memory-bound op: the split pays from about 2 MiB read (ResNet's first max pool reads
  // 3.2 MB of f32), so the input bytes stand in for kernelThreads' multiply-adds.
  const int64_t inPlane = p->in_h * p->in_w, outPlane = p->out_h * p->out_w;
  const int64_t parts = kernelThreads(env, planes * inPlane * (int64_t)sizeof(typename Ty::T));
  forEachPart(env, parts, [=](int64_t i) {
    int64_t b, e;
    partRange(planes, 1, parts, i, b, e);
    if (b < e)
      maxPool<Ty>(p, in + b * inPlane, out + b * outPlane, e - b);
  });
}

QOPT_UK_ENTRY void qopt_k_max_pool2d(const qopt_k_pool2d_params *p, void *const *operands,
                                     int64_t batch, void *, const qopt_native_env *env) {
  int64_t planes = batch * p->channels;
  const void *in = operands[1];
  void *out = operands[0];
  switch (p->in_type) {
  case QOPT_K_U8:
    return maxPoolParts<U8>(p, (const uint8_t *)in, (uint8_t *)out, planes, env);
  case QOPT_K_I8:
    return maxPoolParts<I8>(p, (const int8_t *)in, (int8_t *)out, planes, env);
  default:
    // The max selects an input value, so computing in f32 and storing in the input's type is
    // exact; out_type equals in_type for max_pool2d.
    withFloatType(p->in_type, [&](auto t) QOPT_UK_INLINE_LAMBDA {
      using F = Flt<decltype(t)>;
      maxPoolParts<F>(p, (const typename F::T *)in, (typename F::T *)out, planes, env);
    });
  }
}

QOPT_UK_ENTRY void qopt_k_avg_pool2d(const qopt_k_pool2d_params *p, void *const *operands,
                                     int64_t batch, void *) {
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      avgPool<I, O>(p, (const typename I::T *)operands[1], (typename O::T *)operands[0],
                    batch * p->channels);
    });
  });
}

QOPT_UK_ENTRY void qopt_k_global_avg_pool(const qopt_k_global_avg_pool_params *p,
                                          void *const *operands, int64_t batch, void *) {
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      const auto *x = (const typename I::T *)operands[1];
      auto *y = (typename O::T *)operands[0];
      int64_t sp = p->spatial, planes = batch * p->channels;
      for (int64_t c = 0; c < planes; ++c) {
        const auto *xc = x + c * sp;
        float sum = laneSum(sp, [&](int64_t k) QOPT_UK_INLINE_LAMBDA { return I::load(xc, k); });
        O::store(y, c, sp > 0 ? sum / (float)sp : 0.0f);
      }
    });
  });
}
