// Weight packing for the int8 GEMM microkernels; runs at compile time, so plain loops suffice.
#include "qopt/Conversion/QOptToLLVM/Kernels/PackWeights.h"

#include "qopt/Quant/QuantMath.h"

#include <cstring>
#include <limits>

namespace mlir::qopt::ukernel {

int64_t blockWidth(qopt_uk_layout layout) {
  switch (layout) {
  case QOPT_UK_LAYOUT_AVX2_I16:
    return QOPT_UK_AVX2_NR;
  case QOPT_UK_LAYOUT_F32_AVX2:
    return QOPT_UK_AVX2_FLOAT_NR;
  case QOPT_UK_LAYOUT_ROWS_VNNI:
  case QOPT_UK_LAYOUT_ROWS_F32:
  case QOPT_UK_LAYOUT_ROWS_BF16:
    return QOPT_UK_ROWS_MR;
  default:
    return QOPT_UK_VNNI_NR;
  }
}

int64_t paddedN(qopt_uk_layout layout, int64_t n) {
  int64_t nr = blockWidth(layout);
  return (n + nr - 1) / nr * nr;
}

static int64_t paddedK(int64_t k) { return (k + 3) / 4 * 4; }

int64_t packedBytes(qopt_uk_layout layout, int64_t n, int64_t k) {
  int64_t np = paddedN(layout, n);
  switch (layout) {
  case QOPT_UK_LAYOUT_VNNI:
  case QOPT_UK_LAYOUT_ROWS_VNNI:
    return np * paddedK(k);
  case QOPT_UK_LAYOUT_AVX2_I16:
    return np * paddedK(k) * 2;
  case QOPT_UK_LAYOUT_F32:
  case QOPT_UK_LAYOUT_F32_AVX2:
  case QOPT_UK_LAYOUT_ROWS_F32:
    return np * k * 4;
  case QOPT_UK_LAYOUT_BF16:
  case QOPT_UK_LAYOUT_ROWS_BF16:
    return np * ((k + 1) / 2 * 2) * 2;
  }
  return 0;
}

void packWeightsS8(qopt_uk_layout layout, const int8_t *w, int64_t n, int64_t k, void *out) {
  const int64_t nr = blockWidth(layout), np = paddedN(layout, n), groups = paddedK(k) / 4;
  auto weight = [&](int64_t col, int64_t kk) -> int8_t {
    return col < n && kk < k ? w[col * k + kk] : int8_t(0);
  };
  // The ROWS layout is the VNNI formula with blocks of 8 channels (UKernels.h).
  if (layout == QOPT_UK_LAYOUT_VNNI || layout == QOPT_UK_LAYOUT_ROWS_VNNI) {
    auto *dst = static_cast<int8_t *>(out);
    for (int64_t b = 0; b < np / nr; ++b)
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t j = 0; j < nr; ++j)
          for (int64_t t = 0; t < 4; ++t)
            dst[((b * groups + g) * nr + j) * 4 + t] = weight(b * nr + j, 4 * g + t);
    return;
  }
  auto *dst = static_cast<int16_t *>(out);
  for (int64_t b = 0; b < np / nr; ++b)
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t j = 0; j < nr; ++j)
          for (int64_t t = 0; t < 2; ++t)
            dst[(((b * groups + g) * 2 + h) * nr + j) * 2 + t] = weight(b * nr + j, 4 * g + h + 2 * t);
}

bool foldBias(qopt_uk_layout layout, const int8_t *w, int64_t n, int64_t k, const int32_t *bias,
              int32_t xZp, bool signedInput, int32_t *out) {
  const int64_t np = paddedN(layout, n);
  const int64_t shift = (int64_t)xZp + (signedInput ? 128 : 0);
  bool fits = true;
  for (int64_t c = 0; c < np; ++c) {
    if (c >= n) {
      out[c] = 0;
      continue;
    }
    int64_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk)
      sum += w[c * k + kk];
    int64_t v = (bias ? (int64_t)bias[c] : 0) - shift * sum;
    fits &= v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
    out[c] = (int32_t)v;
  }
  return fits;
}

void accScales(qopt_uk_layout layout, float xScale, const float *wScales, int64_t n, float *out) {
  const int64_t np = paddedN(layout, n);
  for (int64_t c = 0; c < np; ++c)
    out[c] = c < n ? quant_math::accScale(xScale, wScales[c]) : 0.0f;
}

uint16_t floatToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u)
    return (uint16_t)((u >> 16) | 0x40); // quiet NaN
  return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

float bf16ToFloat(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void packWeightsFloat(qopt_uk_layout layout, const float *w, int64_t n, int64_t k, void *out) {
  const int64_t nr = blockWidth(layout), np = paddedN(layout, n);
  auto weight = [&](int64_t col, int64_t kk) {
    return col < n && kk < k ? w[col * k + kk] : 0.0f;
  };
  if (layout == QOPT_UK_LAYOUT_F32 || layout == QOPT_UK_LAYOUT_F32_AVX2 ||
      layout == QOPT_UK_LAYOUT_ROWS_F32) {
    auto *dst = static_cast<float *>(out);
    for (int64_t b = 0; b < np / nr; ++b)
      for (int64_t kk = 0; kk < k; ++kk)
        for (int64_t j = 0; j < nr; ++j)
          dst[(b * k + kk) * nr + j] = weight(b * nr + j, kk);
    return;
  }
  auto *dst = static_cast<uint16_t *>(out);
  const int64_t groups = (k + 1) / 2;
  for (int64_t b = 0; b < np / nr; ++b)
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < nr; ++j)
        for (int64_t t = 0; t < 2; ++t)
          dst[((b * groups + g) * nr + j) * 2 + t] = floatToBf16(weight(b * nr + j, 2 * g + t));
}

} // namespace mlir::qopt::ukernel
