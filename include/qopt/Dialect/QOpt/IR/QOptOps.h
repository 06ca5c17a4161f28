#ifndef QOPT_DIALECT_QOPT_IR_QOPTOPS_H
#define QOPT_DIALECT_QOPT_IR_QOPTOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qopt/Dialect/QOpt/IR/QOptDialect.h"

#include "qopt/Dialect/QOpt/IR/QOptEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "qopt/Dialect/QOpt/IR/QOptAttrs.h.inc"

namespace mlir::qopt {
namespace detail {
LogicalResult verifyQuantTypes(Operation *op);
} // namespace detail

/// Rejects quantized operand/result types that the quant dialect parses but qopt cannot execute.
template <typename ConcreteType>
class QuantTypesVerified : public OpTrait::TraitBase<ConcreteType, QuantTypesVerified> {
public:
  static LogicalResult verifyTrait(Operation *op) { return detail::verifyQuantTypes(op); }
};

/// Checks one quantized tensor type against its shape; `what` names it in the message
/// (e.g. "operand #1"). Exposed for importers, which must reject the same types.
LogicalResult verifyQuantizedTensorType(function_ref<InFlightDiagnostic()> emitError,
                                        ShapedType type, StringRef what);
} // namespace mlir::qopt

#define GET_OP_CLASSES
#include "qopt/Dialect/QOpt/IR/QOptOps.h.inc"

#endif
