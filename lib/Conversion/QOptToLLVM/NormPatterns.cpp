// Lowering of the normalization family (softmax, log_softmax, layer_norm, batch_norm) to the
// kernels of OpKernels.h. Each normalises within a sample, so an axis on the batch dimension is
// refused.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"
#include "qopt/Dialect/QOpt/IR/ShapeInference.h"

namespace mlir::qopt::lowering {
namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

/// `axis` of `op`'s input normalised into the dims of one sample, or failure with a reason.
FailureOr<int64_t> sampleAxis(Operation *op, Value input, int64_t axis, PatternRewriter &rewriter,
                              LoweringFailures &failures) {
  auto type = cast<RankedTensorType>(input.getType());
  std::optional<int64_t> ax = shape::normalizeAxis(axis, type.getRank());
  if (!ax)
    return failures.fail(rewriter, op, "axis " + Twine(axis) + " is out of range for rank " +
                                           Twine(type.getRank()));
  if (!isBatched(input))
    return *ax;
  if (*ax == 0)
    return failures.fail(rewriter, op, op->getName().getStringRef().drop_front(5) +
                                           " over the batch dimension cannot run natively");
  return *ax - 1;
}

template <typename Op>
struct SoftmaxToKernel : OpRewritePattern<Op> {
  SoftmaxToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<Op>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(Op op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Value x = op.getInput(), y = op.getOutput();
    FailureOr<int32_t> in = floatDType(op, x.getType(), rewriter, failures);
    FailureOr<int32_t> out = floatDType(op, y.getType(), rewriter, failures);
    if (failed(in) || failed(out))
      return failure();
    if (isBatched(x) != isBatched(y))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    FailureOr<int64_t> axis = sampleAxis(op, x, op.getAxis(), rewriter, failures);
    if (failed(axis))
      return failure();
    SmallVector<int64_t> shape = sampleShape(x.getType());
    auto p = zeroParams<qopt_k_softmax_params>();
    p.outer = product(ArrayRef<int64_t>(shape).take_front(*axis));
    p.len = shape[*axis];
    p.inner = product(ArrayRef<int64_t>(shape).drop_front(*axis + 1));
    p.in_type = *in;
    p.out_type = *out;
    p.log = std::is_same_v<Op, LogSoftmaxOp> ? 1 : 0;
    replaceWithKernel(rewriter, op, "qopt_k_softmax", p, ValueRange{x});
    return success();
  }

  LoweringFailures &failures;
};

struct LayerNormToKernel : OpRewritePattern<LayerNormOp> {
  LayerNormToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<LayerNormOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(LayerNormOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Value x = op.getInput(), y = op.getOutput(), scale = op.getScale(), bias = op.getBias();
    FailureOr<int32_t> in = floatDType(op, x.getType(), rewriter, failures);
    FailureOr<int32_t> out = floatDType(op, y.getType(), rewriter, failures);
    FailureOr<int32_t> scaleType = floatDType(op, scale.getType(), rewriter, failures);
    FailureOr<int32_t> biasType =
        bias ? floatDType(op, bias.getType(), rewriter, failures) : FailureOr<int32_t>(0);
    if (failed(in) || failed(out) || failed(scaleType) || failed(biasType))
      return failure();
    if (isBatched(x) != isBatched(y))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    FailureOr<int64_t> axis = sampleAxis(op, x, op.getAxis(), rewriter, failures);
    if (failed(axis))
      return failure();
    if (isBatched(scale) || (bias && isBatched(bias)))
      return failures.fail(rewriter, op, "layer_norm scale and bias must not be batched");
    SmallVector<int64_t> shape = sampleShape(x.getType());
    int64_t inner = product(ArrayRef<int64_t>(shape).drop_front(*axis));
    auto elements = [](Value v) { return cast<RankedTensorType>(v.getType()).getNumElements(); };
    if (elements(scale) != inner || (bias && elements(bias) != inner))
      return failures.fail(rewriter, op,
                           "layer_norm scale and bias must hold one value per normalized element");
    auto p = zeroParams<qopt_k_layer_norm_params>();
    p.outer = product(ArrayRef<int64_t>(shape).take_front(*axis));
    p.inner = inner;
    p.epsilon = op.getEpsilon().convertToFloat();
    p.in_type = *in;
    p.out_type = *out;
    p.scale_type = *scaleType;
    p.bias_type = *biasType;
    if (bias) {
      replaceWithKernel(rewriter, op, "qopt_k_layer_norm", p, ValueRange{x, scale, bias});
    } else {
      // The kernel's operands are out, x, scale, bias: the absent bias is a null at position 3.
      replaceWithKernel(rewriter, op, "qopt_k_layer_norm", p, ValueRange{x, scale},
                        /*nullOperands=*/{3});
    }
    return success();
  }

  LoweringFailures &failures;
};

struct BatchNormToKernel : OpRewritePattern<BatchNormOp> {
  BatchNormToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<BatchNormOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(BatchNormOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Value x = op.getInput(), y = op.getOutput();
    FailureOr<int32_t> in = floatDType(op, x.getType(), rewriter, failures);
    FailureOr<int32_t> out = floatDType(op, y.getType(), rewriter, failures);
    if (failed(in) || failed(out))
      return failure();
    Value params[] = {op.getScale(), op.getBias(), op.getMean(), op.getVariance()};
    FailureOr<int32_t> paramType = floatDType(op, params[0].getType(), rewriter, failures);
    if (failed(paramType))
      return failure();
    for (Value v : params)
      if (kernelDType(v.getType()) != *paramType)
        return failures.fail(rewriter, op,
                             "batch_norm scale, bias, mean and variance must share one type");
    if (isBatched(x) != isBatched(y))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    auto type = cast<RankedTensorType>(x.getType());
    if (type.getRank() < 2)
      return failures.fail(rewriter, op, "batch_norm needs an input of rank >= 2 ([N, C, ...])");
    int64_t channels = type.getDimSize(1);
    for (Value v : params)
      if (cast<RankedTensorType>(v.getType()).getNumElements() != channels)
        return failures.fail(rewriter, op,
                             "batch_norm parameters must hold one value per channel");
    auto p = zeroParams<qopt_k_batch_norm_params>();
    p.channels = channels;
    p.spatial = product(type.getShape().drop_front(2));
    // A static [N, C, ...] is one sample holding N [C, spatial] blocks.
    p.blocks = isBatched(x) ? 1 : type.getDimSize(0);
    p.epsilon = op.getEpsilon().convertToFloat();
    p.in_type = *in;
    p.out_type = *out;
    p.param_type = *paramType;
    replaceWithKernel(rewriter, op, "qopt_k_batch_norm", p,
                      ValueRange{x, params[0], params[1], params[2], params[3]});
    return success();
  }

  LoweringFailures &failures;
};

} // namespace

void populateNormKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  patterns.add<SoftmaxToKernel<SoftmaxOp>, SoftmaxToKernel<LogSoftmaxOp>, LayerNormToKernel,
               BatchNormToKernel>(patterns.getContext(), failures);
}

} // namespace mlir::qopt::lowering
