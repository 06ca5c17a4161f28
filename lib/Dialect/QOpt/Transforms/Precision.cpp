#include "qopt/Dialect/QOpt/Transforms/Precision.h"

#include "qopt/Dialect/QOpt/IR/QOptOps.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::qopt {

std::optional<Precision> parsePrecision(llvm::StringRef s) {
  if (std::optional<Precision> p = symbolizePrecision(s))
    return p;
  return llvm::StringSwitch<std::optional<Precision>>(s)
      .Case("int8", Precision::i8)
      .Case("fp16", Precision::f16)
      .Case("fp32", Precision::f32)
      .Default(std::nullopt);
}

bool isPrecisionTarget(Operation *op) {
  return isa<FullyConnectedOp, Conv2DOp, MatMulOp>(op) &&
         llvm::all_of(op->getOperandTypes(),
                      [](Type t) { return cast<ShapedType>(t).getElementType().isF32(); });
}

CalibrationAttr calibrationOf(Value v) {
  if (Operation *def = v.getDefiningOp())
    return def->getAttrOfType<CalibrationAttr>(kCalibrationAttr);
  auto arg = cast<BlockArgument>(v);
  if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
    return func.getArgAttrOfType<CalibrationAttr>(arg.getArgNumber(), kCalibrationAttr);
  return {};
}

static std::optional<double> absMaxOf(Value v) {
  if (isa_and_nonnull<ConstantOp>(v.getDefiningOp()))
    return 0.0; // constants are checked by value when converted
  CalibrationAttr calib = calibrationOf(v);
  if (!calib)
    return std::nullopt;
  return std::max(std::fabs((double)calib.getMinF32()), std::fabs((double)calib.getMaxF32()));
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
  for (size_t i = 0; i < targets.size() && i < precisions.size(); ++i)
    targets[i]->setAttr(kPrecisionAttr, PrecisionAttr::get(func.getContext(), precisions[i]));
  if (failed(applyPrecisions(*copy, options)))
    return failure();
  RewritePatternSet patterns(func.getContext());
  populateFoldQuantDequantPatterns(patterns);
  if (failed(applyPatternsAndFoldGreedily(*copy, std::move(patterns))))
    return failure();
  return copy;
}

} // namespace mlir::qopt
