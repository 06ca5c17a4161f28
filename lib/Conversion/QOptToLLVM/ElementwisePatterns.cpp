// Lowering of the elementwise family: unary ops and activations (qopt_k_unary), the binary
// arithmetic ops with numpy broadcasting (qopt_k_binary) and cast (qopt_k_cast).
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/LinearKernels.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"

namespace mlir::qopt::lowering {
namespace {

template <typename Op>
struct UnaryToKernel : OpRewritePattern<Op> {
  UnaryToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<Op>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(Op op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    auto p = zeroParams<qopt_k_unary_params>();
    FailureOr<int32_t> in = floatDType(op, op.getInput().getType(), rewriter, failures);
    FailureOr<int32_t> out = floatDType(op, op.getOutput().getType(), rewriter, failures);
    if (failed(in) || failed(out))
      return failure();
    if (isBatched(op.getInput()) != isBatched(op.getOutput()))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    p.in_type = *in;
    p.out_type = *out;
    p.n = sampleElements(op.getOutput().getType());
    setFunction(op, p);
    replaceWithKernel(rewriter, op, "qopt_k_unary", p, ValueRange{op.getInput()});
    return success();
  }

  static void setFunction(ReluOp, qopt_k_unary_params &p) { p.fn = QOPT_K_RELU; }
  static void setFunction(ClampOp op, qopt_k_unary_params &p) {
    p.fn = QOPT_K_CLAMP;
    p.a = op.getMin().convertToFloat();
    p.b = op.getMax().convertToFloat();
  }
  static void setFunction(LeakyReluOp op, qopt_k_unary_params &p) {
    p.fn = QOPT_K_LEAKY_RELU;
    p.a = op.getAlpha().convertToFloat();
  }
  static void setFunction(SigmoidOp, qopt_k_unary_params &p) { p.fn = QOPT_K_SIGMOID; }
  static void setFunction(TanhOp, qopt_k_unary_params &p) { p.fn = QOPT_K_TANH; }
  static void setFunction(GeluOp op, qopt_k_unary_params &p) {
    p.fn = op.getApproximateTanh() ? QOPT_K_GELU_TANH : QOPT_K_GELU_ERF;
  }
  static void setFunction(ExpOp, qopt_k_unary_params &p) { p.fn = QOPT_K_EXP; }
  static void setFunction(SqrtOp, qopt_k_unary_params &p) { p.fn = QOPT_K_SQRT; }
  static void setFunction(NegOp, qopt_k_unary_params &p) { p.fn = QOPT_K_NEG; }
  static void setFunction(ErfOp, qopt_k_unary_params &p) { p.fn = QOPT_K_ERF; }

  LoweringFailures &failures;
};

/// Folds `mul` of an f32 matmul result (its only use) and a one-element f32 constant into the
/// already lowered matmul's epilogue (qopt_k_matmul_params.out_scale): the product is the same
/// float32 multiply, without a pass over the whole result (attention's scores times
/// 1 / sqrt(d): 16 MB at the transformer's batch 64).
LogicalResult foldScaleIntoMatmul(MulOp op, PatternRewriter &rewriter) {
  for (int side = 0; side < 2; ++side) {
    Value product = op->getOperand(side), scalar = op->getOperand(1 - side);
    auto call = product.getDefiningOp<KernelCallOp>();
    auto constant = scalar.getDefiningOp<ConstantOp>();
    if (!call || call.getCallee() != "qopt_k_matmul" || !product.hasOneUse() || !constant ||
        product.getType() != op.getOutput().getType())
      continue;
    std::optional<std::vector<float>> value = readF32Constant(constant.getValue());
    ArrayRef<int8_t> bytes = call.getParams();
    if (!value || value->size() != 1 || bytes.size() != sizeof(qopt_k_matmul_params))
      continue;
    qopt_k_matmul_params p;
    std::memcpy(&p, bytes.data(), sizeof(p));
    if (p.out_type != QOPT_K_F32 || p.has_out_scale)
      continue;
    p.out_scale = value->front();
    p.has_out_scale = 1;
    rewriter.modifyOpInPlace(call, [&] { call.setParams(paramsBytes(p)); });
    rewriter.replaceOp(op, call.getResult());
    return success();
  }
  return failure();
}

template <typename Op>
struct BinaryToKernel : OpRewritePattern<Op> {
  BinaryToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<Op>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(Op op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    if constexpr (std::is_same_v<Op, MulOp>)
      if (succeeded(foldScaleIntoMatmul(op, rewriter)))
        return success();
    Value lhs = op.getLhs(), rhs = op.getRhs(), res = op.getOutput();
    FailureOr<int32_t> a = floatDType(op, lhs.getType(), rewriter, failures);
    FailureOr<int32_t> b = floatDType(op, rhs.getType(), rewriter, failures);
    FailureOr<int32_t> out = floatDType(op, res.getType(), rewriter, failures);
    if (failed(a) || failed(b) || failed(out))
      return failure();
    bool batched = isBatched(res);
    SmallVector<int64_t> outShape = sampleShape(res.getType());
    if (outShape.size() > QOPT_K_MAX_RANK)
      return failures.fail(rewriter, op, "rank above the kernel's maximum of 8");
    auto p = zeroParams<qopt_k_binary_params>();
    p.a_type = *a;
    p.b_type = *b;
    p.out_type = *out;
    p.fn = function();
    p.rank = (int32_t)outShape.size();
    for (size_t d = 0; d < outShape.size(); ++d)
      p.out_dims[d] = outShape[d];
    // Strides of each operand over the per-sample result dims: right-aligned numpy broadcasting,
    // stride 0 on a dimension the operand lacks or has as 1.
    auto strides = [&](Value v, int64_t *out, int64_t &sampleStride) -> LogicalResult {
      auto type = cast<RankedTensorType>(v.getType());
      ArrayRef<int64_t> shape = type.getShape();
      if (batched && type.getRank() == (int64_t)outShape.size() + 1) {
        // Same rank as the batched result: its leading dim is the batch, or 1 (broadcast).
        if (!isBatched(v) && shape[0] != 1)
          return failure();
        shape = shape.drop_front();
      } else if (isBatched(v)) {
        return failure();
      }
      if (shape.size() > outShape.size())
        return failure();
      int64_t stride = 1;
      size_t off = outShape.size() - shape.size();
      for (size_t d = outShape.size(); d-- > 0;) {
        out[d] = 0;
        if (d < off)
          continue;
        int64_t dim = shape[d - off];
        if (dim != 1 && dim != outShape[d])
          return failure();
        out[d] = dim == 1 ? 0 : stride;
        stride *= dim;
      }
      sampleStride = isBatched(v) ? stride : 0;
      return success();
    };
    if (failed(strides(lhs, p.a_strides, p.a_sample_stride)) ||
        failed(strides(rhs, p.b_strides, p.b_sample_stride)))
      return failures.fail(rewriter, op,
                           "operand shapes do not broadcast to the result under the batch "
                           "convention (a batched result, operands batched or shared by all "
                           "samples)");
    replaceWithKernel(rewriter, op, "qopt_k_binary", p, ValueRange{lhs, rhs});
    return success();
  }

  static int32_t function() {
    if constexpr (std::is_same_v<Op, AddOp>)
      return QOPT_K_ADD;
    else if constexpr (std::is_same_v<Op, SubOp>)
      return QOPT_K_SUB;
    else if constexpr (std::is_same_v<Op, MulOp>)
      return QOPT_K_MUL;
    else if constexpr (std::is_same_v<Op, DivOp>)
      return QOPT_K_DIV;
    else
      return QOPT_K_POW;
  }

  LoweringFailures &failures;
};

struct CastToKernel : OpRewritePattern<CastOp> {
  CastToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<CastOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(CastOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    // f64 only here: the cast kernel is the one that takes it (ONNX's Cast cases), so
    // kernelDType keeps refusing f64 for every other kernel.
    auto dtype = [&](Type t) -> FailureOr<int32_t> {
      if (cast<ShapedType>(t).getElementType().isF64())
        return (int32_t)QOPT_K_F64;
      return floatDType(op, t, rewriter, failures);
    };
    FailureOr<int32_t> in = dtype(op.getInput().getType());
    FailureOr<int32_t> out = dtype(op.getOutput().getType());
    if (failed(in) || failed(out))
      return failure();
    if (isBatched(op.getInput()) != isBatched(op.getOutput()))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    auto p = zeroParams<qopt_k_cast_params>();
    p.n = sampleElements(op.getOutput().getType());
    p.in_type = *in;
    p.out_type = *out;
    replaceWithKernel(rewriter, op, "qopt_k_cast", p, ValueRange{op.getInput()});
    return success();
  }

  LoweringFailures &failures;
};

} // namespace

void populateElementwiseKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<UnaryToKernel<ReluOp>, UnaryToKernel<ClampOp>, UnaryToKernel<LeakyReluOp>,
               UnaryToKernel<SigmoidOp>, UnaryToKernel<TanhOp>, UnaryToKernel<GeluOp>,
               UnaryToKernel<ExpOp>, UnaryToKernel<SqrtOp>, UnaryToKernel<NegOp>,
               UnaryToKernel<ErfOp>, BinaryToKernel<AddOp>, BinaryToKernel<SubOp>,
               BinaryToKernel<MulOp>, BinaryToKernel<DivOp>, BinaryToKernel<PowOp>,
               CastToKernel>(ctx, failures);
}

} // namespace mlir::qopt::lowering
