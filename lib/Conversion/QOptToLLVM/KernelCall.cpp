#include "KernelCall.h"

#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::qopt::lowering {

std::optional<Target> parseTarget(StringRef name) {
  if (name == "avx512vnni")
    return Target::avx512vnni;
  if (name == "avx512bf16")
    return Target::avx512bf16;
  if (name == "avx2")
    return Target::avx2;
  return std::nullopt;
}

StringRef targetName(Target target) {
  switch (target) {
  case Target::avx512vnni:
    return "avx512vnni";
  case Target::avx512bf16:
    return "avx512bf16";
  case Target::avx2:
    return "avx2";
  }
  return "?";
}

bool isBatched(Type t) {
  auto type = dyn_cast<RankedTensorType>(t);
  return type && type.getRank() > 0 && type.isDynamicDim(0);
}

bool isBatched(Value v) { return isBatched(v.getType()); }

SmallVector<int64_t> sampleShape(Type t) {
  auto type = cast<RankedTensorType>(t);
  ArrayRef<int64_t> shape = type.getShape();
  return SmallVector<int64_t>(isBatched(t) ? shape.drop_front() : shape);
}

int64_t sampleElements(Type t) {
  int64_t n = 1;
  for (int64_t d : sampleShape(t))
    n *= d;
  return n;
}

LogicalResult requireStaticExceptBatch(Operation *op, PatternRewriter &rewriter,
                                       LoweringFailures &failures) {
  auto check = [&](Type t) -> bool {
    auto type = dyn_cast<RankedTensorType>(t);
    if (!type)
      return false;
    for (int64_t d = 1; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        return false;
    return true;
  };
  for (Type t : op->getOperandTypes())
    if (!check(t))
      return failures.fail(rewriter, op,
                           "native code needs static shapes but for a leading batch dimension");
  for (Type t : op->getResultTypes())
    if (!check(t))
      return failures.fail(rewriter, op,
                           "native code needs static shapes but for a leading batch dimension");
  return success();
}

Type storageType(Type t) {
  if (auto shaped = dyn_cast<ShapedType>(t))
    t = shaped.getElementType();
  if (auto q = dyn_cast<quant::QuantizedType>(t))
    return q.getStorageType();
  return t;
}

std::optional<int32_t> kernelDType(Type t) {
  Type s = storageType(t);
  if (s.isF32())
    return 0; // QOPT_K_F32 (OpKernels.h; the numbers are its enum's)
  if (s.isF16())
    return 1;
  if (s.isBF16())
    return 2;
  if (auto i = dyn_cast<IntegerType>(s)) {
    bool isUnsigned = i.isUnsigned();
    if (auto shaped = dyn_cast<ShapedType>(t); shaped)
      if (auto q = dyn_cast<quant::QuantizedType>(shaped.getElementType()))
        isUnsigned = !q.isSigned();
    if (auto q = dyn_cast<quant::QuantizedType>(t))
      isUnsigned = !q.isSigned();
    switch (i.getWidth()) {
    case 8:
      return isUnsigned ? 3 : 4;
    case 32:
      return 5;
    case 64:
      return 6;
    default:
      return std::nullopt;
    }
  }
  return std::nullopt;
}

FailureOr<int32_t> floatDType(Operation *op, Type t, PatternRewriter &rewriter,
                              LoweringFailures &failures) {
  std::optional<int32_t> d = kernelDType(t);
  if (!d || (*d != 0 && *d != 1 && *d != 2)) // QOPT_K_F32, QOPT_K_F16, QOPT_K_BF16
    return failures.fail(rewriter, op, "the native kernel takes f32, f16 or bf16 tensors");
  return *d;
}

int64_t storageBytes(Type t) {
  Type s = storageType(t);
  if (s.isIntOrFloat() && s.getIntOrFloatBitWidth() % 8 == 0)
    return s.getIntOrFloatBitWidth() / 8;
  return 0;
}

std::optional<ElementsAttr> constantValue(Value v) {
  if (auto c = v.getDefiningOp<ConstantOp>())
    return c.getValue();
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> rawConstantBytes(ElementsAttr value) {
  ShapedType type = value.getShapedType();
  int64_t eb = storageBytes(type.getElementType());
  if (eb == 0 || !type.hasStaticShape())
    return std::nullopt;
  size_t count = type.getNumElements();
  ArrayRef<char> raw;
  bool splat = false;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    raw = dense.getRawData();
    splat = dense.isSplat();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    raw = blob->getData();
  } else {
    return std::nullopt;
  }
  if (splat && raw.size() == (size_t)eb) {
    std::vector<uint8_t> out(count * eb);
    for (size_t i = 0; i < count; ++i)
      std::memcpy(out.data() + i * eb, raw.data(), eb);
    return out;
  }
  if (raw.size() != count * eb)
    return std::nullopt;
  return std::vector<uint8_t>(raw.begin(), raw.end());
}

std::optional<std::vector<float>> floatConstantValues(ElementsAttr value) {
  Type e = value.getShapedType().getElementType();
  std::optional<std::vector<uint8_t>> bytes = rawConstantBytes(value);
  if (!bytes || !(e.isF32() || e.isF16() || e.isBF16()))
    return std::nullopt;
  std::vector<float> out;
  if (e.isF32()) {
    out.resize(bytes->size() / 4);
    std::memcpy(out.data(), bytes->data(), out.size() * 4);
    return out;
  }
  const llvm::fltSemantics &sem =
      e.isF16() ? llvm::APFloat::IEEEhalf() : llvm::APFloat::BFloat();
  out.resize(bytes->size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    uint16_t bits = (uint16_t)((*bytes)[2 * i] | ((*bytes)[2 * i + 1] << 8));
    llvm::APFloat f(sem, llvm::APInt(16, bits));
    bool lost = false;
    f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
    out[i] = f.convertToFloat();
  }
  return out;
}

KernelCallOp createKernelCall(PatternRewriter &rewriter, Operation *op, Type resultType,
                              const KernelSpec &spec, ValueRange inputs) {
  auto call = rewriter.create<KernelCallOp>(op->getLoc(), resultType, inputs, spec.callee,
                                            spec.params, spec.nullOperands,
                                            spec.scratchPerSample, spec.scratchFixed);
  return call;
}

Value createByteConstant(PatternRewriter &rewriter, Location loc, ArrayRef<uint8_t> bytes,
                         StringRef hint) {
  auto type = RankedTensorType::get({(int64_t)bytes.size()}, rewriter.getI8Type());
  ElementsAttr value;
  if (bytes.size() <= 64) {
    SmallVector<int8_t> v(bytes.begin(), bytes.end());
    value = DenseElementsAttr::get(type, ArrayRef<int8_t>(v));
  } else {
    // 64-byte alignment: the kernels read packed weights with full-width vector loads.
    value = DenseResourceElementsAttr::get(
        type, resourceKey(hint),
        HeapAsmResourceBlob::allocateAndCopyWithAlign(
            ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()), bytes.size()),
            /*align=*/64));
  }
  return rewriter.create<ConstantOp>(loc, value);
}

} // namespace mlir::qopt::lowering
