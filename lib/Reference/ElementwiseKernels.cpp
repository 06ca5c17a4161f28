// Broadcasting binary arithmetic, activations, elementwise math, softmax and log_softmax.
#include "Kernels.h"

#include <cmath>
#include <limits>

namespace mlir::qopt::ref::detail {

LogicalResult runBinary(Operation *op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &a = get(op->getOperand(0)), &b = get(op->getOperand(1));
  if (failed(requireFloat(a, "lhs", err)) || failed(requireFloat(b, "rhs", err)))
    return failure();
  if (failed(makeResult(op, shape::broadcast(a.shape, b.shape), out, err)))
    return failure();
  SmallVector<int64_t> sa = broadcastStrides(a.shape, out.shape);
  SmallVector<int64_t> sb = broadcastStrides(b.shape, out.shape);
  auto apply = [&](auto fn) {
    for (int64_t k = 0, n = out.numElements(); k < n; ++k)
      out.f[k] = fn(a.f[offsetOf(k, out.shape, sa)], b.f[offsetOf(k, out.shape, sb)]);
  };
  if (isa<AddOp>(op))
    apply([](float x, float y) { return x + y; });
  else if (isa<SubOp>(op))
    apply([](float x, float y) { return x - y; });
  else if (isa<MulOp>(op))
    apply([](float x, float y) { return x * y; });
  else if (isa<DivOp>(op))
    apply([](float x, float y) { return x / y; }); // IEEE: x / 0 is +-inf or NaN
  else if (isa<PowOp>(op))
    apply([](float x, float y) { return std::pow(x, y); }); // NaN for x < 0 and fractional y
  else
    return fail(err, "not a binary op");
  return success();
}

LogicalResult runUnary(Operation *op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op->getOperand(0));
  if (failed(requireFloat(in, "input", err)))
    return failure();
  if (failed(makeResult(op, shape::Result::ok(shape::Shape(in.shape.begin(), in.shape.end())),
                        out, err)))
    return failure();
  auto apply = [&](auto fn) {
    for (size_t k = 0; k < in.f.size(); ++k)
      out.f[k] = fn(in.f[k]);
  };
  if (isa<ReluOp>(op)) {
    apply([](float x) { return applyActivation(Activation::relu, x); });
  } else if (auto clamp = dyn_cast<ClampOp>(op)) {
    float lo = clamp.getMin().convertToFloat(), hi = clamp.getMax().convertToFloat();
    if (std::isnan(lo) || std::isnan(hi) || lo > hi)
      return fail(err, "clamp min " + std::to_string(lo) + " exceeds max " + std::to_string(hi));
    apply([&](float x) { return x < lo ? lo : (x > hi ? hi : x); });
  } else if (auto leaky = dyn_cast<LeakyReluOp>(op)) {
    float alpha = leaky.getAlpha().convertToFloat();
    apply([&](float x) { return x >= 0.0f ? x : alpha * x; });
  } else if (isa<SigmoidOp>(op)) {
    apply([](float x) { return applyActivation(Activation::sigmoid, x); });
  } else if (isa<TanhOp>(op)) {
    apply([](float x) { return std::tanh(x); });
  } else if (auto g = dyn_cast<GeluOp>(op)) {
    bool approx = g.getApproximateTanh();
    apply([&](float x) { return gelu(x, approx); });
  } else if (isa<ExpOp>(op)) {
    apply([](float x) { return std::exp(x); });
  } else if (isa<SqrtOp>(op)) {
    apply([](float x) { return std::sqrt(x); });
  } else if (isa<NegOp>(op)) {
    apply([](float x) { return -x; });
  } else if (isa<ErfOp>(op)) {
    apply([](float x) { return std::erf(x); });
  } else {
    return fail(err, "not a unary op");
  }
  return success();
}

LogicalResult runSoftmax(Operation *op, int64_t axis, bool logSoftmax, Lookup get, Tensor &out,
                         std::string &err) {
  const Tensor &in = get(op->getOperand(0));
  if (failed(requireFloat(in, "input", err)))
    return failure();
  auto ax = shape::normalizeAxis(axis, in.shape.size());
  if (!ax)
    return fail(err, "axis " + std::to_string(axis) + " out of range for rank " +
                         std::to_string(in.shape.size()));
  if (failed(makeResult(op, shape::Result::ok(shape::Shape(in.shape.begin(), in.shape.end())),
                        out, err)))
    return failure();
  ArrayRef<int64_t> s = in.shape;
  int64_t outer = product(s.take_front(*ax)), len = s[*ax], inner = product(s.drop_front(*ax + 1));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const float *x = in.f.data() + o * len * inner + i;
      float *y = out.f.data() + o * len * inner + i;
      // Subtracting the max keeps exp() finite; it cancels out mathematically.
      float max = -std::numeric_limits<float>::infinity();
      for (int64_t k = 0; k < len; ++k)
        max = std::max(max, x[k * inner]);
      double sum = 0.0;
      for (int64_t k = 0; k < len; ++k)
        sum += (double)std::exp(x[k * inner] - max);
      if (logSoftmax) {
        float logSum = (float)std::log(sum);
        for (int64_t k = 0; k < len; ++k)
          y[k * inner] = x[k * inner] - max - logSum;
      } else {
        for (int64_t k = 0; k < len; ++k)
          y[k * inner] = (float)((double)std::exp(x[k * inner] - max) / sum);
      }
    }
  return success();
}

} // namespace mlir::qopt::ref::detail
