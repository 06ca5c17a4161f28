// qopt-fold-quant-dequant: the QDQ form that qopt-quantize produces becomes integer ops. Every
// rewrite here is exact under QuantMath.h's semantics except the linear ops, whose float result is
// replaced by the integer accumulation that the dequantized operands denote (also exact) followed
// by one rounding to the output type instead of two.
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Dialect/QOpt/Transforms/Precision.h"
#include "qopt/Quant/QuantMath.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace mlir::qopt {
#define GEN_PASS_DEF_FOLDQUANTDEQUANTPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

quant::UniformQuantizedType perTensor(Value v) {
  return dyn_cast<quant::UniformQuantizedType>(cast<ShapedType>(v.getType()).getElementType());
}

RankedTensorType withElementType(Type shaped, Type element) {
  return RankedTensorType::get(cast<ShapedType>(shaped).getShape(), element);
}

/// q(dq(x)) -> x with equal parameters, else requantize(x).
struct QuantizeOfDequantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern<QuantizeOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp q, PatternRewriter &rewriter) const override {
    auto dq = q.getInput().getDefiningOp<DequantizeOp>();
    if (!dq)
      return rewriter.notifyMatchFailure(q, "input is not a dequantize");
    Value x = dq.getInput();
    if (x.getType() == q.getType())
      rewriter.replaceOp(q, x);
    else
      rewriter.replaceOpWithNewOp<RequantizeOp>(q, q.getType(), x);
    return success();
  }
};

/// dq(x) -> x's quantized value and its per-tensor type, or failure.
FailureOr<Value> dequantizedPerTensor(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  if (!dq || !perTensor(dq.getInput()))
    return failure();
  return dq.getInput();
}

/// The quantized i32 bias for float `bias` of a linear op with input scale `xScale` and weight
/// element type `wElt` (per tensor, or per axis over the output channel).
Value quantizedBias(PatternRewriter &rewriter, ConstantOp bias, float xScale, Type wElt) {
  auto values = readF32Constant(bias.getValue());
  if (!values)
    return {};
  SmallVector<float> wScales;
  if (auto t = dyn_cast<quant::UniformQuantizedType>(wElt))
    wScales.assign(values->size(), (float)t.getScale());
  else if (auto a = dyn_cast<quant::UniformQuantizedPerAxisType>(wElt))
    for (double s : a.getScales())
      wScales.push_back((float)s);
  if (wScales.size() != values->size())
    return {};
  std::vector<int32_t> q(values->size());
  SmallVector<double> scales;
  for (size_t n = 0; n < q.size(); ++n) {
    q[n] = (int32_t)quant_math::quantizeBias((*values)[n], xScale, wScales[n]);
    scales.push_back(quant_math::accScale(xScale, wScales[n]));
  }
  auto i32 = rewriter.getI32Type();
  int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  auto type = cast<RankedTensorType>(bias.getType());
  auto qType = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, i32, type.getElementType(), scales,
      SmallVector<int64_t>(scales.size(), 0), /*quantizedDimension=*/0, lo, hi);
  return rewriter.create<ConstantOp>(
      bias.getLoc(), withElementType(type, qType),
      makeIntConstant(withElementType(type, i32), q, layerName(bias.getLoc(), "bias") + ".q"));
}

/// dq -> linear -> (q) becomes the linear op on the quantized operands, with a quantized result
/// when its one user is a per-tensor quantize and a float result otherwise. The bias becomes i32
/// at scale s_in * s_w.
template <typename LinearOp>
struct QuantizedLinear : OpRewritePattern<LinearOp> {
  using OpRewritePattern<LinearOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op, PatternRewriter &rewriter) const override {
    constexpr bool isMatMul = std::is_same_v<LinearOp, MatMulOp>;
    FailureOr<Value> x = dequantizedPerTensor(op->getOperand(0));
    if (failed(x))
      return rewriter.notifyMatchFailure(op, "operand 0 is not a per-tensor dequantize");
    auto wDq = op->getOperand(1).template getDefiningOp<DequantizeOp>();
    if (!wDq)
      return rewriter.notifyMatchFailure(op, "operand 1 is not a dequantize");
    Value w = wDq.getInput();
    Type wElt = cast<ShapedType>(w.getType()).getElementType();
    if (auto axis = dyn_cast<quant::UniformQuantizedPerAxisType>(wElt);
        axis && (isMatMul || axis.getQuantizedDimension() != 0))
      return rewriter.notifyMatchFailure(op, "the weight is not quantized per output channel");
    float xScale = (float)perTensor(*x).getScale();
    Value bias;
    if constexpr (!isMatMul) {
      if (Value b = op.getBias()) {
        auto c = b.template getDefiningOp<ConstantOp>();
        bias = c ? quantizedBias(rewriter, c, xScale, wElt) : Value();
        if (!bias)
          return rewriter.notifyMatchFailure(op, "the bias is not a constant f32 per channel");
      }
    }
    Type resultType = op.getType();
    QuantizeOp q;
    if (op->hasOneUse() && (q = dyn_cast<QuantizeOp>(*op->getUsers().begin())) &&
        perTensor(q.getResult()))
      resultType = q.getType();
    else
      q = {};
    rewriter.modifyOpInPlace(op, [&] {
      op->setOperand(0, *x);
      op->setOperand(1, w);
      if constexpr (!isMatMul)
        if (bias)
          op.getBiasMutable().assign(bias);
      op->getResult(0).setType(resultType);
    });
    if (q)
      rewriter.replaceOp(q, op->getResults());
    return success();
  }
};

/// q(linear) -> linear with q's type, for a linear op that already takes quantized operands but
/// still has a float result (a quantize was moved up to it through a max_pool2d or a reshape).
struct QuantizeOfQuantizedLinear : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern<QuantizeOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp q, PatternRewriter &rewriter) const override {
    Operation *linear = q.getInput().getDefiningOp();
    if (!linear || !isa<FullyConnectedOp, Conv2DOp, MatMulOp>(linear) || !linear->hasOneUse() ||
        !perTensor(linear->getOperand(0)) || !perTensor(q.getResult()))
      return rewriter.notifyMatchFailure(q, "input is not a quantized linear op of one use");
    rewriter.modifyOpInPlace(linear, [&] { linear->getResult(0).setType(q.getType()); });
    rewriter.replaceOp(q, linear->getResults());
    return success();
  }
};

/// Ops that move or select elements without changing them: a quantized tensor goes through them
/// unchanged, so quantize and dequantize commute with them exactly.
bool isMovement(Operation *op) {
  return isa<ReshapeOp, FlattenOp, TransposeOp, MaxPool2DOp, ConcatOp>(op);
}

/// q(move(x...)) -> move(q(x)...): quantizing before a reshape, flatten, transpose, max_pool2d or
/// concat gives the same values (max commutes with the monotonic quantize; concat shares the
/// output's scale).
struct QuantizeBeforeMovement : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern<QuantizeOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp q, PatternRewriter &rewriter) const override {
    Operation *move = q.getInput().getDefiningOp();
    if (!move || !isMovement(move))
      return rewriter.notifyMatchFailure(q, "input is not a data movement op");
    if (!move->hasOneUse())
      return rewriter.notifyMatchFailure(q, "the data movement op has other users");
    auto elt = perTensor(q.getResult());
    if (!elt)
      return rewriter.notifyMatchFailure(q, "only per-tensor quantization commutes");
    SmallVector<Value> operands;
    rewriter.setInsertionPoint(move);
    for (Value in : move->getOperands())
      operands.push_back(
          rewriter.create<QuantizeOp>(q.getLoc(), withElementType(in.getType(), elt), in));
    rewriter.modifyOpInPlace(move, [&] {
      move->setOperands(operands);
      move->getResult(0).setType(q.getType());
    });
    rewriter.replaceOp(q, move->getResults());
    return success();
  }
};

/// move(dq(x)) -> dq(move(x)) for a per-tensor x (all inputs of a concat sharing one type).
struct DequantizeAfterMovement : RewritePattern {
  DequantizeAfterMovement(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}

  LogicalResult matchAndRewrite(Operation *move, PatternRewriter &rewriter) const override {
    if (!isMovement(move) || move->getNumOperands() == 0)
      return failure();
    SmallVector<Value> operands;
    Type elt;
    for (Value in : move->getOperands()) {
      FailureOr<Value> x = dequantizedPerTensor(in);
      if (failed(x))
        return rewriter.notifyMatchFailure(move, "an operand is not a per-tensor dequantize");
      Type e = cast<ShapedType>(x->getType()).getElementType();
      if (elt && e != elt)
        return rewriter.notifyMatchFailure(move, "operands are quantized differently");
      elt = e;
      operands.push_back(*x);
    }
    Type floatType = move->getResult(0).getType();
    Operation *moved = rewriter.clone(*move);
    rewriter.modifyOpInPlace(moved, [&] {
      moved->setOperands(operands);
      moved->getResult(0).setType(withElementType(floatType, elt));
    });
    rewriter.replaceOpWithNewOp<DequantizeOp>(move, floatType, moved->getResult(0));
    return success();
  }
};

/// relu / clamp of dq(x) is the identity when x cannot represent anything outside the clamp:
/// the activation is absorbed into the quantized range.
struct AbsorbClampIntoRange : RewritePattern {
  AbsorbClampIntoRange(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    float lo, hi;
    if (isa<ReluOp>(op)) {
      lo = 0.0f;
      hi = std::numeric_limits<float>::infinity();
    } else if (auto c = dyn_cast<ClampOp>(op)) {
      lo = c.getMin().convertToFloat();
      hi = c.getMax().convertToFloat();
    } else {
      return failure();
    }
    FailureOr<Value> x = dequantizedPerTensor(op->getOperand(0));
    if (failed(x))
      return rewriter.notifyMatchFailure(op, "input is not a per-tensor dequantize");
    auto t = perTensor(*x);
    float scale = (float)t.getScale();
    float least = quant_math::dequantize(t.getStorageTypeMin(), scale, t.getZeroPoint());
    float most = quant_math::dequantize(t.getStorageTypeMax(), scale, t.getZeroPoint());
    if (least < lo || most > hi)
      return rewriter.notifyMatchFailure(op, "the quantized range reaches beyond the clamp");
    rewriter.replaceOp(op, op->getOperand(0));
    return success();
  }
};

struct FoldQuantDequantPass : qopt::impl::FoldQuantDequantPassBase<FoldQuantDequantPass> {
  using FoldQuantDequantPassBase::FoldQuantDequantPassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldQuantDequantPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::qopt::populateFoldQuantDequantPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeOfDequantize, QuantizedLinear<FullyConnectedOp>, QuantizedLinear<Conv2DOp>,
               QuantizedLinear<MatMulOp>, QuantizeOfQuantizedLinear, QuantizeBeforeMovement,
               DequantizeAfterMovement, AbsorbClampIntoRange>(patterns.getContext());
}
