// The direct depthwise conv2d of qopt_k_conv2d (channels per group == 1), included by
// LinearOps.cpp after its helpers (loadFloat, storeFloat, outFloatType, outElemBytes) and
// compiled per target like it: zmm with avx512 (vpdpwssd, 16 lanes), ymm with avx2 (vpmaddwd,
// 8 lanes).
//
// Why not im2col + GEMM: a depthwise group is a GEMM with one column and K = kh * kw, so the
// GEMM's 48-column register tile computes 1/48 useful lanes and the im2col copies the input
// kh * kw times. Here each output plane is a stencil vectorized over the output width.
//
// Borders cost nothing in the loop: each input plane is first copied into scratch with its
// padding materialized (the stored value of real 0: x_zp, +128 for i8, i.e. the value whose
// centered contribution the folded bias already cancels, exactly as in the im2col buffer; 0.0f
// for float) and, for a horizontal stride S, split into S phase planes of the columns
// c = q * S + phase. Tap (kh, kw) of output column ow then reads phase (kw * dw) % S at
// q = ow + (kw * dw) / S: contiguous over ow for every stride and dilation, so the inner loop is
// one vector load and one multiply-add per tap and vector, with no branch and no scalar tail
// (rows carry slack for the last vector; its extra lanes are never stored).
//
// Integer results are bit-exact with the GEMM path: the i32 sum of w * u8 over the same taps
// (with the same padding bytes) plus the same folded bias, then the same epilogue operations as
// qopt_uk_epilogue's (float multiply, optional float bias, clamp, true division, NaN -> zp,
// clamp, round to nearest even). A u8 byte zero-extended to a dword times an s8 weight in the
// low word is exact in vpmaddwd / vpdpwssd (the high words are 0).
// Float: f32 FMAs in tap order (kh, then kw) from 0, then the bias and the clamp, the same
// operations on both targets, so avx512 and avx2 give identical bytes.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_DEPTHWISEOPS_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_DEPTHWISEOPS_H

namespace {

#if defined(__AVX512F__)
constexpr int64_t kDwLanes = 16;
using DwVI = __m512i;
using DwVF = __m512;
QOPT_UK_INLINE DwVI dwLoadU8(const uint8_t *p) {
  return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
}
QOPT_UK_INLINE DwVI dwMadd(DwVI acc, DwVI x, DwVI w) { return _mm512_dpwssd_epi32(acc, x, w); }
QOPT_UK_INLINE DwVI dwSet1I(int32_t v) { return _mm512_set1_epi32(v); }
QOPT_UK_INLINE DwVI dwZeroI() { return _mm512_setzero_si512(); }
QOPT_UK_INLINE DwVF dwLoadF(const float *p) { return _mm512_loadu_ps(p); }
QOPT_UK_INLINE DwVF dwFma(DwVF acc, DwVF x, DwVF w) { return _mm512_fmadd_ps(x, w, acc); }
QOPT_UK_INLINE DwVF dwSet1F(float v) { return _mm512_set1_ps(v); }
QOPT_UK_INLINE DwVF dwZeroF() { return _mm512_setzero_ps(); }
#else
constexpr int64_t kDwLanes = 8;
using DwVI = __m256i;
using DwVF = __m256;
QOPT_UK_INLINE DwVI dwLoadU8(const uint8_t *p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(p)));
}
QOPT_UK_INLINE DwVI dwMadd(DwVI acc, DwVI x, DwVI w) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w));
}
QOPT_UK_INLINE DwVI dwSet1I(int32_t v) { return _mm256_set1_epi32(v); }
QOPT_UK_INLINE DwVI dwZeroI() { return _mm256_setzero_si256(); }
QOPT_UK_INLINE DwVF dwLoadF(const float *p) { return _mm256_loadu_ps(p); }
QOPT_UK_INLINE DwVF dwFma(DwVF acc, DwVF x, DwVF w) { return _mm256_fmadd_ps(x, w, acc); }
QOPT_UK_INLINE DwVF dwSet1F(float v) { return _mm256_set1_ps(v); }
QOPT_UK_INLINE DwVF dwZeroF() { return _mm256_setzero_ps(); }
#endif

/// Output vectors per register block: the weight broadcast of a tap is shared by them, and
/// their independent chains hide the multiply-add latency.
constexpr int kDwBlock = 4;

/// The requantize epilogue of one output channel (qopt_uk_epilogue's arithmetic with the
/// channel's scalars broadcast), storing the first `lanes` results at out + idx.
struct DwQuantEpilogue {
  const qopt_k_gemm_params *p;
#if defined(__AVX512F__)
  RequantBounds qb; // the layer's, for every channel
#endif
  int32_t bias;
  float accScale, floatBias;
  bool hasFloatBias;

  QOPT_UK_INLINE void store(DwVI acc, void *out, int64_t idx, int64_t lanes) const {
#if defined(__AVX512F__)
    const __mmask16 mask = lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1u);
    acc = _mm512_add_epi32(acc, _mm512_set1_epi32(bias));
    if (p->out_kind == QOPT_UK_OUT_I32) {
      _mm512_mask_storeu_epi32(static_cast<int32_t *>(out) + idx, mask, acc);
      return;
    }
    __m512 real = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_set1_ps(accScale));
    if (hasFloatBias)
      real = _mm512_add_ps(real, _mm512_set1_ps(floatBias));
    // The activation folds into quantize's clamp as in the GEMM epilogue (RequantBounds).
    if (p->out_kind == QOPT_UK_OUT_F32 ? p->has_act != 0 : qb.actFirst) {
      // operand order as in the GEMM epilogue (-0 and NaN)
      real = _mm512_max_ps(_mm512_set1_ps(p->act_lo), real);
      real = _mm512_min_ps(_mm512_set1_ps(p->act_hi), real);
    }
    if (p->out_kind == QOPT_UK_OUT_F32) {
      _mm512_mask_storeu_ps(static_cast<float *>(out) + idx, mask, real);
      return;
    }
    __m512 q = _mm512_div_ps(real, _mm512_set1_ps(p->out_scale));
    q = _mm512_fixupimm_ps(q, q, _mm512_set1_epi32(0x11111188), 0); // NaN -> +0
    q = _mm512_min_ps(_mm512_max_ps(q, _mm512_set1_ps(qb.lo)), _mm512_set1_ps(qb.hi));
    __m512i qi = _mm512_add_epi32(
        _mm512_cvt_roundps_epi32(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
        _mm512_set1_epi32(p->out_zp));
    _mm512_mask_cvtepi32_storeu_epi8(static_cast<uint8_t *>(out) + idx, mask, qi);
#else
    const __m256i mask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    acc = _mm256_add_epi32(acc, _mm256_set1_epi32(bias));
    if (p->out_kind == QOPT_UK_OUT_I32) {
      _mm256_maskstore_epi32(static_cast<int *>(out) + idx, mask, acc);
      return;
    }
    __m256 real = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_set1_ps(accScale));
    if (hasFloatBias)
      real = _mm256_add_ps(real, _mm256_set1_ps(floatBias));
    if (p->has_act) {
      real = _mm256_max_ps(_mm256_set1_ps(p->act_lo), real);
      real = _mm256_min_ps(_mm256_set1_ps(p->act_hi), real);
    }
    if (p->out_kind == QOPT_UK_OUT_F32) {
      _mm256_maskstore_ps(static_cast<float *>(out) + idx, mask, real);
      return;
    }
    __m256 q = _mm256_div_ps(real, _mm256_set1_ps(p->out_scale));
    q = _mm256_and_ps(q, _mm256_cmp_ps(q, q, _CMP_ORD_Q));
    q = _mm256_min_ps(_mm256_max_ps(q, _mm256_set1_ps((float)(p->qmin - p->out_zp))),
                      _mm256_set1_ps((float)(p->qmax - p->out_zp)));
    __m256i qi = _mm256_add_epi32(_mm256_cvtps_epi32(q), _mm256_set1_epi32(p->out_zp));
    // Byte 0 of each dword (exact: within [qmin, qmax]) into the low 8 bytes.
    const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          -1, -1);
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(qi, pick),
                                                _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
    uint8_t *dst = static_cast<uint8_t *>(out) + idx;
    if (lanes >= 8) {
      _mm_storel_epi64(reinterpret_cast<__m128i *>(dst), _mm256_castsi256_si128(bytes));
    } else { // the row's last vector only
      uint8_t tmp[8];
      _mm_storel_epi64(reinterpret_cast<__m128i *>(tmp), _mm256_castsi256_si128(bytes));
      for (int64_t i = 0; i < lanes; ++i)
        dst[i] = tmp[i];
    }
#endif
  }
};

/// The float epilogue: + bias, the clamp, then the output's float type.
struct DwFloatEpilogue {
  const qopt_k_gemm_params *p;
  int32_t outType;
  float bias;

  QOPT_UK_INLINE void store(DwVF acc, void *out, int64_t idx, int64_t lanes) const {
#if defined(__AVX512F__)
    DwVF y = _mm512_add_ps(acc, _mm512_set1_ps(bias));
    if (p->has_act) {
      y = _mm512_max_ps(_mm512_set1_ps(p->act_lo), y);
      y = _mm512_min_ps(_mm512_set1_ps(p->act_hi), y);
    }
    if (outType == QOPT_K_F32) {
      const __mmask16 mask = lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1u);
      _mm512_mask_storeu_ps(static_cast<float *>(out) + idx, mask, y);
      return;
    }
    const __mmask16 mask = lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1u);
    uint16_t *dst = static_cast<uint16_t *>(out) + idx;
    if (outType == QOPT_K_F16) { // vcvtps2ph, the instruction of the scalar floatToHalf
      _mm256_mask_storeu_epi16(dst, mask,
                               _mm512_cvtps_ph(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
      return;
    }
    // bf16: floatToBf16's round to nearest even, NaN quieted, lane by lane.
    const __m512i u = _mm512_castps_si512(y);
    __m512i r = _mm512_srli_epi32(
        _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7FFF)),
                         _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1))),
        16);
    const __mmask16 nan = _mm512_cmpgt_epi32_mask(
        _mm512_and_si512(u, _mm512_set1_epi32(0x7FFFFFFF)), _mm512_set1_epi32(0x7F800000));
    r = _mm512_mask_mov_epi32(r, nan,
                              _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40)));
    _mm512_mask_cvtepi32_storeu_epi16(dst, mask, r);
#else
    DwVF y = _mm256_add_ps(acc, _mm256_set1_ps(bias));
    if (p->has_act) {
      y = _mm256_max_ps(_mm256_set1_ps(p->act_lo), y);
      y = _mm256_min_ps(_mm256_set1_ps(p->act_hi), y);
    }
    if (outType == QOPT_K_F32) {
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes),
                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      _mm256_maskstore_ps(static_cast<float *>(out) + idx, mask, y);
      return;
    }
    __m128i h;
    if (outType == QOPT_K_F16) {
      h = _mm256_cvtps_ph(y, _MM_FROUND_TO_NEAREST_INT);
    } else { // bf16 as in avx512 above
      const __m256i u = _mm256_castps_si256(y);
      __m256i r = _mm256_srli_epi32(
          _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7FFF)),
                           _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1))),
          16);
      const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7FFFFFFF)),
                                             _mm256_set1_epi32(0x7F800000));
      r = _mm256_blendv_epi8(r, _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40)),
                             nan);
      // The 8 results are <= 0xFFFF, so the unsigned-saturating pack is exact.
      h = _mm256_castsi256_si128(_mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08));
    }
    uint16_t *dst = static_cast<uint16_t *>(out) + idx;
    if (lanes >= 8) {
      _mm_storeu_si128(reinterpret_cast<__m128i *>(dst), h);
    } else { // the row's last vector only
      uint16_t tmp[8];
      _mm_storeu_si128(reinterpret_cast<__m128i *>(tmp), h);
      for (int64_t i = 0; i < lanes; ++i)
        dst[i] = tmp[i];
    }
#endif
  }
};

/// The geometry of the padded phase planes in scratch (qopt_k_dw_* in LinearKernels.h).
struct DwPlanes {
  int64_t S, rows, rowLen; // phases, rows per phase plane, elements per row (with slack)
  QOPT_UK_INLINE explicit DwPlanes(const qopt_k_conv2d_params *c)
      : S(c->stride_w), rows(qopt_k_dw_rows(c)), rowLen(qopt_k_dw_row_len(c, kDwLanes)) {}
  /// Element offset of (phase, padded row r, q).
  QOPT_UK_INLINE int64_t at(int64_t phase, int64_t r, int64_t q) const {
    return (phase * rows + r) * rowLen + q;
  }
};

/// Copies input plane `src` (in_h x in_w elements) into the padded phase planes at dst; Load(i)
/// gives source element i as T (shifted / converted), pad is the padding value.
template <typename T, typename Load>
QOPT_UK_INLINE void dwFillPlanes(const qopt_k_conv2d_params *c, const DwPlanes &g, T *dst, T pad,
                                 Load load) {
  for (int64_t r = 0; r < g.rows; ++r) {
    const int64_t ih = r - c->pad_top;
    const bool rowInside = ih >= 0 && ih < c->in_h;
    for (int64_t ph = 0; ph < g.S; ++ph) {
      T *row = dst + g.at(ph, r, 0);
      // q in [qLo, qHi) maps to input columns iw = q * S + ph - pad_left inside [0, in_w).
      int64_t qLo = 0, qHi = 0;
      if (rowInside) {
        int64_t lo = c->pad_left - ph; // q * S >= lo
        qLo = lo <= 0 ? 0 : (lo + g.S - 1) / g.S;
        int64_t hi = c->in_w + c->pad_left - ph; // q * S < hi
        qHi = hi <= 0 ? 0 : (hi + g.S - 1) / g.S;
        if (qHi > g.rowLen)
          qHi = g.rowLen;
        if (qLo > qHi)
          qLo = qHi;
      }
      for (int64_t q = 0; q < qLo; ++q)
        row[q] = pad;
      const int64_t base = ih * c->in_w + ph - c->pad_left;
      if (g.S == 1) { // contiguous: vectorizes
        for (int64_t q = qLo; q < qHi; ++q)
          row[q] = load(base + q);
      } else {
        for (int64_t q = qLo; q < qHi; ++q)
          row[q] = load(base + q * g.S);
      }
      for (int64_t q = qHi; q < g.rowLen; ++q)
        row[q] = pad;
    }
  }
}

#if defined(__AVX512F__)
/// dwFillPlanes for f32 input at strides 1 and 2, 16 elements at a time: masked loads of the
/// row's elements (at stride 2 the 31 elements that hold 16 of one phase, then its even ones),
/// so that the pads cost no scalar loops. Returns false for other strides.
QOPT_UK_INLINE bool dwFillPlanesF32(const qopt_k_conv2d_params *c, const DwPlanes &g, float *dst,
                                    const float *src) {
  if (g.S > 2)
    return false;
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  for (int64_t r = 0; r < g.rows; ++r) {
    const int64_t ih = r - c->pad_top;
    const bool rowInside = ih >= 0 && ih < c->in_h;
    for (int64_t ph = 0; ph < g.S; ++ph) {
      float *row = dst + g.at(ph, r, 0);
      int64_t qLo = 0, qHi = 0; // as in dwFillPlanes
      if (rowInside) {
        int64_t lo = c->pad_left - ph;
        qLo = lo <= 0 ? 0 : (lo + g.S - 1) / g.S;
        int64_t hi = c->in_w + c->pad_left - ph;
        qHi = hi <= 0 ? 0 : (hi + g.S - 1) / g.S;
        if (qHi > g.rowLen)
          qHi = g.rowLen;
        if (qLo > qHi)
          qLo = qHi;
      }
      const float *base = src + ih * c->in_w + ph - c->pad_left; // element q * S is column q
      for (int64_t q = 0; q < g.rowLen; q += 16) {
        // Lanes [a, b) of these 16 are inside the row.
        const int64_t a = qLo - q < 0 ? 0 : (qLo - q > 16 ? 16 : qLo - q);
        const int64_t b = qHi - q < 0 ? 0 : (qHi - q > 16 ? 16 : qHi - q);
        __m512 v = _mm512_setzero_ps();
        if (a < b && g.S == 1) {
          v = _mm512_maskz_loadu_ps((__mmask16)(((1u << b) - 1) & ~((1u << a) - 1)), base + q);
        } else if (a < b) { // elements [2a, 2b - 1) of the 32 from base + 2q
          const uint64_t bits = ((1ull << (2 * b - 1)) - 1) & ~((1ull << (2 * a)) - 1);
          __m512 lo16 = _mm512_maskz_loadu_ps((__mmask16)(bits & 0xFFFF), base + 2 * q);
          __m512 hi16 = _mm512_maskz_loadu_ps((__mmask16)(bits >> 16), base + 2 * q + 16);
          v = _mm512_permutex2var_ps(lo16, even, hi16);
        }
        _mm512_storeu_ps(row + q, v);
      }
    }
  }
  return true;
}
#endif

/// NR output rows from oh by NV vectors from output column ow0 of one channel (the taps' weights
/// in w, already as the multiply operand), acc -> epilogue at out + outPlane.
template <int NR, int NV, typename T, typename VT, typename Epi, typename LoadFn, typename MaddFn>
QOPT_UK_INLINE void dwBlock(const qopt_k_conv2d_params *c, const DwPlanes &g, const T *planes,
                            const VT *w, int64_t oh, int64_t ow0, VT zero, LoadFn ld, MaddFn madd,
                            const Epi &epi, void *out, int64_t outPlane) {
  VT acc[NR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < NR; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = zero;
  for (int64_t kh = 0; kh < c->kernel_h; ++kh) {
    const int64_t r0 = oh * c->stride_h + kh * c->dilation_h;
    for (int64_t kw = 0; kw < c->kernel_w; ++kw) {
      const int64_t col = kw * c->dilation_w;
      const T *src = planes + g.at(col % g.S, r0, ow0 + col / g.S);
      const VT wv = w[kh * c->kernel_w + kw];
#pragma clang loop unroll(full)
      for (int r = 0; r < NR; ++r)
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; ++v)
          acc[r][v] = madd(acc[r][v], ld(src + r * c->stride_h * g.rowLen + v * kDwLanes), wv);
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < NR; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v) {
      const int64_t left = c->out_w - (ow0 + v * kDwLanes);
      epi.store(acc[r][v], out, outPlane + (oh + r) * c->out_w + ow0 + v * kDwLanes, left);
    }
}

/// The register block of a depthwise channel: vectors per row (up to kDwBlock) by rows, about 8
/// accumulators in all. A row narrower than kDwBlock vectors (MobileNet's 56-, 28-, 14- and
/// 7-wide maps) gets more rows instead: one vector per row would leave a single chain of
/// dependent multiply-adds, latency-bound at a quarter of the FMA pipes (2.2 us instead of 0.3
/// per 56 x 56 channel).
constexpr int dwMaxRows(int nv) { return nv == 1 ? 8 : (nv == 2 ? 4 : 2); }

/// A compile-time int for dwDispatch's generic lambdas.
template <int N> struct DwInt {
  static constexpr int value = N;
};

/// Calls block(DwInt<NR>, DwInt<NV>) for nv (1 .. kDwBlock) vectors and nr (1 ..
/// dwMaxRows(nv)) rows.
template <typename Block> QOPT_UK_INLINE void dwDispatch(int64_t nv, int64_t nr, const Block &block) {
#define QOPT_DW_CASE(V, R)                                                                         \
  if (nv == V && nr == R)                                                                          \
    return block(DwInt<R>(), DwInt<V>());
  QOPT_DW_CASE(1, 8) QOPT_DW_CASE(1, 7) QOPT_DW_CASE(1, 6) QOPT_DW_CASE(1, 5)
  QOPT_DW_CASE(1, 4) QOPT_DW_CASE(1, 3) QOPT_DW_CASE(1, 2) QOPT_DW_CASE(1, 1)
  QOPT_DW_CASE(2, 4) QOPT_DW_CASE(2, 3) QOPT_DW_CASE(2, 2) QOPT_DW_CASE(2, 1)
  QOPT_DW_CASE(3, 2) QOPT_DW_CASE(3, 1) QOPT_DW_CASE(4, 2) QOPT_DW_CASE(4, 1)
#undef QOPT_DW_CASE
}
static_assert(kDwBlock == 4, "dwDispatch covers 1 .. 4 vectors per row");

/// Every register block of one channel's output: column blocks of up to kDwBlock vectors, each
/// over the rows in blocks of dwMaxRows.
template <typename BlockAt>
QOPT_UK_INLINE void dwForEachBlock(const qopt_k_conv2d_params *c, int64_t lanes, const BlockAt &at) {
  for (int64_t ow0 = 0; ow0 < c->out_w; ow0 += kDwBlock * lanes) {
    const int64_t left = (c->out_w - ow0 + lanes - 1) / lanes;
    const int64_t nv = left < kDwBlock ? left : kDwBlock;
    const int64_t maxRows = dwMaxRows((int)nv);
    for (int64_t oh = 0; oh < c->out_h; oh += maxRows) {
      const int64_t nr = c->out_h - oh < maxRows ? c->out_h - oh : maxRows;
      at(oh, ow0, nv, nr);
    }
  }
}

/// All output rows of one channel.
template <typename T, typename VT, typename Epi, typename LoadFn, typename MaddFn>
QOPT_UK_INLINE void dwChannel(const qopt_k_conv2d_params *c, const DwPlanes &g, const T *planes,
                              const VT *w, VT zero, LoadFn ld, MaddFn madd, const Epi &epi,
                              void *out, int64_t outPlane) {
  dwForEachBlock(c, kDwLanes, [&](int64_t oh, int64_t ow0, int64_t nv, int64_t nr) QOPT_UK_INLINE_LAMBDA {
    dwDispatch(nv, nr, [&](auto R, auto V) QOPT_UK_INLINE_LAMBDA {
      dwBlock<decltype(R)::value, decltype(V)::value>(c, g, planes, w, oh, ow0, zero, ld, madd,
                                                      epi, out, outPlane);
    });
  });
}

/// Weight kk of column j of group g's packed int8 weights (the GEMM layouts of UKernels.h).
QOPT_UK_INLINE int32_t dwPackedS8(const qopt_k_gemm_params *p, const uint8_t *w, int64_t j,
                                  int64_t kk) {
  const int64_t k4 = (p->k + 3) / 4;
#if defined(__AVX512F__)
  const int64_t nr = QOPT_UK_VNNI_NR;
  return reinterpret_cast<const int8_t *>(w)[((j / nr * k4 + kk / 4) * nr + j % nr) * 4 + kk % 4];
#else
  const int64_t nr = QOPT_UK_AVX2_NR;
  const int64_t h = kk % 2, t = (kk % 4) / 2;
  return reinterpret_cast<const int16_t *>(w)[(((j / nr * k4 + kk / 4) * 2 + h) * nr + j % nr) * 2 + t];
#endif
}

/// Weight kk of column j of group g's packed float weights (f32 or bf16 layout).
QOPT_UK_INLINE float dwPackedFloat(const qopt_k_gemm_params *p, const uint8_t *w, int64_t j,
                                   int64_t kk) {
  const int64_t nr = kFloatNR;
  if (p->layout == QOPT_UK_LAYOUT_BF16) {
    const int64_t k2 = (p->k + 1) / 2;
    return bf16ToFloat(reinterpret_cast<const uint16_t *>(w)[((j / nr * k2 + kk / 2) * nr + j % nr) * 2 + kk % 2]);
  }
  return reinterpret_cast<const float *>(w)[(j / nr * p->k + kk) * nr + j % nr];
}

#if defined(__AVX512F__)
/// The vpdpbusd form (qopt_k_dw_quads_apply, avx512): vpdpwssd does one tap per lane and
/// instruction; here one vpdpbusd does four taps of a kernel row, on dwords whose bytes are the
/// four input columns those taps read. Building the dwords (a vpermd and a vpshufb per 16) is
/// paid once per input row instead of once per (output row, kernel row).
struct DwQuads {
  int64_t S, rows, rowLen, groups; // stride_w, padded rows, dwords per row, tap groups per row
  QOPT_UK_INLINE explicit DwQuads(const qopt_k_conv2d_params *c)
      : S(c->stride_w), rows(qopt_k_dw_rows(c)), rowLen(qopt_k_dw_quad_row_len(c)),
        groups((c->kernel_w + 3) / 4) {}
};

/// Fills the dword rows at dst from input plane src (shifted by `shift`), padding with `pad`.
QOPT_UK_INLINE void dwFillQuads(const qopt_k_conv2d_params *c, const DwQuads &g,
                                const uint8_t *src, uint8_t shift, uint8_t pad, int32_t *dst) {
  // Lane L of the 16 dwords gets the window's dwords S*L .. S*L+3, then byte t of dword j is the
  // window byte S*j + t of that lane: the four columns of output column 4L + j.
  const __m512i perm = g.S == 1 ? _mm512_setr_epi32(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6)
                                : _mm512_setr_epi32(0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9);
  const __m512i pick =
      g.S == 1 ? _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6))
               : _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9));
  // The padded byte row: byte i is input column i - pad_left where i is in [lo, hi), the
  // padding elsewhere.
  const int64_t lo = c->pad_left, hi = c->pad_left + c->in_w;
  const __m512i padv = _mm512_set1_epi8((char)pad), shiftv = _mm512_set1_epi8((char)shift);
  const int64_t rowBytes = g.S * g.rowLen; // the windows start below this
  for (int64_t r = 0; r < g.rows; ++r) {
    const int64_t ih = r - c->pad_top;
    const bool inside = ih >= 0 && ih < c->in_h;
    const uint8_t *rowSrc = src + ih * c->in_w;
    // Bytes [i, i + 64) of the padded row. Masked-off bytes are not read, so the loads stay
    // inside the row. (Scalar loops for the pads and the row's tail were half of a 112-wide
    // row's time.)
    auto chunk = [&](int64_t i) QOPT_UK_INLINE_LAMBDA {
      if (!inside)
        return padv;
      const int64_t a = lo - i < 0 ? 0 : (lo - i > 64 ? 64 : lo - i);
      const int64_t b = hi - i < 0 ? 0 : (hi - i > 64 ? 64 : hi - i);
      const uint64_t upto = b >= 64 ? ~0ull : (1ull << b) - 1, below = (1ull << a) - 1;
      const __mmask64 m = (__mmask64)(a < b ? upto & ~below : 0);
      return _mm512_mask_add_epi8(padv, m, _mm512_maskz_loadu_epi8(m, rowSrc + (i - lo)), shiftv);
    };
    int32_t *out = dst + r * g.rowLen;
    auto emit = [&](int64_t q, __m512i win) QOPT_UK_INLINE_LAMBDA {
      if (q < g.rowLen)
        _mm512_storeu_si512(out + q, _mm512_shuffle_epi8(_mm512_permutexvar_epi32(perm, win), pick));
    };
    // The windows are built in registers from two consecutive 64-byte pieces (valignd by the
    // window's offset). Storing the row to scratch and loading the windows back made each load
    // that straddles two of the stores wait for them (no store forwarding): 70% of a 7 x 7
    // layer's time.
    __m512i cur = chunk(0);
    for (int64_t i = 0; i < rowBytes; i += 64) {
      const __m512i next = chunk(i + 64);
      if (g.S == 1) { // windows at bytes i, i + 16, i + 32, i + 48
        emit(i, cur);
        emit(i + 16, _mm512_alignr_epi32(next, cur, 4));
        emit(i + 32, _mm512_alignr_epi32(next, cur, 8));
        emit(i + 48, _mm512_alignr_epi32(next, cur, 12));
      } else { // windows at bytes i and i + 32
        emit(i / 2, cur);
        emit(i / 2 + 16, _mm512_alignr_epi32(next, cur, 8));
      }
      cur = next;
    }
  }
}

template <int NR, int NV>
QOPT_UK_INLINE void dwQuadBlock(const qopt_k_conv2d_params *c, const DwQuads &g,
                                const int32_t *quads, const __m512i *w, int64_t oh, int64_t ow0,
                                const DwQuantEpilogue &epi, void *out) {
  __m512i acc[NR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < NR; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = _mm512_setzero_si512();
  for (int64_t kh = 0; kh < c->kernel_h; ++kh) {
    const int32_t *row = quads + (oh * c->stride_h + kh * c->dilation_h) * g.rowLen + ow0;
    for (int64_t t = 0; t < g.groups; ++t) {
      const int32_t *src = row + t * 4 / g.S;
      const __m512i wv = w[kh * g.groups + t];
#pragma clang loop unroll(full)
      for (int r = 0; r < NR; ++r)
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; ++v)
          acc[r][v] = _mm512_dpbusd_epi32(
              acc[r][v], _mm512_loadu_si512(src + r * c->stride_h * g.rowLen + v * 16), wv);
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < NR; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      epi.store(acc[r][v], out, (oh + r) * c->out_w + ow0 + v * 16, c->out_w - (ow0 + v * 16));
}

/// All output rows of one channel, in the register blocks of dwForEachBlock.
QOPT_UK_INLINE void dwQuadChannel(const qopt_k_conv2d_params *c, const DwQuads &g,
                                  const int32_t *quads, const __m512i *w,
                                  const DwQuantEpilogue &epi, void *out) {
  dwForEachBlock(c, 16, [&](int64_t oh, int64_t ow0, int64_t nv, int64_t nr) QOPT_UK_INLINE_LAMBDA {
    dwDispatch(nv, nr, [&](auto R, auto V) QOPT_UK_INLINE_LAMBDA {
      dwQuadBlock<decltype(R)::value, decltype(V)::value>(c, g, quads, w, oh, ow0, epi, out);
    });
  });
}
#endif

/// The maximum kh * kw of the direct path (the taps' broadcast weights live on the stack).
constexpr int64_t kDwMaxTaps = QOPT_K_DW_MAX_TAPS;

/// qopt_k_conv2d for channels == groups. Returns false (nothing done) when the shape is beyond
/// the direct path, and the caller falls back to im2col + GEMM.
QOPT_UK_INLINE bool depthwiseConv2d(const qopt_k_conv2d_params *c, void *const *operands,
                                    int64_t batch, void *scratch) {
  const qopt_k_gemm_params *p = &c->gemm;
  if (!qopt_k_dw_applies(c))
    return false;
  const bool quant = p->x_type == QOPT_K_U8 || p->x_type == QOPT_K_I8;
  const DwPlanes g(c);
  const int64_t N = p->n, inPlane = c->in_h * c->in_w, outPlane = c->out_h * c->out_w;
  const int64_t K = p->k;
  uint8_t *out = static_cast<uint8_t *>(operands[0]);
  if (quant) {
    const int32_t shift = p->x_type == QOPT_K_I8 ? 128 : 0;
    const uint8_t pad = (uint8_t)(c->x_zp + shift);
    uint8_t *planes = static_cast<uint8_t *>(scratch);
    const uint8_t *x = static_cast<const uint8_t *>(operands[1]);
    const int64_t eb = outElemBytes(p->out_kind);
#if defined(__AVX512F__)
    const RequantBounds qb(p->has_act != 0, p->act_lo, p->act_hi, p->out_scale, p->qmin, p->qmax,
                           p->out_zp);
#endif
    auto epilogueOf = [&](int64_t ch, int64_t j) QOPT_UK_INLINE_LAMBDA {
      DwQuantEpilogue epi{p,
#if defined(__AVX512F__)
                          qb,
#endif
                          0, 0.0f, 0.0f, false};
      const int64_t col = ch * p->np + j;
      epi.bias = static_cast<const int32_t *>(operands[3])[col];
      epi.accScale = static_cast<const float *>(operands[4])[col];
      epi.hasFloatBias = p->has_float_bias != 0;
      epi.floatBias = epi.hasFloatBias ? static_cast<const float *>(operands[5])[col] : 0.0f;
      return epi;
    };
#if defined(__AVX512F__)
    if (qopt_k_dw_quads_apply(c)) {
      const DwQuads gq(c);
      int32_t *quads = static_cast<int32_t *>(scratch);
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t ch = 0; ch < c->channels; ++ch) {
          dwFillQuads(c, gq, x + (b * c->channels + ch) * inPlane, (uint8_t)shift, pad, quads);
          const uint8_t *wg =
              static_cast<const uint8_t *>(operands[2]) + ch * c->group_packed_bytes;
          for (int64_t j = 0; j < N; ++j) {
            __m512i w[kDwMaxTaps];
            for (int64_t kh = 0; kh < c->kernel_h; ++kh)
              for (int64_t t = 0; t < gq.groups; ++t) {
                uint32_t word = 0; // the s8 weights of taps 4t .. 4t+3, 0 past the row
                for (int64_t i = 0; i < 4; ++i)
                  if (4 * t + i < c->kernel_w)
                    word |= (uint32_t)(uint8_t)dwPackedS8(p, wg, j, kh * c->kernel_w + 4 * t + i)
                            << (8 * i);
                w[kh * gq.groups + t] = _mm512_set1_epi32((int32_t)word);
              }
            const int64_t oc = ch * N + j;
            dwQuadChannel(c, gq, quads, w, epilogueOf(ch, j),
                          out + (b * c->out_channels + oc) * outPlane * eb);
          }
        }
      return true;
    }
#endif
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t ch = 0; ch < c->channels; ++ch) {
        const uint8_t *src = x + (b * c->channels + ch) * inPlane;
        dwFillPlanes<uint8_t>(c, g, planes, pad, [&](int64_t i) QOPT_UK_INLINE_LAMBDA {
          return (uint8_t)(src[i] + shift);
        });
        const uint8_t *wg = static_cast<const uint8_t *>(operands[2]) + ch * c->group_packed_bytes;
        for (int64_t j = 0; j < N; ++j) {
          DwVI w[kDwMaxTaps];
          for (int64_t kk = 0; kk < K; ++kk) // s8 in the low word, 0 in the high word
            w[kk] = dwSet1I((int32_t)(uint16_t)(int16_t)dwPackedS8(p, wg, j, kk));
          const DwQuantEpilogue epi = epilogueOf(ch, j);
          const int64_t oc = ch * N + j;
          dwChannel(
              c, g, planes, w, dwZeroI(),
              [](const uint8_t *q) QOPT_UK_INLINE_LAMBDA { return dwLoadU8(q); },
              [](DwVI a, DwVI x, DwVI wv) QOPT_UK_INLINE_LAMBDA { return dwMadd(a, x, wv); }, epi,
                    out + (b * c->out_channels + oc) * outPlane * eb, 0);
        }
      }
    return true;
  }
  float *planes = static_cast<float *>(scratch);
  const int32_t xType = p->x_type;
  const int64_t xBytes = xType == QOPT_K_F32 ? 4 : 2;
  const int32_t outType = outFloatType(p->out_kind);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t ch = 0; ch < c->channels; ++ch) {
      const uint8_t *src = static_cast<const uint8_t *>(operands[1]) +
                           (b * c->channels + ch) * inPlane * xBytes;
      if (xType == QOPT_K_F32) {
#if defined(__AVX512F__)
        if (!dwFillPlanesF32(c, g, planes, reinterpret_cast<const float *>(src)))
#endif
          dwFillPlanes<float>(c, g, planes, 0.0f, [&](int64_t i) QOPT_UK_INLINE_LAMBDA {
            return reinterpret_cast<const float *>(src)[i];
          });
      }
      else if (xType == QOPT_K_BF16) // one loop per type, so that each vectorizes
        dwFillPlanes<float>(c, g, planes, 0.0f, [&](int64_t i) QOPT_UK_INLINE_LAMBDA {
          return bf16ToFloat(reinterpret_cast<const uint16_t *>(src)[i]);
        });
      else
        dwFillPlanes<float>(c, g, planes, 0.0f, [&](int64_t i) QOPT_UK_INLINE_LAMBDA {
          return halfToFloat(reinterpret_cast<const uint16_t *>(src)[i]);
        });
      for (int64_t j = 0; j < N; ++j) {
        const int64_t oc = ch * N + j;
        DwVF w[kDwMaxTaps];
        DwFloatEpilogue epi;
        epi.p = p;
        epi.outType = outType;
        if (c->runtime_weights) { // the graph's OIHW weight and [out_channels] bias
          for (int64_t kk = 0; kk < K; ++kk)
            w[kk] = dwSet1F(loadFloat(operands[2], xType, oc * K + kk));
          epi.bias = operands[3] ? loadFloat(operands[3], xType, oc) : 0.0f;
        } else {
          const uint8_t *wg = static_cast<const uint8_t *>(operands[2]) + ch * c->group_packed_bytes;
          for (int64_t kk = 0; kk < K; ++kk)
            w[kk] = dwSet1F(dwPackedFloat(p, wg, j, kk));
          epi.bias = operands[3] ? static_cast<const float *>(operands[3])[ch * p->np + j] : 0.0f;
        }
        dwChannel(
            c, g, planes, w, dwZeroF(),
            [](const float *q) QOPT_UK_INLINE_LAMBDA { return dwLoadF(q); },
            [](DwVF a, DwVF x, DwVF wv) QOPT_UK_INLINE_LAMBDA { return dwFma(a, x, wv); }, epi, out,
                  (b * c->out_channels + oc) * outPlane);
      }
    }
  return true;
}

} // namespace

#endif
