// quantize, dequantize and requantize, per tensor or per axis, exactly as QuantMath.h defines them.
#include "Kernels.h"

#include "qopt/Quant/QuantMath.h"

namespace mlir::qopt::ref::detail {
namespace {

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

FailureOr<QuantParams> paramsOf(Type elt, ArrayRef<int64_t> shape, StringRef what,
                                std::string &err) {
  QuantParams p;
  // Scales are float32 values stored as double by the quant dialect (see QuantMath.h).
  if (auto q = dyn_cast<quant::UniformQuantizedType>(elt)) {
    p.scales.push_back((float)q.getScale());
    p.zeroPoints.push_back(q.getZeroPoint());
  } else if (auto q = dyn_cast<quant::UniformQuantizedPerAxisType>(elt)) {
    int64_t axis = q.getQuantizedDimension();
    if (axis < 0 || axis >= (int64_t)shape.size())
      return fail(err, Twine(what) + ": quantized dimension " + Twine(axis) +
                           " is out of range for shape " + shape::str(shape));
    p.dim = shape[axis];
    p.inner = product(shape.drop_front(axis + 1));
    if ((int64_t)q.getScales().size() != p.dim || (int64_t)q.getZeroPoints().size() != p.dim)
      return fail(err, Twine(what) + " has " + Twine(q.getScales().size()) +
                           " per-axis scales but dimension " + Twine(axis) + " of " +
                           shape::str(shape) + " has size " + Twine(p.dim));
    for (double s : q.getScales())
      p.scales.push_back((float)s);
    p.zeroPoints.assign(q.getZeroPoints().begin(), q.getZeroPoints().end());
  } else {
    return fail(err, Twine(what) + " has element type " + typeStr(elt) +
                         ", expected a uniform quantized type");
  }
  auto q = cast<quant::QuantizedType>(elt);
  p.qmin = q.getStorageTypeMin();
  p.qmax = q.getStorageTypeMax();
  if (p.inner == 0 || p.dim == 0)
    p.inner = p.dim = 1; // an empty tensor: no element asks for a channel
  return p;
}

shape::Result sameShape(const Tensor &t) {
  return shape::Result::ok(shape::Shape(t.shape.begin(), t.shape.end()));
}

} // namespace

LogicalResult runQuantize(QuantizeOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  if (!in.isFloat())
    return fail(err, "input has element type " + typeStr(in.elementType) +
                         ", expected a float type");
  if (failed(makeResult(op, sameShape(in), out, err)))
    return failure();
  FailureOr<QuantParams> p = paramsOf(out.elementType, out.shape, "result", err);
  if (failed(p))
    return failure();
  for (size_t k = 0; k < out.i.size(); ++k)
    out.i[k] = quant_math::quantize(in.f[k], p->scale(k), p->zeroPoint(k), p->qmin, p->qmax);
  return success();
}

LogicalResult runDequantize(DequantizeOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  FailureOr<QuantParams> p = paramsOf(in.elementType, in.shape, "input", err);
  if (failed(p) || failed(makeResult(op, sameShape(in), out, err)))
    return failure();
  if (!out.isFloat())
    return fail(err, "result element type " + typeStr(out.elementType) + " is not a float type");
  for (size_t k = 0; k < out.f.size(); ++k)
    out.f[k] = quant_math::dequantize(in.i[k], p->scale(k), p->zeroPoint(k));
  return success();
}

LogicalResult runRequantize(RequantizeOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  FailureOr<QuantParams> pin = paramsOf(in.elementType, in.shape, "input", err);
  if (failed(pin) || failed(makeResult(op, sameShape(in), out, err)))
    return failure();
  FailureOr<QuantParams> pout = paramsOf(out.elementType, out.shape, "result", err);
  if (failed(pout))
    return failure();
  for (size_t k = 0; k < out.i.size(); ++k)
    out.i[k] = quant_math::requantize(in.i[k], pin->scale(k), pin->zeroPoint(k), pout->scale(k),
                                      pout->zeroPoint(k), pout->qmin, pout->qmax);
  return success();
}

} // namespace mlir::qopt::ref::detail
