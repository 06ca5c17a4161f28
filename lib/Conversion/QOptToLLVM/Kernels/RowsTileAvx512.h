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
#include "RequantizeAvx512.h"

#include <immintrin.h>

namespace mlir::qopt::ukernel::detail {

constexpr int kRowsMR = QOPT_UK_ROWS_MR, kRowsPanel = QOPT_UK_ROWS_PANEL;

/// The lanes of 16 pixels from padded row `row`, column `col` (col < pitch) of a direct conv
/// (src.pitch != 0) that are outputs (the first `valid` lanes only), and the output index of the
/// first of them. Columns from src.width on are not outputs; rows wrap every src.pitch lanes.
QOPT_UK_INLINE __mmask16 outputLanes(const qopt_uk_rows_src &src, int64_t row, int64_t col,
                                     int64_t valid, int64_t &first) {
  first = col < src.width ? row * src.width + col : (row + 1) * src.width;
  if (col + 16 <= src.width && valid >= 16)
    return (__mmask16)0xFFFF; // the common case: 16 outputs of one row
  uint32_t m = 0;
  for (int64_t start = -col; start < 16; start += src.pitch) {
    // Lanes [start, start + width) are columns [0, width) of a row.
    const int64_t lo = start < 0 ? 0 : start, hi = start + src.width;
    if (hi > lo)
      m |= (hi >= 32 ? 0xFFFFFFFFu : (1u << hi) - 1u) & ~((1u << lo) - 1u);
  }
  m &= valid >= 16 ? 0xFFFFu : (1u << valid) - 1u;
  return (__mmask16)m;
}

/// acc with the lanes of `m` moved to the front (the stored outputs of a padded row are
/// consecutive in the result).
template <typename Vec>
QOPT_UK_INLINE Vec compressLanes(Vec acc, __mmask16 m) {
  if constexpr (__is_same(Vec, __m512))
    return _mm512_maskz_compress_ps(m, acc);
  else
    return _mm512_maskz_compress_epi32(m, acc);
}

/// Ops: typedef Vec; zero(); madd(acc, x, wDword) (x: 16 lanes of activations, wDword: the
/// channel's 4 bytes of weights for this step, to broadcast); and an epilogue object with
/// store(acc, channel, mask, out, idx). x is the panel's first pixel (without the tap offsets).
/// The tile computes channels n0 + R0 .. n0 + R0 + RN - 1 of the block of kRowsMR at n0.
template <typename Ops, int NV, int R0 = 0, int RN = kRowsMR, typename Epi>
QOPT_UK_INLINE void rowsTile(const uint8_t *w, const uint8_t *x, const qopt_uk_rows_src &src,
                             int64_t steps, const Epi &epi, int64_t n0, int64_t N, int64_t cols,
                             void *out, int64_t ldc, int64_t p0, int64_t row, int64_t col) {
  using Vec = typename Ops::Vec;
  Vec acc[RN][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < RN; ++r)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v)
      acc[r][v] = Ops::zero();
  // Only the last vector can be partial (cols > 16 * (NV - 1)).
  const __mmask16 last = (__mmask16)(cols - 16 * (NV - 1) >= 16
                                         ? 0xFFFF
                                         : (1u << (cols - 16 * (NV - 1))) - 1u);
  const int64_t perTap = steps / src.taps, stepBytes = src.step_bytes;
  const uint8_t *ws = w;
  for (int64_t t = 0; t < src.taps; ++t) {
    const uint8_t *xt = x + src.tap_bytes[t];
    for (int64_t s = 0; s < perTap; ++s, ws += kRowsMR * 4) {
      const uint8_t *xs = xt + s * stepBytes;
      Vec xv[NV];
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        xv[v] = Ops::fromBits(v == NV - 1 ? _mm512_maskz_loadu_epi32(last, xs + 64 * v)
                                          : _mm512_loadu_si512(xs + 64 * v));
#pragma clang loop unroll(full)
      for (int r = 0; r < RN; ++r) {
        __m512i a = _mm512_set1_epi32(load4(ws + 4 * (R0 + r)));
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; ++v)
          acc[r][v] = Ops::madd(acc[r][v], xv[v], a);
      }
    }
  }
  if (src.pitch) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; ++v) {
      int64_t first;
      const __mmask16 m = outputLanes(src, row, col, cols - 16 * v, first);
      col += 16;
      if (col >= src.pitch) { // pitch > 16 wraps at most once per vector; else loop
        row += col / src.pitch;
        col %= src.pitch;
      }
      if (!m)
        continue;
      const bool whole = m == (__mmask16)0xFFFF;
      const __mmask16 stored = laneMask(__builtin_popcount(m));
#pragma clang loop unroll(full)
      for (int r = 0; r < RN; ++r)
        if (n0 + R0 + r < N)
          epi.store(whole ? acc[r][v] : compressLanes(acc[r][v], m), n0 + R0 + r, stored, out,
                    (n0 + R0 + r) * ldc + first);
    }
    return;
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < RN; ++r)
    if (n0 + R0 + r < N)
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; ++v)
        epi.store(acc[r][v], n0 + R0 + r, v == NV - 1 ? last : (__mmask16)0xFFFF, out,
                  (n0 + R0 + r) * ldc + p0 + 16 * v);
}

/// The whole GEMM: every panel of 48 pixels, and per panel every block of 8 channels. Panels
/// outside: a panel's activations (of every tap) are read once, from L2, and then stay in L1 while
/// the blocks' weights, reused by every panel, stream from L2. (Blocks outside re-read all the
/// activations once per block: the same in a warm loop, but 10-20% slower in a model, where the
/// result written meanwhile evicts them from L2.) A direct conv's padded (row, column) of each
/// panel's first pixel is tracked without divisions.
template <typename Ops, typename Epi>
QOPT_UK_INLINE void rowsGemm(const uint8_t *w, const qopt_uk_rows_src &src, int64_t N, int64_t P,
                             int64_t steps, const Epi &epi, void *out, int64_t ldc) {
  int64_t row = src.pitch ? src.pixel0 / src.pitch : 0;
  int64_t col = src.pitch ? src.pixel0 % src.pitch : 0;
  for (int64_t p0 = 0; p0 < P; p0 += kRowsPanel) {
    const uint8_t *xp = src.x + (p0 / kRowsPanel) * src.panel_bytes;
    if (src.panel_bytes == kRowsPanel * 4 && P - p0 > kRowsPanel && P - p0 <= kRowsPanel + 16) {
      // The last whole panel and at most 16 more pixels, where the pixels are contiguous across
      // panels (f32 in place, direct convs, packed panels of a single step): one tile of 4
      // vectors, in two halves of the block's channels (16 accumulators each). As a panel and a
      // tile of 1 vector, a 7 x 7 map's 49 pixels took 4/3 of the panel's time for 1/48 more
      // pixels (MobileNetV2's 7 x 7 pointwise convs at 47% of the FMA peak).
      const int64_t cols = P - p0;
      for (int64_t n0 = 0; n0 < N; n0 += kRowsMR) {
        const uint8_t *wb = w + (n0 / kRowsMR) * steps * (kRowsMR * 4);
        rowsTile<Ops, 4, 0, kRowsMR / 2>(wb, xp, src, steps, epi, n0, N, cols, out, ldc, p0, row,
                                          col);
        if (n0 + kRowsMR / 2 < N)
          rowsTile<Ops, 4, kRowsMR / 2, kRowsMR / 2>(wb, xp, src, steps, epi, n0, N, cols, out,
                                                      ldc, p0, row, col);
      }
      break;
    }
    const int64_t cols = P - p0 < kRowsPanel ? P - p0 : kRowsPanel;
    auto panel = [&](auto nv) QOPT_UK_INLINE_LAMBDA {
      constexpr int NV = decltype(nv)::value;
      for (int64_t n0 = 0; n0 < N; n0 += kRowsMR)
        rowsTile<Ops, NV>(w + (n0 / kRowsMR) * steps * (kRowsMR * 4), xp, src, steps, epi, n0,
                          N, cols, out, ldc, p0, row, col);
    };
    if (cols > 32)
      panel(IntConst<3>());
    else if (cols > 16)
      panel(IntConst<2>());
    else
      panel(IntConst<1>());
    if (src.pitch) {
      col += kRowsPanel;
      row += col / src.pitch;
      col %= src.pitch;
    }
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
