// Lowering of the reductions (reduce_mean, reduce_sum, reduce_max, reduce_min) to qopt_k_reduce:
// the reduced axes become a mask over the dims of one sample, so reducing over the batch
// dimension (an explicit axis 0, or empty axes meaning all) is refused.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"
#include "qopt/Dialect/QOpt/IR/ShapeInference.h"

namespace mlir::qopt::lowering {
namespace {

template <typename Op>
struct ReduceToKernel : OpRewritePattern<Op> {
  ReduceToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<Op>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(Op op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Value x = op.getInput(), y = op.getOutput();
    std::optional<int32_t> in = kernelDType(x.getType()), out = kernelDType(y.getType());
    auto isFloat = [](std::optional<int32_t> d) {
      return d && (*d == QOPT_K_F32 || *d == QOPT_K_F16 || *d == QOPT_K_BF16);
    };
    if (!isFloat(in) || !isFloat(out))
      return failures.fail(rewriter, op, "the native kernel takes f32, f16 or bf16 tensors");
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    SmallVector<bool> reduced(rank, op.getAxes().empty());
    for (int64_t a : op.getAxes()) {
      std::optional<int64_t> ax = shape::normalizeAxis(a, rank);
      if (!ax || reduced[*ax])
        return failures.fail(rewriter, op, "axes out of range or repeated");
      reduced[*ax] = true;
    }
    bool batched = isBatched(x);
    if (batched && reduced[0])
      return failures.fail(rewriter, op, op->getName().getStringRef().drop_front(5) +
                                             " over the batch dimension cannot run natively");
    if (batched != isBatched(y))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    SmallVector<int64_t> shape = sampleShape(type);
    if (shape.size() > QOPT_K_MAX_RANK)
      return failures.fail(rewriter, op, "rank above the kernel's maximum of 8");
    int64_t first = batched ? 1 : 0;
    auto p = zeroParams<qopt_k_reduce_params>();
    p.fn = function();
    p.in_type = *in;
    p.out_type = *out;
    p.rank = (int32_t)shape.size();
    for (size_t d = 0; d < shape.size(); ++d) {
      p.in_dims[d] = shape[d];
      if (reduced[d + first])
        p.reduce_mask |= 1u << d;
    }
    replaceWithKernel(rewriter, op, "qopt_k_reduce", p, ValueRange{x});
    return success();
  }

  static int32_t function() {
    if constexpr (std::is_same_v<Op, ReduceMeanOp>)
      return QOPT_K_REDUCE_MEAN;
    else if constexpr (std::is_same_v<Op, ReduceSumOp>)
      return QOPT_K_REDUCE_SUM;
    else if constexpr (std::is_same_v<Op, ReduceMaxOp>)
      return QOPT_K_REDUCE_MAX;
    else
      return QOPT_K_REDUCE_MIN;
  }

  LoweringFailures &failures;
};

} // namespace

void populateReduceKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  patterns.add<ReduceToKernel<ReduceMeanOp>, ReduceToKernel<ReduceSumOp>,
               ReduceToKernel<ReduceMaxOp>, ReduceToKernel<ReduceMinOp>>(patterns.getContext(),
                                                                         failures);
}

} // namespace mlir::qopt::lowering
