// f32 GEMM microkernel for avx512: zmm vfmadd231ps on weights packed by QOPT_UK_LAYOUT_F32, the
// 8 x 48 tile of FloatTileAvx512.h. Freestanding.
#include "FloatTileAvx512.h"

namespace mlir::qopt::ukernel::detail {
namespace {

struct F32Ops {
  static constexpr int kPerStep = 1;
  static constexpr bool kSplitSums = false; // one summation order, as GemmF32Avx2.cpp
  static QOPT_UK_INLINE __m512 madd(__m512 acc, __m512 a, __m512 w) {
    return _mm512_fmadd_ps(a, w, acc);
  }
  static QOPT_UK_INLINE __m512 tailBroadcast(const uint8_t *, int64_t) {
    return _mm512_setzero_ps(); // never called: every step is one whole element
  }
  static QOPT_UK_INLINE void storeBf16(uint16_t *, __mmask16, __m512) {
    // The f32 kernel writes f32 only (converting needs avx512bf16).
  }
};

} // namespace
} // namespace mlir::qopt::ukernel::detail

using namespace mlir::qopt::ukernel::detail;

QOPT_UK_ENTRY void qopt_uk_gemm_f32_avx512(const float *x, int64_t lda, const float *packed,
                                        int64_t M, int64_t N, int64_t K, int64_t n_begin,
                                        int64_t n_end, const qopt_uk_float_epilogue *ep,
                                        float *out, int64_t ldc) {
  (void)N;
  // A local copy: the tiles' stores through `out` could alias *ep, so reading the caller's struct
  // would reload its fields after every store; the copy's fields stay in registers.
  const qopt_uk_float_epilogue local = *ep;
  floatGemm<F32Ops>(reinterpret_cast<const uint8_t *>(x), lda,
                    reinterpret_cast<const uint8_t *>(packed), M, K, n_begin, n_end, &local, out, ldc);
}
