// qopt-quantize: applies each op's assigned precision. i8: int8 weights per output channel and
// calibrated per-tensor activations, as quantize/dequantize pairs (or, in dynamic mode, per-tensor
// weights and activation scales taken from the live tensor). f16 / bf16: 16-bit weights and casts
// around the op.
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Dialect/QOpt/Transforms/Precision.h"
#include "qopt/Quant/QuantParams.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "llvm/ADT/DenseMap.h"

#include <cmath>

namespace mlir::qopt {
#define GEN_PASS_DEF_QUANTIZEPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

/// The name to show for a value in a message: its producer's layer name, or the input's.
std::string describe(Value v) {
  if (Operation *def = v.getDefiningOp()) {
    if (auto n = dyn_cast<NameLoc>(def->getLoc()))
      return "'" + n.getName().str() + "'";
    return "the result of " + def->getName().getStringRef().str();
  }
  return "function input #" + std::to_string(cast<BlockArgument>(v).getArgNumber());
}

/// Sets the insertion point right after the definition of `v`.
void setAfterDefinition(OpBuilder &b, Value v) {
  if (Operation *def = v.getDefiningOp())
    b.setInsertionPointAfter(def);
  else
    b.setInsertionPointToStart(cast<BlockArgument>(v).getOwner());
}

class Quantizer {
public:
  Quantizer(MLIRContext *ctx, const QuantizeOptions &options) : b(ctx), options(options) {}

  LogicalResult apply(Operation *op, Precision p) {
    switch (p) {
    case Precision::f32:
      return success();
    case Precision::i8:
      return toInt8(op);
    case Precision::f16:
      return toHalf(op, b.getF16Type());
    case Precision::bf16:
      return toHalf(op, b.getBF16Type());
    }
    return success();
  }

private:
  OpBuilder b;
  QuantizeOptions options;
  llvm::DenseMap<std::pair<Value, Type>, Value> converted;

  /// quantize + dequantize of an activation (or the dynamic fake quantization), created once per
  /// value right after its producer.
  FailureOr<Value> activation(Value v, Operation *user) {
    auto key = std::make_pair(v, Type());
    if (Value done = converted.lookup(key))
      return done;
    OpBuilder::InsertionGuard guard(b);
    setAfterDefinition(b, v);
    if (options.dynamic) {
      Value r = b.create<FakeQuantDynamicOp>(
          v.getLoc(), v.getType(), v,
          options.signedActivations ? ActivationStorage::i8 : ActivationStorage::u8);
      return converted[key] = r;
    }
    CalibrationAttr calib = calibrationOf(v);
    if (!calib)
      return user->emitError("no calibration range for ")
             << describe(v) << ", an input of this op: run qopt-calibrate first";
    bool isSigned = options.signedActivations;
    auto params = isSigned ? quant_math::symmetricI8(
                                 std::max(std::fabs(calib.getLoF32()), std::fabs(calib.getHiF32())))
                           : quant_math::asymmetricU8(calib.getLoF32(), calib.getHiF32());
    auto type = cast<RankedTensorType>(v.getType());
    auto q = quant::UniformQuantizedType::get(isSigned ? quant::QuantizationFlags::Signed : 0,
                                              b.getI8Type(), type.getElementType(), params.scale,
                                              params.zeroPoint, params.qmin, params.qmax);
    Value quantized = b.create<QuantizeOp>(v.getLoc(), RankedTensorType::get(type.getShape(), q), v);
    return converted[key] = b.create<DequantizeOp>(v.getLoc(), type, quantized).getResult();
  }

  /// A constant f32 weight as symmetric i8 in [-127, 127] behind a dequantize: per output channel
  /// (dimension 0), or per tensor in dynamic mode (the naive scheme).
  FailureOr<Value> weight(Value w, Operation *user) {
    auto c = w.getDefiningOp<ConstantOp>();
    std::optional<std::vector<float>> values = c ? readF32Constant(c.getValue()) : std::nullopt;
    if (!values)
      return failure(); // not a constant weight: quantized as an activation instead
    auto type = cast<RankedTensorType>(w.getType());
    int64_t channels = options.dynamic ? 1 : type.getDimSize(0);
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
    Type qType;
    if (options.dynamic)
      qType = quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed, b.getI8Type(),
                                               type.getElementType(), scales[0], 0, -127, 127);
    else
      qType = quant::UniformQuantizedPerAxisType::get(
          quant::QuantizationFlags::Signed, b.getI8Type(), type.getElementType(), scales,
          SmallVector<int64_t>(channels, 0), /*quantizedDimension=*/0, -127, 127);
    auto storageType = RankedTensorType::get(type.getShape(), b.getI8Type());
    ElementsAttr stored = makeIntConstant(storageType, q, layerName(c.getLoc(), "quantized") + ".q");
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(user);
    Value qc = b.create<ConstantOp>(c.getLoc(), RankedTensorType::get(type.getShape(), qType),
                                    stored);
    return b.create<DequantizeOp>(c.getLoc(), type, qc).getResult();
  }

  LogicalResult toInt8(Operation *op) {
    // Operand 0 is always an activation; operand 1 is a weight when constant (fully_connected,
    // conv2d) and an activation otherwise (matmul of two computed values). The bias stays f32
    // until qopt-fold-quant-dequant makes it i32 with scale s_in * s_w.
    auto x = activation(op->getOperand(0), op);
    if (failed(x))
      return failure();
    op->setOperand(0, *x);
    Value oldWeight = op->getOperand(1);
    auto w = weight(oldWeight, op);
    if (failed(w)) {
      w = activation(oldWeight, op);
      if (failed(w))
        return failure();
    }
    op->setOperand(1, *w);
    eraseIfDead(oldWeight);
    return success();
  }

  /// f16 / bf16: constants become 16-bit constants, computed inputs get a cast, and the result is
  /// cast back to f32 for the ops around (storage in 16 bits, arithmetic in f32).
  LogicalResult toHalf(Operation *op, FloatType half) {
    for (OpOperand &operand : op->getOpOperands()) {
      Value v = operand.get();
      auto type = cast<RankedTensorType>(v.getType());
      auto halfType = RankedTensorType::get(type.getShape(), half);
      if (auto c = v.getDefiningOp<ConstantOp>()) {
        if (auto values = readF32Constant(c.getValue())) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(op);
          operand.set(b.create<ConstantOp>(
              c.getLoc(), halfType,
              makeHalfConstant(halfType, *values, layerName(c.getLoc(), "weight") + ".half")));
          eraseIfDead(v);
          continue;
        }
      }
      auto key = std::make_pair(v, Type(half));
      Value cast = converted.lookup(key);
      if (!cast) {
        OpBuilder::InsertionGuard guard(b);
        setAfterDefinition(b, v);
        cast = converted[key] = b.create<CastOp>(v.getLoc(), halfType, v);
      }
      operand.set(cast);
    }
    Value result = op->getResult(0);
    auto type = cast<RankedTensorType>(result.getType());
    result.setType(RankedTensorType::get(type.getShape(), half));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(op);
    auto back = b.create<CastOp>(op->getLoc(), type, result);
    // The value the ops around now read: an i8 layer after this one quantizes it with the range
    // calibrated for the op's result (mixed precision, a bf16 layer feeding an i8 one).
    if (Attribute calib = op->getAttr(kCalibrationAttr))
      back->setAttr(kCalibrationAttr, calib);
    result.replaceAllUsesExcept(back, back);
    return success();
  }

  static void eraseIfDead(Value v) {
    if (Operation *def = v.getDefiningOp(); def && isa<ConstantOp>(def) && def->use_empty())
      def->erase();
  }
};

struct QuantizePass : qopt::impl::QuantizePassBase<QuantizePass> {
  using QuantizePassBase::QuantizePassBase;

  void runOnOperation() override {
    QuantizeOptions options;
    options.signedActivations = activations == ActivationStorage::i8;
    options.dynamic = mode == QuantizationMode::Dynamic;
    if (failed(applyPrecisions(getOperation(), options)))
      signalPassFailure();
  }
};

} // namespace

LogicalResult mlir::qopt::applyPrecisions(func::FuncOp func, const QuantizeOptions &options) {
  SmallVector<Operation *> targets;
  bool anyAssigned = false;
  func.walk([&](Operation *op) {
    if (isPrecisionTarget(op))
      targets.push_back(op);
    anyAssigned |= op->hasAttr(kPrecisionAttr);
  });
  Quantizer quantizer(func.getContext(), options);
  for (Operation *op : targets) {
    Precision p = Precision::i8;
    if (anyAssigned) {
      // The dialect verifier has rejected a qopt.precision that is not a #qopt.precision.
      auto attr = op->getAttrOfType<PrecisionAttr>(kPrecisionAttr);
      if (!attr)
        continue; // not assigned: stays f32
      p = attr.getValue();
    }
    if (failed(quantizer.apply(op, p)))
      return failure();
    op->setAttr(kPrecisionAttr, PrecisionAttr::get(func.getContext(), p));
  }
  return success();
}
