// fully_connected, matmul and conv2d. Dot products accumulate in double (see Executor.h), the bias
// is added to the double sum, and the result is rounded to float32 once before the fused
// activation.
#include "Kernels.h"

namespace mlir::qopt::ref::detail {

static const Tensor *optional(Lookup get, Value v) { return v ? &get(v) : nullptr; }

/// Checks the float operands of a linear op; the bias is optional.
static LogicalResult checkOperands(const Tensor &x, const Tensor &w, const Tensor *b,
                                   std::string &err) {
  if (failed(requireFloat(x, "input", err)) || failed(requireFloat(w, "weight", err)))
    return failure();
  if (b && failed(requireFloat(*b, "bias", err)))
    return failure();
  return success();
}

LogicalResult runFullyConnected(FullyConnectedOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput()), &w = get(op.getWeight());
  const Tensor *b = optional(get, op.getBias());
  if (failed(checkOperands(x, w, b, err)))
    return failure();
  ArrayRef<int64_t> biasShape = b ? ArrayRef<int64_t>(b->shape) : ArrayRef<int64_t>();
  if (failed(makeResult(op, shape::fullyConnected(x.shape, w.shape, b ? &biasShape : nullptr), out,
                        err)))
    return failure();
  int64_t n = w.shape[0], k = w.shape[1];
  int64_t m = product(ArrayRef<int64_t>(x.shape).drop_back());
  Activation act = op.getActivation();
  for (int64_t row = 0; row < m; ++row) {
    const float *xr = x.f.data() + row * k;
    for (int64_t col = 0; col < n; ++col) {
      const float *wr = w.f.data() + col * k;
      double acc = b ? (double)b->f[col] : 0.0;
      for (int64_t j = 0; j < k; ++j)
        acc += (double)xr[j] * (double)wr[j];
      out.f[row * n + col] = applyActivation(act, (float)acc);
    }
  }
  return success();
}

LogicalResult runMatMul(MatMulOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &a = get(op.getLhs()), &b = get(op.getRhs());
  if (failed(requireFloat(a, "lhs", err)) || failed(requireFloat(b, "rhs", err)))
    return failure();
  if (failed(makeResult(op, shape::matmul(a.shape, b.shape), out, err)))
    return failure();
  ArrayRef<int64_t> outShape = out.shape;
  int64_t m = a.shape[a.shape.size() - 2], k = a.shape.back(), n = b.shape.back();
  // Batch offsets in units of whole matrices, broadcast like numpy.matmul.
  ArrayRef<int64_t> batch = outShape.drop_back(2);
  SmallVector<int64_t> aStrides =
      broadcastStrides(ArrayRef<int64_t>(a.shape).drop_back(2), batch);
  SmallVector<int64_t> bStrides =
      broadcastStrides(ArrayRef<int64_t>(b.shape).drop_back(2), batch);
  int64_t numBatches = product(batch);
  for (int64_t bi = 0; bi < numBatches; ++bi) {
    const float *am = a.f.data() + offsetOf(bi, batch, aStrides) * m * k;
    const float *bm = b.f.data() + offsetOf(bi, batch, bStrides) * k * n;
    float *om = out.f.data() + bi * m * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (int64_t p = 0; p < k; ++p)
          acc += (double)am[i * k + p] * (double)bm[p * n + j];
        om[i * n + j] = (float)acc;
      }
  }
  return success();
}

LogicalResult runConv2D(Conv2DOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput()), &w = get(op.getWeight());
  const Tensor *b = optional(get, op.getBias());
  if (failed(checkOperands(x, w, b, err)))
    return failure();
  ArrayRef<int64_t> biasShape = b ? ArrayRef<int64_t>(b->shape) : ArrayRef<int64_t>();
  ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(), dil = op.getDilations();
  int64_t groups = op.getGroups();
  if (failed(makeResult(op,
                        shape::conv2d(x.shape, w.shape, b ? &biasShape : nullptr, strides, pads,
                                      dil, groups),
                        out, err)))
    return failure();
  int64_t batch = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
  int64_t o = w.shape[0], cg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  int64_t oh = out.shape[2], ow = out.shape[3];
  int64_t og = o / groups;
  Activation act = op.getActivation();
  for (int64_t nb = 0; nb < batch; ++nb)
    for (int64_t oc = 0; oc < o; ++oc) {
      int64_t firstIn = (oc / og) * cg; // first input channel of this output channel's group
      const float *wo = w.f.data() + oc * cg * kh * kw;
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xo = 0; xo < ow; ++xo) {
          double acc = b ? (double)b->f[oc] : 0.0;
          for (int64_t ic = 0; ic < cg; ++ic) {
            const float *xc = x.f.data() + (nb * c + firstIn + ic) * h * wd;
            for (int64_t i = 0; i < kh; ++i) {
              int64_t iy = y * strides[0] - pads[0] + i * dil[0];
              if (iy < 0 || iy >= h)
                continue;
              for (int64_t j = 0; j < kw; ++j) {
                int64_t ix = xo * strides[1] - pads[1] + j * dil[1];
                if (ix < 0 || ix >= wd)
                  continue;
                acc += (double)xc[iy * wd + ix] * (double)wo[(ic * kh + i) * kw + j];
              }
            }
          }
          out.f[((nb * o + oc) * oh + y) * ow + xo] = applyActivation(act, (float)acc);
        }
    }
  return success();
}

} // namespace mlir::qopt::ref::detail
