// qopt-raise-decomposed-ops: GELU and LayerNorm, spelled out by exporters, back to single ops.
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/IR/ShapeInference.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::qopt {
#define GEN_PASS_DEF_RAISEDECOMPOSEDOPSPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

/// The value of a single-valued float constant (a splat or one element), if `v` is one.
std::optional<double> scalarConstant(Value v) {
  auto c = v ? v.getDefiningOp<ConstantOp>() : ConstantOp();
  if (!c)
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  if (!dense || !isa<FloatType>(dense.getElementType()) || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToDouble();
}

bool isConstant(Value v, double expected) {
  std::optional<double> c = scalarConstant(v);
  return c && std::fabs(*c - expected) <= 1e-5 * std::fabs(expected);
}

/// For a commutative binary op, the operand that is not `known`, or null.
Value otherOperand(Operation *op, Value known) {
  if (op->getOperand(0) == known)
    return op->getOperand(1);
  if (op->getOperand(1) == known)
    return op->getOperand(0);
  return nullptr;
}

/// erf(x / sqrt(2)) or erf(x * (1 / sqrt(2))): returns x.
Value matchErfArgument(Value erfResult) {
  auto erf = erfResult.getDefiningOp<ErfOp>();
  if (!erf)
    return nullptr;
  Value arg = erf.getInput();
  if (auto div = arg.getDefiningOp<DivOp>(); div && isConstant(div.getRhs(), std::sqrt(2.0)))
    return div.getLhs();
  if (auto mul = arg.getDefiningOp<MulOp>()) {
    for (int i = 0; i < 2; ++i)
      if (isConstant(mul->getOperand(i), 1.0 / std::sqrt(2.0)))
        return mul->getOperand(1 - i);
  }
  return nullptr;
}

/// x * 0.5 * (1 + erf(x / sqrt(2))), with the three factors multiplied in any order.
struct RaiseGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root, PatternRewriter &rewriter) const override {
    for (int outer = 0; outer < 2; ++outer) {
      auto inner = root->getOperand(outer).getDefiningOp<MulOp>();
      if (!inner || !inner->hasOneUse())
        continue;
      SmallVector<Value, 3> factors = {root->getOperand(1 - outer), inner.getLhs(),
                                       inner.getRhs()};
      // Find "1 + erf(x / sqrt 2)", then check that the other two factors are 0.5 and x.
      for (int k = 0; k < 3; ++k) {
        auto add = factors[k].getDefiningOp<AddOp>();
        if (!add || !add->hasOneUse())
          continue;
        Value x;
        for (int i = 0; i < 2 && !x; ++i)
          if (isConstant(add->getOperand(i), 1.0))
            x = matchErfArgument(add->getOperand(1 - i));
        if (!x)
          continue;
        Value a = factors[(k + 1) % 3], b = factors[(k + 2) % 3];
        bool ok = (isConstant(a, 0.5) && b == x) || (isConstant(b, 0.5) && a == x);
        if (!ok || x.getType() != root.getType())
          continue;
        rewriter.replaceOpWithNewOp<GeluOp>(root, root.getType(), x, false);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(root, "not x * 0.5 * (1 + erf(x / sqrt(2)))");
  }
};

/// Normalized trailing axes of a keepdims reduce_mean over `x`, as the first axis; else nullopt.
std::optional<int64_t> trailingMeanAxis(ReduceMeanOp mean, Value x) {
  if (mean.getInput() != x || !mean.getKeepdims())
    return std::nullopt;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int64_t> axes;
  for (int64_t a : mean.getAxes()) {
    auto n = shape::normalizeAxis(a, rank);
    if (!n)
      return std::nullopt;
    axes.push_back(*n);
  }
  if (axes.empty())
    return std::nullopt;
  llvm::sort(axes);
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - (int64_t)axes.size() + (int64_t)i)
      return std::nullopt;
  return axes.front();
}

/// (x - mean) / sqrt(mean((x - mean)^2) + eps) [* gamma] [+ beta] over trailing axes.
struct RaiseLayerNorm : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp div, PatternRewriter &rewriter) const override {
    auto sub = div.getLhs().getDefiningOp<SubOp>();
    if (!sub)
      return rewriter.notifyMatchFailure(div, "numerator is not x - mean");
    Value x = sub.getLhs();
    auto mean = sub.getRhs().getDefiningOp<ReduceMeanOp>();
    std::optional<int64_t> axis = mean ? trailingMeanAxis(mean, x) : std::nullopt;
    if (!axis)
      return rewriter.notifyMatchFailure(div, "mean is not over the trailing dimensions of x");
    auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
    auto addEps = sqrt ? sqrt.getInput().getDefiningOp<AddOp>() : AddOp();
    if (!addEps)
      return rewriter.notifyMatchFailure(div, "denominator is not sqrt(var + eps)");
    std::optional<double> eps;
    ReduceMeanOp var;
    for (int i = 0; i < 2 && !var; ++i)
      if ((eps = scalarConstant(addEps->getOperand(i))))
        var = addEps->getOperand(1 - i).getDefiningOp<ReduceMeanOp>();
    if (!var || trailingMeanAxis(var, var.getInput()) != axis ||
        var.getAxes().size() != mean.getAxes().size())
      return rewriter.notifyMatchFailure(div, "no variance over the same axes");
    Value sq = var.getInput();
    bool squared = false;
    if (auto pow = sq.getDefiningOp<PowOp>())
      squared = pow.getLhs() == sub.getResult() && isConstant(pow.getRhs(), 2.0);
    else if (auto mul = sq.getDefiningOp<MulOp>())
      squared = mul.getLhs() == sub.getResult() && mul.getRhs() == sub.getResult();
    if (!squared)
      return rewriter.notifyMatchFailure(div, "variance is not of (x - mean)^2");

    // Optional affine tail: * gamma, + beta, each a value of the normalized shape.
    auto xType = cast<RankedTensorType>(x.getType());
    ArrayRef<int64_t> normalized = xType.getShape().drop_front(*axis);
    auto isParam = [&](Value v) {
      return v && v.getDefiningOp<ConstantOp>() &&
             cast<RankedTensorType>(v.getType()).getShape() == normalized &&
             cast<RankedTensorType>(v.getType()).getElementType() == xType.getElementType();
    };
    Operation *last = div;
    Value gamma, beta;
    if (div->hasOneUse())
      if (auto mul = dyn_cast<MulOp>(*div->getUsers().begin()))
        if (Value g = otherOperand(mul, div.getResult()); isParam(g)) {
          gamma = g;
          last = mul;
        }
    if (gamma && last->hasOneUse())
      if (auto add = dyn_cast<AddOp>(*last->getUsers().begin()))
        if (Value b = otherOperand(add, last->getResult(0)); isParam(b)) {
          beta = b;
          last = add;
        }
    if (last->getResult(0).getType() != xType)
      return rewriter.notifyMatchFailure(div, "the result is broadcast beyond x's shape");
    if (!gamma) {
      auto type = RankedTensorType::get(normalized, xType.getElementType());
      gamma = rewriter.create<ConstantOp>(
          div.getLoc(), type, DenseElementsAttr::get(type, rewriter.getFloatAttr(
                                                               xType.getElementType(), 1.0)));
    }
    rewriter.setInsertionPoint(last);
    rewriter.replaceOpWithNewOp<LayerNormOp>(last, xType, x, gamma, beta, *axis - xType.getRank(),
                                             APFloat((float)*eps));
    return success();
  }
};

struct RaiseDecomposedOpsPass
    : qopt::impl::RaiseDecomposedOpsPassBase<RaiseDecomposedOpsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseGelu, RaiseLayerNorm>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
