// quantize, dequantize and requantize, per tensor or per axis, exactly as QuantMath.h defines them.
#include "Kernels.h"
#include "QuantizedOperands.h"

#include "qopt/Quant/QuantMath.h"
#include "qopt/Quant/QuantParams.h"

#include "llvm/Support/FormatVariadic.h"

namespace mlir::qopt::ref::detail {

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

namespace {

shape::Result sameShape(const Tensor &t) {
  return shape::Result::ok(shape::Shape(t.shape.begin(), t.shape.end()));
}

} // namespace

LogicalResult runCast(CastOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  if (failed(requireFloat(in, "input", err)) || failed(makeResult(op, sameShape(in), out, err)))
    return failure();
  out.f = in.f;
  return success();
}

LogicalResult runFakeQuantDynamic(FakeQuantDynamicOp op, Lookup get, Tensor &out,
                                  std::string &err) {
  const Tensor &in = get(op.getInput());
  if (failed(requireFloat(in, "input", err)) || failed(makeResult(op, sameShape(in), out, err)))
    return failure();
  out.f = in.f;
  if (in.f.empty())
    return success();
  float lo = 0.0f, hi = 0.0f, absMax = 0.0f;
  for (float x : in.f) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    absMax = std::max(absMax, std::fabs(x));
  }
  quant_math::AffineParams p;
  if (op.getStorage() == ActivationStorage::i8) {
    if (absMax == 0.0f)
      return success();
    p = quant_math::weightI8(absMax); // scale max|x| / 127, [-127, 127]
  } else {
    if (hi == lo)
      return success();
    p = quant_math::asymmetricU8(lo, hi);
  }
  for (float &x : out.f)
    x = quant_math::dequantize(quant_math::quantize(x, p.scale, p.zeroPoint, p.qmin, p.qmax),
                               p.scale, p.zeroPoint);
  return success();
}

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

namespace mlir::qopt::ref::detail {

FailureOr<LinearOperand> linearOperand(const Tensor &t, StringRef what, std::string &err) {
  LinearOperand o;
  if (t.isFloat()) {
    o.v.assign(t.f.begin(), t.f.end());
    return o;
  }
  FailureOr<QuantParams> p = paramsOf(t.elementType, t.shape, what, err);
  if (failed(p))
    return failure();
  o.quantized = true;
  o.params = *p;
  o.storage = t.i.data();
  o.centered.resize(t.i.size());
  for (size_t k = 0; k < t.i.size(); ++k)
    o.centered[k] = t.i[k] - p->zeroPoint(k);
  return o;
}

rt::Activation toRuntime(Activation act) {
  switch (act) {
  case Activation::none:
    return rt::Activation::none;
  case Activation::relu:
    return rt::Activation::relu;
  case Activation::relu6:
    return rt::Activation::relu6;
  case Activation::sigmoid:
    return rt::Activation::sigmoid;
  case Activation::tanh:
    return rt::Activation::tanh;
  case Activation::gelu:
    return rt::Activation::gelu;
  }
  return rt::Activation::none;
}

// The activations of the elementwise ops are the runtime's, so fused and unfused agree.
float applyActivation(Activation act, float x) { return rt::applyActivation(toRuntime(act), x); }

float gelu(float x, bool approximateTanh) { return rt::gelu(x, approximateTanh); }

FailureOr<LinearEpilogue> LinearEpilogue::get(const LinearOperand &x, const LinearOperand &w,
                                              const Tensor *bias, Activation act, Tensor &out,
                                              std::string &err) {
  LinearEpilogue e(out);
  e.act = toRuntime(act);
  e.quantized.act = e.act;
  if (x.quantized != w.quantized)
    return fail(err, Twine("input is ") + (x.quantized ? "quantized" : "float") + " but weight is " +
                         (w.quantized ? "quantized" : "float") +
                         ": a linear op takes both quantized or both float");
  if (!x.quantized) {
    if (!out.isFloat())
      return fail(err, "a float op cannot have the quantized result " + typeStr(out.elementType));
    if (bias && failed(requireFloat(*bias, "bias", err)))
      return failure();
    e.bias = bias;
    return e;
  }
  if (x.params.dim != 1)
    return fail(err, "a quantized input must be quantized per tensor");
  int64_t channels = w.params.dim == 1 ? 1 : w.params.dim;
  for (int64_t c = 0; c < channels; ++c)
    e.quantized.accScales.push_back(quant_math::accScale(x.params.scales[0], w.params.scales[c]));
  if (bias && !bias->isFloat()) {
    FailureOr<QuantParams> bp = paramsOf(bias->elementType, bias->shape, "bias", err);
    if (failed(bp))
      return failure();
    for (int64_t c = 0; c < bp->dim; ++c) {
      float want = e.quantized.accScales[channels == 1 ? 0 : c];
      if (bp->zeroPoints[c] != 0 || std::fabs(bp->scales[c] - want) > 1e-6f * want)
        return fail(err, "bias channel " + Twine(c) + " has scale " + llvm::formatv("{0:g}", bp->scales[c]).str() +
                             " and zero point " + Twine(bp->zeroPoints[c]) +
                             ", expected input scale * weight scale = " + llvm::formatv("{0:g}", want).str() +
                             " and 0");
    }
    e.quantized.biasQ = bias->i;
  } else if (bias) {
    e.quantized.biasF = bias->f;
  }
  if (!out.isFloat()) {
    FailureOr<QuantParams> op = paramsOf(out.elementType, out.shape, "result", err);
    if (failed(op))
      return failure();
    if (op->dim != 1)
      return fail(err, "a quantized result must be quantized per tensor");
    e.quantized.out = rt::OutputQuant{op->scales[0], op->zeroPoints[0], op->qmin, op->qmax};
  }
  return e;
}

void LinearEpilogue::storeFloat(int64_t index, int64_t channel, double dot) const {
  out.f[index] = rt::floatLinearOutput(dot, bias ? (double)bias->f[channel] : 0.0, act);
}

void LinearEpilogue::storeQuantized(int64_t index, int64_t channel, int64_t acc) const {
  if (quantized.out)
    out.i[index] = quantized.quantized(acc, channel);
  else
    out.f[index] = quantized.activated(acc, channel);
}

} // namespace mlir::qopt::ref::detail
