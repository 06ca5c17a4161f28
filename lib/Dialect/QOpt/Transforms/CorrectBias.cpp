// qopt-correct-bias: compensates the mean output shift that rounding the weights to int8 causes.
// For an i8 layer y = W x + b, quantized weights W_q shift the output by (W_q - W) E[x] on
// average; subtracting that from b removes the shift (Nagel et al., "Data-Free Quantization",
// empirical variant: E[x] is measured on the calibration data).
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Dialect/QOpt/Transforms/Precision.h"
#include "qopt/Engine/Engine.h"
#include "qopt/Evaluation/Evaluate.h"
#include "qopt/Quant/QuantParams.h"

#include "llvm/ADT/DenseMap.h"

#include <cmath>

namespace mlir::qopt {
#define GEN_PASS_DEF_CORRECTBIASPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

/// What qopt-quantize will store for a weight: per output channel symmetric i8, dequantized.
std::vector<float> quantizedWeights(const std::vector<float> &w, int64_t channels) {
  std::vector<float> out(w.size());
  size_t per = w.size() / channels;
  for (int64_t c = 0; c < channels; ++c) {
    float absMax = 0;
    for (size_t k = 0; k < per; ++k)
      absMax = std::max(absMax, std::fabs(w[c * per + k]));
    auto p = quant_math::weightI8(absMax);
    for (size_t k = 0; k < per; ++k)
      out[c * per + k] = quant_math::dequantize(
          quant_math::quantize(w[c * per + k], p.scale, 0, p.qmin, p.qmax), p.scale, 0);
  }
  return out;
}

/// Per-channel sums of an op's input over the data: channel = last dim (fully_connected) or
/// dim 1 (conv2d).
struct ChannelMean {
  std::vector<double> sum;
  int64_t count = 0;
  void add(const ref::Tensor &t, bool channelsFirst) {
    if (t.shape.empty() || !t.isFloat())
      return;
    int64_t c = channelsFirst ? t.shape[1] : t.shape.back();
    int64_t inner = 1;
    if (channelsFirst)
      for (size_t d = 2; d < t.shape.size(); ++d)
        inner *= t.shape[d];
    sum.resize(c, 0.0);
    for (size_t k = 0; k < t.f.size(); ++k)
      sum[channelsFirst ? (k / inner) % c : k % c] += t.f[k];
    count += (int64_t)t.f.size() / c;
  }
};

struct CorrectBiasPass : qopt::impl::CorrectBiasPassBase<CorrectBiasPass> {
  using CorrectBiasPassBase::CorrectBiasPassBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<Operation *> targets;
    func.walk([&](Operation *op) {
      auto p = op->getAttrOfType<PrecisionAttr>(kPrecisionAttr);
      if (isa<FullyConnectedOp, Conv2DOp>(op) && isPrecisionTarget(op) && p &&
          p.getValue() == Precision::i8 &&
          op->getOperand(1).getDefiningOp<ConstantOp>())
        targets.push_back(op);
    });
    if (targets.empty())
      return;
    std::string error;
    auto data = eval::loadDataset(func, dataPath, batchSize, "calibration data", error);
    if (failed(data)) {
      // About the data file, not the IR: no op printed with it (as in qopt-calibrate).
      mlir::emitError(func.getLoc(), "qopt-correct-bias measures input means on calibration data: ")
          << error;
      return signalPassFailure();
    }
    // The value each target reads as input, and where its mean accumulates.
    llvm::DenseMap<Operation *, SmallVector<Operation *>> consumers; // producer -> targets
    llvm::DenseMap<Operation *, ChannelMean> means;
    SmallVector<Operation *> fromArgument;
    for (Operation *op : targets) {
      if (Operation *def = op->getOperand(0).getDefiningOp())
        consumers[def].push_back(op);
      else
        fromArgument.push_back(op);
    }
    std::unique_ptr<engine::Engine> runner = engine::createReferenceEngine(func);
    engine::RunOptions options;
    options.observe = [&](Operation *op, const ref::Tensor &t) {
      auto it = consumers.find(op);
      if (it != consumers.end())
        for (Operation *target : it->second)
          means[target].add(t, isa<Conv2DOp>(target));
    };
    for (const ref::Tensor &batch : data->batches) {
      for (Operation *target : fromArgument)
        means[target].add(batch, isa<Conv2DOp>(target));
      if (failed(runner->run(batch, options, error))) {
        func.emitError("qopt-correct-bias: running the function failed: ") << error;
        return signalPassFailure();
      }
    }
    OpBuilder b(&getContext());
    for (Operation *op : targets)
      correct(b, op, means[op]);
  }

  void correct(OpBuilder &b, Operation *op, const ChannelMean &mean) {
    auto wConst = op->getOperand(1).getDefiningOp<ConstantOp>();
    auto w = readF32Constant(wConst.getValue());
    auto wType = cast<RankedTensorType>(wConst.getType());
    if (!w || mean.count == 0)
      return;
    int64_t out = wType.getDimSize(0);
    std::vector<float> wq = quantizedWeights(*w, out);
    size_t per = w->size() / out;
    // conv2d: weight [O, C/g, kh, kw], input channel of (o, ic) is group(o) * C/g + ic.
    int64_t groups = 1, cg = 1, taps = 1;
    if (auto conv = dyn_cast<Conv2DOp>(op)) {
      groups = conv.getGroups();
      cg = wType.getDimSize(1);
      taps = wType.getDimSize(2) * wType.getDimSize(3);
    }
    std::vector<float> bias(out, 0.0f);
    Value oldBias = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
    if (oldBias) {
      auto c = oldBias.getDefiningOp<ConstantOp>();
      auto values = c ? readF32Constant(c.getValue()) : std::nullopt;
      if (!values || (int64_t)values->size() != out)
        return; // a computed bias: nothing to fold the correction into
      bias = *values;
    }
    double largest = 0;
    for (int64_t o = 0; o < out; ++o) {
      double shift = 0;
      for (size_t k = 0; k < per; ++k) {
        int64_t channel = isa<Conv2DOp>(op) ? (o / (out / groups)) * cg + (int64_t)k / taps
                                            : (int64_t)k;
        shift += ((double)wq[o * per + k] - (*w)[o * per + k]) *
                 (mean.sum[channel] / (double)mean.count);
      }
      bias[o] = (float)(bias[o] - shift);
      largest = std::max(largest, std::fabs(shift));
    }
    auto biasType = RankedTensorType::get({out}, wType.getElementType());
    b.setInsertionPoint(op);
    Value nb = b.create<ConstantOp>(op->getLoc(), biasType,
                                    makeF32Constant(biasType, bias,
                                                    layerName(op->getLoc(), "layer") + ".bias_corrected"));
    if (oldBias)
      op->setOperand(2, nb);
    else if (auto fc = dyn_cast<FullyConnectedOp>(op))
      fc.getBiasMutable().assign(nb);
    else
      cast<Conv2DOp>(op).getBiasMutable().assign(nb);
    if (Operation *def = oldBias ? oldBias.getDefiningOp() : nullptr; def && def->use_empty())
      def->erase();
    op->setAttr("qopt.bias_correction", b.getF64FloatAttr(largest));
  }
};

} // namespace
