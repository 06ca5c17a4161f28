// int8 GEMM microkernel for avx512vnni: u8 activations x packed s8 weights (UKernels.h, layout
// QOPT_UK_LAYOUT_VNNI) with zmm vpdpbusd, fused requantize epilogue. Freestanding.
//
// Register tile: MR = 8 rows x NR = 48 columns = 24 zmm of i32 accumulators that stay in registers
// for the whole K loop, plus 3 zmm of weights and one broadcast: 28 of the 32 zmm. Each group of
// 4 k costs 3 weight loads, 8 broadcast loads (vpbroadcastd m32, load ports only) and 24 vpdpbusd,
// so the vector ALUs do nothing but vpdpbusd. Edge tiles are template instances with fewer rows
// (MR_) or fewer column vectors (NV); partial column vectors are handled by masked stores only,
// since the packed weights and the epilogue arrays are zero-padded to whole blocks.
#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"

#include "KernelSupport.h"
#include "RequantizeAvx512.h"

#include <immintrin.h>

namespace mlir::qopt::ukernel::detail {
namespace {

constexpr int kNR = QOPT_UK_VNNI_NR, kMR = QOPT_UK_VNNI_MR;

/// The column-vector GEMM's epilogue: the per-column arrays as vectors.
struct Epilogue : RequantizeAvx512 {
  using RequantizeAvx512::RequantizeAvx512;

  /// Finishes 16 accumulators of columns [col, col + 16) and stores the lanes in `mask`.
  QOPT_UK_INLINE void store(__m512i acc, int64_t col, __mmask16 mask, void *out, int64_t idx) const {
    struct Columns {
      int64_t col;
      QOPT_UK_INLINE __m512i i32(const int32_t *a) const { return _mm512_loadu_si512(a + col); }
      QOPT_UK_INLINE __m512 f32(const float *a) const { return _mm512_loadu_ps(a + col); }
    };
    RequantizeAvx512::store(acc, Columns{col}, mask, out, idx);
  }
};

/// One MR_ x (16 * NV) tile over the whole K. `w` points at the column block's packed weights,
/// `x` at the tile's first row, `cols` is the number of valid columns in the block.
template <int MR_, int NV>
QOPT_UK_INLINE void tile(const uint8_t *x, int64_t lda, const int8_t *w, int64_t K,
                         const Epilogue &epi, int64_t col0, int64_t cols, void *out, int64_t ldc,
                         int64_t row0) {
  // vpdpbusd has a latency of about 5 cycles and 2 pipes: with fewer than 4 rows the tile has too
  // few independent accumulators to hide it, so small tiles keep S partial sums over alternating
  // groups of k (e.g. 4 x 3 zmm for one row) and add them up after the loop.
  constexpr int S = MR_ >= 4 ? 1 : (MR_ == 1 ? 4 : 2);
  __m512i acc[S][MR_][NV];
#pragma clang loop unroll(full)
  for (int s = 0; s < S; ++s)
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[s][r][v] = _mm512_setzero_si512();

  // Rows are addressed as base + {0, 1, 2, 3} * lda from two bases (rows 0-3 and 4-7) that step
  // by 4 bytes, so the loop needs few integer ops: on Golden Cove class cores integer ops that
  // issue to ports 0 and 5 steal cycles from vpdpbusd.
  // The empty asm statements hide how the bases and strides relate, or LLVM's loop strength
  // reduction folds them back into a chain of one add per row.
  const uint8_t *x0 = x, *x4 = x + 4 * lda;
  int64_t lda1 = lda, lda2 = 2 * lda, lda3 = 3 * lda;
  __asm__("" : "+r"(x0), "+r"(x4), "+r"(lda1), "+r"(lda2), "+r"(lda3));
  auto group = [&](int s, int64_t g) QOPT_UK_INLINE_LAMBDA {
    const int8_t *wg = w + g * (kNR * 4);
    __m512i wv[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      wv[v] = _mm512_loadu_si512(wg + 64 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r) {
      const uint8_t *base = (r < 4 ? x0 : x4) + 4 * g;
      const int64_t off = r % 4 == 0 ? 0 : (r % 4 == 1 ? lda1 : (r % 4 == 2 ? lda2 : lda3));
      __m512i a = _mm512_set1_epi32(load4(base + off));
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[s][r][v] = _mm512_dpbusd_epi32(acc[s][r][v], a, wv[v]);
    }
  };
  const int64_t groups = K / 4;
  int64_t g = 0;
  for (; g + S <= groups; g += S)
#pragma clang loop unroll(full)
    for (int s = 0; s < S; ++s)
      group(s, g + s);
  for (; g < groups; ++g) // at most S - 1 groups; a constant index keeps acc in registers
    group(0, g);
  if (int64_t rem = K & 3) {
    // The last 1-3 k: a masked byte load never touches the bytes past the row; the packed
    // weights are zero there, so the zeroed lanes add nothing.
    const int8_t *wg = w + groups * (kNR * 4);
    __mmask16 bytes = (__mmask16)((1u << rem) - 1u);
    __m512i wv[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      wv[v] = _mm512_loadu_si512(wg + 64 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r) {
      __m512i a = _mm512_broadcastd_epi32(_mm_maskz_loadu_epi8(bytes, x + r * lda + 4 * groups));
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[0][r][v] = _mm512_dpbusd_epi32(acc[0][r][v], a, wv[v]);
    }
  }
#pragma clang loop unroll(full)
  for (int s = 1; s < S; ++s)
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[0][r][v] = _mm512_add_epi32(acc[0][r][v], acc[s][r][v]);

#pragma clang loop unroll(full)
  for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      epi.store(acc[0][r][v], col0 + 16 * v, laneMask(cols - 16 * v), out,
                (row0 + r) * ldc + col0 + 16 * v);
}

/// All row tiles of one column block with NV column vectors.
template <int NV>
QOPT_UK_INLINE void columnBlock(const uint8_t *x, int64_t lda, const int8_t *w, int64_t M,
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
    QOPT_UK_ROWS(1) QOPT_UK_ROWS(2) QOPT_UK_ROWS(3) QOPT_UK_ROWS(4) QOPT_UK_ROWS(5)
    QOPT_UK_ROWS(6) QOPT_UK_ROWS(7)
#undef QOPT_UK_ROWS
  default:
    break;
  }
}

} // namespace
} // namespace mlir::qopt::ukernel::detail

using namespace mlir::qopt::ukernel::detail;

QOPT_UK_ENTRY void qopt_uk_gemm_u8s8_avx512vnni(const uint8_t *x, int64_t lda, const int8_t *packed,
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
    const int8_t *w = packed + (col0 / kNR) * kNR * k4;
    int64_t cols = n_end - col0 < kNR ? n_end - col0 : kNR;
    if (cols > 32)
      columnBlock<3>(x, lda, w, M, K, epi, col0, cols, out, ldc);
    else if (cols > 16)
      columnBlock<2>(x, lda, w, M, K, epi, col0, cols, out, ldc);
    else
      columnBlock<1>(x, lda, w, M, K, epi, col0, cols, out, ldc);
  }
}

QOPT_UK_ENTRY void qopt_uk_shift_s8_to_u8_avx512(const int8_t *src, uint8_t *dst, int64_t n) {
  const __m512i bias = _mm512_set1_epi8((char)0x80);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512(dst + i, _mm512_xor_si512(_mm512_loadu_si512(src + i), bias));
  if (i < n) {
    __mmask64 m = (__mmask64)((1ull << (n - i)) - 1ull); // n - i < 64
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + i), bias));
  }
}
