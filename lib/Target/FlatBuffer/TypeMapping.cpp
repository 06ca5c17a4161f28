#include "TypeMapping.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

namespace mlir::qopt::fbtypes {

std::optional<fb::DType> toDType(Type t) {
  if (t.isF32())
    return fb::DType::F32;
  if (t.isF16())
    return fb::DType::F16;
  if (t.isBF16())
    return fb::DType::BF16;
  if (t.isF64())
    return fb::DType::F64;
  auto i = dyn_cast<IntegerType>(t);
  // Signed-semantics integer types (si8) have no dtype of their own; qopt uses signless ones.
  if (!i || i.isSigned())
    return std::nullopt;
  bool u = i.isUnsigned();
  switch (i.getWidth()) {
  case 1:
    return u ? std::nullopt : std::optional(fb::DType::BOOL);
  case 8:
    return u ? fb::DType::U8 : fb::DType::I8;
  case 16:
    return u ? fb::DType::U16 : fb::DType::I16;
  case 32:
    return u ? fb::DType::U32 : fb::DType::I32;
  case 64:
    return u ? fb::DType::U64 : fb::DType::I64;
  default:
    return std::nullopt;
  }
}

Type fromDType(MLIRContext *ctx, fb::DType d) {
  Builder b(ctx);
  auto u = [&](unsigned w) { return IntegerType::get(ctx, w, IntegerType::Unsigned); };
  switch (d) {
  case fb::DType::F32: return b.getF32Type();
  case fb::DType::F16: return b.getF16Type();
  case fb::DType::BF16: return b.getBF16Type();
  case fb::DType::F64: return b.getF64Type();
  case fb::DType::I8: return b.getI8Type();
  case fb::DType::U8: return u(8);
  case fb::DType::I16: return b.getI16Type();
  case fb::DType::U16: return u(16);
  case fb::DType::I32: return b.getI32Type();
  case fb::DType::U32: return u(32);
  case fb::DType::I64: return b.getI64Type();
  case fb::DType::U64: return u(64);
  case fb::DType::BOOL: return b.getI1Type();
  }
  return nullptr;
}

/// Quantized storage is always a signless integer in MLIR with a separate signedness flag; the
/// dtype folds both into one value.
static std::optional<fb::DType> storageDType(quant::QuantizedType q) {
  unsigned w = q.getStorageTypeIntegralWidth();
  bool s = q.isSigned();
  switch (w) {
  case 8: return s ? fb::DType::I8 : fb::DType::U8;
  case 16: return s ? fb::DType::I16 : fb::DType::U16;
  case 32: return s ? fb::DType::I32 : fb::DType::U32;
  default: return std::nullopt;
  }
}

LogicalResult describeElementType(Type elt, Location loc, fb::TensorT &tensor) {
  auto q = dyn_cast<quant::QuantizedType>(elt);
  if (!q) {
    auto d = toDType(elt);
    if (!d)
      return emitError(loc) << "element type " << elt << " cannot be stored in a qopt model";
    tensor.dtype = *d;
    return success();
  }
  auto storage = storageDType(q);
  auto expressed = toDType(q.getExpressedType());
  if (!storage || !expressed)
    return emitError(loc) << "quantized type " << elt << " cannot be stored in a qopt model";
  auto quant = std::make_unique<fb::QuantizationT>();
  quant->storage_min = q.getStorageTypeMin();
  quant->storage_max = q.getStorageTypeMax();
  quant->expressed_type = *expressed;
  if (auto u = dyn_cast<quant::UniformQuantizedType>(q)) {
    quant->scales = {u.getScale()};
    quant->zero_points = {u.getZeroPoint()};
  } else if (auto a = dyn_cast<quant::UniformQuantizedPerAxisType>(q)) {
    quant->scales.assign(a.getScales().begin(), a.getScales().end());
    quant->zero_points.assign(a.getZeroPoints().begin(), a.getZeroPoints().end());
    quant->axis = a.getQuantizedDimension();
  } else {
    return emitError(loc) << "only uniform quantized types can be stored, got " << elt;
  }
  tensor.dtype = *storage;
  tensor.quantization = std::move(quant);
  return success();
}

Type elementTypeOf(MLIRContext *ctx, const fb::Tensor &tensor,
                   function_ref<InFlightDiagnostic()> emitError) {
  const fb::Quantization *q = tensor.quantization();
  if (!q)
    return fromDType(ctx, tensor.dtype());
  auto storage = cast<IntegerType>(fromDType(ctx, tensor.dtype()));
  unsigned flags = (tensor.dtype() == fb::DType::I8 || tensor.dtype() == fb::DType::I16 ||
                    tensor.dtype() == fb::DType::I32)
                       ? quant::QuantizationFlags::Signed
                       : 0;
  Type storageType = IntegerType::get(ctx, storage.getWidth());
  Type expressed = fromDType(ctx, q->expressed_type());
  if (q->axis() < 0)
    return quant::UniformQuantizedType::getChecked(emitError, flags, storageType, expressed,
                                                   q->scales()->Get(0), q->zero_points()->Get(0),
                                                   q->storage_min(), q->storage_max());
  SmallVector<double> scales(q->scales()->begin(), q->scales()->end());
  SmallVector<int64_t> zps(q->zero_points()->begin(), q->zero_points()->end());
  return quant::UniformQuantizedPerAxisType::getChecked(emitError, flags, storageType, expressed,
                                                        scales, zps, q->axis(), q->storage_min(),
                                                        q->storage_max());
}

} // namespace mlir::qopt::fbtypes
