// ONNX model -> qopt dialect: model-level checks, graph inputs and initializers, the node loop and
// error collection. The op converters live in Convert*.cpp, one file per op family.
#include "qopt/Target/ONNX/ONNXImport.h"
#include "GraphImporter.h"
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::onnximport;

static constexpr int64_t kMinOpset = 7, kMaxOpset = 17;
// Constants with more elements than this become dense_resource blobs, so IR stays readable.
static constexpr int64_t kInlineConstantLimit = 16;

//===----------------------------------------------------------------------===//
// Types and tensors
//===----------------------------------------------------------------------===//

Type onnximport::convertElementType(MLIRContext *ctx, int32_t t) {
  Builder b(ctx);
  auto u = [&](unsigned w) { return IntegerType::get(ctx, w, IntegerType::Unsigned); };
  switch (t) {
  case onnx::TensorProto::FLOAT: return b.getF32Type();
  case onnx::TensorProto::FLOAT16: return b.getF16Type();
  case onnx::TensorProto::BFLOAT16: return b.getBF16Type();
  case onnx::TensorProto::DOUBLE: return b.getF64Type();
  case onnx::TensorProto::INT8: return b.getI8Type();
  case onnx::TensorProto::UINT8: return u(8);
  case onnx::TensorProto::INT16: return b.getI16Type();
  case onnx::TensorProto::UINT16: return u(16);
  case onnx::TensorProto::INT32: return b.getI32Type();
  case onnx::TensorProto::UINT32: return u(32);
  case onnx::TensorProto::INT64: return b.getI64Type();
  case onnx::TensorProto::UINT64: return u(64);
  case onnx::TensorProto::BOOL: return b.getI1Type();
  default: return nullptr;
  }
}

/// Appends `v` to `bytes` as `width` little-endian bytes.
static void appendLE(std::vector<char> &bytes, uint64_t v, unsigned width) {
  for (unsigned i = 0; i < width; ++i)
    bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

FailureOr<DenseElementsAttr> onnximport::convertTensorProto(MLIRContext *ctx,
                                                            const onnx::TensorProto &t,
                                                            std::string &error) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    error = "tensor '" + t.name() + "' keeps its data in an external file, which qopt does not read";
    return failure();
  }
  Type elt = convertElementType(ctx, t.data_type());
  if (!elt) {
    error = "tensor '" + t.name() + "' has unsupported data type " +
            std::to_string(t.data_type());
    return failure();
  }
  SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
  if (llvm::any_of(shape, [](int64_t d) { return d < 0; })) {
    error = "tensor '" + t.name() + "' has a negative dimension";
    return failure();
  }
  unsigned width = elt.isInteger(1) ? 1 : elt.getIntOrFloatBitWidth() / 8;
  // The element count and byte size of untrusted dims must fit int64 before anything uses them
  // (found by qopt-fuzz-onnx).
  int64_t count = 1, byteSize = 0;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(count, d, &count)) {
      error = "tensor '" + t.name() + "' has more elements than int64 can count";
      return failure();
    }
  if (__builtin_mul_overflow(count, (int64_t)width, &byteSize)) {
    error = "tensor '" + t.name() + "' has more bytes than int64 can count";
    return failure();
  }
  auto type = RankedTensorType::get(shape, elt);

  std::vector<char> bytes;
  if (t.has_raw_data()) {
    bytes.assign(t.raw_data().begin(), t.raw_data().end());
  } else if (elt.isF32()) {
    for (float f : t.float_data()) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      appendLE(bytes, bits, 4);
    }
  } else if (elt.isF64()) {
    for (double d : t.double_data()) {
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      appendLE(bytes, bits, 8);
    }
  } else if (elt.isInteger(64) && !elt.isUnsignedInteger()) {
    for (int64_t v : t.int64_data())
      appendLE(bytes, static_cast<uint64_t>(v), 8);
  } else if (elt.isUnsignedInteger(32) || elt.isUnsignedInteger(64)) {
    for (uint64_t v : t.uint64_data())
      appendLE(bytes, v, width);
  } else {
    // int32_data carries every narrower type, float16/bfloat16 as their bit patterns.
    for (int32_t v : t.int32_data())
      appendLE(bytes, static_cast<uint32_t>(v), width);
  }
  if ((int64_t)bytes.size() != byteSize) {
    error = "tensor '" + t.name() + "' holds " + std::to_string(bytes.size()) +
            " bytes of data but its shape needs " + std::to_string(byteSize);
    return failure();
  }
  if (elt.isInteger(1)) {
    SmallVector<bool> bits(bytes.begin(), bytes.end());
    return DenseElementsAttr::get(type, bits);
  }
  bool splat = count > 0;
  for (int64_t i = 1; splat && i < count; ++i)
    splat = std::memcmp(bytes.data(), bytes.data() + i * width, width) == 0;
  ArrayRef<char> raw(bytes);
  if (splat)
    raw = raw.take_front(width);
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}

std::string onnximport::typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

SmallVector<int64_t> onnximport::toInts(DenseElementsAttr a) {
  SmallVector<int64_t> out;
  for (APInt v : a.getValues<APInt>())
    out.push_back(a.getElementType().isUnsignedInteger() ? (int64_t)v.getZExtValue()
                                                         : v.getSExtValue());
  return out;
}

FailureOr<RankedTensorType> onnximport::inferredType(NodeContext &ctx, const shape::Result &r,
                                                     Type elt) {
  if (!r) {
    (void)ctx.fail(r.error);
    return failure();
  }
  return RankedTensorType::get(*r.shape, elt);
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

int NodeContext::numInputs() const { return node.input_size(); }

bool NodeContext::hasInput(int i) const { return i < node.input_size() && !node.input(i).empty(); }

FailureOr<Value> NodeContext::input(int i) {
  if (!hasInput(i)) {
    (void)fail("missing required input #" + Twine(i));
    return failure();
  }
  Operand &operand = importer.values[node.input(i)];
  if (!operand.value && operand.constant)
    operand.value = constantValue(operand.constant, node.input(i));
  return operand.value;
}

DenseElementsAttr NodeContext::constantInput(int i) {
  if (!hasInput(i))
    return nullptr;
  return importer.values[node.input(i)].constant;
}

FailureOr<DenseElementsAttr> NodeContext::requireConstant(int i, StringRef what) {
  if (!hasInput(i)) {
    (void)fail("missing required input #" + Twine(i) + " (" + what + ")");
    return failure();
  }
  if (DenseElementsAttr c = constantInput(i))
    return c;
  (void)fail(what + " (input '" + node.input(i) + "') must be a constant");
  return failure();
}

FailureOr<DenseElementsAttr> NodeContext::requireIntConstant(int i, StringRef what) {
  FailureOr<DenseElementsAttr> c = requireConstant(i, what);
  if (failed(c))
    return failure();
  if (!isa<IntegerType>(c->getElementType())) {
    (void)fail(what + " (input '" + node.input(i) + "') must be an integer tensor, got " +
               typeStr(c->getType()));
    return failure();
  }
  return c;
}

FailureOr<Value> NodeContext::optionalInput(int i) {
  return hasInput(i) ? input(i) : FailureOr<Value>(Value());
}

void NodeContext::setOutput(int i, Value v) {
  // Optional outputs the node does not name (Dropout's mask, ...) are simply not bound.
  if (i < node.output_size())
    importer.values[node.output(i)].value = v;
}

LogicalResult NodeContext::produce(FailureOr<Value> v) {
  if (failed(v))
    return failure();
  setOutput(0, *v);
  return success();
}

void NodeContext::setOutputConstant(int i, DenseElementsAttr c) {
  if (i < node.output_size())
    importer.values[node.output(i)].constant = c;
}

bool NodeContext::outputUsed(int i) const {
  return i < node.output_size() && !node.output(i).empty();
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::intAttr(StringRef name, int64_t def) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : def;
}

float NodeContext::floatAttr(StringRef name, float def) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : def;
}

std::string NodeContext::stringAttr(StringRef name, StringRef def) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : def.str();
}

SmallVector<int64_t> NodeContext::intsAttr(StringRef name, ArrayRef<int64_t> def) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return SmallVector<int64_t>(def.begin(), def.end());
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

LogicalResult NodeContext::fail(const Twine &msg) {
  std::string where = "node '" + (node.name().empty() ? node.output_size() ? node.output(0) : ""
                                                      : node.name()) +
                      "' (" + node.op_type() + ", opset " + std::to_string(opset) + "): ";
  importer.errors.push_back(where + msg.str());
  return failure();
}

LogicalResult NodeContext::checkAttributes(ArrayRef<StringRef> known) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (!llvm::is_contained(known, a.name()))
      return fail("unsupported attribute '" + a.name() + "'");
  return success();
}

Location NodeContext::loc() const {
  std::string name = !node.name().empty() ? node.name()
                     : node.output_size()  ? node.output(0)
                                           : node.op_type();
  return NameLoc::get(StringAttr::get(importer.ctx, name));
}

OpBuilder &NodeContext::builder() { return importer.builder; }

LogicalResult NodeContext::verifyCreated(Operation *op) {
  std::string captured;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(importer.ctx, [&](Diagnostic &d) {
      if (captured.empty())
        captured = d.str();
      return success();
    });
    result = verify(op);
  }
  if (failed(result)) {
    op->erase();
    return fail(captured);
  }
  return success();
}

Value NodeContext::constantValue(DenseElementsAttr value, StringRef name) {
  OpBuilder::InsertionGuard guard(builder());
  // Constants go to the top of the function, in the order they are first used, so every later
  // use is dominated and the IR reads in graph order.
  Block &entry = importer.func.getBody().front();
  if (importer.lastConstant)
    builder().setInsertionPointAfter(importer.lastConstant);
  else
    builder().setInsertionPointToStart(&entry);
  ElementsAttr stored = value;
  auto type = cast<RankedTensorType>(value.getType());
  if (!value.isSplat() && type.getNumElements() > kInlineConstantLimit &&
      !type.getElementType().isInteger(1)) {
    ArrayRef<char> raw = value.getRawData();
    size_t align = std::max<size_t>(1, type.getElementTypeBitWidth() / 8);
    std::string key = resourceKey(name);
    stored = DenseResourceElementsAttr::get(
        type, key, HeapAsmResourceBlob::allocateAndCopyWithAlign(raw, align));
  }
  Location loc = name.empty() ? Location(UnknownLoc::get(importer.ctx))
                              : Location(NameLoc::get(StringAttr::get(importer.ctx, name)));
  auto op = builder().create<ConstantOp>(loc, type, stored);
  importer.lastConstant = op;
  return op;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

GraphImporter::GraphImporter(MLIRContext *ctx, StringRef sourceName)
    : ctx(ctx), builder(ctx), sourceName(sourceName.str()) {
  registerNNConverters(converters);
  registerElementwiseConverters(converters);
  registerShapeConverters(converters);
  registerSliceConverters(converters);
  registerQuantConverters(converters);
  registerReduceConverters(converters);
}

static std::string supportedList() {
  std::string s;
  for (StringRef op : supportedONNXOps())
    s += (s.empty() ? "" : ", ") + op.str();
  return s;
}

void GraphImporter::convertNode(const onnx::NodeProto &node, int64_t opset) {
  NodeContext ctx(*this, node, opset);
  auto poison = [&] {
    for (const std::string &out : node.output())
      if (!out.empty())
        values[out].poisoned = true;
  };
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    (void)ctx.fail("ops of domain '" + node.domain() + "' are not supported");
    return poison();
  }
  // Checked before the inputs, so every unsupported op is reported, not only the first.
  auto conv = converters.find(node.op_type());
  if (conv == converters.end()) {
    (void)ctx.fail("unsupported op '" + node.op_type() + "'; supported ops: " + supportedList());
    return poison();
  }
  // Every converted op defines its first output; a node without one (a malformed file) would
  // otherwise be read past the end of its output list.
  if (node.output_size() == 0 || node.output(0).empty()) {
    (void)ctx.fail("has no output: every " + node.op_type() + " node must name its output #0");
    return poison();
  }
  for (const std::string &in : node.input()) {
    if (in.empty())
      continue;
    auto it = values.find(in);
    if (it == values.end()) {
      (void)ctx.fail("input '" + in +
                     "' is not produced by any node, initializer or graph input");
      return poison();
    }
    if (it->second.poisoned)
      return poison();
  }
  size_t errorsBefore = errors.size();
  if (failed(conv->second(ctx))) {
    if (errors.size() == errorsBefore)
      (void)ctx.fail("conversion failed");
    return poison();
  }
  for (int i = 0; i < node.output_size(); ++i) {
    const Operand &out = values[node.output(i)];
    if (!node.output(i).empty() && !out.value && !out.constant) {
      (void)ctx.fail("output #" + Twine(i) + " ('" + node.output(i) + "') is not supported");
      return poison();
    }
  }
}

/// The static-or-dynamic shape of a graph input or output, from its ValueInfo.
/// "[2, ?, 3]": a shape as the messages show it (? for a dynamic dimension).
static std::string shapeText(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") +
         (ShapedType::isDynamic(shape[i]) ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

static FailureOr<RankedTensorType> valueInfoType(MLIRContext *ctx, const onnx::ValueInfoProto &v,
                                                 std::string &error) {
  if (!v.type().has_tensor_type()) {
    error = "'" + v.name() + "' is not a tensor";
    return failure();
  }
  const onnx::TypeProto::Tensor &t = v.type().tensor_type();
  Type elt = convertElementType(ctx, t.elem_type());
  if (!elt) {
    error = "'" + v.name() + "' has unsupported element type " + std::to_string(t.elem_type());
    return failure();
  }
  if (!t.has_shape()) {
    error = "'" + v.name() + "' has no shape; qopt needs ranked inputs";
    return failure();
  }
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &d : t.shape().dim())
    shape.push_back(d.has_dim_value() && d.dim_value() >= 0 ? d.dim_value()
                                                            : ShapedType::kDynamic);
  // A declared shape no buffer could hold is refused here, by name, before any pass sizes memory
  // from it (dynamic dimensions count per sample).
  constexpr int64_t kMaxTensorBytes = int64_t(1) << 40;
  int64_t bytes = (elt.getIntOrFloatBitWidth() + 7) / 8;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      continue;
    if (__builtin_mul_overflow(bytes, d, &bytes)) {
      error = "'" + v.name() + "' has shape " + shapeText(shape) +
              ", whose size in bytes overflows int64";
      return failure();
    }
  }
  if (bytes > kMaxTensorBytes) {
    error = "'" + v.name() + "' has shape " + shapeText(shape) + ": " + std::to_string(bytes) +
            " bytes, more than the 1 TiB a tensor may hold";
    return failure();
  }
  return RankedTensorType::get(shape, elt);
}

LogicalResult GraphImporter::importGraph(const onnx::GraphProto &graph, int64_t opset) {
  for (const onnx::TensorProto &init : graph.initializer()) {
    std::string error;
    auto value = convertTensorProto(ctx, init, error);
    if (failed(value)) {
      errors.push_back("initializer '" + init.name() + "': " + error);
      continue;
    }
    values[init.name()].constant = *value;
  }
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &in : graph.input()) {
    if (values.count(in.name())) // older exporters list initializers as inputs too
      continue;
    std::string error;
    auto type = valueInfoType(ctx, in, error);
    if (failed(type)) {
      errors.push_back("graph input " + error);
      continue;
    }
    argTypes.push_back(*type);
    argNames.push_back(in.name());
  }
  if (!errors.empty())
    return failure();

  builder.setInsertionPointToEnd(cast<ModuleOp>(func->getParentOp()).getBody());
  func.setFunctionType(builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    values[name].value = body->getArgument(i);
    func.setArgAttr(i, "qopt.name", builder.getStringAttr(name));
  }
  builder.setInsertionPointToEnd(body);

  for (const onnx::NodeProto &node : graph.node())
    convertNode(node, opset);
  if (!errors.empty())
    return failure();

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &out : graph.output()) {
    auto it = values.find(out.name());
    if (it == values.end()) {
      errors.push_back("graph output '" + out.name() + "' is not produced by any node");
      continue;
    }
    Value v = it->second.value;
    if (!v && it->second.constant) {
      NodeContext dummy(*this, onnx::NodeProto(), opset);
      v = dummy.constantValue(it->second.constant, out.name());
    }
    // A declared output shape that contradicts what the graph computes is a broken model.
    std::string error;
    auto declared = valueInfoType(ctx, out, error);
    if (succeeded(declared) &&
        failed(verifyCompatibleShape(declared->getShape(), typeOf(v).getShape()))) {
      errors.push_back("graph output '" + out.name() + "' is declared as " +
                       shape::str(declared->getShape()) + " but the graph computes " +
                       shape::str(typeOf(v).getShape()));
      continue;
    }
    results.push_back(v);
  }
  if (!errors.empty())
    return failure();
  builder.create<func::ReturnOp>(UnknownLoc::get(ctx), results);
  // Quantized graph inputs get their types from the DequantizeLinear that reads them.
  SmallVector<Type> finalArgs(body->getArgumentTypes());
  func.setFunctionType(builder.getFunctionType(finalArgs, ValueRange(results).getTypes()));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "qopt.name", builder.getStringAttr(out.name()));
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run(const onnx::ModelProto &model) {
  int64_t opset = -1;
  for (const onnx::OperatorSetIdProto &id : model.opset_import())
    if (id.domain().empty() || id.domain() == "ai.onnx")
      opset = id.version();
  if (opset < 0) {
    errors.push_back("the model imports no version of the default ONNX opset");
    return nullptr;
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    errors.push_back("opset " + std::to_string(opset) + " is not supported (qopt imports opsets " +
                     std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + ")");
    return nullptr;
  }
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(ctx));
  builder.setInsertionPointToEnd(module->getBody());
  func = builder.create<func::FuncOp>(UnknownLoc::get(ctx), "main",
                                      builder.getFunctionType({}, {}));
  if (failed(importGraph(model.graph(), opset)))
    return nullptr;
  return module;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> mlir::qopt::importONNX(ArrayRef<char> bytes, MLIRContext *context,
                                             StringRef sourceName) {
  context->loadDialect<QOptDialect, func::FuncDialect, quant::QuantizationDialect>();
  Location fileLoc = FileLineColLoc::get(context, sourceName, 0, 0);
  onnx::ModelProto model;
  if (bytes.size() > (size_t)std::numeric_limits<int>::max() ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || !model.has_graph()) {
    emitError(fileLoc) << "not an ONNX model (the file does not parse as an ONNX ModelProto)";
    return nullptr;
  }
  GraphImporter importer(context, sourceName);
  OwningOpRef<ModuleOp> module = importer.run(model);
  for (const std::string &e : importer.errors)
    emitError(fileLoc) << e;
  if (!importer.errors.empty())
    return nullptr;
  return module;
}

FailureOr<DenseElementsAttr> mlir::qopt::readONNXTensorFile(StringRef path, MLIRContext *context,
                                                            std::string &name,
                                                            std::string &error) {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file) {
    error = path.str() + ": " + file.getError().message();
    return failure();
  }
  onnx::TensorProto tensor;
  StringRef bytes = (*file)->getBuffer();
  if (bytes.size() > (size_t)std::numeric_limits<int>::max() ||
      !tensor.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = path.str() + ": not an ONNX TensorProto";
    return failure();
  }
  name = tensor.name();
  auto value = convertTensorProto(context, tensor, error);
  if (failed(value))
    error = path.str() + ": " + error;
  return value;
}

ArrayRef<StringRef> mlir::qopt::supportedONNXOps() {
  static const std::vector<std::string> names = [] {
    llvm::StringMap<Converter> table;
    registerNNConverters(table);
    registerElementwiseConverters(table);
    registerShapeConverters(table);
    registerSliceConverters(table);
    registerQuantConverters(table);
    registerReduceConverters(table);
    std::vector<std::string> sorted;
    for (auto &e : table)
      sorted.push_back(e.getKey().str());
    llvm::sort(sorted);
    return sorted;
  }();
  static const SmallVector<StringRef> refs(names.begin(), names.end());
  return refs;
}
