// f32 GEMM microkernel for avx2 + fma (no 512-bit ops): ymm vfmadd231ps on weights packed by
// QOPT_UK_LAYOUT_F32_AVX2. Freestanding.
//
// Register tile: 6 rows x 16 columns = 12 ymm accumulators kept over the whole K loop, 2 ymm of
// weights and one broadcast: 15 of the 16 ymm. Every output is one FMA chain over k in order, in
// every tile: the same sums as the avx512 kernel, so a model gives the same bits on both targets
// and at every batch size (short tiles are latency-bound for it; split-K with a fixed order is the
// way to speed them up without losing that).
#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"

#include "KernelSupport.h"

#include <immintrin.h>

namespace mlir::qopt::ukernel::detail {
namespace {

constexpr int kNR = QOPT_UK_AVX2_FLOAT_NR, kMR = QOPT_UK_AVX2_FLOAT_MR;

QOPT_UK_INLINE __m256i lanesMask(int64_t lanes) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <int MR_, int NV>
QOPT_UK_INLINE void tile(const float *x, int64_t lda, const float *w, int64_t K,
                         const qopt_uk_float_epilogue *ep, int64_t col0, int64_t cols, float *out,
                         int64_t ldc, int64_t row0) {
  constexpr int S = 1;
  __m256 acc[S][MR_][NV];
#pragma clang loop unroll(full)
  for (int s = 0; s < S; ++s)
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[s][r][v] = _mm256_setzero_ps();
  auto step = [&](int s, int64_t k) QOPT_UK_INLINE_LAMBDA {
    __m256 wv[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      wv[v] = _mm256_loadu_ps(w + k * kNR + 8 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r) {
      __m256 a = _mm256_broadcast_ss(x + r * lda + k);
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[s][r][v] = _mm256_fmadd_ps(a, wv[v], acc[s][r][v]);
    }
  };
  int64_t k = 0;
  for (; k + S <= K; k += S)
#pragma clang loop unroll(full)
    for (int s = 0; s < S; ++s)
      step(s, k + s);
  for (; k < K; ++k)
    step(0, k);
#pragma clang loop unroll(full)
  for (int s = 1; s < S; ++s)
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[0][r][v] = _mm256_add_ps(acc[0][r][v], acc[s][r][v]);

  const __m256 lo = _mm256_set1_ps(ep->act_lo), hi = _mm256_set1_ps(ep->act_hi);
#pragma clang loop unroll(full)
  for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v) {
      int64_t col = col0 + 8 * v;
      __m256 y = acc[0][r][v];
      if (ep->bias)
        y = _mm256_add_ps(y, _mm256_loadu_ps(ep->bias + col));
      if (ep->has_act)
        y = _mm256_min_ps(hi, _mm256_max_ps(lo, y)); // operand order as in the int8 epilogue
      _mm256_maskstore_ps(out + (row0 + r) * ldc + col, lanesMask(cols - 8 * v), y);
    }
}

template <int NV>
QOPT_UK_INLINE void columnBlock(const float *x, int64_t lda, const float *w, int64_t M, int64_t K,
                                const qopt_uk_float_epilogue *ep, int64_t col0, int64_t cols,
                                float *out, int64_t ldc) {
  int64_t m = 0;
  for (; m + kMR <= M; m += kMR)
    tile<kMR, NV>(x + m * lda, lda, w, K, ep, col0, cols, out, ldc, m);
  switch (M - m) {
#define QOPT_UK_ROWS(R)                                                                            \
  case R:                                                                                          \
    tile<R, NV>(x + m * lda, lda, w, K, ep, col0, cols, out, ldc, m);                              \
    break;
    QOPT_UK_ROWS(1) QOPT_UK_ROWS(2) QOPT_UK_ROWS(3) QOPT_UK_ROWS(4) QOPT_UK_ROWS(5)
#undef QOPT_UK_ROWS
  default:
    break;
  }
}

} // namespace
} // namespace mlir::qopt::ukernel::detail

using namespace mlir::qopt::ukernel::detail;

QOPT_UK_ENTRY void qopt_uk_gemm_f32_avx2(const float *x, int64_t lda, const float *packed,
                                         int64_t M, int64_t N, int64_t K, int64_t n_begin,
                                         int64_t n_end, const qopt_uk_float_epilogue *ep,
                                         float *out, int64_t ldc) {
  (void)N;
  // A local copy: the tiles' stores through `out` could alias *ep, so reading the caller's struct
  // would reload its fields after every store; the copy's fields stay in registers.
  const qopt_uk_float_epilogue local = *ep;
  for (int64_t col0 = n_begin; col0 < n_end; col0 += kNR) {
    const float *w = packed + (col0 / kNR) * kNR * K;
    int64_t cols = n_end - col0 < kNR ? n_end - col0 : kNR;
    if (cols > 8)
      columnBlock<2>(x, lda, w, M, K, &local, col0, cols, out, ldc);
    else
      columnBlock<1>(x, lda, w, M, K, &local, col0, cols, out, ldc);
  }
}
