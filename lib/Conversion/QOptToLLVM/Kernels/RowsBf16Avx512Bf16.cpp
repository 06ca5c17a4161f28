// The bf16 ROWS GEMM (UKernels.h) for avx512bf16: vdpbf16ps on pairs of k, activations in the
// vector lanes and the channel's weight pair broadcast, f32 accumulation. Freestanding.
#include "RowsTileAvx512.h"

namespace mlir::qopt::ukernel::detail {
namespace {

struct RowsBf16 {
  using Vec = __m512;
  static QOPT_UK_INLINE Vec zero() { return _mm512_setzero_ps(); }
  static QOPT_UK_INLINE Vec fromBits(__m512i v) { return _mm512_castsi512_ps(v); }
  static QOPT_UK_INLINE Vec madd(Vec acc, Vec x, __m512i w) {
    return _mm512_dpbf16_ps(acc, (__m512bh)x, (__m512bh)w);
  }
};

struct Bf16Native {
  static QOPT_UK_INLINE __m256i round(__m512 y) { return (__m256i)_mm512_cvtneps_pbh(y); }
};

} // namespace
} // namespace mlir::qopt::ukernel::detail

using namespace mlir::qopt::ukernel::detail;

QOPT_UK_ENTRY void qopt_uk_rows_bf16_avx512bf16(const uint16_t *packed,
                                             const qopt_uk_rows_src *src, int64_t N, int64_t P,
                                             int64_t K, const qopt_uk_float_epilogue *ep,
                                             void *out, int64_t ldc) {
  const qopt_uk_float_epilogue local = *ep; // in registers, as in GemmU8S8Avx512Vnni.cpp
  const qopt_uk_rows_src x = *src;
  rowsGemm<RowsBf16>(reinterpret_cast<const uint8_t *>(packed), x, N, P, (K + 1) / 2,
                     RowsFloatEpilogue<Bf16Native>(&local), out, ldc);
}
