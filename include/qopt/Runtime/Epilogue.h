// The bit-exact epilogue of the linear ops (fully_connected, conv2d, matmul), as plain functions.
//
// The reference executor computes its linear results through these functions, and the native
// backend's kernels are tested against them, so both share one oracle. For quantized operands:
//
//   acc    = sum_k (x_q - x_zp) * (w_q - w_zp[n])              exact integer (int64 here)
//   real   = (float)(acc + bias_q[n]) * accScale[n]             i32 bias at scale x_scale * w_scale
//        or  (float)acc * accScale[n] + bias_f[n]               a float bias
//   y      = activation(real)                                   float32
//   result = quantize(y, out_scale, out_zp, qmin, qmax)         or y for a float result
//
// and for float operands y = activation((float)(dot + bias)) with the dot product in double.
// Free of MLIR and LLVM types: the runtime core links no LLVM library.
#ifndef QOPT_RUNTIME_EPILOGUE_H
#define QOPT_RUNTIME_EPILOGUE_H

#include "qopt/Runtime/QuantMath.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace mlir::qopt::rt {

/// The activation fused into a linear op. The same cases, in the same order, as the dialect's
/// `qopt::Activation` enum, which the reference maps onto this one.
enum class Activation { none, relu, relu6, sigmoid, tanh, gelu };

/// GELU in float32: the exact erf form, or the tanh approximation.
float gelu(float x, bool approximateTanh);

/// The value of a fused activation, applied in float32 to the real-valued result. relu and relu6
/// are clamps to [0, inf) and [0, 6].
float applyActivation(Activation act, float x);

/// sum_k (x[k] - xZp) * (w[k * wStride] - wZp), exact in int64. X and W are the storage types
/// (uint8_t / int8_t buffers of a kernel, or the int64_t storage values of the reference).
template <typename X, typename W>
inline int64_t dotCentered(const X *x, int64_t xZp, const W *w, int64_t wZp, int64_t k,
                           int64_t wStride = 1) {
  int64_t acc = 0;
  for (int64_t j = 0; j < k; ++j)
    acc += ((int64_t)x[j] - xZp) * ((int64_t)w[j * wStride] - wZp);
  return acc;
}

/// True when an accumulator (plus bias) fits the i32 accumulators of the generated kernels, whose
/// results then equal this int64 definition. Products of u8 and narrow-range i8 weights
/// ([-127, 127]) stay in i32 up to K = 66,000 terms.
inline bool fitsInt32(int64_t acc) {
  return acc >= std::numeric_limits<int32_t>::min() && acc <= std::numeric_limits<int32_t>::max();
}

/// A float op's output: activation((float)(dot + bias)), the sum in double.
inline float floatLinearOutput(double dot, double bias, Activation act) {
  return applyActivation(act, (float)(dot + bias));
}

/// The real value of a quantized accumulator with an i32 bias at scale accScale (zero point 0).
inline float accumulatorToReal(int64_t acc, int64_t biasQ, float accScale) {
  return (float)(acc + biasQ) * accScale;
}

/// The real value of a quantized accumulator with a float bias (0.0f without a bias).
inline float accumulatorToRealFloatBias(int64_t acc, float accScale, float bias) {
  return (float)acc * accScale + bias;
}

/// The quantization of a per-tensor quantized result.
struct OutputQuant {
  float scale = 1.0f;
  int64_t zeroPoint = 0;
  int64_t qmin = 0, qmax = 0;
};

/// The saturating quantization of an activated real value to the result type.
inline int64_t quantizeOutput(float y, const OutputQuant &q) {
  return quant_math::quantize(y, q.scale, q.zeroPoint, q.qmin, q.qmax);
}

/// The whole epilogue of one quantized output with an i32 bias: scale, activate, quantize.
inline int64_t requantizeLinear(int64_t acc, int64_t biasQ, float accScale, Activation act,
                                const OutputQuant &q) {
  return quantizeOutput(applyActivation(act, accumulatorToReal(acc, biasQ, accScale)), q);
}

/// The parameters of a quantized linear op's epilogue over its output channels.
struct QuantizedEpilogue {
  /// x_scale * w_scale per output channel, or one value for a per-tensor weight.
  std::vector<float> accScales;
  /// The i32 bias per output channel, or a float bias, or neither (at most one is non-empty).
  std::vector<int64_t> biasQ;
  std::vector<float> biasF;
  Activation act = Activation::none;
  /// Set for a quantized result; a float result keeps the activated real value.
  std::optional<OutputQuant> out;

  float accScale(int64_t channel) const {
    return accScales[accScales.size() == 1 ? 0 : channel];
  }
  /// The activated real value of output channel `channel` with accumulator `acc`.
  float activated(int64_t acc, int64_t channel) const {
    float real = !biasQ.empty() ? accumulatorToReal(acc, biasQ[channel], accScale(channel))
                                : accumulatorToRealFloatBias(
                                      acc, accScale(channel), biasF.empty() ? 0.0f : biasF[channel]);
    return applyActivation(act, real);
  }
  /// The stored result for a quantized result type (`out` set).
  int64_t quantized(int64_t acc, int64_t channel) const {
    return quantizeOutput(activated(acc, channel), *out);
  }
};

} // namespace mlir::qopt::rt

#endif
