// Reading and building f32 constants, whether stored inline (dense) or as dense_resource blobs.
#ifndef QOPT_DIALECT_QOPT_IR_CONSTANTUTILS_H
#define QOPT_DIALECT_QOPT_IR_CONSTANTUTILS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include <optional>
#include <string>
#include <vector>

namespace mlir::qopt {

/// The values of an f32 constant in row-major order (a splat expanded), or nullopt when `value`
/// is not an f32 dense or dense_resource constant with data.
std::optional<std::vector<float>> readF32Constant(ElementsAttr value);

/// A dense_resource key MLIR prints and parses back unquoted, derived from a name such as an ONNX
/// initializer's ("onnx::Conv_12" -> "onnx__Conv_12").
std::string resourceKey(llvm::StringRef name);

/// An f32 constant of `type` holding `values`: inline when small, else a dense_resource blob
/// named after `hint`, so large weights never print inline.
ElementsAttr makeF32Constant(RankedTensorType type, llvm::ArrayRef<float> values,
                             llvm::StringRef hint);

/// Integer storage constants (quantized weights and biases) in the same way: `type` has the
/// storage element type (i8 / i32), inline when small, else a blob named after `hint`.
ElementsAttr makeIntConstant(RankedTensorType type, llvm::ArrayRef<int8_t> values,
                             llvm::StringRef hint);
ElementsAttr makeIntConstant(RankedTensorType type, llvm::ArrayRef<int32_t> values,
                             llvm::StringRef hint);

/// A 16-bit float constant (f16 / bf16 `type`) holding `values` rounded to nearest even.
ElementsAttr makeHalfConstant(RankedTensorType type, llvm::ArrayRef<float> values,
                              llvm::StringRef hint);

/// The name of the layer at a location (the ONNX node name kept by the importer), or `fallback`.
std::string layerName(Location loc, llvm::StringRef fallback);

} // namespace mlir::qopt

#endif
