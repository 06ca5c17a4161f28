// Exact int8 GEMM microkernel for avx2 (Haswell class: no 512-bit ops, no VNNI): u8 activations x
// packed weights (UKernels.h, layout QOPT_UK_LAYOUT_AVX2_I16), fused requantize epilogue.
// Freestanding.
//
// vpmaddubsw would saturate its 16-bit pair sums (255 * 127 * 2 > 32767), so instead the weights
// are sign-extended to i16 at pack time and the activations are zero-extended to i16 in registers:
// vpmaddwd then forms exact i32 pair sums. Per group of 4 k and row, one vpbroadcastd of the 4
// activation bytes, a vpand and a vpsrlw make the zero-extended pairs (k0,k2) and (k1,k3); each of the
// NV column vectors then takes two vpmaddwd and two vpaddd.
//
// Register tile: MR = 4 rows x NR = 16 columns = 8 ymm accumulators, 4 ymm of weights, the byte
// mask, 2 ymm of activation pairs and one product temporary: all 16 ymm, no spills (6 rows
// spilled accumulators in the K loop).
#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"

#include "KernelSupport.h"

#include <immintrin.h>

namespace mlir::qopt::ukernel::detail {
namespace {

constexpr int kNR = QOPT_UK_AVX2_NR, kMR = QOPT_UK_AVX2_MR;

struct Epilogue {
  const qopt_uk_epilogue *ep;
  __m256 actLo, actHi, outScale, qlo, qhi;
  __m256i zp;

  QOPT_UK_INLINE explicit Epilogue(const qopt_uk_epilogue *e) : ep(e) {
    actLo = _mm256_set1_ps(e->act_lo);
    actHi = _mm256_set1_ps(e->act_hi);
    outScale = _mm256_set1_ps(e->out_scale);
    qlo = _mm256_set1_ps((float)(e->qmin - e->out_zp)); // see GemmU8S8Avx512Vnni.cpp
    qhi = _mm256_set1_ps((float)(e->qmax - e->out_zp));
    zp = _mm256_set1_epi32(e->out_zp);
  }

  /// Finishes 8 accumulators of columns [col, col + 8) and stores the first `lanes` of them.
  QOPT_UK_INLINE void store(__m256i acc, int64_t col, int64_t lanes, void *out, int64_t idx) const {
    acc = _mm256_add_epi32(acc, _mm256_loadu_si256((const __m256i *)(ep->bias + col)));
    // vpmaskmovd for a partial vector of i32 / f32 (only the block's last vector can be partial).
    const __m256i lanesMask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    if (ep->out_kind == QOPT_UK_OUT_I32) {
      _mm256_maskstore_epi32(static_cast<int *>(out) + idx, lanesMask, acc);
      return;
    }
    __m256 real = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(ep->acc_scale + col));
    if (ep->float_bias)
      real = _mm256_add_ps(real, _mm256_loadu_ps(ep->float_bias + col));
    if (ep->has_act) {
      real = _mm256_max_ps(actLo, real); // operand order matters for -0 and NaN, as in avx512
      real = _mm256_min_ps(actHi, real);
    }
    if (ep->out_kind == QOPT_UK_OUT_F32) {
      _mm256_maskstore_ps(static_cast<float *>(out) + idx, lanesMask, real);
      return;
    }
    __m256 q = _mm256_div_ps(real, outScale);
    q = _mm256_and_ps(q, _mm256_cmp_ps(q, q, _CMP_ORD_Q)); // NaN -> 0 -> the zero point
    q = _mm256_min_ps(_mm256_max_ps(q, qlo), qhi);
    __m256i qi = _mm256_add_epi32(_mm256_cvtps_epi32(q), zp); // MXCSR default: ties to even
    // Byte 0 of each dword (exact: the values are in [qmin, qmax]), gathered into the low 8 bytes.
    const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                          -1, -1);
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(qi, pick),
                                                _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
    uint8_t *dst = static_cast<uint8_t *>(out) + idx;
    if (lanes >= 8) {
      _mm_storel_epi64((__m128i *)dst, _mm256_castsi256_si128(bytes));
      return;
    }
    // A partial last vector of bytes (the N edge only): AVX2 has no byte-masked store.
    uint64_t v = (uint64_t)_mm_cvtsi128_si64(_mm256_castsi256_si128(bytes));
    for (int64_t t = 0; t < lanes; ++t)
      dst[t] = (uint8_t)(v >> (8 * t));
  }
};

template <int MR_, int NV>
QOPT_UK_INLINE void tile(const uint8_t *x, int64_t lda, const int16_t *w, int64_t K,
                         const Epilogue &epi, int64_t col0, int64_t cols, void *out, int64_t ldc,
                         int64_t row0) {
  // Words (x0, x2) and (x1, x3) of each broadcast dword, zero-extended: the i16 pairs vpmaddwd
  // takes, matching the packed (k0, k2) and (k1, k3) weight halves.
  const __m256i lowBytes = _mm256_set1_epi16(0x00FF);
  __m256i acc[MR_][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = _mm256_setzero_si256();

  auto step = [&](const int16_t *wg, int r, __m256i a4) QOPT_UK_INLINE_LAMBDA {
    __m256i lo = _mm256_and_si256(a4, lowBytes), hi = _mm256_srli_epi16(a4, 8);
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v) {
      acc[r][v] = _mm256_add_epi32(
          acc[r][v], _mm256_madd_epi16(lo, _mm256_loadu_si256((const __m256i *)(wg + 16 * v))));
      acc[r][v] = _mm256_add_epi32(
          acc[r][v],
          _mm256_madd_epi16(hi, _mm256_loadu_si256((const __m256i *)(wg + 2 * kNR + 16 * v))));
    }
  };

  const int64_t groups = K / 4;
  for (int64_t g = 0; g < groups; ++g) {
    const int16_t *wg = w + g * (kNR * 4);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r)
      step(wg, r, _mm256_set1_epi32(load4(x + r * lda + 4 * g)));
  }
  if (int64_t rem = K & 3) {
    // The last 1-3 k, read byte by byte (once per row and tile) so as not to read past the row.
    const int16_t *wg = w + groups * (kNR * 4);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r)
      step(wg, r, _mm256_set1_epi32(loadTail(x + r * lda + 4 * groups, rem)));
  }

#pragma clang loop unroll(full)
  for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      epi.store(acc[r][v], col0 + 8 * v, cols - 8 * v, out, (row0 + r) * ldc + col0 + 8 * v);
}

template <int NV>
QOPT_UK_INLINE void columnBlock(const uint8_t *x, int64_t lda, const int16_t *w, int64_t M,
                                int64_t K, const Epilogue &epi, int64_t col0, int64_t cols,
                                void *out, int64_t ldc) {
  int64_t m = 0;
  for (; m + kMR <= M; m += kMR)
    tile<kMR, NV>(x + m * lda, lda, w, K, epi, col0, cols, out, ldc, m);
  switch (M - m) {
#define QOPT_UK_ROWS(R)                                                                            \
  case R:                                                                                          \
    tile<R, NV>(x + m * lda, lda, w, K, epi, col0, cols, out, ldc, m);                             \
    break;
    QOPT_UK_ROWS(1) QOPT_UK_ROWS(2) QOPT_UK_ROWS(3)
#undef QOPT_UK_ROWS
  default:
    break;
  }
}

} // namespace
} // namespace mlir::qopt::ukernel::detail

using namespace mlir::qopt::ukernel::detail;

QOPT_UK_ENTRY void qopt_uk_gemm_u8s8_avx2(const uint8_t *x, int64_t lda, const int16_t *packed,
                                       int64_t M, int64_t N, int64_t K, int64_t n_begin,
                                       int64_t n_end, const qopt_uk_epilogue *ep, void *out,
                                       int64_t ldc) {
  (void)N;
  // A local copy: the tiles' stores through `out` could alias *ep, so reading the caller's struct
  // would reload its fields after every store; the copy's fields stay in registers.
  const qopt_uk_epilogue local = *ep;
  const Epilogue epi(&local);
  const int64_t k4 = (K + 3) / 4 * 4;
  for (int64_t col0 = n_begin; col0 < n_end; col0 += kNR) {
    const int16_t *w = packed + (col0 / kNR) * kNR * k4;
    int64_t cols = n_end - col0 < kNR ? n_end - col0 : kNR;
    if (cols > 8)
      columnBlock<2>(x, lda, w, M, K, epi, col0, cols, out, ldc);
    else
      columnBlock<1>(x, lda, w, M, K, epi, col0, cols, out, ldc);
  }
}

QOPT_UK_ENTRY void qopt_uk_shift_s8_to_u8_avx2(const int8_t *src, uint8_t *dst, int64_t n) {
  const __m256i bias = _mm256_set1_epi8((char)0x80);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    _mm256_storeu_si256((__m256i *)(dst + i),
                        _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(src + i)), bias));
  for (; i < n; ++i)
    dst[i] = (uint8_t)(src[i] ^ 0x80);
}
