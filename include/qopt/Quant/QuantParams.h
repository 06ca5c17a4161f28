// Choosing quantization parameters from a real range (DESIGN.md, "Quantization semantics").
// Header-only, float32 throughout like QuantMath.h, and free of MLIR types.
#ifndef QOPT_QUANT_QUANTPARAMS_H
#define QOPT_QUANT_QUANTPARAMS_H

#include "qopt/Quant/QuantMath.h"

#include <algorithm>
#include <cmath>

namespace mlir::qopt::quant_math {

struct AffineParams {
  float scale;
  int64_t zeroPoint;
  int64_t qmin, qmax;
};

/// Asymmetric u8 for activations: the range is widened to contain 0 (so zero padding and ReLU's
/// zeros are exact), scale = (hi - lo) / 255, zero point = round(-lo / scale).
inline AffineParams asymmetricU8(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  float scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
  int64_t zp = saturate((int64_t)roundHalfToEven(-lo / scale), 0, 255);
  return {scale, zp, 0, 255};
}

/// Symmetric i8 for activations: zero point 0, scale = absmax / 127, storage [-128, 127].
inline AffineParams symmetricI8(float absMax) {
  float scale = absMax > 0 ? absMax / 127.0f : 1.0f;
  return {scale, 0, -128, 127};
}

/// Symmetric narrow-range i8 for weights (one output channel): [-127, 127], zero point 0, so the
/// +128 shift of the VNNI kernels cannot overflow. An all-zero channel gets scale 1.
inline AffineParams weightI8(float absMax) {
  float scale = absMax > 0 ? absMax / 127.0f : 1.0f;
  return {scale, 0, -127, 127};
}

} // namespace mlir::qopt::quant_math

#endif
