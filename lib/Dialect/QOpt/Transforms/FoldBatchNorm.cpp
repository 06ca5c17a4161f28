// qopt-fold-batch-norm: batch_norm folded into the weights and bias of its producer.
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::qopt {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

std::optional<std::vector<float>> constantF32(Value v) {
  auto c = v ? v.getDefiningOp<ConstantOp>() : ConstantOp();
  if (!c)
    return std::nullopt;
  return readF32Constant(c.getValue());
}

/// Folds batch_norm(producer(x, w, b)) into producer(x, w', b') for conv2d and fully_connected.
template <typename ProducerOp>
struct FoldIntoProducer : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern<BatchNormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn, PatternRewriter &rewriter) const override {
    auto producer = bn.getInput().template getDefiningOp<ProducerOp>();
    if (!producer)
      return rewriter.notifyMatchFailure(bn, "input is not produced by this op kind");
    if (producer.getActivation() != Activation::none)
      return rewriter.notifyMatchFailure(bn, "an activation sits between producer and batch_norm");
    if (!producer->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "the producer has other users");
    auto outType = cast<RankedTensorType>(producer.getType());
    if (!outType.getElementType().isF32())
      return rewriter.notifyMatchFailure(bn, "only f32 is folded");
    if constexpr (std::is_same_v<ProducerOp, FullyConnectedOp>)
      if (outType.getRank() != 2)
        return rewriter.notifyMatchFailure(bn, "batch_norm must normalize the feature dimension");
    auto weight = constantF32(producer.getWeight());
    auto scale = constantF32(bn.getScale()), shift = constantF32(bn.getBias());
    auto mean = constantF32(bn.getMean()), var = constantF32(bn.getVariance());
    if (!weight || !scale || !shift || !mean || !var)
      return rewriter.notifyMatchFailure(bn, "weights and parameters must be f32 constants");
    std::optional<std::vector<float>> bias;
    if (producer.getBias() && !(bias = constantF32(producer.getBias())))
      return rewriter.notifyMatchFailure(bn, "the bias must be an f32 constant");

    size_t channels = scale->size();
    size_t perChannel = weight->size() / channels;
    double eps = bn.getEpsilon().convertToDouble();
    std::vector<float> newWeight(weight->size()), newBias(channels);
    for (size_t c = 0; c < channels; ++c) {
      double inv = (double)(*scale)[c] / std::sqrt((double)(*var)[c] + eps);
      for (size_t k = 0; k < perChannel; ++k)
        newWeight[c * perChannel + k] = (float)((double)(*weight)[c * perChannel + k] * inv);
      double b = bias ? (double)(*bias)[c] : 0.0;
      newBias[c] = (float)((b - (double)(*mean)[c]) * inv + (double)(*shift)[c]);
    }

    Location loc = producer.getLoc();
    auto weightType = cast<RankedTensorType>(producer.getWeight().getType());
    auto biasType = RankedTensorType::get({(int64_t)channels}, rewriter.getF32Type());
    std::string name = "folded";
    if (auto n = dyn_cast<NameLoc>(bn.getLoc()))
      name = n.getName().str();
    Value w = rewriter.create<ConstantOp>(
        loc, weightType, makeF32Constant(weightType, newWeight, name + ".weight"));
    Value b = rewriter.create<ConstantOp>(loc, biasType,
                                          makeF32Constant(biasType, newBias, name + ".bias"));
    rewriter.modifyOpInPlace(producer, [&] {
      producer->setOperand(1, w);
      if (producer.getBias())
        producer->setOperand(2, b);
      else
        producer.getBiasMutable().assign(b);
    });
    rewriter.replaceOp(bn, producer.getResult());
    return success();
  }
};

struct FoldBatchNormPass : qopt::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoProducer<Conv2DOp>, FoldIntoProducer<FullyConnectedOp>>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
