// ONNX QuantizeLinear / DequantizeLinear -> qopt.quantize / qopt.dequantize, so QDQ models from
// quantization-aware training keep their parameters as !quant.uniform types.
#include "GraphImporter.h"

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::onnximport;

/// The quantized element type a (De)QuantizeLinear node describes with its scale and zero point
/// inputs: per-tensor for a scalar scale, per-axis (along `axis`) for a 1-D one.
static FailureOr<quant::QuantizedType> quantizedTypeOf(NodeContext &ctx, Type expressed,
                                                       int64_t rank, Type storageHint) {
  auto scaleAttr = ctx.requireConstant(1, "the scale");
  if (failed(scaleAttr))
    return failure();
  if (!isa<FloatType>(scaleAttr->getElementType()))
    return ((void)ctx.fail("the scale must be a float tensor"), failure());
  SmallVector<double> scales;
  for (APFloat s : scaleAttr->getValues<APFloat>())
    scales.push_back(s.convertToDouble());
  DenseElementsAttr zpAttr = ctx.constantInput(2);
  if (ctx.hasInput(2) && !zpAttr)
    return ((void)ctx.fail("the zero point must be a constant"), failure());
  Type storage = zpAttr ? zpAttr.getElementType() : storageHint;
  auto intType = dyn_cast_or_null<IntegerType>(storage);
  SmallVector<int64_t> zps = zpAttr && intType ? toInts(zpAttr)
                                               : SmallVector<int64_t>(scales.size(), 0);
  if (!intType || !(intType.getWidth() == 8 || intType.getWidth() == 32) ||
      (intType.getWidth() == 32 && intType.isUnsigned()))
    return ((void)ctx.fail("quantized type must be int8, uint8 or int32"), failure());
  bool isSigned = !intType.isUnsigned();
  unsigned width = intType.getWidth();
  int64_t qmin = isSigned ? -(int64_t(1) << (width - 1)) : 0;
  int64_t qmax = isSigned ? (int64_t(1) << (width - 1)) - 1 : (int64_t(1) << width) - 1;
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  Type signless = IntegerType::get(ctx.importer.ctx, width);
  if (zps.size() != scales.size())
    return ((void)ctx.fail("scale and zero point have different sizes"), failure());

  std::string diag;
  auto emit = [&]() {
    return emitError(UnknownLoc::get(ctx.importer.ctx));
  };
  quant::QuantizedType result;
  {
    ScopedDiagnosticHandler handler(ctx.importer.ctx, [&](Diagnostic &d) {
      diag = d.str();
      return success();
    });
    auto rankOf = cast<RankedTensorType>(scaleAttr->getType()).getRank();
    if (rankOf == 0) {
      result = quant::UniformQuantizedType::getChecked(emit, flags, signless, expressed, scales[0],
                                                       zps[0], qmin, qmax);
    } else {
      int64_t axis = ctx.intAttr("axis", 1);
      auto norm = shape::normalizeAxis(axis, rank);
      if (!norm)
        return ((void)ctx.fail("axis " + Twine(axis) + " out of range for rank " + Twine(rank)),
                failure());
      result = quant::UniformQuantizedPerAxisType::getChecked(emit, flags, signless, expressed,
                                                              scales, zps, *norm, qmin, qmax);
    }
  }
  if (!result)
    return ((void)ctx.fail("invalid quantization parameters: " + diag), failure());
  return result;
}

static LogicalResult convertQuantizeLinear(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  auto q = quantizedTypeOf(ctx, t.getElementType(), t.getRank(),
                           IntegerType::get(ctx.importer.ctx, 8, IntegerType::Unsigned));
  if (failed(q))
    return failure();
  return ctx.produce(ctx.create<QuantizeOp>(RankedTensorType::get(t.getShape(), *q), *x));
}

static LogicalResult convertDequantizeLinear(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  Builder b(ctx.importer.ctx);
  Type f32 = b.getF32Type();
  if (DenseElementsAttr c = ctx.constantInput(0)) {
    // Quantized weights: store the integers with the quantized type as the constant's result.
    auto t = cast<RankedTensorType>(c.getType());
    auto q = quantizedTypeOf(ctx, f32, t.getRank(), c.getElementType());
    if (failed(q))
      return failure();
    if (c.getElementType().getIntOrFloatBitWidth() != q->getStorageTypeIntegralWidth())
      return ctx.fail("the input's integer type does not match the zero point's");
    DenseElementsAttr storage = c.bitcast(q->getStorageType());
    Value qv = ctx.constantValue(storage, ctx.node.input(0));
    auto constOp = qv.getDefiningOp<ConstantOp>();
    qv.setType(RankedTensorType::get(t.getShape(), *q));
    if (failed(ctx.verifyCreated(constOp)))
      return failure();
    return ctx.produce(ctx.create<DequantizeOp>(RankedTensorType::get(t.getShape(), f32), qv));
  }
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  Type hint = t.getElementType();
  if (auto existing = dyn_cast<quant::QuantizedType>(hint))
    hint = IntegerType::get(ctx.importer.ctx, existing.getStorageTypeIntegralWidth(),
                            existing.isSigned() ? IntegerType::Signless : IntegerType::Unsigned);
  auto q = quantizedTypeOf(ctx, f32, t.getRank(), hint);
  if (failed(q))
    return failure();
  auto quantType = RankedTensorType::get(t.getShape(), *q);
  if (isa<quant::QuantizedType>(t.getElementType())) {
    if (t != quantType)
      return ctx.fail("its parameters differ from those of the QuantizeLinear producing input '" +
                      ctx.node.input(0) + "'");
  } else if (auto arg = dyn_cast<BlockArgument>(*x);
             arg && isa<IntegerType>(t.getElementType()) &&
             t.getElementTypeBitWidth() == q->getStorageTypeIntegralWidth()) {
    // A quantized graph input: its integers are storage values of this quantized type.
    arg.setType(quantType);
  } else {
    return ctx.fail("input '" + ctx.node.input(0) +
                    "' must be a constant, a graph input or a QuantizeLinear output");
  }
  return ctx.produce(ctx.create<DequantizeOp>(RankedTensorType::get(t.getShape(), f32), *x));
}

void onnximport::registerQuantConverters(llvm::StringMap<Converter> &table) {
  table["QuantizeLinear"] = convertQuantizeLinear;
  table["DequantizeLinear"] = convertDequantizeLinear;
}
