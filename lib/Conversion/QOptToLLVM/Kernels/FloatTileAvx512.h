// The register-blocked tile shared by the float GEMM microkernels on avx512 (f32 FMA and bf16
// vdpbf16ps). Same structure as the int8 vnni kernel: 8 rows x 48 columns = 24 zmm accumulators
// over the whole K loop, 3 zmm of packed weights and one 4-byte broadcast per row and step (one
// f32, or a pair of bf16), split partial sums for tiles of fewer than 4 rows, masked stores at the
// N edge. `Ops` supplies the multiply-accumulate, the K tail and the bf16 store. Freestanding.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_FLOATTILEAVX512_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_FLOATTILEAVX512_H

#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"

#include "KernelSupport.h"

#include <immintrin.h>

namespace mlir::qopt::ukernel::detail {

constexpr int kFloatNR = QOPT_UK_FLOAT_NR, kFloatMR = QOPT_UK_FLOAT_MR;

QOPT_UK_INLINE __mmask16 floatLaneMask(int64_t lanes) {
  return lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (lanes < 0 ? 0 : lanes)) - 1u);
}

/// Ops: static constexpr int kPerStep (k per 4-byte broadcast); bool kSplitSums; madd(acc, a, w);
/// tailBroadcast(p, rem) for the last rem < kPerStep elements; storeBf16(ptr, mask, v).
template <typename Ops, int MR_, int NV>
QOPT_UK_INLINE void floatTile(const uint8_t *x, int64_t ldaBytes, const uint8_t *w, int64_t K,
                              const qopt_uk_float_epilogue *ep, int64_t col0, int64_t cols,
                              void *out, int64_t ldc, int64_t row0) {
  // Split partial sums hide the FMA latency of short tiles (see GemmU8S8Avx512Vnni.cpp) but change
  // the order of a float sum with the tile's height; kernels that promise one summation order for
  // every batch size and target (f32: the same model on avx512 and avx2 gives the same bits) set
  // Ops::kSplitSums = false.
  constexpr int S = !Ops::kSplitSums || MR_ >= 4 ? 1 : (MR_ == 1 ? 4 : 2);
  __m512 acc[S][MR_][NV];
#pragma clang loop unroll(full)
  for (int s = 0; s < S; ++s)
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[s][r][v] = _mm512_setzero_ps();

  const uint8_t *x0 = x, *x4 = x + 4 * ldaBytes; // as in the vnni kernel
  int64_t l1 = ldaBytes, l2 = 2 * ldaBytes, l3 = 3 * ldaBytes;
  __asm__("" : "+r"(x0), "+r"(x4), "+r"(l1), "+r"(l2), "+r"(l3));
  auto rowPtr = [&](int r, int64_t g) QOPT_UK_INLINE_LAMBDA {
    const uint8_t *base = (r < 4 ? x0 : x4) + 4 * g;
    return base + (r % 4 == 0 ? 0 : (r % 4 == 1 ? l1 : (r % 4 == 2 ? l2 : l3)));
  };
  auto step = [&](int s, int64_t g, bool tail, int64_t rem) QOPT_UK_INLINE_LAMBDA {
    const uint8_t *wg = w + g * (kFloatNR * 4);
    __m512 wv[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      wv[v] = _mm512_loadu_ps(wg + 64 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r) {
      __m512 a = tail ? Ops::tailBroadcast(rowPtr(r, g), rem)
                      : _mm512_castsi512_ps(_mm512_set1_epi32(load4(rowPtr(r, g))));
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[s][r][v] = Ops::madd(acc[s][r][v], a, wv[v]);
    }
  };
  const int64_t steps = K / Ops::kPerStep;
  int64_t g = 0;
  for (; g + S <= steps; g += S)
#pragma clang loop unroll(full)
    for (int s = 0; s < S; ++s)
      step(s, g + s, false, 0);
  for (; g < steps; ++g)
    step(0, g, false, 0);
  if (int64_t rem = K % Ops::kPerStep)
    step(0, steps, true, rem);
#pragma clang loop unroll(full)
  for (int s = 1; s < S; ++s)
#pragma clang loop unroll(full)
    for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[0][r][v] = _mm512_add_ps(acc[0][r][v], acc[s][r][v]);

  const __m512 lo = _mm512_set1_ps(ep->act_lo), hi = _mm512_set1_ps(ep->act_hi);
#pragma clang loop unroll(full)
  for (int r = 0; r < MR_; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v) {
      int64_t col = col0 + 16 * v, idx = (row0 + r) * ldc + col;
      __mmask16 mask = floatLaneMask(cols - 16 * v);
      __m512 y = acc[0][r][v];
      if (ep->bias)
        y = _mm512_add_ps(y, _mm512_loadu_ps(ep->bias + col));
      if (ep->has_act)
        y = _mm512_min_ps(hi, _mm512_max_ps(lo, y)); // operand order as in the int8 epilogue
      if (ep->out_kind == QOPT_UK_OUT_BF16)
        Ops::storeBf16(static_cast<uint16_t *>(out) + idx, mask, y);
      else
        _mm512_mask_storeu_ps(static_cast<float *>(out) + idx, mask, y);
    }
}

/// The whole [M) x [n_begin, n_end) loop of a float kernel; elemBytes is the activation element
/// size (4 for f32, 2 for bf16), packedStepBytes the packed weights per k-step and block (192).
template <typename Ops>
QOPT_UK_INLINE void floatGemm(const uint8_t *x, int64_t lda, const uint8_t *packed, int64_t M,
                              int64_t K, int64_t n_begin, int64_t n_end,
                              const qopt_uk_float_epilogue *ep, void *out, int64_t ldc) {
  const int64_t steps = (K + Ops::kPerStep - 1) / Ops::kPerStep;
  const int64_t ldaBytes = lda * (4 / Ops::kPerStep);
  for (int64_t col0 = n_begin; col0 < n_end; col0 += kFloatNR) {
    const uint8_t *w = packed + (col0 / kFloatNR) * steps * (kFloatNR * 4);
    int64_t cols = n_end - col0 < kFloatNR ? n_end - col0 : kFloatNR;
    auto block = [&](auto nv) QOPT_UK_INLINE_LAMBDA {
      constexpr int NV = decltype(nv)::value;
      int64_t m = 0;
      for (; m + kFloatMR <= M; m += kFloatMR)
        floatTile<Ops, kFloatMR, NV>(x + m * ldaBytes, ldaBytes, w, K, ep, col0, cols, out, ldc, m);
      switch (M - m) {
#define QOPT_UK_ROWS(R)                                                                            \
  case R:                                                                                          \
    floatTile<Ops, R, NV>(x + m * ldaBytes, ldaBytes, w, K, ep, col0, cols, out, ldc, m);          \
    break;
        QOPT_UK_ROWS(1) QOPT_UK_ROWS(2) QOPT_UK_ROWS(3) QOPT_UK_ROWS(4) QOPT_UK_ROWS(5)
        QOPT_UK_ROWS(6) QOPT_UK_ROWS(7)
#undef QOPT_UK_ROWS
      default:
        break;
      }
    };
    if (cols > 32)
      block(IntConst<3>());
    else if (cols > 16)
      block(IntConst<2>());
    else
      block(IntConst<1>());
  }
}

} // namespace mlir::qopt::ukernel::detail

#endif
