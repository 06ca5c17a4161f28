// qopt-quantize: int8 weights per output channel and calibrated per-tensor activations, as
// quantize/dequantize pairs around fully_connected, conv2d and matmul.
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Quant/QuantParams.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"

#include <cmath>

namespace mlir::qopt {
#define GEN_PASS_DEF_QUANTIZEPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

/// The calibrated range of a value: its producer's or the function argument's attribute.
DictionaryAttr calibrationOf(Value v) {
  if (Operation *def = v.getDefiningOp())
    return def->getAttrOfType<DictionaryAttr>("qopt.calibration");
  auto arg = cast<BlockArgument>(v);
  auto func = cast<func::FuncOp>(arg.getOwner()->getParentOp());
  return func.getArgAttrOfType<DictionaryAttr>(arg.getArgNumber(), "qopt.calibration");
}

/// The name to show for a value in a message: its producer's layer name, or the input's.
std::string describe(Value v) {
  if (Operation *def = v.getDefiningOp()) {
    if (auto n = dyn_cast<NameLoc>(def->getLoc()))
      return "'" + n.getName().str() + "'";
    return "the result of " + def->getName().getStringRef().str();
  }
  return "function input #" + std::to_string(cast<BlockArgument>(v).getArgNumber());
}

struct QuantizePass : qopt::impl::QuantizePassBase<QuantizePass> {
  using QuantizePassBase::QuantizePassBase;

  llvm::DenseMap<Value, Value> quantizedActivations;

  /// quantize + dequantize of an activation, created once per value right after its producer.
  FailureOr<Value> activation(OpBuilder &b, Value v, Operation *user) {
    if (Value done = quantizedActivations.lookup(v))
      return done;
    DictionaryAttr calib = calibrationOf(v);
    auto lo = calib ? calib.getAs<FloatAttr>("lo") : FloatAttr();
    auto hi = calib ? calib.getAs<FloatAttr>("hi") : FloatAttr();
    if (!lo || !hi)
      return user->emitError("no calibration range for ")
             << describe(v) << ", an input of this op: run qopt-calibrate first";
    auto params = activations == "i8"
                      ? quant_math::symmetricI8(std::max(std::fabs((float)lo.getValueAsDouble()),
                                                         std::fabs((float)hi.getValueAsDouble())))
                      : quant_math::asymmetricU8(lo.getValueAsDouble(), hi.getValueAsDouble());
    auto type = cast<RankedTensorType>(v.getType());
    bool isSigned = activations == "i8";
    auto q = quant::UniformQuantizedType::get(isSigned ? quant::QuantizationFlags::Signed : 0,
                                              b.getI8Type(), type.getElementType(), params.scale,
                                              params.zeroPoint, params.qmin, params.qmax);
    OpBuilder::InsertionGuard guard(b);
    if (Operation *def = v.getDefiningOp())
      b.setInsertionPointAfter(def);
    else
      b.setInsertionPointToStart(cast<BlockArgument>(v).getOwner());
    Value quantized = b.create<QuantizeOp>(v.getLoc(), RankedTensorType::get(type.getShape(), q), v);
    Value result = b.create<DequantizeOp>(v.getLoc(), type, quantized);
    quantizedActivations[v] = result;
    return result;
  }

  /// A constant f32 weight as per-output-channel (dimension 0) symmetric i8 behind a dequantize.
  FailureOr<Value> weight(OpBuilder &b, Value w, Operation *user) {
    auto c = w.getDefiningOp<ConstantOp>();
    std::optional<std::vector<float>> values = c ? readF32Constant(c.getValue()) : std::nullopt;
    if (!values)
      return failure(); // not a constant weight: quantized as an activation instead
    auto type = cast<RankedTensorType>(w.getType());
    int64_t channels = type.getDimSize(0);
    size_t perChannel = values->size() / channels;
    SmallVector<double> scales;
    std::vector<int8_t> q(values->size());
    for (int64_t ch = 0; ch < channels; ++ch) {
      float absMax = 0;
      for (size_t k = 0; k < perChannel; ++k)
        absMax = std::max(absMax, std::fabs((*values)[ch * perChannel + k]));
      auto p = quant_math::weightI8(absMax);
      scales.push_back(p.scale);
      for (size_t k = 0; k < perChannel; ++k)
        q[ch * perChannel + k] = (int8_t)quant_math::quantize((*values)[ch * perChannel + k],
                                                              p.scale, 0, p.qmin, p.qmax);
    }
    auto qType = quant::UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, b.getI8Type(), type.getElementType(), scales,
        SmallVector<int64_t>(channels, 0), /*quantizedDimension=*/0, -127, 127);
    auto storageType = RankedTensorType::get(type.getShape(), b.getI8Type());
    ElementsAttr stored;
    if (q.size() <= 16) {
      stored = DenseElementsAttr::get(storageType, ArrayRef<int8_t>(q));
    } else {
      std::string key = "quantized";
      if (auto n = dyn_cast<NameLoc>(c.getLoc()))
        key = n.getName().str() + ".q";
      stored = DenseResourceElementsAttr::get(
          storageType, resourceKey(key), HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<int8_t>(q)));
    }
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(user);
    Value qc = b.create<ConstantOp>(c.getLoc(), RankedTensorType::get(type.getShape(), qType),
                                    stored);
    return b.create<DequantizeOp>(c.getLoc(), type, qc).getResult();
  }

  void runOnOperation() override {
    if (activations != "u8" && activations != "i8") {
      getOperation().emitError("activations must be u8 or i8, got '") << activations << "'";
      return signalPassFailure();
    }
    OpBuilder b(&getContext());
    SmallVector<Operation *> targets;
    getOperation().walk([&](Operation *op) {
      if (isa<FullyConnectedOp, Conv2DOp, MatMulOp>(op) &&
          llvm::all_of(op->getOperandTypes(), [](Type t) {
            return cast<ShapedType>(t).getElementType().isF32();
          }))
        targets.push_back(op);
    });
    for (Operation *op : targets) {
      // Operand 0 is always an activation; operand 1 is a weight when constant (fully_connected,
      // conv2d) and an activation otherwise (matmul of two computed values). The bias stays f32
      // until qopt-fold-quant-dequant makes it i32 with scale s_in * s_w.
      auto x = activation(b, op->getOperand(0), op);
      if (failed(x))
        return signalPassFailure();
      op->setOperand(0, *x);
      Value oldWeight = op->getOperand(1);
      auto w = weight(b, oldWeight, op);
      if (failed(w)) {
        w = activation(b, oldWeight, op);
        if (failed(w))
          return signalPassFailure();
      }
      op->setOperand(1, *w);
      if (Operation *def = oldWeight.getDefiningOp(); def && isa<ConstantOp>(def) && def->use_empty())
        def->erase();
      op->setAttr("qopt.precision", b.getStringAttr("i8"));
    }
  }
};

} // namespace
