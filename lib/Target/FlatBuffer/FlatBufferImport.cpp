#include "qopt/Target/FlatBuffer/FlatBufferImport.h"
#include "OpTable.h"
#include "TypeMapping.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Target/FlatBuffer/ModelCheck.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace mlir::qopt;

namespace {

template <typename T>
SmallVector<int64_t> toVector(const flatbuffers::Vector<T> *v) {
  return v ? SmallVector<int64_t>(v->begin(), v->end()) : SmallVector<int64_t>();
}

class Importer {
public:
  Importer(MLIRContext *ctx, StringRef sourceName)
      : ctx(ctx), builder(ctx), fileLoc(FileLineColLoc::get(ctx, sourceName, 0, 0)) {}

  OwningOpRef<ModuleOp> run(const fb::Model &model);
  void importProvenance(const fb::Provenance &p, ModuleOp module);
  std::vector<Operation *> operators; // by operator index

private:
  InFlightDiagnostic error() { return emitError(fileLoc); }
  /// Runs `fn`, and turns any diagnostic it raised into one error prefixed with `where`, so every
  /// message says which tensor or operator of the file is at fault.
  LogicalResult inContext(const std::string &where, function_ref<LogicalResult()> fn);
  std::string describeTensor(uint32_t i);
  std::string describeOperator(uint32_t i);

  RankedTensorType tensorType(uint32_t i);
  ElementsAttr constantValue(const fb::Tensor &tensor, RankedTensorType valueType);
  NamedAttrList attributesOf(const fb::Operator &op);
  LogicalResult importOperator(uint32_t i);

  MLIRContext *ctx;
  OpBuilder builder;
  Location fileLoc;
  const fb::Model *model = nullptr;
  const fb::Graph *graph = nullptr;
  SmallVector<Value> values; // tensor index -> SSA value, once defined
};

LogicalResult Importer::inContext(const std::string &where, function_ref<LogicalResult()> fn) {
  std::string captured;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      if (captured.empty())
        captured = d.str();
      return success();
    });
    result = fn();
  }
  if (failed(result))
    error() << where << ": " << (captured.empty() ? "invalid" : captured);
  return result;
}

std::string Importer::describeTensor(uint32_t i) {
  const fb::Tensor *t = graph->tensors()->Get(i);
  std::string s = "tensor #" + std::to_string(i);
  if (t->name() && t->name()->size())
    s += " ('" + t->name()->str() + "')";
  return s;
}

std::string Importer::describeOperator(uint32_t i) {
  const fb::Operator *op = graph->operators()->Get(i);
  std::string s = "operator #" + std::to_string(i) + " (";
  if (op->name() && op->name()->size())
    s += "'" + op->name()->str() + "', ";
  return s + fb::EnumNameOpCode(op->opcode()) + ")";
}

RankedTensorType Importer::tensorType(uint32_t i) {
  const fb::Tensor *t = graph->tensors()->Get(i);
  Type elt;
  if (failed(inContext(describeTensor(i), [&] {
        elt = fbtypes::elementTypeOf(ctx, *t, [&] { return emitError(fileLoc); });
        return success(elt != nullptr);
      })))
    return nullptr;
  SmallVector<int64_t> shape;
  for (int64_t d : *t->shape())
    shape.push_back(d < 0 ? ShapedType::kDynamic : d);
  return RankedTensorType::get(shape, elt);
}

ElementsAttr Importer::constantValue(const fb::Tensor &tensor, RankedTensorType valueType) {
  const fb::Buffer *buffer = model->buffers()->Get(tensor.buffer());
  ArrayRef<char> data(reinterpret_cast<const char *>(buffer->data()->data()),
                      buffer->data()->size());
  size_t eltBytes = fb::dtypeSize(tensor.dtype());
  int64_t count = valueType.getNumElements();
  if (valueType.getElementType().isInteger(1)) {
    SmallVector<bool> bits;
    for (int64_t i = 0; i < count; ++i)
      bits.push_back(data[data.size() == 1 ? 0 : i] != 0);
    return DenseElementsAttr::get(valueType, bits);
  }
  if (buffer->resource_key()) {
    std::vector<char> full;
    if (count > 1 && data.size() == eltBytes) { // a splat stored compactly: a blob is never one
      for (int64_t i = 0; i < count; ++i)
        full.insert(full.end(), data.begin(), data.end());
      data = full;
    }
    return DenseResourceElementsAttr::get(
        valueType, buffer->resource_key()->str(),
        HeapAsmResourceBlob::allocateAndCopyWithAlign(data, eltBytes));
  }
  // All elements equal: keep it a splat, as MLIR prints and stores it.
  bool splat = data.size() >= eltBytes;
  for (size_t off = eltBytes; splat && off < data.size(); off += eltBytes)
    splat = std::memcmp(data.data(), data.data() + off, eltBytes) == 0;
  if (splat)
    data = data.take_front(eltBytes);
  return DenseElementsAttr::getFromRawBuffer(valueType, data);
}

static Activation toActivation(fb::Activation a) {
  return static_cast<Activation>(static_cast<int8_t>(a));
}

NamedAttrList Importer::attributesOf(const fb::Operator &op) {
  NamedAttrList attrs;
  auto i64s = [&](const flatbuffers::Vector<int64_t> *v) {
    return builder.getDenseI64ArrayAttr(toVector(v));
  };
  auto act = [&](fb::Activation a) {
    return ActivationAttr::get(ctx, toActivation(a));
  };
  if (auto o = op.options_as_FullyConnectedOptions()) {
    attrs.set("activation", act(o->activation()));
  } else if (auto o = op.options_as_Conv2DOptions()) {
    attrs.set("strides", i64s(o->strides()));
    attrs.set("pads", i64s(o->pads()));
    attrs.set("dilations", i64s(o->dilations()));
    attrs.set("groups", builder.getI64IntegerAttr(o->groups()));
    attrs.set("activation", act(o->activation()));
  } else if (auto o = op.options_as_ClampOptions()) {
    attrs.set("min", builder.getF32FloatAttr(o->min()));
    attrs.set("max", builder.getF32FloatAttr(o->max()));
  } else if (auto o = op.options_as_LeakyReluOptions()) {
    attrs.set("alpha", builder.getF32FloatAttr(o->alpha()));
  } else if (auto o = op.options_as_GeluOptions()) {
    attrs.set("approximate_tanh", builder.getBoolAttr(o->approximate_tanh()));
  } else if (auto o = op.options_as_AxisOptions()) {
    attrs.set("axis", builder.getI64IntegerAttr(o->axis()));
  } else if (auto o = op.options_as_LayerNormOptions()) {
    attrs.set("axis", builder.getI64IntegerAttr(o->axis()));
    attrs.set("epsilon", builder.getF32FloatAttr(o->epsilon()));
  } else if (auto o = op.options_as_BatchNormOptions()) {
    attrs.set("epsilon", builder.getF32FloatAttr(o->epsilon()));
  } else if (auto o = op.options_as_Pool2DOptions()) {
    attrs.set("kernel", i64s(o->kernel()));
    attrs.set("strides", i64s(o->strides()));
    attrs.set("pads", i64s(o->pads()));
    attrs.set("ceil_mode", builder.getBoolAttr(o->ceil_mode()));
    if (op.opcode() == fb::OpCode::MAX_POOL2D && o->dilations())
      attrs.set("dilations", i64s(o->dilations()));
    if (op.opcode() == fb::OpCode::AVG_POOL2D)
      attrs.set("count_include_pad", builder.getBoolAttr(o->count_include_pad()));
  } else if (auto o = op.options_as_TransposeOptions()) {
    attrs.set("perm", i64s(o->perm()));
  } else if (auto o = op.options_as_ReduceOptions()) {
    // Absent axes means every dimension, like an empty list.
    attrs.set("axes", o->axes() ? i64s(o->axes()) : builder.getDenseI64ArrayAttr({}));
    attrs.set("keepdims", builder.getBoolAttr(o->keepdims()));
  } else if (auto o = op.options_as_SliceOptions()) {
    attrs.set("starts", i64s(o->starts()));
    attrs.set("ends", i64s(o->ends()));
    attrs.set("steps", i64s(o->steps()));
  } else if (auto o = op.options_as_GatherOptions()) {
    attrs.set("axis", builder.getI64IntegerAttr(o->axis()));
    attrs.set("indices", i64s(o->indices()));
    attrs.set("indices_shape", i64s(o->indices_shape()));
  } else if (auto o = op.options_as_FakeQuantDynamicOptions()) {
    attrs.set("storage", ActivationStorageAttr::get(ctx, o->signed_storage()
                                                             ? ActivationStorage::i8
                                                             : ActivationStorage::u8));
  }
  return attrs;
}

LogicalResult Importer::importOperator(uint32_t i) {
  const fb::Operator *op = graph->operators()->Get(i);
  uint32_t out = op->outputs()->Get(0);
  RankedTensorType type = tensorType(out);
  if (!type)
    return failure();
  Location loc = op->name() && op->name()->size()
                     ? Location(NameLoc::get(builder.getStringAttr(op->name()->str())))
                     : Location(UnknownLoc::get(ctx));
  return inContext(describeOperator(i), [&]() -> LogicalResult {
    Operation *created;
    if (op->opcode() == fb::OpCode::CONSTANT) {
      const fb::Tensor *t = graph->tensors()->Get(out);
      auto storage = fbtypes::fromDType(ctx, t->dtype());
      auto valueType = RankedTensorType::get(type.getShape(), storage);
      created = builder.create<ConstantOp>(loc, type, constantValue(*t, valueType));
    } else {
      OperationState state(loc, fbtable::lookup(op->opcode())->name);
      for (int32_t in : *op->inputs())
        if (in >= 0)
          state.addOperands(values[in]);
      state.addTypes(type);
      state.addAttributes(attributesOf(*op));
      created = builder.create(state);
    }
    values[out] = created->getResult(0);
    operators.resize(std::max<size_t>(operators.size(), i + 1));
    operators[i] = created;
    return verify(created);
  });
}

/// The provenance back as the `qopt.provenance` module attribute, and each op's precision back on
/// the op (the checker has verified the operator indices).
void Importer::importProvenance(const fb::Provenance &p, ModuleOp module) {
  NamedAttrList attrs;
  auto str = [&](StringRef key, const flatbuffers::String *s) {
    if (s && s->size())
      attrs.set(key, builder.getStringAttr(s->str()));
  };
  str("producer", p.producer());
  str("producer_version", p.producer_version());
  str("pass_pipeline", p.pass_pipeline());
  str("calibration_method", p.calibration_method());
  str("calibration_data_hash", p.calibration_data_hash());
  str("report_json", p.report_json());
  if (p.calibration_samples())
    attrs.set("calibration_samples", builder.getI64IntegerAttr(p.calibration_samples()));
  if (!attrs.empty())
    module->setAttr("qopt.provenance", attrs.getDictionary(ctx));
  if (!p.op_precisions())
    return;
  for (const fb::OpPrecision *op : *p.op_precisions()) {
    Operation *target = op->operator_() < operators.size() ? operators[op->operator_()] : nullptr;
    if (!target)
      continue;
    // A precision the dialect does not know stays text, which the module's verification then
    // rejects naming the operator.
    StringRef text = op->precision() ? op->precision()->string_view() : "";
    if (std::optional<Precision> p = symbolizePrecision(text))
      target->setAttr(kPrecisionAttr, PrecisionAttr::get(ctx, *p));
    else
      target->setAttr(kPrecisionAttr, builder.getStringAttr(text));
    if (op->reason() && op->reason()->size())
      target->setAttr(kPrecisionReasonAttr, builder.getStringAttr(op->reason()->str()));
  }
}

OwningOpRef<ModuleOp> Importer::run(const fb::Model &m) {
  model = &m;
  graph = m.graph();
  values.assign(graph->tensors()->size(), Value());

  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(ctx));
  SmallVector<Type> argTypes, resultTypes;
  for (const fb::TensorMap *in : *graph->inputs()) {
    argTypes.push_back(tensorType(in->tensor()));
    if (!argTypes.back())
      return nullptr;
  }
  for (const fb::TensorMap *outMap : *graph->outputs()) {
    resultTypes.push_back(tensorType(outMap->tensor()));
    if (!resultTypes.back())
      return nullptr;
  }
  std::string name = graph->name() && graph->name()->size() ? graph->name()->str() : "main";
  builder.setInsertionPointToEnd(module->getBody());
  auto func = builder.create<func::FuncOp>(UnknownLoc::get(ctx), name,
                                           builder.getFunctionType(argTypes, resultTypes));
  // Default signature names ("input_0", "output_0") are implied, so IR without names round-trips.
  for (auto [i, in] : llvm::enumerate(*graph->inputs()))
    if (in->name()->str() != "input_" + std::to_string(i))
      func.setArgAttr(i, "qopt.name", builder.getStringAttr(in->name()->str()));
  for (auto [i, outMap] : llvm::enumerate(*graph->outputs()))
    if (outMap->name()->str() != "output_" + std::to_string(i))
      func.setResultAttr(i, "qopt.name", builder.getStringAttr(outMap->name()->str()));

  Block *body = func.addEntryBlock();
  for (auto [i, in] : llvm::enumerate(*graph->inputs()))
    values[in->tensor()] = body->getArgument(i);
  builder.setInsertionPointToEnd(body);
  for (uint32_t i = 0; i < graph->operators()->size(); ++i)
    if (failed(importOperator(i)))
      return nullptr;
  SmallVector<Value> results;
  for (const fb::TensorMap *outMap : *graph->outputs())
    results.push_back(values[outMap->tensor()]);
  builder.create<func::ReturnOp>(UnknownLoc::get(ctx), results);
  if (const fb::Provenance *p = m.provenance())
    importProvenance(*p, *module);
  if (failed(inContext("graph", [&] { return verify(*module); })))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp> mlir::qopt::importFlatBuffer(ArrayRef<uint8_t> bytes, MLIRContext *context,
                                                   StringRef sourceName) {
  context->loadDialect<QOptDialect, func::FuncDialect, quant::QuantizationDialect>();
  // The verifier expects the alignment FlatBuffers wrote with; a caller's buffer may have less.
  std::vector<uint64_t> aligned;
  const uint8_t *data = bytes.data();
  if (reinterpret_cast<uintptr_t>(data) % alignof(uint64_t) != 0) {
    aligned.resize((bytes.size() + 7) / 8);
    std::memcpy(aligned.data(), bytes.data(), bytes.size());
    data = reinterpret_cast<const uint8_t *>(aligned.data());
  }
  std::string problem;
  const fb::Model *model = fb::checkModel(data, bytes.size(), problem);
  if (!model) {
    emitError(FileLineColLoc::get(context, sourceName, 0, 0)) << problem;
    return nullptr;
  }
  return Importer(context, sourceName).run(*model);
}
