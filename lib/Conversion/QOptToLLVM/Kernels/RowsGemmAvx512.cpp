// The ROWS GEMMs (UKernels.h) for avx512vnni: int8 with vpdpbusd (u8 activations in the vector
// lanes, the channel's 4 s8 weights broadcast: vpdpbusd takes the unsigned operand first) and
// f32 with FMA. Freestanding.
#include "RequantizeAvx512.h"
#include "RowsTileAvx512.h"

namespace mlir::qopt::ukernel::detail {
namespace {

struct RowsU8S8 {
  using Vec = __m512i;
  static QOPT_UK_INLINE Vec zero() { return _mm512_setzero_si512(); }
  static QOPT_UK_INLINE Vec fromBits(__m512i v) { return v; }
  static QOPT_UK_INLINE Vec madd(Vec acc, Vec x, __m512i w) { return _mm512_dpbusd_epi32(acc, x, w); }
};

/// The requantize epilogue with one output channel per row: its constants broadcast.
struct RowsEpilogue : RequantizeAvx512 {
  using RequantizeAvx512::RequantizeAvx512;
  QOPT_UK_INLINE void store(__m512i acc, int64_t n, __mmask16 mask, void *out, int64_t idx) const {
    struct Channel {
      int64_t n;
      QOPT_UK_INLINE __m512i i32(const int32_t *a) const { return _mm512_set1_epi32(a[n]); }
      QOPT_UK_INLINE __m512 f32(const float *a) const { return _mm512_set1_ps(a[n]); }
    };
    RequantizeAvx512::store(acc, Channel{n}, mask, out, idx);
  }
};

struct RowsF32 {
  using Vec = __m512;
  static QOPT_UK_INLINE Vec zero() { return _mm512_setzero_ps(); }
  static QOPT_UK_INLINE Vec fromBits(__m512i v) { return _mm512_castsi512_ps(v); }
  // One FMA per k in k order from +0, as every f32 GEMM of qopt sums (the same bits on avx2).
  static QOPT_UK_INLINE Vec madd(Vec acc, Vec x, __m512i w) {
    return _mm512_fmadd_ps(_mm512_castsi512_ps(w), x, acc);
  }
};

/// f32 -> bf16 without avx512bf16: round to nearest even in integer ops, NaN to a quiet NaN
/// (PackWeights' floatToBf16, bit for bit).
struct Bf16ByInteger {
  static QOPT_UK_INLINE __m256i round(__m512 y) {
    __m512i u = _mm512_castps_si512(y);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7FFF)), lsb), 16);
    __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7FFFFFFF)),
                                            _mm512_set1_epi32(0x7F800000));
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40)));
    return _mm512_cvtepi32_epi16(r);
  }
};

} // namespace
} // namespace mlir::qopt::ukernel::detail

using namespace mlir::qopt::ukernel::detail;

QOPT_UK_ENTRY void qopt_uk_rows_u8s8_avx512vnni(const int8_t *packed, const qopt_uk_rows_src *src,
                                             int64_t N, int64_t P, int64_t K,
                                             const qopt_uk_epilogue *ep, void *out, int64_t ldc) {
  const qopt_uk_epilogue local = *ep; // in registers, as in GemmU8S8Avx512Vnni.cpp
  const qopt_uk_rows_src x = *src;
  rowsGemm<RowsU8S8>(reinterpret_cast<const uint8_t *>(packed), x, N, P, (K + 3) / 4,
                     RowsEpilogue(&local), out, ldc);
}

QOPT_UK_ENTRY void qopt_uk_rows_f32_avx512(const float *packed, const qopt_uk_rows_src *src,
                                        int64_t N, int64_t P, int64_t K,
                                        const qopt_uk_float_epilogue *ep, void *out, int64_t ldc) {
  const qopt_uk_float_epilogue local = *ep;
  const qopt_uk_rows_src x = *src;
  rowsGemm<RowsF32>(reinterpret_cast<const uint8_t *>(packed), x, N, P, K,
                    RowsFloatEpilogue<Bf16ByInteger>(&local), out, ldc);
}
