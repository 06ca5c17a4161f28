// Internal: the state of one ONNX graph import, shared by the op converters.
#ifndef QOPT_LIB_TARGET_ONNX_GRAPHIMPORTER_H
#define QOPT_LIB_TARGET_ONNX_GRAPHIMPORTER_H

#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/IR/ShapeInference.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"

// libonnx-dev ships only the ONNX-ML flavour of the generated protobuf code.
#ifndef ONNX_ML
#define ONNX_ML 1
#endif
#ifndef ONNX_NAMESPACE
#define ONNX_NAMESPACE onnx
#endif
#include <onnx/onnx_pb.h>

namespace mlir::qopt::onnximport {

/// An ONNX value as the importer knows it: an SSA value, a compile-time constant, or both (a
/// constant is materialized as qopt.constant only when an op needs it as an operand).
struct Operand {
  Value value;
  DenseElementsAttr constant;
  bool poisoned = false; // produced by a node that failed: dependents stay quiet
};

class GraphImporter;

/// What a converter sees of one node.
class NodeContext {
public:
  NodeContext(GraphImporter &importer, const onnx::NodeProto &node, int64_t opset)
      : importer(importer), node(node), opset(opset) {}

  GraphImporter &importer;
  const onnx::NodeProto &node;
  int64_t opset;

  int numInputs() const;
  /// True when input i is present (ONNX marks omitted optional inputs with an empty name).
  bool hasInput(int i) const;
  /// The SSA value of input i (materializing a constant if needed); failure has been reported.
  FailureOr<Value> input(int i);
  /// The constant value of input i, or null when it is not known at compile time.
  DenseElementsAttr constantInput(int i);
  /// Like constantInput, but reports an error naming `what` when the input is not constant.
  FailureOr<DenseElementsAttr> requireConstant(int i, StringRef what);
  /// Like requireConstant, and the constant must have an integer element type (indices, axes,
  /// shapes: toInts reads them as integers).
  FailureOr<DenseElementsAttr> requireIntConstant(int i, StringRef what);

  /// Input i, or a null Value when the optional input is absent.
  FailureOr<Value> optionalInput(int i);

  void setOutput(int i, Value v);
  /// Sets output 0 to `v` when it was built; the usual last step of a converter.
  LogicalResult produce(FailureOr<Value> v);
  void setOutputConstant(int i, DenseElementsAttr c);
  /// True when output i is requested by the graph (named and not empty).
  bool outputUsed(int i) const;

  const onnx::AttributeProto *attr(StringRef name) const;
  int64_t intAttr(StringRef name, int64_t def) const;
  float floatAttr(StringRef name, float def) const;
  std::string stringAttr(StringRef name, StringRef def) const;
  SmallVector<int64_t> intsAttr(StringRef name, ArrayRef<int64_t> def = {}) const;

  /// Records "node 'n' (Op, opset N): msg" and returns failure.
  LogicalResult fail(const Twine &msg);
  /// Fails on any attribute not in `known`: an unknown attribute changes semantics we would miss.
  LogicalResult checkAttributes(ArrayRef<StringRef> known);

  Location loc() const;
  OpBuilder &builder();

  /// Creates an op and runs its verifier at once, so a shape or type problem is reported against
  /// this node instead of as an anonymous verifier failure later.
  template <typename OpT, typename... Args>
  FailureOr<Value> create(Type resultType, Args &&...args) {
    auto op = builder().create<OpT>(loc(), resultType, std::forward<Args>(args)...);
    if (failed(verifyCreated(op.getOperation())))
      return failure();
    return op->getResult(0);
  }
  LogicalResult verifyCreated(Operation *op);

  /// Materializes a constant as a qopt.constant value; `name` (the ONNX value) names it.
  Value constantValue(DenseElementsAttr value, StringRef name);
};

using Converter = LogicalResult (*)(NodeContext &);

/// Registers the converters of one op family into `table`.
void registerNNConverters(llvm::StringMap<Converter> &table);
void registerElementwiseConverters(llvm::StringMap<Converter> &table);
void registerShapeConverters(llvm::StringMap<Converter> &table);
void registerSliceConverters(llvm::StringMap<Converter> &table);
/// The type of input i, constant or computed; null when it failed (already reported).
RankedTensorType inputType(NodeContext &ctx, int i);
void registerQuantConverters(llvm::StringMap<Converter> &table);
void registerReduceConverters(llvm::StringMap<Converter> &table);

/// Shape and element type of an SSA value.
inline RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// A ranked tensor type from a shape rule's result, or failure reported on the node.
FailureOr<RankedTensorType> inferredType(NodeContext &ctx, const shape::Result &r, Type elt);

/// A type for messages: "f32", "i64".
std::string typeStr(Type t);

/// Reads a constant's values as int64 (integer constants only).
SmallVector<int64_t> toInts(DenseElementsAttr a);

/// Resolves ONNX's auto_pad for a 2-D window op into explicit [top, left, bottom, right] pads.
FailureOr<SmallVector<int64_t>> resolvePads(NodeContext &ctx, ArrayRef<int64_t> inputShape,
                                            ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                                            ArrayRef<int64_t> dilations);

class GraphImporter {
public:
  GraphImporter(MLIRContext *ctx, StringRef sourceName);
  OwningOpRef<ModuleOp> run(const onnx::ModelProto &model);

  MLIRContext *ctx;
  OpBuilder builder;
  std::string sourceName;
  llvm::StringMap<Operand> values;
  SmallVector<std::string> errors;
  func::FuncOp func;
  Operation *lastConstant = nullptr;

private:
  LogicalResult importGraph(const onnx::GraphProto &graph, int64_t opset);
  void convertNode(const onnx::NodeProto &node, int64_t opset);
  llvm::StringMap<Converter> converters;
};

/// Converts an ONNX TensorProto to a dense attribute; failure sets `error`.
FailureOr<DenseElementsAttr> convertTensorProto(MLIRContext *ctx, const onnx::TensorProto &t,
                                                std::string &error);
/// The MLIR element type of an ONNX data type, or null.
Type convertElementType(MLIRContext *ctx, int32_t onnxType);

} // namespace mlir::qopt::onnximport

#endif
