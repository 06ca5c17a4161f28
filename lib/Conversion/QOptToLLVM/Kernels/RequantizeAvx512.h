// The int8 GEMMs' fused requantize epilogue on 16 i32 accumulators (UKernels.h's formula), shared
// by the column-vector GEMM (per-column arrays loaded as vectors) and the ROWS GEMM (one output
// channel per row, its constants broadcast). Freestanding.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_REQUANTIZEAVX512_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_REQUANTIZEAVX512_H

#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"

#include "KernelSupport.h"

#include <immintrin.h>

namespace mlir::qopt::ukernel::detail {

/// The quantized bounds of the requantize epilogue: the activation's clamp and quantize's clamp
/// to [qmin - zp, qmax - zp] as one clamp of the quotient (two max/min fewer per vector: the
/// epilogue, not the multiplies, bounds a 1x1 conv with K = 16 or 24). Exact, because
/// RN(x / s) is monotonic in x for s > 0: RN(clamp(x, lo, hi) / s) = clamp(RN(x / s),
/// RN(lo / s), RN(hi / s)), with -inf and +inf for no bound. A NaN real quantizes to the zero
/// point, i.e. the quotient becomes 0 before quantize's clamp; that stays so after the merge
/// when the activation's range holds 0 (ReLU, ReLU6, none). Other ranges keep the activation's
/// clamp before the division (`actFirst`).
struct RequantBounds {
  float lo, hi;
  bool actFirst;
  QOPT_UK_INLINE RequantBounds(bool hasAct, float actLo, float actHi, float outScale,
                               int32_t qmin, int32_t qmax, int32_t outZp) {
    // Clamping round(real / s) to [qmin - zp, qmax - zp] before adding zp equals the reference's
    // saturate(round(...) + zp); the bounds are small integers, exact in float32, and clamping
    // commutes with rounding to an integer because the bounds are integers.
    const float qlo = (float)(qmin - outZp), qhi = (float)(qmax - outZp);
    actFirst = hasAct && !(actLo <= 0.0f && 0.0f <= actHi);
    lo = qlo, hi = qhi;
    if (!hasAct || actFirst)
      return;
    const float a = actLo / outScale, b = actHi / outScale;
    lo = a > qlo ? a : qlo;
    hi = b < qhi ? b : qhi;
    if (lo > hi) // disjoint ranges: every result is the quantize bound on the activation's side
      lo = hi = qlo > b ? qlo : qhi;
  }
};

/// The epilogue's loop-invariant vectors, built once per call.
struct RequantizeAvx512 {
  const qopt_uk_epilogue *ep;
  __m512 actLo, actHi, outScale, qlo, qhi;
  __m512i zp;
  bool actFirst;

  QOPT_UK_INLINE explicit RequantizeAvx512(const qopt_uk_epilogue *e) : ep(e) {
    actLo = _mm512_set1_ps(e->act_lo);
    actHi = _mm512_set1_ps(e->act_hi);
    outScale = _mm512_set1_ps(e->out_scale);
    const RequantBounds b(e->has_act, e->act_lo, e->act_hi, e->out_scale, e->qmin, e->qmax,
                          e->out_zp);
    qlo = _mm512_set1_ps(b.lo);
    qhi = _mm512_set1_ps(b.hi);
    actFirst = b.actFirst;
    zp = _mm512_set1_epi32(e->out_zp);
  }

  /// Finishes 16 accumulators and stores the lanes in `mask` at element `idx` of `out`. `at`
  /// gives the constants of these lanes from a per-channel array (at(ep->bias) as __m512i,
  /// at(ep->acc_scale) / at(ep->float_bias) as __m512): a vector load for the column GEMM, a
  /// broadcast for the ROWS GEMM. Arrays the output kind does not use are never read.
  template <typename At>
  QOPT_UK_INLINE void store(__m512i acc, const At &at, __mmask16 mask, void *out,
                            int64_t idx) const {
    __m512i bias = at.i32(ep->bias);
    acc = _mm512_add_epi32(acc, bias);
    if (ep->out_kind == QOPT_UK_OUT_I32) {
      _mm512_mask_storeu_epi32(static_cast<int32_t *>(out) + idx, mask, acc);
      return;
    }
    // Two roundings, like the reference: (float)acc, then the product (no FMA contraction).
    __m512 real = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), at.f32(ep->acc_scale));
    if (ep->float_bias)
      real = _mm512_add_ps(real, at.f32(ep->float_bias));
    if (ep->out_kind == QOPT_UK_OUT_F32 ? ep->has_act : actFirst) {
      // max(lo, x) is "x < lo ? lo : x" including x = -0 and NaN (maxps returns its second
      // operand for equal or unordered inputs); min(hi, .) likewise is "x > hi ? hi : x".
      real = _mm512_max_ps(actLo, real);
      real = _mm512_min_ps(actHi, real);
    }
    if (ep->out_kind == QOPT_UK_OUT_F32) {
      _mm512_mask_storeu_ps(static_cast<float *>(out) + idx, mask, real);
      return;
    }
    __m512 q = _mm512_div_ps(real, outScale); // a true division: x * (1/s) rounds differently
    // NaN quantizes to the zero point (QuantMath.h): make it +0 before the clamp, in one
    // vfixupimmps (the table maps QNaN and SNaN to +0 and keeps every other class).
    q = _mm512_fixupimm_ps(q, q, _mm512_set1_epi32(0x11111188), 0);
    q = _mm512_min_ps(_mm512_max_ps(q, qlo), qhi);
    __m512i qi = _mm512_add_epi32(
        _mm512_cvt_roundps_epi32(q, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp);
    // The values are in [qmin, qmax] already, so truncating to bytes is exact for u8 and i8.
    _mm512_mask_cvtepi32_storeu_epi8(static_cast<uint8_t *>(out) + idx, mask, qi);
  }
};

QOPT_UK_INLINE __mmask16 laneMask(int64_t lanes) {
  return lanes >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (lanes < 0 ? 0 : lanes)) - 1u);
}

} // namespace mlir::qopt::ukernel::detail

#endif
