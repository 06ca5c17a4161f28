#include "qopt/Dialect/QOpt/Transforms/Precision.h"

#include "qopt/Dialect/QOpt/IR/QOptOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::qopt {

llvm::StringRef precisionName(Precision p) {
  switch (p) {
  case Precision::i8:
    return "i8";
  case Precision::bf16:
    return "bf16";
  case Precision::f16:
    return "f16";
  case Precision::f32:
    return "f32";
  }
  return "f32";
}

std::optional<Precision> parsePrecision(llvm::StringRef s) {
  return llvm::StringSwitch<std::optional<Precision>>(s)
      .Cases("i8", "int8", Precision::i8)
      .Case("bf16", Precision::bf16)
      .Cases("f16", "fp16", Precision::f16)
      .Cases("f32", "fp32", Precision::f32)
      .Default(std::nullopt);
}

bool isPrecisionTarget(Operation *op) {
  return isa<FullyConnectedOp, Conv2DOp, MatMulOp>(op) &&
         llvm::all_of(op->getOperandTypes(),
                      [](Type t) { return cast<ShapedType>(t).getElementType().isF32(); });
}

static std::optional<double> absMaxOf(Value v) {
  DictionaryAttr calib;
  if (Operation *def = v.getDefiningOp()) {
    if (isa<ConstantOp>(def))
      return 0.0; // constants are checked by value when converted
    calib = def->getAttrOfType<DictionaryAttr>("qopt.calibration");
  } else {
    auto arg = cast<BlockArgument>(v);
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (func)
      calib = func.getArgAttrOfType<DictionaryAttr>(arg.getArgNumber(), "qopt.calibration");
  }
  auto lo = calib ? calib.getAs<FloatAttr>("min") : FloatAttr();
  auto hi = calib ? calib.getAs<FloatAttr>("max") : FloatAttr();
  if (!lo || !hi)
    return std::nullopt;
  return std::max(std::fabs(lo.getValueAsDouble()), std::fabs(hi.getValueAsDouble()));
}

std::optional<double> calibratedAbsMax(Operation *op) {
  double m = 0;
  for (Value v : op->getOperands()) {
    auto a = absMaxOf(v);
    if (!a)
      return std::nullopt;
    m = std::max(m, *a);
  }
  for (Value v : op->getResults()) {
    auto a = absMaxOf(v);
    if (!a)
      return std::nullopt;
    m = std::max(m, *a);
  }
  return m;
}

FailureOr<OwningOpRef<func::FuncOp>> buildPrecisionCandidate(func::FuncOp func,
                                                             ArrayRef<Precision> precisions,
                                                             const QuantizeOptions &options) {
  OwningOpRef<func::FuncOp> copy = func.clone();
  SmallVector<Operation *> targets;
  copy->walk([&](Operation *op) {
    if (isPrecisionTarget(op))
      targets.push_back(op);
  });
  Builder b(func.getContext());
  for (size_t i = 0; i < targets.size() && i < precisions.size(); ++i)
    targets[i]->setAttr(kPrecisionAttr, b.getStringAttr(precisionName(precisions[i])));
  if (failed(applyPrecisions(*copy, options)))
    return failure();
  RewritePatternSet patterns(func.getContext());
  populateFoldQuantDequantPatterns(patterns);
  if (failed(applyPatternsAndFoldGreedily(*copy, std::move(patterns))))
    return failure();
  return copy;
}

} // namespace mlir::qopt
