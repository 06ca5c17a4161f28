// The quantization semantics of qopt, written down once (DESIGN.md, "Quantization semantics").
//
// Every producer of quantized values (the reference executor, constant folding, the quantize pass,
// generated kernels' test oracles, the runtime) calls these functions, so there is exactly one
// definition of rounding, clamping and the float precision involved.
//
//   real = scale * (q - zero_point)
//   q    = clamp(round_half_to_even(real / scale) + zero_point, qmin, qmax)
//
// Both directions are computed in float32. That matches ONNX QuantizeLinear / DequantizeLinear and
// the outputs in its conformance tests (and ONNX Runtime's CPU kernels), which divide in float32;
// computing x / scale in double would round differently for some inputs near a tie.
//
// Scales come from MLIR quant types as double, but they originate from float32 (ONNX, TFLite and
// PyTorch all store float32 scales), so callers cast them to float before calling in here.
//
// Header-only and free of MLIR types so that the runtime, which has no LLVM dependency, uses the
// very same code.
#ifndef QOPT_RUNTIME_QUANTMATH_H
#define QOPT_RUNTIME_QUANTMATH_H

#include <cmath>
#include <cstdint>
#include <limits>

namespace mlir::qopt::quant_math {

/// round_half_to_even(v) for float32 `v`.
///
/// std::nearbyint rounds in the current floating-point rounding mode, which is FE_TONEAREST
/// (ties to even) unless someone calls fesetround; qopt never does. nearbyint rather than rint so
/// that an inexact result does not raise FE_INEXACT. std::round would be wrong: it rounds ties
/// away from zero (2.5 -> 3, where ONNX and numpy give 2).
inline float roundHalfToEven(float v) { return std::nearbyint(v); }

/// Clamps `v` into [lo, hi]; the saturating step of every quantized cast.
inline int64_t saturate(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/// Converts a float that holds an integral value (or +-inf / NaN) to an integer in [lo, hi]
/// without undefined behaviour: out-of-range values and infinities saturate, NaN maps to `nanValue`
/// (a float -> int conversion of NaN or of a value outside int64 is UB in C++).
inline int64_t saturatingCast(double v, int64_t lo, int64_t hi, int64_t nanValue) {
  if (std::isnan(v))
    return saturate(nanValue, lo, hi);
  if (v <= (double)lo)
    return lo;
  if (v >= (double)hi)
    return hi;
  return (int64_t)v;
}

/// The saturating integer cast to a storage type T (e.g. an i32 accumulator stored as i8).
template <typename T>
inline T saturateTo(int64_t v) {
  return (T)saturate(v, (int64_t)std::numeric_limits<T>::min(), (int64_t)std::numeric_limits<T>::max());
}

/// q = clamp(round_half_to_even(x / scale) + zp, qmin, qmax), x / scale in float32.
///
/// +-inf saturate to qmax / qmin. NaN (which ONNX leaves unspecified) maps to the zero point,
/// i.e. to real 0, so that one NaN does not turn into an extreme value downstream.
inline int64_t quantize(float x, float scale, int64_t zp, int64_t qmin, int64_t qmax) {
  float r = roundHalfToEven(x / scale);
  // The sum is exact in double for every |r| < 2^52; anything larger saturates either way.
  return saturatingCast((double)r + (double)zp, qmin, qmax, zp);
}

/// x = (float)(q - zp) * scale, in float32 (ONNX DequantizeLinear).
inline float dequantize(int64_t q, float scale, int64_t zp) { return (float)(q - zp) * scale; }

/// Changes quantization parameters: quantize with the output parameters of the float32 value
/// that dequantize gives with the input parameters. This is the exact reference; kernels that
/// requantize with a fixed-point multiplier are tested against it.
inline int64_t requantize(int64_t q, float inScale, int64_t inZp, float outScale, int64_t outZp,
                          int64_t qmin, int64_t qmax) {
  return quantize(dequantize(q, inScale, inZp), outScale, outZp, qmin, qmax);
}

/// Quantized linear ops (fully_connected, conv2d, matmul with quantized operands).
///
///   acc    = sum_k (x_q - x_zp) * (w_q - w_zp[n]) + bias_q[n]      exact, in int64
///   real   = (float)acc * accScale(x_scale, w_scale[n])              float32
///   y      = activation(real)
///   result = quantize(y, out_scale, out_zp, qmin, qmax)   or y itself for a float result
///
/// bias_q is i32 with scale x_scale * w_scale[n] and zero point 0 (DESIGN.md). For relu / relu6
/// the activation is a clamp of the real value, i.e. of q to [zp, ...]; generated kernels that use
/// a fixed-point multiplier instead of the float32 product are tested against this definition.
/// Accumulating in int64 equals the int32 accumulation of the kernels as long as the sum fits,
/// which holds for u8 x i8 products up to K = 66,000 terms.
inline float accScale(float xScale, float wScale) { return xScale * wScale; }

/// The i32 storage of a float bias at scale x_scale * w_scale (round half to even, saturating).
inline int64_t quantizeBias(float b, float xScale, float wScale) {
  return quantize(b, accScale(xScale, wScale), 0, std::numeric_limits<int32_t>::min(),
                  std::numeric_limits<int32_t>::max());
}

/// The full range of a `bits`-wide storage integer (the default qmin/qmax of a quant type without
/// an explicit narrow range such as i8<-127:127>). `bits` is in [1, 64]; u64 is capped at INT64_MAX
/// because quantized values travel as int64_t.
inline int64_t storageMin(unsigned bits, bool isSigned) {
  if (!isSigned)
    return 0;
  return bits >= 64 ? std::numeric_limits<int64_t>::min() : -(int64_t(1) << (bits - 1));
}
inline int64_t storageMax(unsigned bits, bool isSigned) {
  unsigned valueBits = isSigned ? bits - 1 : bits;
  return valueBits >= 63 ? std::numeric_limits<int64_t>::max() : (int64_t(1) << valueBits) - 1;
}

} // namespace mlir::qopt::quant_math

#endif
