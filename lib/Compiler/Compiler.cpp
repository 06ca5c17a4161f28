#include "qopt/Compiler/Compiler.h"

#include "MeasureCost.h"
#include "Report.h"

#include "qopt/Compiler/NativeCompile.h"
#include "qopt/Dialect/QOpt/Transforms/CalibrationStats.h"
#include "qopt/Dialect/QOpt/Transforms/Precision.h"
#include "qopt/Evaluation/Evaluate.h"
#include "qopt/Target/FlatBuffer/FlatBufferImport.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::qopt;

namespace {

class Compiler {
public:
  Compiler(ModuleOp module, const CompileOptions &options, StringRef path, CompileReport &report)
      : module(module), options(options), o(options.pipeline), path(path.str()),
        report(report) {}

  LogicalResult run();

private:
  ModuleOp module;
  const CompileOptions &options;
  const QuantizePipelineOptions &o;
  std::string path;
  CompileReport &report;
  func::FuncOp func;
  /// The printed pipeline of every recorded stage, for the provenance.
  std::string pipeline;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void progress(const Twine &msg) {
    if (!options.progress)
      return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    options.progress(llvm::formatv("[{0,6:f1} s] ", s).str() + msg.str());
  }

  enum class Record { No, Yes };

  /// Runs one stage of the quantize pipeline on the function; a stage that adds no passes is
  /// skipped. Recorded stages make up the provenance's pass pipeline text. The raise stage is not
  /// recorded: model loading ran it before the provenance began to be written, and recording it
  /// now would change the text of every compiled model.
  LogicalResult runStage(function_ref<void(OpPassManager &)> build, Record record,
                         function_ref<std::string()> what) {
    PassManager pm(module.getContext());
    OpPassManager &funcPm = pm.nest<func::FuncOp>();
    build(funcPm);
    if (funcPm.size() == 0)
      return success();
    if (what)
      progress(what());
    if (record == Record::Yes) {
      std::string text;
      llvm::raw_string_ostream os(text);
      pm.printAsTextualPipeline(os);
      pipeline += (pipeline.empty() ? "" : ",") + withFileNames(text);
    }
    return pm.run(module);
  }

  /// `pipelineText` with each data file option (data=, eval-data=, eval-labels=) naming the file
  /// alone: the provenance must not depend on where the data lay, and its hash identifies it.
  std::string withFileNames(StringRef pipelineText) const {
    std::string text = pipelineText.str();
    for (const std::string *path : {&o.data.getValue(), &o.evalData.getValue(),
                                    &o.evalLabels.getValue()}) {
      std::string name = llvm::sys::path::filename(*path).str();
      if (path->empty() || name == *path)
        continue;
      for (size_t at = 0; (at = text.find("=" + *path, at)) != std::string::npos;
           at += name.size() + 1)
        text.replace(at, path->size() + 1, "=" + name);
    }
    return text;
  }

  LogicalResult checkOptions();
  LogicalResult attachStoredStats();
  /// What calibration measured, for the compiled model's provenance.
  ArrayAttr tensorStats;
  FailureOr<Measurement> measure(func::FuncOp reference, std::optional<eval::Dataset> &data,
                                 std::optional<eval::Dataset> &calib);
  FailureOr<std::unique_ptr<engine::Engine>> nativeEngineFor(func::FuncOp f, std::string &why);
  LogicalResult measureNatively(func::FuncOp reference, const eval::Dataset &data,
                                const eval::Dataset *calib, Measurement &m, std::string &why);

  /// What native engines need to outlive them: the graphs they were built from and their bytes.
  std::vector<OwningOpRef<ModuleOp>> nativeModules;
  std::vector<std::unique_ptr<std::vector<uint8_t>>> nativeBytes;
};

LogicalResult Compiler::checkOptions() {
  auto fail = [&](const Twine &msg) { return module.emitError(msg); };
  // The option values themselves are enums, checked where the tool parses its flags.
  std::string precision = stringifyPrecisionMode(o.precision).str();
  bool dynamic = o.quantization == QuantizationMode::Dynamic;
  if (dynamic && o.precision != PrecisionMode::int8)
    return fail("--quantization=dynamic applies to --precision=int8 only");
  double budget = o.budget;
  if (!(budget >= 0) || !std::isfinite(budget))
    return fail(llvm::formatv("--accuracy-budget must be a number of top-1 points >= 0, got {0}",
                              budget)
                    .str());
  double confidence = o.budgetConfidence;
  if (confidence != 0 && !(confidence > 0 && confidence < 1))
    return fail(llvm::formatv("--budget-confidence must be a level in (0, 1), e.g. 0.95, got {0}",
                              confidence)
                    .str());
  if (confidence != 0 && o.precision != PrecisionMode::mixed)
    return fail("--budget-confidence applies to --precision=mixed only (the budget it checks)");
  bool needsCalibration = (o.precision == PrecisionMode::int8 && !dynamic) ||
                          o.precision == PrecisionMode::fp16 || o.precision == PrecisionMode::mixed;
  bool stats = !options.calibrationStats.empty();
  if (stats && !o.data.empty())
    return fail("give --calibration-data or --calibration-stats, not both: the statistics "
                "replace the data");
  if (needsCalibration && o.data.empty() && !stats)
    return fail("--precision=" + precision +
                " needs --calibration-data FILE.npy (sample inputs to measure ranges on)" +
                (o.precision == PrecisionMode::int8 ? "; --quantization=dynamic needs none" : "") +
                "; or --calibration-stats COMPILED.fb to reuse the statistics a compiled model "
                "records");
  if (stats && o.precision == PrecisionMode::mixed && o.evalData.empty())
    return fail("--precision=mixed with --calibration-stats measures the candidates on "
                "--eval-data X.npy (there is no calibration data to measure on): give it");
  if (o.biasCorrection && o.data.empty())
    return fail("--bias-correction measures input means and needs --calibration-data FILE.npy");
  if (!o.evalLabels.empty() && o.evalData.empty())
    return fail("--eval-labels needs --eval-data");
  return success();
}

LogicalResult Compiler::run() {
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  if (funcs.size() != 1)
    return module.emitError("expected one function in the model, found ") << funcs.size();
  func = funcs.front();
  if (failed(checkOptions()))
    return failure();

  if (failed(runStage(buildRaiseStage, Record::No, nullptr)))
    return failure();
  if (failed(runStage([&](OpPassManager &pm) { buildPrepareStage(pm, o); }, Record::Yes,
                      [] { return std::string("folding batch norms and fusing bias and "
                                              "activations"); })))
    return failure();
  int64_t refBytes = modelBytes(func);
  bool stats = !options.calibrationStats.empty();
  if (stats && failed(attachStoredStats()))
    return failure();
  if (failed(runStage(
          [&](OpPassManager &pm) {
            buildCalibrateStage(pm, o, /*recordStats=*/true, /*haveStats=*/stats);
          },
          Record::Yes, [&] {
            return "calibrating (" + o.method + ") on " +
                   (stats ? "the statistics recorded in " + options.calibrationStats : o.data.getValue());
          })))
    return failure();
  // Off the function, so that the IR is what the quantize pipeline gives; into the provenance.
  tensorStats = takeCalibrationStats(func);
  OwningOpRef<func::FuncOp> reference = func.clone();
  CostMeasurement cost; // on the function for the search, which consumes it (MeasureCost.h)
  if (failed(measureCostModel(func, options, cost, [&](const std::string &s) { progress(s); })))
    return failure();
  if (failed(runStage([&](OpPassManager &pm) { buildLowerPrecisionStage(pm, o); }, Record::Yes,
                      [&] {
                        return "assigning precision (" +
                               stringifyPrecisionMode(o.precision).str() +
                               (o.precision == PrecisionMode::mixed
                                    ? llvm::formatv(", budget {0} points", o.budget.getValue())
                                          .str()
                                    : std::string()) +
                               ") and quantizing";
                      })))
    return failure();

  std::vector<LayerCost> costs = readLayerCosts(func);

  std::optional<eval::Dataset> data, calib;
  FailureOr<Measurement> m = measure(*reference, data, calib);
  if (failed(m))
    return failure();
  ReportInput input{o, path, *reference, func, refBytes, *m, options.calibrationStats};
  writeReport(input, report);
  if (options.recordReport) {
    recordReport(module, input, report, pipeline);
    if (options.keepStats && tensorStats && !tensorStats.empty()) {
      NamedAttrList prov(module->getAttrOfType<DictionaryAttr>("qopt.provenance"));
      prov.set("tensor_stats", tensorStats);
      module->setAttr("qopt.provenance", prov.getDictionary(module.getContext()));
    }
  }
  addMeasuredPerformance(*m, report); // after recordReport: the artifact's copy has no timings
  addCostModel(costs, cost, report);   // likewise
  return success();
}

/// CalibrationStats.h records (integers, f32, strings, i64 count tensors) rebuilt in `ctx`.
ArrayAttr copyRecords(ArrayAttr records, MLIRContext *ctx) {
  Builder b(ctx);
  SmallVector<Attribute> out;
  for (Attribute r : records) {
    NamedAttrList copy;
    for (NamedAttribute a : cast<DictionaryAttr>(r)) {
      Attribute v = a.getValue(), c;
      if (auto i = dyn_cast<IntegerAttr>(v))
        c = b.getI64IntegerAttr(i.getInt());
      else if (auto f = dyn_cast<FloatAttr>(v))
        c = b.getF32FloatAttr((float)f.getValueAsDouble());
      else if (auto str = dyn_cast<StringAttr>(v))
        c = b.getStringAttr(str.getValue());
      else if (auto d = dyn_cast<DenseIntElementsAttr>(v)) {
        SmallVector<int64_t> counts(d.getValues<int64_t>());
        c = DenseIntElementsAttr::get(
            RankedTensorType::get({(int64_t)counts.size()}, b.getI64Type()), counts);
      }
      if (c)
        copy.set(a.getName().strref(), c);
    }
    out.push_back(copy.getDictionary(ctx));
  }
  return b.getArrayAttr(out);
}

/// The statistics a compiled model recorded, on the prepared fp32 function, for the calibrate
/// stage to compute ranges from.
LogicalResult Compiler::attachStoredStats() {
  const std::string &file = options.calibrationStats;
  auto fail = [&](const Twine &msg) { return module.emitError("--calibration-stats " + file + ": " + msg); };
  auto buffer = llvm::MemoryBuffer::getFile(file);
  if (!buffer)
    return fail("cannot read: " + buffer.getError().message());
  // Imported in a context of its own: its weights' resource names would otherwise be taken, and
  // this model's renamed (net.1.weight.q_1), which changes the IR.
  MLIRContext scratch;
  OwningOpRef<ModuleOp> stored;
  {
    StringRef bytes = (*buffer)->getBuffer();
    stored = importFlatBuffer(ArrayRef<uint8_t>((const uint8_t *)bytes.data(), bytes.size()),
                              &scratch, file);
  }
  if (!stored)
    return fail("cannot be read as a qopt model");
  auto prov = (*stored)->getAttrOfType<DictionaryAttr>("qopt.provenance");
  auto storedRecords = prov ? prov.getAs<ArrayAttr>("tensor_stats") : ArrayAttr();
  ArrayAttr records = storedRecords ? copyRecords(storedRecords, module.getContext()) : ArrayAttr();
  if (!records || records.empty())
    return fail("the model records no calibration statistics (it was compiled without "
                "calibration data, or by a qopt that did not record them); give "
                "--calibration-data FILE.npy");
  std::string error;
  if (failed(attachCalibrationStats(func, records, error)))
    return fail("the statistics do not fit this model: " + error);
  return success();
}

/// Measures on the evaluation data, else on the calibration data; `data` and `calib` keep the
/// samples the measurement points at.
FailureOr<Measurement> Compiler::measure(func::FuncOp reference,
                                         std::optional<eval::Dataset> &data,
                                         std::optional<eval::Dataset> &calib) {
  std::string error;
  if (!o.data.empty()) {
    auto c = eval::loadDataset(reference, o.data, o.batchSize, "calibration data", error);
    if (failed(c))
      return module.emitError(error);
    calib = std::move(*c);
  }
  if (!o.evalData.empty()) {
    auto e = eval::loadDataset(reference, o.evalData, o.batchSize, "evaluation data", error);
    if (failed(e) || (!o.evalLabels.empty() && failed(eval::loadLabels(*e, o.evalLabels, error))))
      return module.emitError(error);
    data = std::move(*e);
  } else {
    data = calib;
  }
  Measurement m;
  if (!data)
    return m;
  m.data = &*data;
  if (calib) {
    progress("measuring each layer's local error on the calibration data");
    SmallVector<Operation *> layers;
    reference->walk([&](Operation *op) {
      if (isPrecisionTarget(op))
        layers.push_back(op);
    });
    std::map<std::string, Precision> assigned;
    func.walk([&](Operation *op) {
      if (auto p = op->getAttrOfType<PrecisionAttr>(kPrecisionAttr))
        assigned[locationName(op)] = p.getValue();
    });
    QuantizeOptions q;
    q.signedActivations = o.activations == ActivationStorage::i8;
    q.dynamic = o.quantization == QuantizationMode::Dynamic;
    // One candidate per lowered layer, with only that layer lowered: its local error, free of
    // what the layers before it did. Measured together, each candidate replaying the fp32 run
    // up to its layer, so the cost is about one run of the model, not two per layer.
    std::vector<OwningOpRef<func::FuncOp>> copies;
    std::vector<eval::LocalCandidate> candidates;
    for (size_t i = 0; i < layers.size(); ++i) {
      Operation *layer = layers[i];
      auto found = assigned.find(locationName(layer));
      if (found == assigned.end() || found->second == Precision::f32)
        continue;
      std::vector<Precision> alone(layers.size(), Precision::f32);
      alone[i] = found->second;
      auto copy = buildPrecisionCandidate(reference, alone, q);
      if (failed(copy))
        return failure();
      candidates.push_back({locationName(layer), **copy});
      copies.push_back(std::move(*copy));
    }
    auto local = eval::localErrors(reference, candidates, *calib, error);
    if (failed(local))
      return module.emitError("measuring each layer's local error: ") << error;
    for (const auto &[name, l] : *local)
      m.localSqnrDb[name] = l.sqnrDb();
  }
  using EvalEngine = CompileOptions::EvalEngine;
  if (options.evalEngine == EvalEngine::native ||
      (options.evalEngine == EvalEngine::automatic && data->samples >= kNativeEvalMinSamples)) {
    std::string why;
    if (succeeded(measureNatively(reference, *data, calib ? &*calib : nullptr, m, why)))
      return m;
    if (options.evalEngine == EvalEngine::native)
      return module.emitError("native evaluation: ") << why;
    progress("no native evaluation (" + why + "): measuring on the reference executor");
  }
  progress(llvm::formatv("comparing with fp32 on {0} ({1} samples)", data->path, data->samples)
               .str());
  auto c = eval::compare(reference, func, *data, error, [&](int64_t done, int64_t total) {
    if (done == total || (done / o.batchSize) % 40 == 0)
      progress(llvm::formatv("  {0} / {1} samples", done, total).str());
  });
  if (failed(c))
    return module.emitError("running the compiled model: ") << error;
  m.comparison = std::move(*c);
  return m;
}

/// Native code for this CPU of one function, as an engine. Diagnostics of the attempt are kept
/// in `why` instead of printed: the caller falls back to the reference executor.
FailureOr<std::unique_ptr<engine::Engine>> Compiler::nativeEngineFor(func::FuncOp f,
                                                                      std::string &why) {
  OwningOpRef<ModuleOp> holder = ModuleOp::create(module.getLoc());
  holder->push_back(f.clone());
  std::string diagnostics;
  FailureOr<std::string> out = failure();
  FailureOr<std::vector<NativeSection>> sections = failure();
  {
    ScopedDiagnosticHandler capture(module.getContext(), [&](Diagnostic &d) {
      diagnostics += (diagnostics.empty() ? "" : "; ") + d.str();
      return success();
    });
    sections = compileNativeCode(*holder, "host", {});
    if (succeeded(sections))
      out = attachNativeSections(*holder, *sections);
  }
  if (failed(out)) {
    why = diagnostics;
    return failure();
  }
  if (f == func && sections->size() == 1) {
    report.hostCode = *sections;
    report.hostTarget = sections->front().target;
  }
  auto bytes = std::make_unique<std::vector<uint8_t>>(out->begin(), out->end());
  func::FuncOp inHolder = *holder->getOps<func::FuncOp>().begin();
  auto engine = engine::createNativeEngine(inHolder, *bytes, engine::NativeEngineOptions(), why);
  if (failed(engine))
    return failure();
  nativeModules.push_back(std::move(holder));
  nativeBytes.push_back(std::move(bytes));
  return engine;
}

/// The model-level comparison on native code for both the fp32 and the compiled function (so
/// 10,000 samples take a second, not minutes), and the per-layer errors on the reference
/// executor over the calibration data (or the evaluation data when there is none).
LogicalResult Compiler::measureNatively(func::FuncOp reference, const eval::Dataset &data,
                                        const eval::Dataset *calib, Measurement &m,
                                        std::string &why) {
  progress("compiling the fp32 and the compiled model for this CPU to measure them natively");
  auto refEngine = nativeEngineFor(reference, why);
  if (failed(refEngine))
    return failure();
  auto candEngine = nativeEngineFor(func, why);
  if (failed(candEngine))
    return failure();
  std::string error;
  progress(llvm::formatv("comparing with fp32 on {0} ({1} samples) on {2}", data.path,
                         data.samples, (*candEngine)->description())
               .str());
  auto outputs = eval::compareOutputs(**refEngine, **candEngine, data, error);
  if (failed(outputs)) {
    why = error;
    return failure();
  }
  // Each layer's native time on the first batch, for the report's roofline and latency frontier.
  if (!data.batches.empty() && !data.batches.front().shape.empty()) {
    std::string perr;
    auto steps = (*candEngine)->profileSteps(data.batches.front(), 10, perr);
    if (succeeded(steps)) {
      m.steps = std::move(*steps);
      m.profileBatch = data.batches.front().shape[0];
    } else {
      progress("no per-layer native timing: " + perr);
    }
  }
  const eval::Dataset &layerData = calib ? *calib : data;
  progress(llvm::formatv("per-layer errors on the reference executor over {0} ({1} samples)",
                         layerData.path, layerData.samples)
               .str());
  auto layers = eval::compare(reference, func, layerData, error);
  if (failed(layers)) {
    why = error;
    return failure();
  }
  m.comparison = std::move(*outputs);
  m.comparison.layers = std::move(layers->layers);
  // "native code (avx512bf16)": the report is part of the artifact, which must not depend on how
  // many threads measured it.
  StringRef description = (*candEngine)->description();
  m.engine = description.split(',').first.str();
  if (m.engine.size() < description.size())
    m.engine += ")";
  m.layerData = &layerData;
  return success();
}

} // namespace

LogicalResult mlir::qopt::compileModule(ModuleOp module, const CompileOptions &options,
                                        StringRef modelPath, CompileReport &report) {
  return Compiler(module, options, modelPath, report).run();
}
