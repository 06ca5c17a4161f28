// Lowering of the pooling family (max_pool2d, avg_pool2d, global_avg_pool) to the kernels of
// OpKernels.h. Pools work plane by plane, so a static [N, C, H, W] tensor is N * C planes of one
// call, and a batched one C planes per sample. The output sizes come from the result type, where
// ceil_mode has already been applied.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

namespace mlir::qopt::lowering {
namespace {

bool isFloatDType(int32_t d) { return d == QOPT_K_F32 || d == QOPT_K_F16 || d == QOPT_K_BF16; }

/// The planes per call of an [N, C, ...] tensor under the batch convention.
int64_t planesOf(RankedTensorType type) {
  return isBatched(type) ? type.getDimSize(1) : type.getDimSize(0) * type.getDimSize(1);
}

/// Fills the geometry of a 2-D pool; fails with a reason when the op does not fit the kernel.
template <typename Op>
LogicalResult poolGeometry(Op op, ArrayRef<int64_t> dilations, qopt_k_pool2d_params &p,
                           PatternRewriter &rewriter, LoweringFailures &failures) {
  auto in = cast<RankedTensorType>(op.getInput().getType());
  auto out = cast<RankedTensorType>(op.getOutput().getType());
  if (in.getRank() != 4 || out.getRank() != 4)
    return failures.fail(rewriter, op, "a 2-D pool takes and gives NCHW tensors of rank 4");
  if (isBatched(in) != isBatched(out))
    return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(), pads = op.getPads();
  if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 || dilations.size() != 2)
    return failures.fail(rewriter, op,
                         "a 2-D pool needs 2 kernel sizes, 2 strides, 4 pads and 2 dilations");
  p.channels = planesOf(in);
  p.in_h = in.getDimSize(2);
  p.in_w = in.getDimSize(3);
  p.out_h = out.getDimSize(2);
  p.out_w = out.getDimSize(3);
  p.kernel_h = kernel[0];
  p.kernel_w = kernel[1];
  p.stride_h = strides[0];
  p.stride_w = strides[1];
  p.pad_top = pads[0];
  p.pad_left = pads[1];
  p.pad_bottom = pads[2];
  p.pad_right = pads[3];
  p.dilation_h = dilations[0];
  p.dilation_w = dilations[1];
  return success();
}

struct MaxPoolToKernel : OpRewritePattern<MaxPool2DOp> {
  MaxPoolToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<MaxPool2DOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(MaxPool2DOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    Type inType = op.getInput().getType(), outType = op.getOutput().getType();
    std::optional<int32_t> in = kernelDType(inType), out = kernelDType(outType);
    Type inElt = cast<ShapedType>(inType).getElementType();
    Type outElt = cast<ShapedType>(outType).getElementType();
    if (isa<quant::QuantizedType>(inElt) || isa<quant::QuantizedType>(outElt)) {
      // The max of the stored integers is the max of the real values only under one per-tensor
      // (positive) scale and zero point shared by input and result.
      if (!isa<quant::UniformQuantizedType>(inElt) || inElt != outElt || !in ||
          (*in != QOPT_K_U8 && *in != QOPT_K_I8))
        return failures.fail(rewriter, op,
                             "a quantized max_pool2d lowers for per-tensor u8 or i8 only, with "
                             "the input's type as the result type");
    } else if (!in || !out || !isFloatDType(*in) || !isFloatDType(*out)) {
      return failures.fail(rewriter, op, "the native kernel takes f32, f16 or bf16 tensors");
    }
    auto p = zeroParams<qopt_k_pool2d_params>();
    if (failed(poolGeometry(op, op.getDilations(), p, rewriter, failures)))
      return failure();
    p.in_type = *in;
    p.out_type = *out;
    replaceWithKernel(rewriter, op, "qopt_k_max_pool2d", p, ValueRange{op.getInput()});
    return success();
  }

  LoweringFailures &failures;
};

struct AvgPoolToKernel : OpRewritePattern<AvgPool2DOp> {
  AvgPoolToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<AvgPool2DOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(AvgPool2DOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    std::optional<int32_t> in = kernelDType(op.getInput().getType());
    std::optional<int32_t> out = kernelDType(op.getOutput().getType());
    if (!in || !out || !isFloatDType(*in) || !isFloatDType(*out))
      return failures.fail(rewriter, op, "the native kernel takes f32, f16 or bf16 tensors");
    auto p = zeroParams<qopt_k_pool2d_params>();
    static const int64_t unitDilations[] = {1, 1};
    if (failed(poolGeometry(op, unitDilations, p, rewriter, failures)))
      return failure();
    p.in_type = *in;
    p.out_type = *out;
    p.count_include_pad = op.getCountIncludePad() ? 1 : 0;
    replaceWithKernel(rewriter, op, "qopt_k_avg_pool2d", p, ValueRange{op.getInput()});
    return success();
  }

  LoweringFailures &failures;
};

struct GlobalAvgPoolToKernel : OpRewritePattern<GlobalAvgPoolOp> {
  GlobalAvgPoolToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<GlobalAvgPoolOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(GlobalAvgPoolOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    std::optional<int32_t> in = kernelDType(op.getInput().getType());
    std::optional<int32_t> out = kernelDType(op.getOutput().getType());
    if (!in || !out || !isFloatDType(*in) || !isFloatDType(*out))
      return failures.fail(rewriter, op, "the native kernel takes f32, f16 or bf16 tensors");
    auto type = cast<RankedTensorType>(op.getInput().getType());
    if (type.getRank() < 2)
      return failures.fail(rewriter, op, "global_avg_pool needs an input of rank >= 2");
    if (isBatched(op.getInput()) != isBatched(op.getOutput()))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    auto p = zeroParams<qopt_k_global_avg_pool_params>();
    p.channels = planesOf(type);
    p.spatial = 1;
    for (int64_t d : type.getShape().drop_front(2))
      p.spatial *= d;
    p.in_type = *in;
    p.out_type = *out;
    replaceWithKernel(rewriter, op, "qopt_k_global_avg_pool", p, ValueRange{op.getInput()});
    return success();
  }

  LoweringFailures &failures;
};

} // namespace

void populatePoolKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  patterns.add<MaxPoolToKernel, AvgPoolToKernel, GlobalAvgPoolToKernel>(patterns.getContext(),
                                                                       failures);
}

} // namespace mlir::qopt::lowering
