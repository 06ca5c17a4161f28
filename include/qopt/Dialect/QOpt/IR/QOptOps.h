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
#include "qopt/Dialect/QOpt/IR/QOptEnums.h"

namespace mlir::qopt::detail {
/// Reads a #qopt.calibration float parameter with f32 semantics (decimal or hex bits).
FailureOr<llvm::APFloat> parseF32(AsmParser &parser);
} // namespace mlir::qopt::detail

#define GET_ATTRDEF_CLASSES
#include "qopt/Dialect/QOpt/IR/QOptAttrs.h.inc"

namespace mlir::qopt {

/// Discardable attributes the passes record: an op's precision (#qopt.precision) and why (a
/// string), and a value's calibrated range (#qopt.calibration) on its producer or on the function
/// argument. The dialect verifies their types.
inline constexpr llvm::StringLiteral kPrecisionAttr = "qopt.precision";
inline constexpr llvm::StringLiteral kPrecisionReasonAttr = "qopt.precision_reason";
/// On a qopt.kernel_call: the useful arithmetic of one sample (2 per multiply-add), recorded by
/// the patterns that know it (the linear ops) for NativeCode.steps and the report's roofline.
inline constexpr llvm::StringLiteral kOpsPerSampleAttr = "qopt.ops_per_sample";
inline constexpr llvm::StringLiteral kCalibrationAttr = "qopt.calibration";

namespace detail {
LogicalResult verifyQuantTypes(Operation *op);
LogicalResult verifySameFloatType(Operation *op);
} // namespace detail

/// Rejects quantized operand/result types that the quant dialect parses but qopt cannot execute.
template <typename ConcreteType>
class QuantTypesVerified : public OpTrait::TraitBase<ConcreteType, QuantTypesVerified> {
public:
  static LogicalResult verifyTrait(Operation *op) { return detail::verifyQuantTypes(op); }
};

/// Float operands and results of the op share one float type; quantized values carry their own
/// parameters and are checked by the quantization passes' rules.
template <typename ConcreteType>
class SameFloatType : public OpTrait::TraitBase<ConcreteType, SameFloatType> {
public:
  static LogicalResult verifyTrait(Operation *op) { return detail::verifySameFloatType(op); }
};

/// Checks one quantized tensor type against its shape; `what` names it in the message
/// (e.g. "operand #1"). Exposed for importers, which must reject the same types.
LogicalResult verifyQuantizedTensorType(function_ref<InFlightDiagnostic()> emitError,
                                        ShapedType type, StringRef what);
} // namespace mlir::qopt

#define GET_OP_CLASSES
#include "qopt/Dialect/QOpt/IR/QOptOps.h.inc"

#endif
