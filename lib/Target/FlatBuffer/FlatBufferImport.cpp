#include "qopt/Target/FlatBuffer/FlatBufferImport.h"
#include "OptionsCodec.h"
#include "TypeMapping.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Runtime/ModelCheck.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include <cstring>
#include <type_traits>

using namespace mlir;
using namespace mlir::qopt;

namespace {

using fbopts::OptionsTag;

class Importer {
public:
  Importer(MLIRContext *ctx, StringRef sourceName)
      : ctx(ctx), builder(ctx), fileLoc(FileLineColLoc::get(ctx, sourceName, 0, 0)) {}

  OwningOpRef<ModuleOp> run(const fb::Model &model);
  void importProvenance(const fb::Provenance &p, ModuleOp module);
  ArrayAttr importTensorStats(const fb::Provenance &p);
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
  LogicalResult importOperator(uint32_t i);
  template <typename OpT, fb::OpOptions K>
  Operation *create(const fb::Operator &op, Location loc, RankedTensorType type, uint32_t out);

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
      // The model checker bounds count * eltBytes (1 GiB); one allocation, filled in place.
      full.resize(count * eltBytes);
      for (int64_t i = 0; i < count; ++i)
        std::memcpy(full.data() + i * eltBytes, data.data(), eltBytes);
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

/// Builds one operator as `OpT`; a model without options leaves the op's ODS defaults in place.
template <typename OpT, fb::OpOptions K>
Operation *Importer::create(const fb::Operator &op, Location loc, RankedTensorType type,
                            uint32_t out) {
  if constexpr (std::is_same_v<OpT, ConstantOp>) {
    const fb::Tensor *t = graph->tensors()->Get(out);
    auto storage = fbtypes::fromDType(ctx, t->dtype());
    auto valueType = RankedTensorType::get(type.getShape(), storage);
    return builder.create<ConstantOp>(loc, type, constantValue(*t, valueType));
  } else {
    SmallVector<Value> operands;
    for (int32_t in : *op.inputs())
      if (in >= 0)
        operands.push_back(values[in]);
    auto created = builder.create<OpT>(loc, TypeRange{type}, ValueRange(operands));
    // By its type, not by the pointer: the verifier checks a union's table only for the type the
    // file declares, so with type NONE a present options field is unverified bytes.
    if (op.options_type() == K && op.options())
      fbopts::readOptions(created, builder, op, OptionsTag<K>());
    return created;
  }
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
    Operation *created = nullptr;
    switch (op->opcode()) {
#define QOPT_OP(Class, OPCODE, MinIn, MaxIn, OptionalIn, OPTIONS, Rule, Results, Data, Kind,      \
                Kernel)                                                                            \
  case fb::OpCode::OPCODE:                                                                         \
    static_assert(Results == 1, "the importer builds single-result operators");                    \
    created = create<Class, fb::OpOptions::OPTIONS>(*op, loc, type, out);                          \
    break;
#include "qopt/Runtime/OpTable.def"
    }
    if (!created) // unreachable: the checker rejects opcodes the table does not list
      return emitError(loc) << "unknown opcode";
    values[out] = created->getResult(0);
    operators.resize(std::max<size_t>(operators.size(), i + 1));
    operators[i] = created;
    return verify(created);
  });
}

/// TensorStats back as CalibrationStats.h records (the checker has verified that the counts fit
/// their bins and that the negative part and the zeros fit the whole, so the subtraction that
/// gives the positive part cannot wrap). The input's record gets what the data was, as
/// calibration recorded it there.
ArrayAttr Importer::importTensorStats(const fb::Provenance &p) {
  SmallVector<Attribute> records;
  auto counts = [&](std::vector<int64_t> values) {
    while (!values.empty() && values.back() == 0)
      values.pop_back();
    auto type = RankedTensorType::get({(int64_t)values.size()}, builder.getI64Type());
    return DenseIntElementsAttr::get(type, values);
  };
  for (const fb::TensorStats *t : *p.tensor_stats()) {
    size_t bins = t->bins();
    std::vector<int64_t> negative(bins, 0), positive(bins, 0);
    if (const auto *n = t->negative_histogram())
      for (size_t b = 0; b < n->size() && b < bins; ++b)
        negative[b] = n->Get(b);
    if (const auto *h = t->histogram())
      for (size_t b = 0; b < h->size() && b < bins; ++b)
        positive[b] = (int64_t)h->Get(b) - negative[b] - (b == 0 ? (int64_t)t->zeros() : 0);
    NamedAttrList r;
    r.set("index", builder.getI64IntegerAttr(t->layer_index()));
    r.set("name", builder.getStringAttr(t->name() ? t->name()->str() : ""));
    r.set("min", builder.getF32FloatAttr(t->min()));
    r.set("max", builder.getF32FloatAttr(t->max()));
    r.set("limit", builder.getF32FloatAttr(t->hist_max()));
    r.set("bins", builder.getI64IntegerAttr((int64_t)bins));
    r.set("zeros", builder.getI64IntegerAttr((int64_t)t->zeros()));
    r.set("negative", counts(std::move(negative)));
    r.set("positive", counts(std::move(positive)));
    if (t->layer_index() == -1) {
      r.set("samples", builder.getI64IntegerAttr((int64_t)p.calibration_samples()));
      r.set("data_hash", builder.getStringAttr(p.calibration_data_hash()
                                                   ? p.calibration_data_hash()->str()
                                                   : ""));
    }
    records.push_back(r.getDictionary(ctx));
  }
  return builder.getArrayAttr(records);
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
  if (p.tensor_stats() && p.tensor_stats()->size())
    attrs.set("tensor_stats", importTensorStats(p));
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
