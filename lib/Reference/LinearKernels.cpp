// fully_connected, matmul and conv2d, float or quantized. Float dot products accumulate in double
// (see Executor.h); quantized ones are exact int64 sums of centered integers (q - zp), computed
// with the runtime's dotCentered where the operands are contiguous. LinearEpilogue turns each sum
// into the result with the bias, the scale, the fused activation and the result's quantization,
// with the functions of qopt/Runtime/Epilogue.h.
#include "Kernels.h"
#include "QuantizedOperands.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

namespace mlir::qopt::ref::detail {

static const Tensor *optional(Lookup get, Value v) { return v ? &get(v) : nullptr; }

/// Reads the input and weight of fully_connected / conv2d. A per-axis weight must be quantized
/// along dimension 0, the output channel.
static LogicalResult readOperands(const Tensor &x, const Tensor &w, LinearOperand &xo,
                                  LinearOperand &wo, std::string &err) {
  FailureOr<LinearOperand> a = linearOperand(x, "input", err);
  if (failed(a))
    return failure();
  FailureOr<LinearOperand> b = linearOperand(w, "weight", err);
  if (failed(b))
    return failure();
  if (auto axis = dyn_cast<quant::UniformQuantizedPerAxisType>(w.elementType);
      axis && axis.getQuantizedDimension() != 0)
    return fail(err, "weight is quantized along dimension " +
                         Twine(axis.getQuantizedDimension()) +
                         ", expected 0 (the output channel)");
  xo = std::move(*a);
  wo = std::move(*b);
  return success();
}

LogicalResult runFullyConnected(FullyConnectedOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput()), &w = get(op.getWeight());
  const Tensor *b = optional(get, op.getBias());
  LinearOperand xo, wo;
  if (failed(readOperands(x, w, xo, wo, err)))
    return failure();
  ArrayRef<int64_t> biasShape = b ? ArrayRef<int64_t>(b->shape) : ArrayRef<int64_t>();
  if (failed(makeResult(op, shape::fullyConnected(x.shape, w.shape, b ? &biasShape : nullptr), out,
                        err)))
    return failure();
  FailureOr<LinearEpilogue> epilogue =
      LinearEpilogue::get(xo, wo, b, op.getActivation(), out, err);
  if (failed(epilogue))
    return failure();
  int64_t n = w.shape[0], k = w.shape[1];
  int64_t m = product(ArrayRef<int64_t>(x.shape).drop_back());
  if (xo.quantized) {
    int64_t xZp = xo.params.zeroPoints[0];
    for (int64_t row = 0; row < m; ++row)
      for (int64_t col = 0; col < n; ++col)
        epilogue->storeQuantized(row * n + col, col,
                                 rt::dotCentered(xo.storage + row * k, xZp, wo.storage + col * k,
                                                 wo.params.zeroPoint(col * k), k));
    return success();
  }
  for (int64_t row = 0; row < m; ++row) {
    const double *xr = xo.v.data() + row * k;
    for (int64_t col = 0; col < n; ++col) {
      const double *wr = wo.v.data() + col * k;
      double acc = 0.0;
      for (int64_t j = 0; j < k; ++j)
        acc += xr[j] * wr[j];
      epilogue->storeFloat(row * n + col, col, acc);
    }
  }
  return success();
}

LogicalResult runMatMul(MatMulOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &a = get(op.getLhs()), &b = get(op.getRhs());
  FailureOr<LinearOperand> ao = linearOperand(a, "lhs", err);
  if (failed(ao))
    return failure();
  FailureOr<LinearOperand> bo = linearOperand(b, "rhs", err);
  if (failed(bo))
    return failure();
  if (bo->quantized && bo->params.dim != 1)
    return fail(err, "a quantized rhs must be quantized per tensor");
  if (failed(makeResult(op, shape::matmul(a.shape, b.shape), out, err)))
    return failure();
  FailureOr<LinearEpilogue> epilogue =
      LinearEpilogue::get(*ao, *bo, nullptr, Activation::none, out, err);
  if (failed(epilogue))
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
    int64_t aOffset = offsetOf(bi, batch, aStrides) * m * k;
    int64_t bOffset = offsetOf(bi, batch, bStrides) * k * n;
    int64_t om = bi * m * n;
    if (ao->quantized) {
      const int64_t *am = ao->storage + aOffset, *bm = bo->storage + bOffset;
      int64_t aZp = ao->params.zeroPoints[0], bZp = bo->params.zeroPoints[0];
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          epilogue->storeQuantized(om + i * n + j, 0,
                                   rt::dotCentered(am + i * k, aZp, bm + j, bZp, k, n));
      continue;
    }
    const double *am = ao->v.data() + aOffset;
    const double *bm = bo->v.data() + bOffset;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (int64_t p = 0; p < k; ++p)
          acc += am[i * k + p] * bm[p * n + j];
        epilogue->storeFloat(om + i * n + j, 0, acc);
      }
  }
  return success();
}

LogicalResult runConv2D(Conv2DOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &x = get(op.getInput()), &w = get(op.getWeight());
  const Tensor *b = optional(get, op.getBias());
  LinearOperand xo, wo;
  if (failed(readOperands(x, w, xo, wo, err)))
    return failure();
  ArrayRef<int64_t> biasShape = b ? ArrayRef<int64_t>(b->shape) : ArrayRef<int64_t>();
  ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(), dil = op.getDilations();
  int64_t groups = op.getGroups();
  if (failed(makeResult(op,
                        shape::conv2d(x.shape, w.shape, b ? &biasShape : nullptr, strides, pads,
                                      dil, groups),
                        out, err)))
    return failure();
  FailureOr<LinearEpilogue> epilogue =
      LinearEpilogue::get(xo, wo, b, op.getActivation(), out, err);
  if (failed(epilogue))
    return failure();
  int64_t batch = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
  int64_t o = w.shape[0], cg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  int64_t oh = out.shape[2], ow = out.shape[3];
  int64_t og = o / groups;
  // Padding contributes nothing: a padded input is real 0, i.e. q = zero point, centered 0. The
  // same loop accumulates doubles for float operands and exact int64 sums for quantized ones.
  auto convolve = [&](const auto *xv, const auto *wv, auto zero, auto store) {
    for (int64_t nb = 0; nb < batch; ++nb)
      for (int64_t oc = 0; oc < o; ++oc) {
        int64_t firstIn = (oc / og) * cg; // first input channel of this output channel's group
        const auto *wc = wv + oc * cg * kh * kw;
        for (int64_t y = 0; y < oh; ++y)
          for (int64_t xo_ = 0; xo_ < ow; ++xo_) {
            decltype(zero) acc = zero;
            for (int64_t ic = 0; ic < cg; ++ic) {
              const auto *xc = xv + (nb * c + firstIn + ic) * h * wd;
              for (int64_t i = 0; i < kh; ++i) {
                int64_t iy = y * strides[0] - pads[0] + i * dil[0];
                if (iy < 0 || iy >= h)
                  continue;
                for (int64_t j = 0; j < kw; ++j) {
                  int64_t ix = xo_ * strides[1] - pads[1] + j * dil[1];
                  if (ix < 0 || ix >= wd)
                    continue;
                  acc += xc[iy * wd + ix] * wc[(ic * kh + i) * kw + j];
                }
              }
            }
            store(((nb * o + oc) * oh + y) * ow + xo_, oc, acc);
          }
      }
  };
  if (xo.quantized)
    convolve(xo.centered.data(), wo.centered.data(), int64_t(0),
             [&](int64_t at, int64_t ch, int64_t acc) { epilogue->storeQuantized(at, ch, acc); });
  else
    convolve(xo.v.data(), wo.v.data(), 0.0,
             [&](int64_t at, int64_t ch, double acc) { epilogue->storeFloat(at, ch, acc); });
  return success();
}

} // namespace mlir::qopt::ref::detail
