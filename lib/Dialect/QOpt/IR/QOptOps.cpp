// Verifiers, folders and custom syntax of the qopt ops. Shape rules live in ShapeInference.cpp so
// that importers compute exactly what the verifiers accept.
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/IR/ShapeInference.h"

#include "mlir/IR/TypeUtilities.h"
#include <cmath>

using namespace mlir;
using namespace mlir::qopt;

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

static ArrayRef<int64_t> shapeOf(Value v) { return cast<ShapedType>(v.getType()).getShape(); }

LogicalResult mlir::qopt::verifyQuantizedTensorType(function_ref<InFlightDiagnostic()> emitError,
                                                    ShapedType type, StringRef what) {
  auto checkZeroPoint = [&](quant::QuantizedType q, int64_t zp) -> LogicalResult {
    if (zp < q.getStorageTypeMin() || zp > q.getStorageTypeMax())
      return emitError() << "zero point " << zp << " of " << what
                         << " is outside the storage range [" << q.getStorageTypeMin() << ", "
                         << q.getStorageTypeMax() << "]";
    return success();
  };
  if (auto q = dyn_cast<quant::UniformQuantizedType>(type.getElementType()))
    return checkZeroPoint(q, q.getZeroPoint());
  auto q = dyn_cast<quant::UniformQuantizedPerAxisType>(type.getElementType());
  if (!q)
    return success();
  int64_t axis = q.getQuantizedDimension();
  if (axis < 0 || axis >= type.getRank())
    return emitError() << "quantized dimension " << axis << " of " << what
                       << " is out of range for rank " << type.getRank();
  int64_t dim = type.getDimSize(axis);
  if (!ShapedType::isDynamic(dim) && (int64_t)q.getScales().size() != dim)
    return emitError() << what << " has " << q.getScales().size()
                       << " per-axis scales but dimension " << axis << " has size " << dim;
  for (int64_t zp : q.getZeroPoints())
    if (failed(checkZeroPoint(q, zp)))
      return failure();
  return success();
}

LogicalResult mlir::qopt::detail::verifyQuantTypes(Operation *op) {
  auto check = [&](Type t, const Twine &what) -> LogicalResult {
    auto shaped = dyn_cast<ShapedType>(t);
    if (!shaped || !shaped.hasRank())
      return success();
    std::string name = what.str();
    return verifyQuantizedTensorType([&] { return op->emitOpError(); }, shaped, name);
  };
  for (auto [i, t] : llvm::enumerate(op->getOperandTypes()))
    if (failed(check(t, "operand #" + Twine(i))))
      return failure();
  for (auto [i, t] : llvm::enumerate(op->getResultTypes()))
    if (failed(check(t, "result #" + Twine(i))))
      return failure();
  return success();
}

LogicalResult mlir::qopt::detail::verifySameFloatType(Operation *op) {
  FloatType first;
  auto check = [&](Type t) -> LogicalResult {
    auto f = dyn_cast<FloatType>(getElementTypeOrSelf(t));
    if (!f)
      return success();
    if (!first)
      first = f;
    else if (f != first)
      return op->emitOpError("float operands and results must share one element type, found ")
             << first << " and " << f;
    return success();
  };
  for (Type t : op->getOperandTypes())
    if (failed(check(t)))
      return failure();
  for (Type t : op->getResultTypes())
    if (failed(check(t)))
      return failure();
  return success();
}

/// Data movement ops never change the element type.
static LogicalResult verifySameElementType(Operation *op) {
  Type expected = getElementTypeOrSelf(op->getResult(0).getType());
  for (Type t : op->getOperandTypes())
    if (getElementTypeOrSelf(t) != expected)
      return op->emitOpError("must not change the element type, found ")
             << getElementTypeOrSelf(t) << " and " << expected;
  return success();
}

/// Reports a failed shape rule, or a result type that the rule contradicts.
static LogicalResult verifyResultShape(Operation *op, const shape::Result &inferred) {
  if (!inferred)
    return op->emitOpError(inferred.error);
  ArrayRef<int64_t> actual = shapeOf(op->getResult(0));
  if (failed(verifyCompatibleShape(actual, *inferred.shape)))
    return op->emitOpError("result shape ")
           << shape::str(actual) << " does not match the inferred shape "
           << shape::str(*inferred.shape);
  return success();
}

static LogicalResult verifyComputeOp(Operation *op, const shape::Result &inferred) {
  if (failed(qopt::detail::verifySameFloatType(op)))
    return failure();
  return verifyResultShape(op, inferred);
}

static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (!shape::normalizeAxis(axis, rank))
    return op->emitOpError("axis ") << axis << " out of range for rank " << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

void ConstantOp::print(OpAsmPrinter &p) {
  p.printOptionalAttrDict((*this)->getAttrs(), /*elidedAttrs=*/{"value"});
  p << ' ';
  p.printAttribute(getValue());
  if (getType() != getValue().getType()) {
    p << " -> ";
    p.printType(getType());
  }
}

ParseResult ConstantOp::parse(OpAsmParser &parser, OperationState &result) {
  ElementsAttr value;
  if (parser.parseOptionalAttrDict(result.attributes) ||
      parser.parseAttribute(value, "value", result.attributes))
    return failure();
  Type type = value.getType();
  if (succeeded(parser.parseOptionalArrow()) && parser.parseType(type))
    return failure();
  result.addTypes(type);
  return success();
}

LogicalResult ConstantOp::verify() {
  auto valueType = cast<ShapedType>(getValue().getType());
  auto resultType = getType();
  if (valueType.getShape() != resultType.getShape())
    return emitOpError("value shape ")
           << shape::str(valueType.getShape()) << " does not match result shape "
           << shape::str(resultType.getShape());
  Type valueElt = valueType.getElementType(), resultElt = resultType.getElementType();
  if (valueElt == resultElt)
    return success();
  if (auto q = dyn_cast<quant::QuantizedType>(resultElt); q && q.getStorageType() == valueElt)
    return success();
  return emitOpError("value element type ")
         << valueElt << " is neither the result element type " << resultElt
         << " nor its storage type";
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult FullyConnectedOp::verify() {
  ArrayRef<int64_t> bias;
  if (getBias())
    bias = shapeOf(getBias());
  return verifyComputeOp(*this, shape::fullyConnected(shapeOf(getInput()), shapeOf(getWeight()),
                                                      getBias() ? &bias : nullptr));
}

LogicalResult MatMulOp::verify() {
  return verifyComputeOp(*this, shape::matmul(shapeOf(getLhs()), shapeOf(getRhs())));
}

LogicalResult Conv2DOp::verify() {
  ArrayRef<int64_t> bias;
  if (getBias())
    bias = shapeOf(getBias());
  return verifyComputeOp(*this,
                         shape::conv2d(shapeOf(getInput()), shapeOf(getWeight()),
                                       getBias() ? &bias : nullptr, getStrides(), getPads(),
                                       getDilations(), getGroups()));
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

template <typename BinaryOp>
static LogicalResult verifyBinary(BinaryOp op) {
  return verifyComputeOp(op, shape::broadcast(shapeOf(op.getLhs()), shapeOf(op.getRhs())));
}

LogicalResult AddOp::verify() { return verifyBinary(*this); }
LogicalResult SubOp::verify() { return verifyBinary(*this); }
LogicalResult MulOp::verify() { return verifyBinary(*this); }
LogicalResult DivOp::verify() { return verifyBinary(*this); }
LogicalResult PowOp::verify() { return verifyBinary(*this); }

// Unary ops: shapes and float types are checked by their traits (SameOperandsAndResultShape,
// SameFloatType); only attributes need a verifier.
LogicalResult ClampOp::verify() {
  float lo = getMin().convertToFloat(), hi = getMax().convertToFloat();
  if (std::isnan(lo) || std::isnan(hi) || lo > hi)
    return emitOpError("min ") << lo << " must not exceed max " << hi;
  return success();
}

OpFoldResult ClampOp::fold(FoldAdaptor) {
  bool unbounded = getMin().isNegative() && getMin().isInfinity() && !getMax().isNegative() &&
                   getMax().isInfinity();
  if (unbounded && getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult SoftmaxOp::verify() { return verifyAxis(*this, getAxis(), getType().getRank()); }

LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

template <typename ReduceOp>
static LogicalResult verifyReduce(ReduceOp op) {
  return verifyComputeOp(op, shape::reduce(shapeOf(op.getInput()), op.getAxes(), op.getKeepdims()));
}

LogicalResult ReduceMeanOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceSumOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMaxOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMinOp::verify() { return verifyReduce(*this); }

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  auto axis = shape::normalizeAxis(getAxis(), in.size());
  if (!axis)
    return emitOpError("axis ") << getAxis() << " out of range for rank " << in.size();
  ArrayRef<int64_t> normalized = in.drop_front(*axis);
  auto checkParam = [&](Value v, StringRef name) -> LogicalResult {
    if (v && failed(verifyCompatibleShape(shapeOf(v), normalized)))
      return emitOpError() << name << " must have the normalized shape " << shape::str(normalized)
                           << ", got " << shape::str(shapeOf(v));
    return success();
  };
  if (failed(checkParam(getScale(), "scale")) || failed(checkParam(getBias(), "bias")))
    return failure();
  return verifyComputeOp(*this, shape::Result::ok(shape::Shape(in.begin(), in.end())));
}

LogicalResult BatchNormOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  if (in.size() < 2)
    return emitOpError("input must have rank >= 2 ([N, C, ...]), got ") << shape::str(in);
  shape::Shape channels = {in[1]};
  for (auto [v, name] : {std::pair{getScale(), "scale"}, {getBias(), "bias"}, {getMean(), "mean"},
                         {getVariance(), "variance"}})
    if (failed(verifyCompatibleShape(shapeOf(v), channels)))
      return emitOpError() << name << " must be " << shape::str(channels) << " (one per channel), got "
                           << shape::str(shapeOf(v));
  return verifyComputeOp(*this, shape::Result::ok(shape::Shape(in.begin(), in.end())));
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

LogicalResult MaxPool2DOp::verify() {
  return verifyComputeOp(*this, shape::pool2d(shapeOf(getInput()), getKernel(), getStrides(),
                                              getPads(), getDilations(), getCeilMode()));
}

LogicalResult AvgPool2DOp::verify() {
  static const int64_t unitDilations[] = {1, 1};
  return verifyComputeOp(*this, shape::pool2d(shapeOf(getInput()), getKernel(), getStrides(),
                                              getPads(), unitDilations, getCeilMode()));
}

LogicalResult GlobalAvgPoolOp::verify() {
  return verifyComputeOp(*this, shape::globalAvgPool(shapeOf(getInput())));
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

static LogicalResult verifyMovement(Operation *op, const shape::Result &inferred) {
  if (failed(verifySameElementType(op)))
    return failure();
  return verifyResultShape(op, inferred);
}

LogicalResult ReshapeOp::verify() {
  return verifyMovement(*this, shape::reshape(shapeOf(getInput()), getType().getShape()));
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape() && dense.getElementType() == getType().getElementType())
      return dense.reshape(getType());
  // reshape(reshape(x)) only depends on x's elements: skip the inner one in place.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

LogicalResult FlattenOp::verify() {
  return verifyMovement(*this, shape::flatten(shapeOf(getInput()), getAxis()));
}

OpFoldResult FlattenOp::fold(FoldAdaptor) {
  return getInput().getType() == getType() ? OpFoldResult(getInput()) : OpFoldResult();
}

LogicalResult TransposeOp::verify() {
  return verifyMovement(*this, shape::transpose(shapeOf(getInput()), getPerm()));
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPerm();
  bool identity = llvm::all_of(llvm::enumerate(perm), [](auto it) {
    return it.value() == (int64_t)it.index();
  });
  if (identity && getInput().getType() == getType())
    return getInput();
  // transpose(transpose(x, p1), p2) == transpose(x, p1[p2[i]]).
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    ArrayRef<int64_t> innerPerm = inner.getPerm();
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(innerPerm[p]);
    setPerm(composed);
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : getInputs())
    shapes.push_back(shapeOf(v));
  return verifyMovement(*this, shape::concat(shapes, getAxis()));
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  return {};
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

static LogicalResult verifyExpressed(Operation *op, quant::QuantizedType q, Type floatType,
                                     StringRef side) {
  if (q.getExpressedType() != floatType)
    return op->emitOpError("expressed type ")
           << q.getExpressedType() << " of the quantized type does not match the " << side
           << " element type " << floatType;
  return success();
}

static LogicalResult verifySameShape(Operation *op) {
  if (failed(verifyCompatibleShape(shapeOf(op->getOperand(0)), shapeOf(op->getResult(0)))))
    return op->emitOpError("result shape ")
           << shape::str(shapeOf(op->getResult(0))) << " differs from input shape "
           << shape::str(shapeOf(op->getOperand(0)));
  return success();
}

static quant::QuantizedType quantElt(Value v) {
  return cast<quant::QuantizedType>(getElementTypeOrSelf(v.getType()));
}

LogicalResult QuantizeOp::verify() {
  if (failed(verifySameShape(*this)))
    return failure();
  return verifyExpressed(*this, quantElt(getOutput()), getElementTypeOrSelf(getInput()), "input");
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(q)) with unchanged parameters is exactly q.
  if (auto dq = getInput().getDefiningOp<DequantizeOp>())
    if (dq.getInput().getType() == getType())
      return dq.getInput();
  return {};
}

LogicalResult DequantizeOp::verify() {
  if (failed(verifySameShape(*this)))
    return failure();
  return verifyExpressed(*this, quantElt(getInput()), getElementTypeOrSelf(getOutput()),
                         "result");
}

LogicalResult RequantizeOp::verify() {
  if (failed(verifySameShape(*this)))
    return failure();
  return verifyExpressed(*this, quantElt(getOutput()), quantElt(getInput()).getExpressedType(),
                         "input's expressed");
}

OpFoldResult RequantizeOp::fold(FoldAdaptor) {
  return getInput().getType() == getType() ? OpFoldResult(getInput()) : OpFoldResult();
}

LogicalResult SliceOp::verify() {
  if (getElementTypeOrSelf(getInput()) != getElementTypeOrSelf(getType()))
    return emitOpError("result element type must equal the input's");
  return verifyComputeOp(*this, shape::slice(shapeOf(getInput()), getStarts(), getEnds(),
                                             getSteps()));
}

LogicalResult GatherOp::verify() {
  if (getElementTypeOrSelf(getInput()) != getElementTypeOrSelf(getType()))
    return emitOpError("result element type must equal the input's");
  return verifyComputeOp(*this, shape::gather(shapeOf(getInput()), getAxis(), getIndices(),
                                              getIndicesShape()));
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // cast(cast(x)) back to x's type is x when the middle type holds every value of x's type.
  if (auto inner = getInput().getDefiningOp<CastOp>()) {
    Value x = inner.getInput();
    unsigned from = getElementTypeOrSelf(x).getIntOrFloatBitWidth();
    auto mid = cast<FloatType>(getElementTypeOrSelf(inner.getType()));
    if (x.getType() == getType() && mid.getWidth() > from &&
        !(mid.isF16() || mid.isBF16()))
      return x;
  }
  return {};
}

#define GET_OP_CLASSES
#include "qopt/Dialect/QOpt/IR/QOptOps.cpp.inc"

//===----------------------------------------------------------------------===//
// kernel_call
//===----------------------------------------------------------------------===//

LogicalResult KernelCallOp::verify() {
  if (!getCallee().starts_with("qopt_"))
    return emitOpError("callee '") << getCallee() << "' is not a qopt kernel (qopt_*)";
  if ((int64_t)getScratchPerSample() < 0 || (int64_t)getScratchFixed() < 0)
    return emitOpError("scratch sizes must be non-negative");
  // The kernel's operand list is the result, then the inputs with nulls inserted: every null
  // position must fall inside that list, in increasing order, and never on the result.
  int64_t slots = 1 + (int64_t)getInputs().size() + (int64_t)getNullOperands().size();
  int64_t prev = 0;
  for (int64_t pos : getNullOperands()) {
    if (pos <= prev || pos >= slots)
      return emitOpError("null operand positions must increase within [1, ")
             << slots << "), got " << pos;
    prev = pos;
  }
  auto type = cast<RankedTensorType>(getOutput().getType());
  for (int64_t d = 1; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      return emitOpError("only the leading (batch) dimension may be dynamic, got ") << type;
  return success();
}
