// Quantization parameters of executor tensors, and the operands and epilogue shared by the float
// and the quantized linear kernels (fully_connected, matmul, conv2d).
#ifndef QOPT_LIB_REFERENCE_QUANTIZEDOPERANDS_H
#define QOPT_LIB_REFERENCE_QUANTIZEDOPERANDS_H

#include "Kernels.h"

#include "qopt/Runtime/Epilogue.h"

namespace mlir::qopt::ref::detail {

/// The quantization parameters of each element of a tensor of a given shape.
struct QuantParams {
  SmallVector<float> scales;
  SmallVector<int64_t> zeroPoints;
  int64_t qmin = 0, qmax = 0;
  // Element k belongs to channel (k / inner) % dim; a per-tensor type is one channel.
  int64_t inner = 1, dim = 1;

  float scale(int64_t k) const { return scales[(k / inner) % dim]; }
  int64_t zeroPoint(int64_t k) const { return zeroPoints[(k / inner) % dim]; }
};

/// The parameters of a quantized element type over a tensor of `shape`; `what` names it in errors.
FailureOr<QuantParams> paramsOf(Type elt, ArrayRef<int64_t> shape, StringRef what,
                                std::string &err);

/// An operand of a linear op: the float values as doubles, or for a quantized operand its storage
/// integers and the centered integers q - zero_point, whose products sum exactly in int64.
struct LinearOperand {
  std::vector<double> v;          // float only
  std::vector<int64_t> centered;  // quantized only
  const int64_t *storage = nullptr; // quantized only
  bool quantized = false;
  QuantParams params; // quantized only
};
FailureOr<LinearOperand> linearOperand(const Tensor &t, StringRef what, std::string &err);

/// Turns the dot product of one output element into the stored result with the functions of
/// qopt/Runtime/Epilogue.h, which the native kernels are tested against: for float operands
/// act((float)(dot + bias)); for quantized ones the exact integer sum plus the i32 bias, scaled by
/// x_scale * w_scale[channel] in float32, then the activation, then quantized to the result type
/// (or kept as float for a float result).
class LinearEpilogue {
public:
  /// `x` and `w` are the operands (w per-axis over its dimension 0 = the output channel, or per
  /// tensor), `bias` optional, `out` already shaped.
  static FailureOr<LinearEpilogue> get(const LinearOperand &x, const LinearOperand &w,
                                       const Tensor *bias, Activation act, Tensor &out,
                                       std::string &err);
  /// A float op's double dot product.
  void storeFloat(int64_t index, int64_t channel, double dot) const;
  /// A quantized op's exact integer accumulator.
  void storeQuantized(int64_t index, int64_t channel, int64_t acc) const;

private:
  LinearEpilogue(Tensor &out) : out(out) {}
  Tensor &out;
  rt::Activation act = rt::Activation::none;
  const Tensor *bias = nullptr; // float ops
  rt::QuantizedEpilogue quantized; // quantized ops
};

/// The runtime's name for a dialect activation.
rt::Activation toRuntime(Activation act);

} // namespace mlir::qopt::ref::detail

#endif
