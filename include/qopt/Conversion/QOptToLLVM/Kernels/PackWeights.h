// Compile-time weight packing for the GEMM microkernels (the future qopt-pack-weights pass calls
// these). The layouts are documented in UKernels.h, which is the contract with the kernels.
#ifndef QOPT_CONVERSION_QOPTTOLLVM_KERNELS_PACKWEIGHTS_H
#define QOPT_CONVERSION_QOPTTOLLVM_KERNELS_PACKWEIGHTS_H

#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"

#include <cstdint>

namespace mlir::qopt::ukernel {

/// Column block width NR of a layout.
int64_t blockWidth(qopt_uk_layout layout);
/// N rounded up to whole column blocks (the length of the per-column epilogue arrays).
int64_t paddedN(qopt_uk_layout layout, int64_t n);
/// Size in bytes of the packed weights of an [n, k] matrix.
int64_t packedBytes(qopt_uk_layout layout, int64_t n, int64_t k);

/// Packs s8 weights w[n][k] for an int8 layout (row-major, row stride k) into `out` (packedBytes of it, any
/// alignment; 64 bytes is best). Padding is zero.
void packWeightsS8(qopt_uk_layout layout, const int8_t *w, int64_t n, int64_t k, void *out);

/// The folded i32 bias of UKernels.h: bias[c] - (xZp + (signedInput ? 128 : 0)) * colsum(w[c]),
/// written to out[0 .. paddedN) with zeros in the padding. `bias` may be null (zero bias).
/// Returns false if a folded value does not fit in i32 (the lowering then reports an error).
bool foldBias(qopt_uk_layout layout, const int8_t *w, int64_t n, int64_t k, const int32_t *bias,
              int32_t xZp, bool signedInput, int32_t *out);

/// Per-column x_scale * w_scale[c] in float32 (QuantMath's accScale), padded with zeros.
void accScales(qopt_uk_layout layout, float xScale, const float *wScales, int64_t n, float *out);

/// float32 -> bf16, round to nearest even; NaN stays a (quiet) NaN.
uint16_t floatToBf16(float f);
float bf16ToFloat(uint16_t b);

/// Packs f32 weights w[n][k] for QOPT_UK_LAYOUT_F32 / F32_AVX2 (as float) or QOPT_UK_LAYOUT_BF16
/// (rounded to bf16) into `out` (packedBytes of it). Padding is zero.
void packWeightsFloat(qopt_uk_layout layout, const float *w, int64_t n, int64_t k, void *out);

} // namespace mlir::qopt::ukernel

#endif
