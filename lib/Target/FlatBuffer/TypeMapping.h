// Element types between MLIR and the FlatBuffers model: plain dtypes and !quant.uniform types.
#ifndef QOPT_LIB_TARGET_FLATBUFFER_TYPEMAPPING_H
#define QOPT_LIB_TARGET_FLATBUFFER_TYPEMAPPING_H

#include "qopt/Target/FlatBuffer/Schema.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include <memory>

namespace mlir::qopt::fbtypes {

/// The dtype for a non-quantized element type, or nullopt when the model format has none.
std::optional<fb::DType> toDType(Type t);
/// The MLIR element type of a dtype; null for values outside the enum.
Type fromDType(MLIRContext *ctx, fb::DType d);

/// Fills `tensor.dtype` and `tensor.quantization` from an element type; fails with a diagnostic
/// on `loc` when the type cannot be stored.
LogicalResult describeElementType(Type elt, Location loc, fb::TensorT &tensor);

/// The element type a verified tensor table describes (quantized when it has quantization).
/// Emits on `emitError` and returns null when MLIR rejects the quantization parameters.
Type elementTypeOf(MLIRContext *ctx, const fb::Tensor &tensor,
                   function_ref<InFlightDiagnostic()> emitError);

} // namespace mlir::qopt::fbtypes

#endif
