// The "weights as rows" GEMM of UKernels.h's ROWS layouts, shared by its int8 (vpdpbusd), f32
// (FMA) and bf16 (vdpbf16ps) forms: out[n][p] = epilogue_n(sum_k w[n][k] * x[k][p]) with pixels
// in the vector lanes, so that a conv2d writes its NCHW result directly, without the transposes
// of the column GEMM's [pixel][channel] result.
//
// Register tile: 8 output channels x 48 pixels = 24 zmm accumulators over the whole K loop, 3 zmm
// of activations per step and one 4-byte broadcast of weights per channel (from the 32 bytes the
// ROWS layout keeps together per step), as in the column GEMM with the operands' roles swapped.
// The activations are read in panels of 48 pixels, so the panel (K steps x 192 bytes) stays in L2
// while every block of 8 channels passes over it. Blocks always compute 8 channels (the packed
// weights are zero past N) and store the valid ones; the last panel's partial vector is read and
// written under a lane mask. Freestanding.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_ROWSTILEAVX512_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_ROWSTILEAVX512_H

#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"

#include "KernelSupport.h"

#include <immintrin.h>

namespace mlir::qopt::ukernel::detail {

constexpr int kRowsMR = QOPT_UK_ROWS_MR, kRowsPanel = QOPT_UK_ROWS_PANEL;

/// Ops: typedef Vec; zero(); madd(acc, x, wDword) (x: 16 lanes of activations, wDword: the
/// channel's 4 bytes of weights for this step, to broadcast); and an epilogue object with
/// store(acc, channel, mask, out, idx).
template <typename Ops, int NV, typename Epi>
QOPT_UK_INLINE void rowsTile(const uint8_t *w, const uint8_t *x, int64_t stepBytes, int64_t steps,
                             const Epi &epi, int64_t n0, int64_t N, int64_t cols, void *out,
                             int64_t ldc, int64_t p0) {
  using Vec = typename Ops::Vec;
  Vec acc[kRowsMR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < kRowsMR; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = Ops::zero();
  // Only the last vector can be partial (cols > 16 * (NV - 1)).
  const __mmask16 last = (__mmask16)(cols - 16 * (NV - 1) >= 16
                                         ? 0xFFFF
                                         : (1u << (cols - 16 * (NV - 1))) - 1u);
  for (int64_t s = 0; s < steps; ++s) {
    const uint8_t *xs = x + s * stepBytes;
    Vec xv[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      xv[v] = Ops::fromBits(v == NV - 1 ? _mm512_maskz_loadu_epi32(last, xs + 64 * v)
                                        : _mm512_loadu_si512(xs + 64 * v));
    const uint8_t *ws = w + s * (kRowsMR * 4);
#pragma clang loop unroll(full)
    for (int r = 0; r < kRowsMR; ++r) {
      __m512i a = _mm512_set1_epi32(load4(ws + 4 * r));
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        acc[r][v] = Ops::madd(acc[r][v], xv[v], a);
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < kRowsMR; ++r)
    if (n0 + r < N)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        epi.store(acc[r][v], n0 + r, v == NV - 1 ? last : (__mmask16)0xFFFF, out,
                  (n0 + r) * ldc + p0 + 16 * v);
}

/// The whole GEMM: every panel of 48 pixels, and per panel every block of 8 channels.
template <typename Ops, typename Epi>
QOPT_UK_INLINE void rowsGemm(const uint8_t *w, const uint8_t *x, int64_t panelBytes,
                             int64_t stepBytes, int64_t N, int64_t P, int64_t steps,
                             const Epi &epi, void *out, int64_t ldc) {
  for (int64_t p0 = 0; p0 < P; p0 += kRowsPanel) {
    const uint8_t *xp = x + (p0 / kRowsPanel) * panelBytes;
    const int64_t cols = P - p0 < kRowsPanel ? P - p0 : kRowsPanel;
    auto panel = [&](auto nv) QOPT_UK_INLINE_LAMBDA {
      constexpr int NV = decltype(nv)::value;
      for (int64_t n0 = 0; n0 < N; n0 += kRowsMR)
        rowsTile<Ops, NV>(w + (n0 / kRowsMR) * steps * (kRowsMR * 4), xp, stepBytes, steps, epi,
                          n0, N, cols, out, ldc, p0);
    };
    if (cols > 32)
      panel(IntConst<3>());
    else if (cols > 16)
      panel(IntConst<2>());
    else
      panel(IntConst<1>());
  }
}

/// The float ROWS epilogue: y = act(acc + bias[n]), stored as f32, bf16 or f16. `Bf16` rounds a
/// vector of f32 to bf16 (vcvtneps2bf16 where the target has it, else the same rounding in
/// integer ops).
template <typename Bf16>
struct RowsFloatEpilogue {
  const qopt_uk_float_epilogue *ep;
  __m512 lo, hi;
  QOPT_UK_INLINE explicit RowsFloatEpilogue(const qopt_uk_float_epilogue *e)
      : ep(e), lo(_mm512_set1_ps(e->act_lo)), hi(_mm512_set1_ps(e->act_hi)) {}
  QOPT_UK_INLINE void store(__m512 y, int64_t n, __mmask16 mask, void *out, int64_t idx) const {
    if (ep->bias)
      y = _mm512_add_ps(y, _mm512_set1_ps(ep->bias[n]));
    if (ep->has_act)
      y = _mm512_min_ps(hi, _mm512_max_ps(lo, y)); // operand order as in the int8 epilogue
    if (ep->out_kind == QOPT_UK_OUT_BF16)
      _mm256_mask_storeu_epi16(static_cast<uint16_t *>(out) + idx, mask, Bf16::round(y));
    else if (ep->out_kind == QOPT_UK_OUT_F16)
      _mm256_mask_storeu_epi16(static_cast<uint16_t *>(out) + idx, mask,
                               _mm512_cvtps_ph(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    else
      _mm512_mask_storeu_ps(static_cast<float *>(out) + idx, mask, y);
  }
};

} // namespace mlir::qopt::ukernel::detail

#endif
