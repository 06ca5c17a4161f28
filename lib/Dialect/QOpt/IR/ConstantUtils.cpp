#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir::qopt {

// Matches the ONNX importer: more elements than this become a dense_resource blob.
static constexpr int64_t kInlineLimit = 16;

std::optional<std::vector<float>> readF32Constant(ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  if (!type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  size_t count = type.getNumElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    auto range = dense.getValues<float>();
    return std::vector<float>(range.begin(), range.end());
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != count * sizeof(float))
      return std::nullopt;
    std::vector<float> out(count);
    std::memcpy(out.data(), blob->getData().data(), count * sizeof(float));
    return out;
  }
  return std::nullopt;
}

std::string resourceKey(llvm::StringRef name) {
  std::string key;
  for (char c : name)
    key += (llvm::isAlnum(c) || c == '_' || c == '.') ? c : '_';
  if (key.empty() || !(llvm::isAlpha(key[0]) || key[0] == '_'))
    key = "c_" + key;
  return key;
}

template <typename T>
static ElementsAttr makeConstant(RankedTensorType type, llvm::ArrayRef<T> values,
                                 llvm::StringRef hint) {
  if (type.getNumElements() <= kInlineLimit)
    return DenseElementsAttr::get(type, values);
  return DenseResourceElementsAttr::get(
      type, resourceKey(hint), HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
}

ElementsAttr makeF32Constant(RankedTensorType type, llvm::ArrayRef<float> values,
                             llvm::StringRef hint) {
  return makeConstant(type, values, hint);
}
ElementsAttr makeIntConstant(RankedTensorType type, llvm::ArrayRef<int8_t> values,
                             llvm::StringRef hint) {
  return makeConstant(type, values, hint);
}
ElementsAttr makeIntConstant(RankedTensorType type, llvm::ArrayRef<int32_t> values,
                             llvm::StringRef hint) {
  return makeConstant(type, values, hint);
}

ElementsAttr makeHalfConstant(RankedTensorType type, llvm::ArrayRef<float> values,
                              llvm::StringRef hint) {
  const llvm::fltSemantics &sem = cast<FloatType>(type.getElementType()).getFloatSemantics();
  std::vector<uint16_t> bits;
  bits.reserve(values.size());
  for (float f : values) {
    llvm::APFloat v(f);
    bool lost;
    v.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
    bits.push_back((uint16_t)v.bitcastToAPInt().getZExtValue());
  }
  if (type.getNumElements() <= kInlineLimit) {
    SmallVector<APFloat> vals;
    for (uint16_t b : bits)
      vals.push_back(APFloat(sem, APInt(16, b)));
    return DenseElementsAttr::get(type, vals);
  }
  return DenseResourceElementsAttr::get(
      type, resourceKey(hint), HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<uint16_t>(bits)));
}

std::string layerName(Location loc, llvm::StringRef fallback) {
  if (auto name = loc->findInstanceOf<NameLoc>())
    return name.getName().str();
  return fallback.str();
}

} // namespace mlir::qopt
