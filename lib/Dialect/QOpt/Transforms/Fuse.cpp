// qopt-fuse: a linear op (fully_connected / conv2d / matmul with a constant rhs), its bias, its
// activation and its requantization become one op, so that each is one kernel that never stores
// the intermediate.
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qopt {
#define GEN_PASS_DEF_FUSEPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

bool hasQuantizedOperand(Operation *op) {
  return llvm::any_of(op->getOperandTypes(), [](Type t) {
    return isa<quant::QuantizedType>(cast<ShapedType>(t).getElementType());
  });
}

/// The activation an elementwise op computes, if a linear op can apply it to its result.
std::optional<Activation> activationOf(Operation *op) {
  if (isa<ReluOp>(op))
    return Activation::relu;
  if (isa<SigmoidOp>(op))
    return Activation::sigmoid;
  if (isa<TanhOp>(op))
    return Activation::tanh;
  if (auto g = dyn_cast<GeluOp>(op); g && !g.getApproximateTanh())
    return Activation::gelu;
  if (auto c = dyn_cast<ClampOp>(op); c && c.getMin().convertToFloat() == 0.0f) {
    if (c.getMax().convertToFloat() == 6.0f)
      return Activation::relu6;
    if (std::isinf(c.getMax().convertToFloat()) && c.getMax().convertToFloat() > 0)
      return Activation::relu;
  }
  return std::nullopt;
}

/// act(linear(x)) -> linear(x) {activation = act}, for fully_connected and conv2d.
struct FuseActivation : RewritePattern {
  FuseActivation(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    std::optional<Activation> act = activationOf(op);
    if (!act)
      return failure();
    Operation *producer = op->getOperand(0).getDefiningOp();
    if (!producer || !isa<FullyConnectedOp, Conv2DOp>(producer))
      return rewriter.notifyMatchFailure(op, "input is not a fully_connected or conv2d");
    if (!producer->hasOneUse())
      return rewriter.notifyMatchFailure(op, "the linear op has other users");
    if (producer->getResultTypes() != op->getResultTypes())
      return rewriter.notifyMatchFailure(op, "the activation changes the type");
    auto current = producer->getAttrOfType<ActivationAttr>("activation");
    if (current && current.getValue() != Activation::none)
      return rewriter.notifyMatchFailure(op, "the linear op already has an activation");
    rewriter.modifyOpInPlace(producer, [&] {
      producer->setAttr("activation", ActivationAttr::get(getContext(), *act));
    });
    rewriter.replaceOp(op, producer->getResults());
    return success();
  }
};

/// The bias in `c` as one value per output channel, if `c` broadcasts only along the channel
/// dimension `channelDim` of a result of rank `rank` with `channels` channels.
std::optional<std::vector<float>> perChannel(ConstantOp c, int64_t rank, int64_t channelDim,
                                             int64_t channels) {
  auto values = readF32Constant(c.getValue());
  auto type = cast<RankedTensorType>(c.getType());
  if (!values || type.getRank() > rank)
    return std::nullopt;
  int64_t lead = rank - type.getRank();
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t size = type.getDimSize(d);
    if (lead + d == channelDim ? (size != channels && size != 1) : size != 1)
      return std::nullopt;
  }
  if (values->size() == 1)
    values->assign(channels, values->front());
  return values;
}

/// linear(x) + c -> linear(x, c) for a constant c that varies only along the output channel.
template <typename LinearOp>
struct FuseBias : OpRewritePattern<AddOp> {
  using OpRewritePattern<AddOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      auto linear = add->getOperand(side).getDefiningOp<LinearOp>();
      auto c = add->getOperand(1 - side).getDefiningOp<ConstantOp>();
      if (!linear || !c)
        continue;
      if (linear.getBias() || linear.getActivation() != Activation::none ||
          !linear->hasOneUse() || hasQuantizedOperand(linear))
        return rewriter.notifyMatchFailure(add, "the linear op has a bias, an activation, "
                                                "quantized operands or other users");
      if (add.getType() != linear.getType())
        return rewriter.notifyMatchFailure(add, "the add broadcasts the linear op's result");
      auto type = cast<RankedTensorType>(linear.getType());
      int64_t channelDim = std::is_same_v<LinearOp, Conv2DOp> ? 1 : type.getRank() - 1;
      int64_t channels = cast<RankedTensorType>(linear.getWeight().getType()).getDimSize(0);
      auto bias = perChannel(c, type.getRank(), channelDim, channels);
      if (!bias)
        return rewriter.notifyMatchFailure(add, "the constant is not per output channel");
      auto biasType = RankedTensorType::get({channels}, type.getElementType());
      Value b = rewriter.create<ConstantOp>(
          c.getLoc(), biasType, makeF32Constant(biasType, *bias, layerName(linear.getLoc(), "fc") + ".bias"));
      rewriter.modifyOpInPlace(linear, [&] { linear.getBiasMutable().assign(b); });
      rewriter.replaceOp(add, linear->getResults());
      return success();
    }
    return rewriter.notifyMatchFailure(add, "not a linear op plus a constant");
  }
};

/// matmul(x, W) with a constant 2-D W -> fully_connected(x, transpose(W)): a layer with weights,
/// which the bias, activation and per-channel quantization then apply to.
struct MatMulToFullyConnected : OpRewritePattern<MatMulOp> {
  using OpRewritePattern<MatMulOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(MatMulOp mm, PatternRewriter &rewriter) const override {
    auto c = mm.getRhs().getDefiningOp<ConstantOp>();
    auto rhsType = cast<RankedTensorType>(mm.getRhs().getType());
    auto values = c ? readF32Constant(c.getValue()) : std::nullopt;
    if (!values || rhsType.getRank() != 2 || cast<RankedTensorType>(mm.getLhs().getType()).getRank() < 2)
      return rewriter.notifyMatchFailure(mm, "rhs is not a constant f32 matrix");
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    std::vector<float> transposed(values->size());
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j)
        transposed[j * k + i] = (*values)[i * n + j];
    auto wType = RankedTensorType::get({n, k}, rhsType.getElementType());
    Value w = rewriter.create<ConstantOp>(
        c.getLoc(), wType, makeF32Constant(wType, transposed, layerName(mm.getLoc(), "matmul") + ".weight"));
    rewriter.replaceOpWithNewOp<FullyConnectedOp>(mm, mm.getType(), mm.getLhs(), w, Value(),
                                                  Activation::none);
    return success();
  }
};

/// requantize(linear) -> linear with the requantized result type, when the linear op already
/// computes in integers (qopt-fold-quant-dequant made its operands quantized).
struct FuseRequantize : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern<RequantizeOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(RequantizeOp rq, PatternRewriter &rewriter) const override {
    Operation *linear = rq.getInput().getDefiningOp();
    if (!linear || !isa<FullyConnectedOp, Conv2DOp, MatMulOp>(linear))
      return rewriter.notifyMatchFailure(rq, "input is not a linear op");
    if (!hasQuantizedOperand(linear))
      return rewriter.notifyMatchFailure(rq, "the linear op computes in float");
    if (!linear->hasOneUse())
      return rewriter.notifyMatchFailure(rq, "the linear op has other users");
    auto outType = cast<RankedTensorType>(rq.getType());
    if (!isa<quant::UniformQuantizedType>(outType.getElementType()))
      return rewriter.notifyMatchFailure(rq, "a linear op's result is quantized per tensor");
    rewriter.modifyOpInPlace(linear, [&] { linear->getResult(0).setType(outType); });
    rewriter.replaceOp(rq, linear->getResults());
    return success();
  }
};

struct FusePass : qopt::impl::FusePassBase<FusePass> {
  using FusePassBase::FusePassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseActivation, FuseBias<FullyConnectedOp>, FuseBias<Conv2DOp>,
                 MatMulToFullyConnected, FuseRequantize>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
