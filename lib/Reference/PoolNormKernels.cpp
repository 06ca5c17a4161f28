// layer_norm, batch_norm and the pooling ops. Means and variances accumulate in double.
#include "Kernels.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include <type_traits>

#include <cmath>
#include <limits>

namespace mlir::qopt::ref::detail {

static shape::Result sameShape(const Tensor &t) {
  return shape::Result::ok(shape::Shape(t.shape.begin(), t.shape.end()));
}

LogicalResult runLayerNorm(LayerNormOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput()), &scale = get(op.getScale());
  const Tensor *bias = op.getBias() ? &get(op.getBias()) : nullptr;
  if (failed(requireFloat(x, "input", err)) || failed(requireFloat(scale, "scale", err)) ||
      (bias && failed(requireFloat(*bias, "bias", err))))
    return failure();
  auto ax = shape::normalizeAxis(op.getAxis(), x.shape.size());
  if (!ax)
    return fail(err, "axis " + std::to_string(op.getAxis()) + " out of range for rank " +
                         std::to_string(x.shape.size()));
  ArrayRef<int64_t> normalized = ArrayRef<int64_t>(x.shape).drop_front(*ax);
  for (const Tensor *p : {&scale, bias})
    if (p && ArrayRef<int64_t>(p->shape) != normalized)
      return fail(err, Twine(p == &scale ? "scale" : "bias") + " must have the normalized shape " +
                           shape::str(normalized) + ", got " + shape::str(p->shape));
  if (failed(makeResult(op, sameShape(x), out, err)))
    return failure();
  int64_t inner = product(normalized), outer = inner ? x.numElements() / inner : 0;
  double eps = op.getEpsilon().convertToFloat();
  for (int64_t o = 0; o < outer; ++o) {
    const float *xr = x.f.data() + o * inner;
    float *yr = out.f.data() + o * inner;
    double mean = 0.0;
    for (int64_t k = 0; k < inner; ++k)
      mean += xr[k];
    mean /= inner;
    // Two passes: the biased variance as E[(x - mean)^2], which does not cancel like E[x^2] - m^2.
    double var = 0.0;
    for (int64_t k = 0; k < inner; ++k)
      var += (xr[k] - mean) * (xr[k] - mean);
    var /= inner;
    double stddev = std::sqrt(var + eps);
    for (int64_t k = 0; k < inner; ++k) {
      float normed = (float)((xr[k] - mean) / stddev);
      yr[k] = normed * scale.f[k] + (bias ? bias->f[k] : 0.0f);
    }
  }
  return success();
}

LogicalResult runBatchNorm(BatchNormOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput());
  const Tensor *params[] = {&get(op.getScale()), &get(op.getBias()), &get(op.getMean()),
                            &get(op.getVariance())};
  static const char *names[] = {"scale", "bias", "mean", "variance"};
  if (failed(requireFloat(x, "input", err)))
    return failure();
  if (x.shape.size() < 2)
    return fail(err, "input must have rank >= 2 ([N, C, ...]), got " + shape::str(x.shape));
  int64_t c = x.shape[1];
  for (int k = 0; k < 4; ++k) {
    if (failed(requireFloat(*params[k], names[k], err)))
      return failure();
    if (params[k]->shape != std::vector<int64_t>{c})
      return fail(err, Twine(names[k]) + " must be [" + Twine(c) + "] (one per channel), got " +
                           shape::str(params[k]->shape));
  }
  if (failed(makeResult(op, sameShape(x), out, err)))
    return failure();
  float eps = op.getEpsilon().convertToFloat();
  int64_t spatial = product(ArrayRef<int64_t>(x.shape).drop_front(2));
  for (int64_t n = 0; n < x.shape[0]; ++n)
    for (int64_t ch = 0; ch < c; ++ch) {
      float scale = params[0]->f[ch], bias = params[1]->f[ch], mean = params[2]->f[ch];
      float stddev = std::sqrt(params[3]->f[ch] + eps);
      int64_t base = (n * c + ch) * spatial;
      for (int64_t k = 0; k < spatial; ++k)
        out.f[base + k] = (x.f[base + k] - mean) / stddev * scale + bias;
    }
  return success();
}

namespace {
/// The geometry of one 2-D pooling op over an NCHW input, with its output already sized.
struct Window {
  int64_t h, w, oh, ow, kh, kw, sh, sw, padTop, padLeft, padBottom, padRight, dh, dw;
};

Window windowOf(const Tensor &x, const Tensor &out, ArrayRef<int64_t> kernel,
                ArrayRef<int64_t> strides, ArrayRef<int64_t> pads, ArrayRef<int64_t> dil) {
  return {x.shape[2], x.shape[3], out.shape[2], out.shape[3], kernel[0], kernel[1], strides[0],
          strides[1], pads[0],    pads[1],      pads[2],      pads[3],   dil[0],    dil[1]};
}

/// Calls fn(planeIn, planeOut, geometry) for every (n, c) plane.
template <typename Fn>
void forEachPlane(const Tensor &x, Tensor &out, Fn fn) {
  int64_t planes = x.shape[0] * x.shape[1];
  int64_t inPlane = x.shape[2] * x.shape[3], outPlane = out.shape[2] * out.shape[3];
  for (int64_t p = 0; p < planes; ++p)
    fn(x.f.data() + p * inPlane, out.f.data() + p * outPlane);
}
} // namespace

/// The max over each window of one plane; out-of-bounds taps are skipped (padding never wins).
/// T is float, or int64_t for quantized storage: the max of q is the max of the real values since
/// scales are positive.
template <typename T>
static void maxPoolPlane(const Window &g, const T *in, T *o) {
  for (int64_t y = 0; y < g.oh; ++y)
    for (int64_t xo = 0; xo < g.ow; ++xo) {
      T best = std::numeric_limits<T>::lowest();
      if constexpr (std::is_floating_point_v<T>)
        best = -std::numeric_limits<T>::infinity();
      for (int64_t i = 0; i < g.kh; ++i) {
        int64_t iy = y * g.sh - g.padTop + i * g.dh;
        if (iy < 0 || iy >= g.h)
          continue;
        for (int64_t j = 0; j < g.kw; ++j) {
          int64_t ix = xo * g.sw - g.padLeft + j * g.dw;
          if (ix < 0 || ix >= g.w)
            continue;
          T v = in[iy * g.w + ix];
          bool isNaN = false;
          if constexpr (std::is_floating_point_v<T>)
            isNaN = std::isnan(v);
          if (v > best || isNaN) // NaN propagates, as in PyTorch
            best = v;
        }
      }
      o[y * g.ow + xo] = best;
    }
}

LogicalResult runMaxPool2D(MaxPool2DOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput());
  bool quantized = isa_and_nonnull<quant::UniformQuantizedType>(x.elementType);
  if (!quantized && failed(requireFloat(x, "input", err)))
    return failure();
  if (failed(makeResult(op,
                        shape::pool2d(x.shape, op.getKernel(), op.getStrides(), op.getPads(),
                                      op.getDilations(), op.getCeilMode()),
                        out, err)))
    return failure();
  if (quantized && out.elementType != x.elementType)
    return fail(err, "a quantized max_pool2d keeps its input's type " + typeStr(x.elementType) +
                         ", the result is " + typeStr(out.elementType));
  Window g = windowOf(x, out, op.getKernel(), op.getStrides(), op.getPads(), op.getDilations());
  int64_t planes = x.shape[0] * x.shape[1];
  int64_t inPlane = x.shape[2] * x.shape[3], outPlane = out.shape[2] * out.shape[3];
  for (int64_t p = 0; p < planes; ++p) {
    if (quantized)
      maxPoolPlane(g, x.i.data() + p * inPlane, out.i.data() + p * outPlane);
    else
      maxPoolPlane(g, x.f.data() + p * inPlane, out.f.data() + p * outPlane);
  }
  return success();
}

LogicalResult runAvgPool2D(AvgPool2DOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput());
  if (failed(requireFloat(x, "input", err)))
    return failure();
  static const int64_t unitDilations[] = {1, 1};
  if (failed(makeResult(op,
                        shape::pool2d(x.shape, op.getKernel(), op.getStrides(), op.getPads(),
                                      unitDilations, op.getCeilMode()),
                        out, err)))
    return failure();
  Window g = windowOf(x, out, op.getKernel(), op.getStrides(), op.getPads(), unitDilations);
  bool includePad = op.getCountIncludePad();
  forEachPlane(x, out, [&](const float *in, float *o) {
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo) {
        // ONNX / PyTorch: with count_include_pad the divisor is the window clipped to the padded
        // input (a ceil_mode window hanging past the bottom/right padding does not count that
        // part); without it, the number of real input elements in the window.
        int64_t y0 = y * g.sh - g.padTop, x0 = xo * g.sw - g.padLeft;
        int64_t y1 = std::min(y0 + g.kh, g.h + g.padBottom);
        int64_t x1 = std::min(x0 + g.kw, g.w + g.padRight);
        int64_t paddedArea = (y1 - y0) * (x1 - x0);
        y0 = std::max<int64_t>(y0, 0);
        x0 = std::max<int64_t>(x0, 0);
        y1 = std::min(y1, g.h);
        x1 = std::min(x1, g.w);
        double sum = 0.0;
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix)
            sum += in[iy * g.w + ix];
        int64_t realArea = std::max<int64_t>(y1 - y0, 0) * std::max<int64_t>(x1 - x0, 0);
        int64_t divisor = includePad ? paddedArea : realArea;
        o[y * g.ow + xo] = divisor > 0 ? (float)(sum / divisor) : 0.0f;
      }
  });
  return success();
}

LogicalResult runGlobalAvgPool(GlobalAvgPoolOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput());
  if (failed(requireFloat(x, "input", err)))
    return failure();
  if (failed(makeResult(op, shape::globalAvgPool(x.shape), out, err)))
    return failure();
  int64_t planes = x.shape[0] * x.shape[1];
  int64_t spatial = product(ArrayRef<int64_t>(x.shape).drop_front(2));
  for (int64_t p = 0; p < planes; ++p) {
    double sum = 0.0;
    for (int64_t k = 0; k < spatial; ++k)
      sum += x.f[p * spatial + k];
    out.f[p] = spatial > 0 ? (float)(sum / spatial) : 0.0f;
  }
  return success();
}

} // namespace mlir::qopt::ref::detail
