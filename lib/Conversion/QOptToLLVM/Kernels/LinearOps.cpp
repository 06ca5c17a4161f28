// The linear-op kernels of LinearKernels.h: fully_connected, conv2d (implicit GEMM over an im2col
// buffer) and matmul, on the GEMM microkernels of the target this file is compiled for (zmm
// vpdpbusd / FMA / vdpbf16ps with avx512, exact vpmaddwd / ymm FMA with avx2). Freestanding.
#include "qopt/Conversion/QOptToLLVM/Kernels/LinearKernels.h"

#include "KernelSupport.h"
#include "KernelThreads.h"
#if defined(__AVX512F__)
#include "RequantizeAvx512.h"
#endif

#include <immintrin.h>

namespace {

#if defined(__AVX512F__)
using mlir::qopt::ukernel::detail::RequantBounds;
constexpr int kLayoutF32 = QOPT_UK_LAYOUT_F32;
constexpr int64_t kFloatNR = QOPT_UK_FLOAT_NR, kFloatMR = QOPT_UK_FLOAT_MR;
constexpr int64_t kIntNR = QOPT_UK_VNNI_NR, kIntMR = QOPT_UK_VNNI_MR;
#else
constexpr int kLayoutF32 = QOPT_UK_LAYOUT_F32_AVX2;
constexpr int64_t kFloatNR = QOPT_UK_AVX2_FLOAT_NR, kFloatMR = QOPT_UK_AVX2_FLOAT_MR;
constexpr int64_t kIntNR = QOPT_UK_AVX2_NR, kIntMR = QOPT_UK_AVX2_MR;
#endif

QOPT_UK_INLINE int64_t align64(int64_t v) { return (v + 63) / 64 * 64; }

QOPT_UK_INLINE float halfToFloat(uint16_t h) { return _cvtsh_ss(h); }
QOPT_UK_INLINE uint16_t floatToHalf(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }
QOPT_UK_INLINE float bf16ToFloat(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
QOPT_UK_INLINE uint16_t floatToBf16(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u)
    return (uint16_t)((u >> 16) | 0x40); // quiet NaN
  return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

/// Element i of a float tensor of qopt_k_dtype `type` as f32.
QOPT_UK_INLINE float loadFloat(const void *p, int32_t type, int64_t i) {
  if (type == QOPT_K_F16)
    return halfToFloat(static_cast<const uint16_t *>(p)[i]);
  if (type == QOPT_K_BF16)
    return bf16ToFloat(static_cast<const uint16_t *>(p)[i]);
  return static_cast<const float *>(p)[i];
}

QOPT_UK_INLINE void storeFloat(void *p, int32_t type, int64_t i, float v) {
  if (type == QOPT_K_F16)
    static_cast<uint16_t *>(p)[i] = floatToHalf(v);
  else if (type == QOPT_K_BF16)
    static_cast<uint16_t *>(p)[i] = floatToBf16(v);
  else
    static_cast<float *>(p)[i] = v;
}

/// The float dtype a float GEMM writes for out_kind.
QOPT_UK_INLINE int32_t outFloatType(int32_t outKind) {
  return outKind == QOPT_K_OUT_F16 ? QOPT_K_F16
                                   : (outKind == QOPT_UK_OUT_BF16 ? QOPT_K_BF16 : QOPT_K_F32);
}

QOPT_UK_INLINE bool isQuantized(const qopt_k_gemm_params *p) {
  return p->x_type == QOPT_K_U8 || p->x_type == QOPT_K_I8;
}

/// The int8 epilogue of a GEMM or conv's params, with the per-channel arrays of this call (a
/// conv group's slice of them).
QOPT_UK_INLINE qopt_uk_epilogue quantEpilogue(const qopt_k_gemm_params *p, const int32_t *bias,
                                              const float *scales, const float *floatBias) {
  qopt_uk_epilogue ep;
  ep.bias = bias;
  ep.acc_scale = scales;
  ep.float_bias = floatBias;
  ep.act_lo = p->act_lo;
  ep.act_hi = p->act_hi;
  ep.has_act = p->has_act;
  ep.out_scale = p->out_scale;
  ep.out_zp = p->out_zp;
  ep.qmin = p->qmin;
  ep.qmax = p->qmax;
  ep.out_kind = p->out_kind;
  return ep;
}

/// The float epilogue of a GEMM or conv's params, writing the microkernel out kind `outKind`.
QOPT_UK_INLINE qopt_uk_float_epilogue floatEpilogue(const qopt_k_gemm_params *p, const float *bias,
                                                    int32_t outKind) {
  qopt_uk_float_epilogue ep;
  ep.bias = bias;
  ep.act_lo = p->act_lo;
  ep.act_hi = p->act_hi;
  ep.has_act = p->has_act;
  ep.out_kind = outKind;
  return ep;
}

/// The int8 GEMM: u8 x (already shifted when the input was i8), out of ep->out_kind; columns
/// [n0, n1) of M rows (out and x at the first of them).
QOPT_UK_INLINE void gemmU8(const qopt_k_gemm_params *p, const uint8_t *x, int64_t lda,
                           const void *w, const int32_t *bias, const float *scales,
                           const float *floatBias, int64_t M, void *out, int64_t ldc, int64_t n0,
                           int64_t n1) {
  qopt_uk_epilogue ep = quantEpilogue(p, bias, scales, floatBias);
#if defined(__AVX512F__)
  qopt_uk_gemm_u8s8_avx512vnni(x, lda, static_cast<const int8_t *>(w), M, p->n, p->k, n0, n1, &ep,
                               out, ldc);
#else
  qopt_uk_gemm_u8s8_avx2(x, lda, static_cast<const int16_t *>(w), M, p->n, p->k, n0, n1, &ep, out,
                         ldc);
#endif
}

/// The float GEMM on f32 activations x [M][lda], f32 result [M][ldc], columns [n0, n1).
QOPT_UK_INLINE void gemmF32(const qopt_k_gemm_params *p, const float *x, int64_t lda, const void *w,
                            const float *bias, int64_t M, float *out, int64_t ldc, int64_t n0,
                            int64_t n1) {
  qopt_uk_float_epilogue ep = floatEpilogue(p, bias, QOPT_UK_OUT_F32);
#if defined(__AVX512F__)
  qopt_uk_gemm_f32_avx512(x, lda, static_cast<const float *>(w), M, p->n, p->k, n0, n1, &ep, out,
                          ldc);
#else
  qopt_uk_gemm_f32_avx2(x, lda, static_cast<const float *>(w), M, p->n, p->k, n0, n1, &ep, out,
                        ldc);
#endif
}

#if defined(__AVX512BF16__)
QOPT_UK_INLINE void gemmBf16(const qopt_k_gemm_params *p, const uint16_t *x, int64_t lda,
                             const void *w, const float *bias, int64_t M, void *out, int64_t ldc,
                             int32_t outKind, int64_t n0, int64_t n1) {
  qopt_uk_float_epilogue ep = floatEpilogue(p, bias, outKind);
  qopt_uk_gemm_bf16_avx512bf16(x, lda, static_cast<const uint16_t *>(w), M, p->n, p->k, n0, n1,
                               &ep, out, ldc);
}
#endif

/// A float GEMM of M rows of x (of p->x_type, row stride lda elements) into out (row stride ldc,
/// of the out kind's float type), with the scratch it needs at `scratch`, on env's threads.
/// Activations of another type than f32 are converted first, on the calling thread: that is
/// one pass over x, against the GEMM's N passes.
QOPT_UK_INLINE void gemmFloat(const qopt_k_gemm_params *p, const void *x, int64_t lda,
                              const void *w, const float *bias, int64_t M, void *out, int64_t ldc,
                              uint8_t *scratch, const qopt_native_env *env) {
  const int64_t K = p->k, N = p->n;
  const int32_t outType = outFloatType(p->out_kind);
#if defined(__AVX512BF16__)
  if (p->layout == QOPT_UK_LAYOUT_BF16 && p->x_type == QOPT_K_BF16 && outType != QOPT_K_F16) {
    const int64_t ob = outType == QOPT_K_BF16 ? 2 : 4;
    const int32_t kind = outType == QOPT_K_BF16 ? QOPT_UK_OUT_BF16 : QOPT_UK_OUT_F32;
    splitGemm(env, M, N, K, kFloatMR, kFloatNR, [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      gemmBf16(p, static_cast<const uint16_t *>(x) + m0 * lda, lda, w, bias, m1 - m0,
               static_cast<uint8_t *>(out) + m0 * ldc * ob, ldc, kind, n0, n1);
    });
    return;
  }
#endif
  const float *xf = static_cast<const float *>(x);
  int64_t xld = lda;
  if (p->x_type != QOPT_K_F32) {
    float *conv = reinterpret_cast<float *>(scratch);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t kk = 0; kk < K; ++kk)
        conv[m * K + kk] = loadFloat(x, p->x_type, m * lda + kk);
    xf = conv;
    xld = K;
    scratch += align64(M * K * 4);
  }
  const bool direct = outType == QOPT_K_F32;
  float *y = direct ? static_cast<float *>(out) : reinterpret_cast<float *>(scratch);
  const int64_t yld = direct ? ldc : N;
  splitGemm(env, M, N, K, kFloatMR, kFloatNR, [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    gemmF32(p, xf + m0 * xld, xld, w, bias, m1 - m0, y + m0 * yld, yld, n0, n1);
    if (!direct)
      for (int64_t m = m0; m < m1; ++m)
        for (int64_t n = n0; n < n1; ++n)
          storeFloat(out, outType, m * ldc + n, y[m * N + n]);
  });
}

QOPT_UK_INLINE void shiftToU8(const int8_t *src, uint8_t *dst, int64_t n) {
#if defined(__AVX512F__)
  qopt_uk_shift_s8_to_u8_avx512(src, dst, n);
#else
  qopt_uk_shift_s8_to_u8_avx2(src, dst, n);
#endif
}

QOPT_UK_INLINE int64_t outElemBytes(int32_t outKind) {
  switch (outKind) {
  case QOPT_UK_OUT_U8:
  case QOPT_UK_OUT_I8:
    return 1;
  case QOPT_UK_OUT_BF16:
  case QOPT_K_OUT_F16:
    return 2;
  default:
    return 4;
  }
}

} // namespace

#include "DepthwiseOps.h"
#include "RowsConv.h"

extern "C" __attribute__((always_inline)) void
qopt_k_fully_connected(const qopt_k_gemm_params *p, void *const *operands, int64_t batch,
                       void *scratch, const qopt_native_env *env) {
  const int64_t M = p->rows * batch, K = p->k, N = p->n;
  void *out = operands[0];
  const void *x = operands[1], *w = operands[2];
  uint8_t *s = static_cast<uint8_t *>(scratch);
  if (isQuantized(p)) {
    const uint8_t *xu = static_cast<const uint8_t *>(x);
    const bool shift = p->x_type == QOPT_K_I8;
    if (shift) {
      shiftToU8(static_cast<const int8_t *>(x), s, M * K);
      xu = s;
    }
    const int64_t ob = outElemBytes(p->out_kind);
    const int32_t *bias = static_cast<const int32_t *>(operands[3]);
    const float *scales = static_cast<const float *>(operands[4]);
    const float *fb = p->has_float_bias ? static_cast<const float *>(operands[5]) : nullptr;
    splitGemm(env, M, N, K, kIntMR, kIntNR, [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      gemmU8(p, xu + m0 * K, K, w, bias, scales, fb, m1 - m0,
             static_cast<uint8_t *>(out) + m0 * N * ob, N, n0, n1);
    });
    return;
  }
  gemmFloat(p, x, K, w, static_cast<const float *>(operands[3]), M, out, N, s, env);
}

/// The first half of a tap-major conv2d's im2col (qopt_k_conv2d_params.tap_major), pixels
/// [px0, px1) of image `xs`, group g: the group's channels transposed to HWC in `hwc` (shifted
/// to u8 / kept bf16 / converted to f32, as the GEMM takes them). A 1x1 conv with stride 1 and
/// no padding reads every pixel once, in order: its im2col matrix is this HWC image itself.
QOPT_UK_INLINE void transposeToHwc(const qopt_k_conv2d_params *c, const uint8_t *xs, int64_t g,
                                   int32_t shift, bool quant, bool bf16, uint8_t *hwc,
                                   int64_t px0, int64_t px1) {
  const int64_t cg = c->channels / c->groups, inPlane = c->in_h * c->in_w;
  const int32_t xType = c->gemm.x_type;
  if (quant && cg % 8 == 0) {
    // Eight channels at a time, one 8-byte store per pixel: the transpose is bound by stores.
    const uint64_t bias = 0x0101010101010101ull * (uint8_t)shift;
    for (int64_t p0 = px0; p0 < px1; p0 += 64) {
      int64_t end = p0 + 64 < px1 ? p0 + 64 : px1;
      for (int64_t ch = 0; ch < cg; ch += 8) {
        const uint8_t *src = xs + (g * cg + ch) * inPlane;
        for (int64_t px = p0; px < end; ++px) {
          uint64_t v = 0;
          for (int64_t q = 0; q < 8; ++q)
            v |= (uint64_t)src[q * inPlane + px] << (8 * q);
          // Adding the shift bytewise: +128 flips the top bit of each byte, without carries.
          v = shift ? v ^ bias : v;
          __builtin_memcpy(hwc + px * cg + ch, &v, 8);
        }
      }
    }
    return;
  }
  for (int64_t p0 = px0; p0 < px1; p0 += 64)
    for (int64_t ch = 0; ch < cg; ++ch) {
      int64_t plane = (g * cg + ch) * inPlane, end = p0 + 64 < px1 ? p0 + 64 : px1;
      for (int64_t px = p0; px < end; ++px) {
        if (quant)
          hwc[px * cg + ch] = (uint8_t)(xs[plane + px] + shift);
        else if (bf16)
          reinterpret_cast<uint16_t *>(hwc)[px * cg + ch] =
              reinterpret_cast<const uint16_t *>(xs)[plane + px];
        else
          reinterpret_cast<float *>(hwc)[px * cg + ch] = loadFloat(xs, xType, plane + px);
      }
    }
}

/// The second half, output rows [oh0, oh1): per output pixel and tap one contiguous copy of the
/// channels from `hwc` into the im2col rows, or the padding value where the tap falls outside.
QOPT_UK_INLINE void gatherTaps(const qopt_k_conv2d_params *c, const uint8_t *hwc, uint8_t pad,
                               bool quant, bool bf16, uint8_t *col, int64_t oh0, int64_t oh1) {
  const int64_t cg = c->channels / c->groups;
  const int64_t run = cg * (quant ? 1 : (bf16 ? 2 : 4));
  uint8_t *dst = col + oh0 * c->out_w * c->kernel_h * c->kernel_w * run;
  for (int64_t oh = oh0; oh < oh1; ++oh)
    for (int64_t ow = 0; ow < c->out_w; ++ow)
      for (int64_t kh = 0; kh < c->kernel_h; ++kh) {
        int64_t ih = oh * c->stride_h - c->pad_top + kh * c->dilation_h;
        for (int64_t kw = 0; kw < c->kernel_w; ++kw, dst += run) {
          int64_t iw = ow * c->stride_w - c->pad_left + kw * c->dilation_w;
          if (ih >= 0 && ih < c->in_h && iw >= 0 && iw < c->in_w)
            __builtin_memcpy(dst, hwc + (ih * c->in_w + iw) * run, run);
          else // padding: the stored value of real 0 (shifted), or +0.0
            __builtin_memset(dst, quant ? pad : 0, run);
        }
      }
}

/// The im2col rows of output rows [oh0, oh1) for weights packed at run time, in OIHW order:
/// row = output pixel, column = (channel, kh, kw) as in the OIHW weight rows.
QOPT_UK_INLINE void gatherOihw(const qopt_k_conv2d_params *c, const uint8_t *xs, int64_t g,
                               bool bf16, uint8_t *col, int64_t oh0, int64_t oh1) {
  const int64_t cg = c->channels / c->groups, inPlane = c->in_h * c->in_w, K = c->gemm.k;
  for (int64_t oh = oh0; oh < oh1; ++oh)
    for (int64_t ow = 0; ow < c->out_w; ++ow) {
      int64_t row = oh * c->out_w + ow, kk = 0;
      for (int64_t ch = 0; ch < cg; ++ch) {
        int64_t plane = (g * cg + ch) * inPlane;
        for (int64_t kh = 0; kh < c->kernel_h; ++kh) {
          int64_t ih = oh * c->stride_h - c->pad_top + kh * c->dilation_h;
          for (int64_t kw = 0; kw < c->kernel_w; ++kw, ++kk) {
            int64_t iw = ow * c->stride_w - c->pad_left + kw * c->dilation_w;
            bool inside = ih >= 0 && ih < c->in_h && iw >= 0 && iw < c->in_w;
            int64_t at = plane + ih * c->in_w + iw;
            if (bf16) // bf16 stays bf16 for vdpbf16ps (0x0000 is +0)
              reinterpret_cast<uint16_t *>(col)[row * K + kk] =
                  inside ? reinterpret_cast<const uint16_t *>(xs)[at] : (uint16_t)0;
            else
              reinterpret_cast<float *>(col)[row * K + kk] =
                  inside ? loadFloat(xs, c->gemm.x_type, at) : 0.0f;
          }
        }
      }
    }
}

/// Packs a weight the graph computes, once per call, into the target's f32 layout at wDst, its
/// bias after it (bDst).
QOPT_UK_INLINE void packRuntimeWeights(const qopt_k_conv2d_params *c, void *const *operands,
                                       uint8_t *wDst, float *bDst) {
  const qopt_k_gemm_params *p = &c->gemm;
  const int64_t K = p->k, N = p->n;
  for (int64_t g = 0; g < c->groups; ++g) {
    float *dst = reinterpret_cast<float *>(wDst + g * c->group_packed_bytes);
    for (int64_t blk = 0; blk < p->np / kFloatNR; ++blk)
      for (int64_t kk = 0; kk < K; ++kk)
        for (int64_t j = 0; j < kFloatNR; ++j) {
          int64_t col = blk * kFloatNR + j;
          dst[(blk * K + kk) * kFloatNR + j] =
              col < N ? loadFloat(operands[2], p->x_type, (g * N + col) * K + kk) : 0.0f;
        }
    for (int64_t col = 0; col < p->np; ++col)
      bDst[g * p->np + col] =
          operands[3] && col < N ? loadFloat(operands[3], p->x_type, g * N + col) : 0.0f;
  }
}

extern "C" __attribute__((always_inline)) void
qopt_k_conv2d(const qopt_k_conv2d_params *c, void *const *operands, int64_t batch, void *scratch,
              const qopt_native_env *env) {
  if (depthwiseConv2d(c, operands, batch, scratch))
    return;
#if defined(__AVX512F__)
  if (qopt_k_conv_rows(c)) {
    rowsConv2d(c, operands, batch, scratch, env);
    return;
  }
#endif
  const qopt_k_gemm_params *p = &c->gemm;
  const int64_t rows = c->out_h * c->out_w, K = p->k, N = p->n;
  const bool quant = isQuantized(p);
  // Weights packed in pairs for vdpbf16ps (qopt-pack-weights picks that layout for bf16 on
  // avx512bf16 only): the im2col buffer then holds bf16.
  const bool bf16Gemm = p->layout == QOPT_UK_LAYOUT_BF16;
  const int64_t xBytes = quant ? 1 : (p->x_type == QOPT_K_F32 ? 4 : 2);
  uint8_t *col = static_cast<uint8_t *>(scratch);
  uint8_t *res = col + align64(rows * K * (quant ? 1 : 4));
  uint8_t *hwc = res + align64(rows * p->np * 4);
  const int64_t inPlane = c->in_h * c->in_w, sampleIn = c->channels * inPlane;
  const int64_t sampleOut = c->out_channels * rows;
  const int32_t outType = outFloatType(p->out_kind);
  // An i8 input is shifted to u8 as it is gathered (the packed bias compensates); padding is the
  // stored value of real 0, shifted likewise.
  const int32_t shift = p->x_type == QOPT_K_I8 ? 128 : 0;
  const uint8_t pad = (uint8_t)(c->x_zp + shift);
  const bool pointwise = qopt_k_conv_pointwise(c);
  const void *packedW = operands[2];
  const float *packedBias = static_cast<const float *>(operands[3]);
  if (c->runtime_weights) {
    uint8_t *wDst = hwc;
    float *bDst = reinterpret_cast<float *>(wDst + c->groups * c->group_packed_bytes);
    packRuntimeWeights(c, operands, wDst, bDst);
    packedW = wDst;
    packedBias = bDst;
  }
  // Each part gathers, multiplies and writes back its own output rows (after the HWC transpose,
  // itself split by pixels): rows of one scratch, so that no part needs scratch of its own.
  const int64_t parts = kernelThreads(env, rows * N * K);
  const int64_t eb = quant ? outElemBytes(p->out_kind) : 4;
  for (int64_t b = 0; b < batch; ++b) {
    const uint8_t *xs = static_cast<const uint8_t *>(operands[1]) + b * sampleIn * xBytes;
    for (int64_t g = 0; g < c->groups; ++g) {
      uint8_t *image = pointwise ? col : hwc;
      if (c->tap_major)
        forEachPart(env, parts, [=](int64_t i) {
          int64_t px0, px1;
          partRange(inPlane, 64, parts, i, px0, px1);
          transposeToHwc(c, xs, g, shift, quant, bf16Gemm, image, px0, px1);
        });
      const uint8_t *w = static_cast<const uint8_t *>(packedW) + g * c->group_packed_bytes;
      forEachPart(env, parts, [=](int64_t i) {
        int64_t oh0, oh1;
        partRange(c->out_h, 1, parts, i, oh0, oh1);
        if (oh0 == oh1)
          return;
        if (!c->tap_major)
          gatherOihw(c, xs, g, bf16Gemm, col, oh0, oh1);
        else if (!pointwise)
          gatherTaps(c, hwc, pad, quant, bf16Gemm, col, oh0, oh1);
        const int64_t r0 = oh0 * c->out_w, r1 = oh1 * c->out_w, M = r1 - r0;
        if (quant) {
          const int32_t *bias = static_cast<const int32_t *>(operands[3]) + g * p->np;
          const float *scales = static_cast<const float *>(operands[4]) + g * p->np;
          const float *fb =
              p->has_float_bias ? static_cast<const float *>(operands[5]) + g * p->np : nullptr;
          gemmU8(p, col + r0 * K, K, w, bias, scales, fb, M, res + r0 * N * eb, N, 0, N);
        } else {
          const float *bias = packedBias ? packedBias + g * p->np : nullptr;
          qopt_k_gemm_params fp = *p;
          fp.x_type = QOPT_K_F32; // im2col already converted the activations
          fp.out_kind = QOPT_UK_OUT_F32;
#if defined(__AVX512BF16__)
          if (bf16Gemm)
            gemmBf16(&fp, reinterpret_cast<const uint16_t *>(col) + r0 * K, K, w, bias, M,
                     res + r0 * N * 4, N, QOPT_UK_OUT_F32, 0, N);
          else
#endif
            gemmF32(&fp, reinterpret_cast<const float *>(col) + r0 * K, K, w, bias, M,
                    reinterpret_cast<float *>(res) + r0 * N, N, 0, N);
        }
        // [pixel][channel] -> NCHW, in blocks of 16 pixels, so that the result rows a block
        // reads (N channels each) stay in L1 while every channel's 16 outputs are written.
        uint8_t *outBase = static_cast<uint8_t *>(operands[0]);
        for (int64_t rb = r0; rb < r1; rb += 16)
          for (int64_t oc = 0; oc < N; ++oc) {
            int64_t dst = b * sampleOut + (g * N + oc) * rows;
            for (int64_t r = rb; r < rb + 16 && r < r1; ++r) {
              if (!quant)
                storeFloat(outBase, outType, dst + r,
                           reinterpret_cast<const float *>(res)[r * N + oc]);
              else if (eb == 1)
                outBase[dst + r] = res[r * N + oc];
              else
                __builtin_memcpy(outBase + (dst + r) * 4, res + (r * N + oc) * 4, 4);
            }
          }
      });
    }
  }
}

/// One matrix of a matmul, out [M][N] = lhs [M][K] x rhs [K][N] (of their qopt_k_dtypes, at
/// element offsets), on `part`'s scratch (LinearKernels.h): rhs packed into the f32 layout with
/// whole-row copies, lhs converted only when it is not f32, the result written in place when it
/// is f32. The GEMM itself is split over env's threads (pass one thread when the parts already
/// run in parallel).
QOPT_UK_INLINE void matmulOne(const qopt_k_matmul_params *p, void *const *operands, int64_t lhsOff,
                              int64_t rhsOff, int64_t outOff, uint8_t *part,
                              const qopt_native_env *env) {
  const int64_t M = p->m, N = p->n, K = p->k;
  const int64_t np = (N + kFloatNR - 1) / kFloatNR * kFloatNR;
  float *packed = reinterpret_cast<float *>(part);
  float *a = reinterpret_cast<float *>(part + align64(np * K * 4));
  float *y = reinterpret_cast<float *>(reinterpret_cast<uint8_t *>(a) + align64(M * K * 4));
  // Pack rhs [K][N]: per column block, per k, kFloatNR columns (zero past N).
  for (int64_t blk = 0; blk < np / kFloatNR; ++blk) {
    const int64_t col0 = blk * kFloatNR, cols = N - col0 < kFloatNR ? N - col0 : kFloatNR;
    float *dst = packed + blk * K * kFloatNR;
    for (int64_t kk = 0; kk < K; ++kk, dst += kFloatNR) {
      const int64_t src = rhsOff + kk * N + col0;
      if (p->rhs_type == QOPT_K_F32)
        __builtin_memcpy(dst, static_cast<const float *>(operands[2]) + src, cols * 4);
      else
        for (int64_t j = 0; j < cols; ++j)
          dst[j] = loadFloat(operands[2], p->rhs_type, src + j);
      for (int64_t j = cols; j < kFloatNR; ++j)
        dst[j] = 0.0f;
    }
  }
  const float *x = static_cast<const float *>(operands[1]) + lhsOff;
  if (p->lhs_type != QOPT_K_F32) {
    for (int64_t i = 0; i < M * K; ++i)
      a[i] = loadFloat(operands[1], p->lhs_type, lhsOff + i);
    x = a;
  }
  const bool direct = p->out_type == QOPT_K_F32;
  float *res = direct ? static_cast<float *>(operands[0]) + outOff : y;
  qopt_k_gemm_params gp;
  __builtin_memset(&gp, 0, sizeof(gp));
  gp.rows = M;
  gp.n = N;
  gp.k = K;
  gp.np = np;
  gp.layout = kLayoutF32;
  gp.x_type = QOPT_K_F32;
  gp.out_kind = QOPT_UK_OUT_F32;
  splitGemm(env, M, N, K, kFloatMR, kFloatNR, [=](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    gemmF32(&gp, x + m0 * K, K, packed, nullptr, m1 - m0, res + m0 * N, N, n0, n1);
    if (p->has_out_scale) // the folded multiply, on the block just written (still in cache)
      for (int64_t m = m0; m < m1; ++m)
        for (int64_t n = n0; n < n1; ++n)
          res[m * N + n] = res[m * N + n] * p->out_scale;
    if (!direct)
      for (int64_t m = m0; m < m1; ++m)
        for (int64_t n = n0; n < n1; ++n)
          storeFloat(operands[0], p->out_type, outOff + m * N + n, y[m * N + n]);
  });
}

extern "C" __attribute__((always_inline)) void
qopt_k_matmul(const qopt_k_matmul_params *p, void *const *operands, int64_t batch, void *scratch,
              const qopt_native_env *env) {
  const int64_t M = p->m, N = p->n, K = p->k;
  const int64_t outSample = p->batch_count * M * N, total = batch * p->batch_count;
  // Matrix t = (sample, flattened batch index) -> the operands' element offsets (broadcast dims
  // stride 0).
  auto offsets = [=](int64_t t, int64_t &lhsOff, int64_t &rhsOff, int64_t &outOff) {
    const int64_t s = t / p->batch_count, bi = t % p->batch_count;
    lhsOff = s * p->lhs_sample_stride;
    rhsOff = s * p->rhs_sample_stride;
    int64_t rest = bi;
    for (int32_t d = p->batch_rank - 1; d >= 0; --d) {
      int64_t idx = rest % p->out_batch_dims[d];
      rest /= p->out_batch_dims[d];
      lhsOff += idx * p->lhs_index_stride[d];
      rhsOff += idx * p->rhs_index_stride[d];
    }
    outOff = s * outSample + bi * M * N;
  };
  // Matrices too small to split (attention's 128 x 128 x 64 per head) run side by side instead,
  // each part on its own scratch part and over its own range of matrices.
  int64_t parts = kernelThreads(env, M * N * K) > 1 ? 1 : kernelThreads(env, M * N * K * total);
  parts = parts < p->scratch_parts ? parts : p->scratch_parts;
  parts = parts < total ? parts : total;
  if (parts <= 1) {
    for (int64_t t = 0; t < total; ++t) {
      int64_t l, r, o;
      offsets(t, l, r, o);
      matmulOne(p, operands, l, r, o, static_cast<uint8_t *>(scratch), env);
    }
    return;
  }
  forEachPart(env, parts, [=](int64_t i) {
    int64_t t0, t1;
    partRange(total, 1, parts, i, t0, t1);
    uint8_t *part = static_cast<uint8_t *>(scratch) + i * p->part_scratch_bytes;
    for (int64_t t = t0; t < t1; ++t) {
      int64_t l, r, o;
      offsets(t, l, r, o);
      matmulOne(p, operands, l, r, o, part, nullptr);
    }
  });
}
