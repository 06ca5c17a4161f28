#include "qopt/Target/FlatBuffer/FlatBufferExport.h"
#include "qopt/Target/FlatBuffer/NativeSection.h"
#include "OptionsCodec.h"
#include "TypeMapping.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Runtime/ModelCheck.h"
#include "qopt/Runtime/ModelDigest.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include <limits>
#include <map>
#include <type_traits>

using namespace mlir;
using namespace mlir::qopt;

namespace {

using fbopts::OptionsTag;

/// The name the user knows an op by: its NameLoc (the ONNX node name, or one written in MLIR).
std::string nameOf(Location loc) {
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  return {};
}

/// How the op table stores one op.
struct OpRow {
  fb::OpCode code;
  int optionalInput; // the position written as -1 when the optional operand is absent
};

class Exporter {
public:
  FailureOr<std::string> run(ModuleOp module, const std::vector<NativeSection> *sections);

private:
  FailureOr<int32_t> addTensor(Value v, std::string name);
  FailureOr<uint32_t> addBuffer(ElementsAttr value, Location loc);
  LogicalResult addOperator(Operation *op);
  std::vector<std::unique_ptr<fb::TensorStatsT>> exportTensorStats(ArrayAttr records);
  template <typename OpT, fb::OpOptions K>
  LogicalResult addOperator(OpT op, const OpRow &row, OptionsTag<K> options);

  fb::ModelT model;
  std::vector<std::unique_ptr<fb::OpPrecisionT>> precisions;
  fb::GraphT *graph = nullptr;
  DenseMap<Value, int32_t> tensorIds;
};

FailureOr<int32_t> Exporter::addTensor(Value v, std::string name) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  Location loc = v.getDefiningOp() ? v.getDefiningOp()->getLoc() : v.getLoc();
  if (!type)
    return emitError(loc) << "only ranked tensors can be stored in a qopt model, got "
                          << v.getType();
  auto tensor = std::make_unique<fb::TensorT>();
  tensor->name = std::move(name);
  for (int64_t d : type.getShape())
    tensor->shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
  if (failed(fbtypes::describeElementType(type.getElementType(), loc, *tensor)))
    return failure();
  int32_t id = graph->tensors.size();
  graph->tensors.push_back(std::move(tensor));
  tensorIds[v] = id;
  return id;
}

FailureOr<uint32_t> Exporter::addBuffer(ElementsAttr value, Location loc) {
  auto buffer = std::make_unique<fb::BufferT>();
  ShapedType type = value.getShapedType();
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (type.getElementType().isInteger(1)) {
      // MLIR packs booleans as bits; the model stores one byte per element.
      for (bool b : dense.getValues<bool>()) {
        buffer->data.push_back(b);
        if (dense.isSplat())
          break;
      }
    } else {
      // A splat's raw data is its single element, which the schema reads as a splat too.
      ArrayRef<char> raw = dense.getRawData();
      buffer->data.assign(raw.begin(), raw.end());
    }
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return emitError(loc) << "dense_resource '" << resource.getRawHandle().getKey()
                            << "' has no data (elided or missing from the file)";
    ArrayRef<char> raw = blob->getData();
    size_t expected = type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
    if (raw.size() != expected)
      return emitError(loc) << "dense_resource '" << resource.getRawHandle().getKey() << "' holds "
                            << raw.size() << " bytes but " << type << " needs " << expected;
    buffer->data.assign(raw.begin(), raw.end());
    buffer->resource_key = resource.getRawHandle().getKey().str();
  } else {
    return emitError(loc) << "constant kind " << value << " cannot be stored; use dense or "
                          << "dense_resource";
  }
  uint32_t id = model.buffers.size();
  model.buffers.push_back(std::move(buffer));
  return id;
}

LogicalResult Exporter::addOperator(Operation *op) {
#define QOPT_OP(Class, OPCODE, MinIn, MaxIn, OptionalIn, OPTIONS, Rule, Results, Data, Kind,      \
                Kernel)                                                                            \
  static_assert(Results == 1, "the exporter writes single-result operators");                      \
  if (auto o = dyn_cast<Class>(op))                                                                \
    return addOperator(o, OpRow{fb::OpCode::OPCODE, OptionalIn},                                   \
                       OptionsTag<fb::OpOptions::OPTIONS>());
#include "qopt/Runtime/OpTable.def"
  return op->emitError("'") << op->getName() << "' cannot be stored in a qopt model "
                            << "(only qopt ops can)";
}

template <typename OpT, fb::OpOptions K>
LogicalResult Exporter::addOperator(OpT typed, const OpRow &row, OptionsTag<K> options) {
  Operation *op = typed;
  if (op->getNumResults() != 1)
    return op->emitError("expected one result");
  auto fop = std::make_unique<fb::OperatorT>();
  fop->opcode = row.code;
  fop->name = nameOf(op->getLoc());
  for (Value v : op->getOperands())
    fop->inputs.push_back(tensorIds.lookup(v));
  // Optional operands (the bias) are spelled -1 when absent, so the position of every operand is
  // fixed by the opcode.
  if (row.optionalInput >= 0 && op->getNumOperands() == static_cast<unsigned>(row.optionalInput))
    fop->inputs.push_back(-1);
  auto tensor = addTensor(op->getResult(0), fop->name);
  if (failed(tensor))
    return failure();
  fop->outputs.push_back(*tensor);
  if constexpr (std::is_same_v<OpT, ConstantOp>) {
    auto buffer = addBuffer(typed.getValue(), op->getLoc());
    if (failed(buffer))
      return failure();
    graph->tensors[*tensor]->buffer = *buffer;
  }
  fbopts::writeOptions(typed, options, fop->options);
  // A precision decision travels in the provenance, keyed by the operator's index.
  if (auto precision = op->getAttrOfType<PrecisionAttr>(kPrecisionAttr)) {
    auto p = std::make_unique<fb::OpPrecisionT>();
    p->operator_ = graph->operators.size();
    p->precision = stringifyPrecision(precision.getValue()).str();
    if (auto reason = op->getAttrOfType<StringAttr>(kPrecisionReasonAttr))
      p->reason = reason.str();
    if (auto error = op->getAttrOfType<DictionaryAttr>("qopt.error")) {
      if (auto s = error.getAs<FloatAttr>("sqnr_db"))
        p->sqnr_db = s.getValueAsDouble();
      if (auto m = error.getAs<FloatAttr>("max_abs_error"))
        p->max_abs_error = m.getValueAsDouble();
    }
    precisions.push_back(std::move(p));
  }
  graph->operators.push_back(std::move(fop));
  return success();
}

std::string ioName(func::FuncOp func, bool input, unsigned i) {
  auto attr = input ? func.getArgAttrOfType<StringAttr>(i, "qopt.name")
                    : func.getResultAttrOfType<StringAttr>(i, "qopt.name");
  if (attr)
    return attr.str();
  return (input ? "input_" : "output_") + std::to_string(i);
}

/// Counts as the schema stores them: trailing empty bins left out; false when one does not fit
/// 32 bits.
bool toCounts(const std::vector<uint64_t> &bins, std::vector<uint32_t> &out) {
  size_t used = bins.size();
  while (used > 0 && bins[used - 1] == 0)
    --used;
  out.clear();
  for (size_t k = 0; k < used; ++k) {
    if (bins[k] > std::numeric_limits<uint32_t>::max())
      return false;
    out.push_back((uint32_t)bins[k]);
  }
  return true;
}

std::vector<uint64_t> countsOf(DictionaryAttr record, StringRef key, size_t bins) {
  std::vector<uint64_t> out(bins, 0);
  if (auto a = record.getAs<DenseIntElementsAttr>(key)) {
    size_t k = 0;
    for (const APInt &v : a.getValues<APInt>())
      if (k < bins)
        out[k++] = v.getZExtValue();
  }
  return out;
}

/// The calibration statistics (CalibrationStats.h records) as TensorStats. All or none: a count
/// beyond 32 bits (over 4e9 values of one tensor in one bin) leaves the list out, since a partial
/// list would calibrate some layers and silently not others.
std::vector<std::unique_ptr<fb::TensorStatsT>> Exporter::exportTensorStats(ArrayAttr records) {
  std::vector<std::unique_ptr<fb::TensorStatsT>> out;
  // The compiled tensor that carries a layer's name: the last op of that name, which is what the
  // layers after it read.
  std::map<std::string, uint32_t> byName;
  for (const auto &op : graph->operators)
    if (!op->name.empty() && !op->outputs.empty())
      byName[op->name] = op->outputs[0];
  for (Attribute a : records) {
    auto record = dyn_cast<DictionaryAttr>(a);
    if (!record)
      return {};
    auto t = std::make_unique<fb::TensorStatsT>();
    auto f32 = [&](StringRef key) {
      auto v = record.getAs<FloatAttr>(key);
      return v ? (float)v.getValueAsDouble() : 0.0f;
    };
    auto i64 = [&](StringRef key) {
      auto v = record.getAs<IntegerAttr>(key);
      return v ? v.getInt() : 0;
    };
    auto name = record.getAs<StringAttr>("name");
    t->name = name ? name.str() : "";
    t->layer_index = (int32_t)i64("index");
    t->min = f32("min");
    t->max = f32("max");
    t->hist_min = 0;
    t->hist_max = f32("limit");
    int64_t bins = i64("bins");
    if (bins < 0 || bins > (1 << 20))
      return {};
    t->bins = (uint32_t)bins;
    t->zeros = (uint64_t)i64("zeros");
    std::vector<uint64_t> negative = countsOf(record, "negative", bins);
    std::vector<uint64_t> folded = countsOf(record, "positive", bins);
    for (size_t k = 0; k < folded.size(); ++k)
      folded[k] += negative[k];
    if (!folded.empty())
      folded[0] += t->zeros;
    if (!toCounts(folded, t->histogram) || !toCounts(negative, t->negative_histogram))
      return {};
    if (t->layer_index == -1 && !graph->inputs.empty())
      t->tensor = graph->inputs[0]->tensor;
    else if (auto it = byName.find(t->name); it != byName.end())
      t->tensor = it->second;
    out.push_back(std::move(t));
  }
  return out;
}

FailureOr<std::string> Exporter::run(ModuleOp module, const std::vector<NativeSection> *sections) {
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  if (funcs.size() != 1)
    return module.emitError("expected exactly one func.func to export, found ") << funcs.size();
  func::FuncOp func = funcs.front();
  if (!func.getBody().hasOneBlock())
    return func.emitError("expected a function with one block");

  model.version = fb::kSchemaVersion;
  model.buffers.push_back(std::make_unique<fb::BufferT>()); // buffer 0: the empty sentinel
  model.graph = std::make_unique<fb::GraphT>();
  graph = model.graph.get();
  graph->name = func.getSymName().str();

  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    std::string name = ioName(func, true, i);
    auto id = addTensor(arg, name);
    if (failed(id))
      return failure();
    auto m = std::make_unique<fb::TensorMapT>();
    m->name = name;
    m->tensor = *id;
    graph->inputs.push_back(std::move(m));
  }
  for (Operation &op : func.getBody().front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        auto m = std::make_unique<fb::TensorMapT>();
        m->name = ioName(func, false, i);
        m->tensor = tensorIds.lookup(v);
        graph->outputs.push_back(std::move(m));
      }
      continue;
    }
    if (failed(addOperator(&op)))
      return failure();
  }

  // Provenance: what qopt-compile recorded on the module (producer, pipeline, calibration, the
  // report), plus each op's precision.
  auto provenance = module->getAttrOfType<DictionaryAttr>("qopt.provenance");
  if (provenance || !precisions.empty()) {
    auto p = std::make_unique<fb::ProvenanceT>();
    auto str = [&](StringRef key) {
      auto a = provenance ? provenance.getAs<StringAttr>(key) : StringAttr();
      return a ? a.str() : std::string();
    };
    p->producer = str("producer");
    p->producer_version = str("producer_version");
    p->pass_pipeline = str("pass_pipeline");
    p->calibration_method = str("calibration_method");
    p->calibration_data_hash = str("calibration_data_hash");
    p->report_json = str("report_json");
    if (auto n = provenance ? provenance.getAs<IntegerAttr>("calibration_samples") : IntegerAttr())
      p->calibration_samples = n.getInt();
    p->op_precisions = std::move(precisions);
    if (auto stats = provenance ? provenance.getAs<ArrayAttr>("tensor_stats") : ArrayAttr())
      p->tensor_stats = exportTensorStats(stats);
    model.provenance = std::move(p);
  }

  if (sections)
    addNativeSections(model, *sections);
  // Serialised with the placeholder, then sealed in place (qopt/Runtime/ModelDigest.h).
  model.sha256 = fb::modelDigestPlaceholder();
  flatbuffers::FlatBufferBuilder builder(fb::packSizeHint(model));
  fb::FinishModelBuffer(builder, fb::Model::Pack(builder, &model));
  std::string bytes(reinterpret_cast<const char *>(builder.GetBufferPointer()), builder.GetSize());
  if (!fb::sealModel(bytes))
    return module.emitError("internal error: cannot seal the model checksum");
  return bytes;
}

} // namespace

FailureOr<std::string> mlir::qopt::exportFlatBuffer(ModuleOp module) {
  return Exporter().run(module, nullptr);
}

FailureOr<std::string> mlir::qopt::exportFlatBuffer(ModuleOp module,
                                                    const std::vector<NativeSection> &sections) {
  return Exporter().run(module, &sections);
}
