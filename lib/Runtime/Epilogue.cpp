#include "qopt/Runtime/Epilogue.h"

#include <cmath>

namespace mlir::qopt::rt {

float gelu(float x, bool approximateTanh) {
  if (approximateTanh) {
    const float kSqrt2OverPi = (float)0.79788456080286535588;
    return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
  }
  return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
}

float applyActivation(Activation act, float x) {
  switch (act) {
  case Activation::none:
    return x;
  case Activation::relu:
    return x < 0.0f ? 0.0f : x;
  case Activation::relu6:
    return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
  case Activation::sigmoid:
    return 1.0f / (1.0f + std::exp(-x));
  case Activation::tanh:
    return std::tanh(x);
  case Activation::gelu:
    return gelu(x, /*approximateTanh=*/false);
  }
  return x;
}

} // namespace mlir::qopt::rt
