#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::qopt;

#include "qopt/Dialect/QOpt/IR/QOptDialect.cpp.inc"
#include "qopt/Dialect/QOpt/IR/QOptEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "qopt/Dialect/QOpt/IR/QOptAttrs.cpp.inc"

void QOptDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qopt/Dialect/QOpt/IR/QOptOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qopt/Dialect/QOpt/IR/QOptAttrs.cpp.inc"
      >();
}

FailureOr<llvm::APFloat> mlir::qopt::detail::parseF32(AsmParser &parser) {
  llvm::APFloat value(0.0f);
  if (parser.parseFloat(llvm::APFloat::IEEEsingle(), value))
    return failure();
  return value;
}

/// qopt's discardable attributes must hold their typed attribute: a string where a precision or
/// a calibration record belongs would otherwise be ignored by every pass that reads it.
static LogicalResult verifyDiscardable(NamedAttribute attr,
                                       function_ref<InFlightDiagnostic()> emitError) {
  StringRef name = attr.getName().strref();
  Attribute value = attr.getValue();
  if (name == kPrecisionAttr && !isa<PrecisionAttr>(value))
    return emitError() << "attribute '" << name
                       << "' must be #qopt.precision<f32|f16|bf16|i8>, got " << value;
  if (name == kOpsPerSampleAttr &&
      !(isa<IntegerAttr>(value) && cast<IntegerAttr>(value).getValue().isNonNegative()))
    return emitError() << "attribute '" << name << "' must be a non-negative integer, got "
                       << value;
  if (name == kPrecisionReasonAttr && !isa<StringAttr>(value))
    return emitError() << "attribute '" << name << "' must be a string, got " << value;
  if (name == kCalibrationAttr && !isa<CalibrationAttr>(value))
    return emitError() << "attribute '" << name
                       << "' must be a #qopt.calibration<lo = .., hi = .., min = .., max = ..> "
                          "record, got "
                       << value;
  return success();
}

LogicalResult QOptDialect::verifyOperationAttribute(Operation *op, NamedAttribute attr) {
  return verifyDiscardable(attr, [&] { return op->emitOpError(); });
}

LogicalResult QOptDialect::verifyRegionArgAttribute(Operation *op, unsigned region,
                                                    unsigned argIndex, NamedAttribute attr) {
  return verifyDiscardable(attr, [&] {
    return op->emitOpError() << "argument #" << argIndex << ": ";
  });
}

Operation *QOptDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                            Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!elements || !tensorType)
    return nullptr;
  return builder.create<ConstantOp>(loc, tensorType, elements);
}
