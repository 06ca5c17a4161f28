// bf16 GEMM microkernel for avx512bf16: zmm vdpbf16ps (pairs of bf16 products accumulated in f32)
// on weights packed by QOPT_UK_LAYOUT_BF16, the 8 x 48 tile of FloatTileAvx512.h. Freestanding.
#include "FloatTileAvx512.h"

namespace mlir::qopt::ukernel::detail {
namespace {

struct Bf16Ops {
  static constexpr int kPerStep = 2;
  static constexpr bool kSplitSums = true;
  static QOPT_UK_INLINE __m512 madd(__m512 acc, __m512 a, __m512 w) {
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)w);
  }
  /// An odd K: the last bf16 of the row paired with a zero, without reading past the row (the
  /// packed weight of the missing element is zero as well).
  static QOPT_UK_INLINE __m512 tailBroadcast(const uint8_t *p, int64_t) {
    return _mm512_castsi512_ps(_mm512_broadcastd_epi32(_mm_maskz_loadu_epi16(1, p)));
  }
  static QOPT_UK_INLINE void storeBf16(uint16_t *dst, __mmask16 mask, __m512 v) {
    _mm256_mask_storeu_epi16(dst, mask, (__m256i)_mm512_cvtneps_pbh(v));
  }
};

} // namespace
} // namespace mlir::qopt::ukernel::detail

using namespace mlir::qopt::ukernel::detail;

QOPT_UK_ENTRY void qopt_uk_gemm_bf16_avx512bf16(const uint16_t *x, int64_t lda,
                                             const uint16_t *packed, int64_t M, int64_t N,
                                             int64_t K, int64_t n_begin, int64_t n_end,
                                             const qopt_uk_float_epilogue *ep, void *out,
                                             int64_t ldc) {
  (void)N;
  // A local copy: the tiles' stores through `out` could alias *ep, so reading the caller's struct
  // would reload its fields after every store; the copy's fields stay in registers.
  const qopt_uk_float_epilogue local = *ep;
  floatGemm<Bf16Ops>(reinterpret_cast<const uint8_t *>(x), lda,
                     reinterpret_cast<const uint8_t *>(packed), M, K, n_begin, n_end, &local, out, ldc);
}
