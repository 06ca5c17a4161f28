// Lowering of the quant family (quantize, dequantize, requantize, fake_quant_dynamic) to the
// kernels of OpKernels.h. The quantization parameters come from the !quant.uniform types:
// per-tensor ones go into the params, per-axis scales and zero points become constant operands.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

namespace mlir::qopt::lowering {
namespace {

/// The storage dtype of a quantized tensor: the kernels take u8, i8 and i32 storage.
FailureOr<int32_t> quantDType(Operation *op, Type t, PatternRewriter &rewriter,
                              LoweringFailures &failures) {
  auto q = dyn_cast<quant::QuantizedType>(cast<ShapedType>(t).getElementType());
  std::optional<int32_t> d = kernelDType(t);
  if (!q || !d || (*d != QOPT_K_U8 && *d != QOPT_K_I8 && *d != QOPT_K_I32) ||
      (*d == QOPT_K_I32 && !q.isSigned()))
    return failures.fail(rewriter, op,
                         "the native kernel takes quantized tensors stored as u8, i8 or i32");
  return *d;
}

/// The qopt_k_qparams of `tensorType` (per tensor, or per axis with the scales and zero points
/// appended to `extraInputs` as constants).
FailureOr<qopt_k_qparams> qparamsOf(Operation *op, Type tensorType, PatternRewriter &rewriter,
                                    LoweringFailures &failures,
                                    SmallVectorImpl<Value> &extraInputs) {
  auto q = zeroParams<qopt_k_qparams>();
  Type elt = cast<ShapedType>(tensorType).getElementType();
  if (auto u = dyn_cast<quant::UniformQuantizedType>(elt)) {
    // Scales are float32 values the quant dialect stores as double (QuantMath.h).
    q.scale = (float)u.getScale();
    q.zero_point = (int32_t)u.getZeroPoint();
    return q;
  }
  auto a = dyn_cast<quant::UniformQuantizedPerAxisType>(elt);
  if (!a)
    return failures.fail(rewriter, op, "only uniform quantized types lower to native code");
  auto type = cast<RankedTensorType>(tensorType);
  int64_t axis = a.getQuantizedDimension();
  if (axis < 0 || axis >= type.getRank())
    return failures.fail(rewriter, op, "the quantized dimension is outside the tensor");
  bool batched = isBatched(type);
  if (batched && axis == 0)
    return failures.fail(rewriter, op,
                         "per-axis quantization over the batch dimension cannot run natively");
  SmallVector<int64_t> shape = sampleShape(type);
  int64_t sampleAxis = batched ? axis - 1 : axis;
  if ((int64_t)a.getScales().size() != shape[sampleAxis] ||
      (int64_t)a.getZeroPoints().size() != shape[sampleAxis])
    return failures.fail(rewriter, op, "the per-axis scale count differs from the dimension");
  q.outer = 1;
  q.inner = 1;
  for (int64_t d = 0; d < sampleAxis; ++d)
    q.outer *= shape[d];
  for (int64_t d = sampleAxis + 1; d < (int64_t)shape.size(); ++d)
    q.inner *= shape[d];
  q.axis_len = shape[sampleAxis];
  SmallVector<float> scales;
  SmallVector<int32_t> zeroPoints;
  for (double s : a.getScales())
    scales.push_back((float)s);
  for (int64_t z : a.getZeroPoints())
    zeroPoints.push_back((int32_t)z);
  extraInputs.push_back(
      createArrayConstant<float>(rewriter, op->getLoc(), scales, "qopt_k_scales"));
  extraInputs.push_back(
      createArrayConstant<int32_t>(rewriter, op->getLoc(), zeroPoints, "qopt_k_zero_points"));
  return q;
}

/// The ops of this family keep their shape; a sample must stay a sample.
LogicalResult sameBatching(Operation *op, Value in, Value out, PatternRewriter &rewriter,
                           LoweringFailures &failures) {
  if (isBatched(in) != isBatched(out))
    return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
  return success();
}

struct QuantizeToKernel : OpRewritePattern<QuantizeOp> {
  QuantizeToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<QuantizeOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(QuantizeOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Type inType = op.getInput().getType(), outType = op.getOutput().getType();
    FailureOr<int32_t> in = floatDType(op, inType, rewriter, failures);
    FailureOr<int32_t> out = quantDType(op, outType, rewriter, failures);
    if (failed(in) || failed(out) ||
        failed(sameBatching(op, op.getInput(), op.getOutput(), rewriter, failures)))
      return failure();
    SmallVector<Value> inputs{op.getInput()};
    FailureOr<qopt_k_qparams> q = qparamsOf(op, outType, rewriter, failures, inputs);
    if (failed(q))
      return failure();
    auto qt = cast<quant::QuantizedType>(cast<ShapedType>(outType).getElementType());
    auto p = zeroParams<qopt_k_quantize_params>();
    p.n = sampleElements(outType);
    p.in_type = *in;
    p.out_type = *out;
    p.qmin = (int32_t)qt.getStorageTypeMin();
    p.qmax = (int32_t)qt.getStorageTypeMax();
    p.q = *q;
    replaceWithKernel(rewriter, op, "qopt_k_quantize", p, inputs);
    return success();
  }

  LoweringFailures &failures;
};

struct DequantizeToKernel : OpRewritePattern<DequantizeOp> {
  DequantizeToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<DequantizeOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(DequantizeOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Type inType = op.getInput().getType(), outType = op.getOutput().getType();
    FailureOr<int32_t> in = quantDType(op, inType, rewriter, failures);
    FailureOr<int32_t> out = floatDType(op, outType, rewriter, failures);
    if (failed(in) || failed(out) ||
        failed(sameBatching(op, op.getInput(), op.getOutput(), rewriter, failures)))
      return failure();
    SmallVector<Value> inputs{op.getInput()};
    FailureOr<qopt_k_qparams> q = qparamsOf(op, inType, rewriter, failures, inputs);
    if (failed(q))
      return failure();
    auto p = zeroParams<qopt_k_dequantize_params>();
    p.n = sampleElements(outType);
    p.in_type = *in;
    p.out_type = *out;
    p.q = *q;
    replaceWithKernel(rewriter, op, "qopt_k_dequantize", p, inputs);
    return success();
  }

  LoweringFailures &failures;
};

struct RequantizeToKernel : OpRewritePattern<RequantizeOp> {
  RequantizeToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<RequantizeOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(RequantizeOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Type inType = op.getInput().getType(), outType = op.getOutput().getType();
    FailureOr<int32_t> in = quantDType(op, inType, rewriter, failures);
    FailureOr<int32_t> out = quantDType(op, outType, rewriter, failures);
    if (failed(in) || failed(out) ||
        failed(sameBatching(op, op.getInput(), op.getOutput(), rewriter, failures)))
      return failure();
    auto qin = dyn_cast<quant::UniformQuantizedType>(cast<ShapedType>(inType).getElementType());
    auto qout =
        dyn_cast<quant::UniformQuantizedType>(cast<ShapedType>(outType).getElementType());
    if (!qin || !qout)
      return failures.fail(rewriter, op,
                           "the native requantize takes per-tensor quantization only");
    auto p = zeroParams<qopt_k_requantize_params>();
    p.n = sampleElements(outType);
    p.in_type = *in;
    p.out_type = *out;
    p.in_scale = (float)qin.getScale();
    p.out_scale = (float)qout.getScale();
    p.in_zp = (int32_t)qin.getZeroPoint();
    p.out_zp = (int32_t)qout.getZeroPoint();
    p.qmin = (int32_t)qout.getStorageTypeMin();
    p.qmax = (int32_t)qout.getStorageTypeMax();
    replaceWithKernel(rewriter, op, "qopt_k_requantize", p, ValueRange{op.getInput()});
    return success();
  }

  LoweringFailures &failures;
};

struct FakeQuantDynamicToKernel : OpRewritePattern<FakeQuantDynamicOp> {
  FakeQuantDynamicToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<FakeQuantDynamicOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(FakeQuantDynamicOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    FailureOr<int32_t> in = floatDType(op, op.getInput().getType(), rewriter, failures);
    FailureOr<int32_t> out = floatDType(op, op.getOutput().getType(), rewriter, failures);
    if (failed(in) || failed(out))
      return failure();
    // The range over the whole tensor is what the op means, so this one kernel spans samples
    // (OpKernels.h); the emitter then marks the model as not batch-parallel.
    auto p = zeroParams<qopt_k_fake_quant_params>();
    p.n = sampleElements(op.getOutput().getType());
    p.in_type = *in;
    p.out_type = *out;
    p.signed_storage = op.getStorage() == ActivationStorage::i8 ? 1 : 0;
    replaceWithKernel(rewriter, op, "qopt_k_fake_quant_dynamic", p, ValueRange{op.getInput()});
    return success();
  }

  LoweringFailures &failures;
};

} // namespace

void populateQuantKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  patterns.add<QuantizeToKernel, DequantizeToKernel, RequantizeToKernel, FakeQuantDynamicToKernel>(
      patterns.getContext(), failures);
}

} // namespace mlir::qopt::lowering
