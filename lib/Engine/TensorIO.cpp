#include "qopt/Engine/TensorIO.h"

#include "qopt/Runtime/Data.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::qopt::engine {

std::string shapeStr(ArrayRef<int64_t> s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + (ShapedType::isDynamic(s[i]) ? std::string("?") : std::to_string(s[i]));
  return r + "]";
}

std::string npyDtypeFor(Type elt) {
  if (auto q = dyn_cast<quant::QuantizedType>(elt))
    return (q.isSigned() ? "i" : "u") + std::to_string(q.getStorageTypeIntegralWidth() / 8);
  if (elt.isF32() || elt.isF16() || elt.isBF16())
    return "f4";
  if (elt.isF64())
    return "f8";
  if (elt.isInteger(1))
    return "b1";
  if (auto i = dyn_cast<IntegerType>(elt))
    return (i.isUnsigned() ? "u" : "i") + std::to_string(i.getWidth() / 8);
  return "?";
}

FailureOr<ref::Tensor> tensorFromNpy(const NpyArray &a, RankedTensorType type,
                                     const std::string &what, std::string &error) {
  std::string want = npyDtypeFor(type.getElementType());
  if (a.dtype != want) {
    std::string elt;
    llvm::raw_string_ostream os(elt);
    os << type.getElementType();
    error = what + ": expected dtype " + want + " (the model's " + elt + " elements), got " +
            a.dtype;
    return failure();
  }
  if (failed(verifyCompatibleShape(a.shape, type.getShape()))) {
    error = what + ": expected shape " + shapeStr(type.getShape()) + ", got " + shapeStr(a.shape);
    return failure();
  }
  ref::Tensor t;
  t.shape = a.shape;
  t.elementType = type.getElementType();
  std::string decodeError;
  if (!data::decodeNpy(a, isa<FloatType>(t.elementType), t.f, t.i, decodeError)) {
    error = what + ": " + decodeError;
    return failure();
  }
  return t;
}

NpyArray npyFromTensor(const ref::Tensor &t) {
  return data::encodeNpy(npyDtypeFor(t.elementType), t.shape, t.f, t.i);
}

} // namespace mlir::qopt::engine
