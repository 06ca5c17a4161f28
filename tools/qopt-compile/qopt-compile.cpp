// qopt-compile: a trained fp32 model in, a smaller model out, with the error it costs measured.
//
//   qopt-compile model.onnx --precision=int8 --calibration-data calib.npy \
//       --eval-data test_x.npy --eval-labels test_y.npy --report report.json -o model.fb
//
// The passes are qopt-quantize-pipeline's stages (Pipelines.h), run one by one; --emit=mlir writes
// the IR they produce, the same as `qopt-opt --qopt-quantize-pipeline` with the same options.
//
// Then the backend lowers the graph for each --target and the model file gets the graph (which
// `qopt-run --reference` executes with exact integer semantics, and from which the code can be
// rebuilt for another target) plus native code for every target.
#include "qopt/Support/ToolMemory.h"
#include "qopt/Compiler/Compiler.h"
#include "qopt/Compiler/HtmlReport.h"
#include "qopt/Compiler/NativeCompile.h"
#include "qopt/InitAll.h"
#include "qopt/Support/ToolVersion.h"
#include "qopt/Target/ModelIO.h"

#include "qopt/Dialect/QOpt/IR/QOptOps.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::qopt;
namespace cl = llvm::cl;

namespace {
enum class Emit { Model, Graph, MLIR };
} // namespace

/// Writes `bytes` to `path` (or stdout for "-") only when all of it was written.
static bool writeBytes(StringRef path, StringRef bytes) {
  if (path == "-") {
    llvm::outs() << bytes;
    return true;
  }
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    llvm::errs() << path << ": error: cannot write: " << ec.message() << "\n";
    return false;
  }
  out.os() << bytes;
  out.os().flush();
  if (out.os().has_error()) {
    llvm::errs() << path << ": error: write failed\n";
    out.os().clear_error();
    return false;
  }
  out.keep();
  return true;
}

/// True when the graph is already compiled: quantized, in 16-bit floats, or with recorded
/// per-layer precisions. `lowered` tells whether anything is in a precision other than f32 (an
/// fp32-compiled graph still holds the fp32 weights).
static bool isCompiledGraph(ModuleOp module, bool &lowered) {
  bool compiled = false;
  lowered = false;
  module.walk([&](Operation *op) {
    if (auto p = op->getAttrOfType<PrecisionAttr>(kPrecisionAttr)) {
      compiled = true;
      lowered |= p.getValue() != Precision::f32;
    } else if (op->hasAttr(kPrecisionAttr)) {
      compiled = lowered = true;
    }
    auto isLowered = [](Type t) {
      auto s = dyn_cast<ShapedType>(t);
      return s && (isa<quant::QuantizedType>(s.getElementType()) || s.getElementType().isF16() ||
                   s.getElementType().isBF16());
    };
    bool any = llvm::any_of(op->getOperandTypes(), isLowered) ||
               llvm::any_of(op->getResultTypes(), isLowered);
    compiled |= any;
    lowered |= any;
  });
  return compiled;
}

/// --report=PATH: the JSON at PATH and the table beside it (.txt); for PATH.html also the HTML
/// page, with the JSON and the table beside it.
static LogicalResult writeReports(StringRef path, const CompileReport &report) {
  bool html = path.ends_with(".html");
  StringRef base = path.ends_with(".json") || html ? path.drop_back(5) : path;
  std::string jsonPath = html ? (base + ".json").str() : path.str();
  if (!writeBytes(jsonPath, report.json) || !writeBytes((base + ".txt").str(), report.table))
    return failure();
  if (!html)
    return success();
  std::string error;
  std::optional<report::ModelReport> m = report::parseReport(report.json, jsonPath, error);
  if (!m) {
    llvm::errs() << path << ": error: no report to show: "
                 << (report.json.empty() ? "the model is already compiled (qopt-report reads "
                                           "the report inside its .fb)"
                                         : error)
                 << "\n";
    return failure();
  }
  return success(writeBytes(path, report::renderHtml({std::move(*m)})));
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::qopt::keepFreedMemoryForReuse();
  // --help lists the options by task; everything else LLVM registers stays hidden.
  cl::OptionCategory inputCat("Input", "The trained model");
  cl::OptionCategory precisionCat("Precision and calibration",
                                  "What each layer computes in, and the data its ranges come from");
  cl::OptionCategory targetCat("Target and code generation", "The native code in the model");
  cl::OptionCategory evalCat("Evaluation and report",
                             "Measuring the compiled model against fp32, and reporting it");
  cl::OptionCategory outputCat("Output", "What is written, and what is printed");
  cl::opt<std::string> input(cl::Positional, cl::Required, cl::desc("<model: .onnx, .fb or .mlir>"),
                             cl::cat(inputCat));
  cl::opt<std::string> output("o", cl::Required, cl::value_desc("file"),
                              cl::desc("The compiled model: .fb (qopt FlatBuffers) or .mlir"),
                              cl::cat(outputCat));
  cl::opt<std::string> target(
      "target", cl::init("host"),
      cl::desc("Native code for: avx512vnni (zmm vpdpbusd), avx512bf16 (plus vdpbf16ps), avx2 "
               "(Haswell: no 512-bit, exact int8 via vpmaddwd) or host (the best this CPU runs); "
               "a comma-separated list puts code for each in the model, and the runtime picks. "
               "The first is also the precision search's cost model"),
      cl::cat(targetCat));
  cl::opt<CompileOptions::EvalEngine> evalEngine(
      "eval-engine", cl::init(CompileOptions::EvalEngine::automatic),
      cl::desc("What measures the compiled model against fp32 on the evaluation data:"),
      cl::values(clEnumValN(CompileOptions::EvalEngine::automatic, "auto",
                            "native code for this CPU from 1000 samples on, else (or when no "
                            "code can be built, with a note) the reference executor"),
                 clEnumValN(CompileOptions::EvalEngine::native, "native",
                            "native code for this CPU; an error when none can be built"),
                 clEnumValN(CompileOptions::EvalEngine::reference, "reference",
                            "the reference executor (the oracle; slow on large data)")),
      cl::cat(evalCat));
  cl::opt<CompileOptions::CostModel> costModel(
      "cost-model", cl::init(CompileOptions::CostModel::automatic),
      cl::desc("The per-layer latencies the mixed precision search compares (printed, with the "
               "other, in the decision log):"),
      cl::values(clEnumValN(CompileOptions::CostModel::automatic, "auto",
                            "measured for --precision=mixed when native code for the first "
                            "--target runs on this CPU, else predicted"),
                 clEnumValN(CompileOptions::CostModel::measured, "measured",
                            "every layer timed at i8, bf16, f16 and f32 on native code for the "
                            "first --target, in every precision mode; an error when that code "
                            "cannot run here. Decisions then follow this run's timings"),
                 clEnumValN(CompileOptions::CostModel::predicted, "predicted",
                            "the per-target model (MACs per cycle, weight bytes per cycle): the "
                            "same decisions on every run and machine")),
      cl::cat(precisionCat));
  cl::opt<bool> requireInteger(
      "require-integer",
      cl::desc("Fail, naming every layer, unless every layer computes on integers"),
      cl::cat(targetCat));
  cl::opt<std::string> precision(
      "precision", cl::init("int8"),
      cl::desc("fp32 | fp16 | bf16 | int8 | mixed. mixed picks the cheapest per-layer assignment "
               "whose loss stays within --accuracy-budget"),
      cl::cat(precisionCat));
  cl::opt<std::string> quantization(
      "quantization", cl::init("static"),
      cl::desc("int8 only: static (calibrated activation scales, per-channel weights) or dynamic "
               "(per-tensor weights, activation scales from the live tensor: the naive scheme, "
               "for comparison)"),
      cl::cat(precisionCat));
  cl::opt<std::string> activations("activations", cl::init("u8"),
                                   cl::desc("int8 activations: u8 (asymmetric) or i8 (symmetric)"),
                                   cl::cat(precisionCat));
  cl::opt<std::string> calibrationData(
      "calibration-data", cl::value_desc("FILE.npy"),
      cl::desc("Sample inputs, float32 [N, input dims...], to calibrate ranges and measure on"),
      cl::cat(precisionCat));
  cl::opt<std::string> calibrationStats(
      "calibration-stats", cl::value_desc("COMPILED.fb"),
      cl::desc("Instead of --calibration-data: the statistics a model compiled from this same "
               "fp32 model recorded (its provenance), from which every --calibration-method "
               "gives the range the data would"),
      cl::cat(precisionCat));
  cl::opt<bool> keepStats(
      "keep-calibration-stats", cl::init(true),
      cl::desc("Record the calibration statistics in the model's provenance (4 bytes per "
               "histogram bin and tensor), so that --calibration-stats can calibrate again "
               "from it without data; =false leaves them out"),
      cl::cat(outputCat));
  cl::opt<std::string> calibrationMethod(
      "calibration-method", cl::init("percentile=99.99"),
      cl::desc("minmax | percentile[=P] | entropy | mse"), cl::cat(precisionCat));
  cl::opt<double> budget("accuracy-budget", cl::init(0.1), cl::value_desc("POINTS"),
                         cl::desc("mixed: top-1 points the compiled model may lose (accuracy "
                                  "with --eval-labels, else agreement with fp32)"),
                         cl::cat(precisionCat));
  cl::opt<std::string> evalData("eval-data", cl::value_desc("X.npy"),
                                cl::desc("Inputs to measure the error on (default: the "
                                         "calibration data)"),
                                cl::cat(evalCat));
  cl::opt<std::string> evalLabels("eval-labels", cl::value_desc("Y.npy"),
                                  cl::desc("Integer labels for --eval-data: report accuracy"),
                                  cl::cat(evalCat));
  cl::list<std::string> overrides("precision-override", cl::value_desc("NAME=PREC"),
                                  cl::desc("Pin the layer with this ONNX node name to f32, f16, "
                                           "bf16 or i8 (repeatable)"),
                                  cl::cat(precisionCat));
  cl::opt<bool> allowOverBudget("allow-over-budget",
                                cl::desc("mixed: write the best assignment even when it misses "
                                         "the budget (exit status 0)"),
                                cl::cat(precisionCat));
  cl::opt<double> budgetConfidence(
      "budget-confidence", cl::init(0), cl::value_desc("LEVEL"),
      cl::desc("mixed: check --accuracy-budget against the upper bound of the loss's confidence "
               "interval at this level (e.g. 0.95), paired on the evaluation samples, instead of "
               "the point estimate"),
      cl::cat(precisionCat));
  cl::opt<bool> biasCorrection("bias-correction",
                               cl::desc("Correct the mean output shift int8 weights cause "
                                        "(qopt-correct-bias, measured on the calibration data)"),
                               cl::cat(precisionCat));
  cl::opt<std::string> reportPath("report", cl::value_desc("report.json|report.html"),
                                  cl::desc("Write the error report as JSON here, and as a table "
                                           "next to it (.txt); a path ending in .html gets the "
                                           "HTML report (plots, one self-contained file) with "
                                           "the .json and .txt beside it"),
                                  cl::cat(evalCat));
  cl::opt<int64_t> batchSize("batch-size", cl::init(64),
                             cl::desc("Samples per run while calibrating and measuring"),
                             cl::cat(evalCat));
  cl::opt<Emit> emit(
      "emit", cl::init(Emit::Model), cl::desc("What -o receives:"),
      cl::values(clEnumValN(Emit::Model, "model",
                            "the compiled model with native code for --target, its error report "
                            "and provenance (.fb; an .mlir file holds the graph only)"),
                 clEnumValN(Emit::Graph, "graph",
                            "the same model without native code (runs on the reference "
                            "executor; qopt-compile on it adds code later, without data)"),
                 clEnumValN(Emit::MLIR, "mlir",
                            "the quantized IR alone, as MLIR text: what `qopt-opt "
                            "--qopt-quantize-pipeline` prints for the same options")),
      cl::cat(outputCat));
  cl::opt<bool> quiet("quiet", cl::desc("Print only errors"), cl::cat(outputCat));
  cl::HideUnrelatedOptions({&inputCat, &precisionCat, &targetCat, &evalCat, &outputCat});
  setToolVersionPrinter("qopt-compile");
  cl::ParseCommandLineOptions(
      argc, argv,
      "qopt-compile: quantizes a trained fp32 model (per-layer f32 / f16 / bf16 / int8, calibrated "
      "on sample data), folds it into integer ops and reports the error against fp32 per layer "
      "and for the model\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  // Diagnostics name the file, layer and op; a dump of the IR would bury them.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(input, &context);
  if (!module)
    return 1;
  // Messages about the whole model (options, data, the budget) point at the model file.
  Location fileLoc = FileLineColLoc::get(&context, input, 0, 0);
  if (isa<UnknownLoc>(module->getLoc()))
    module->getOperation()->setLoc(fileLoc);
  for (auto func : module->getOps<func::FuncOp>())
    if (isa<UnknownLoc>(func.getLoc()))
      func->setLoc(fileLoc);

  CompileOptions options;
  QuantizePipelineOptions &p = options.pipeline;
  // Flags stay strings so that a bad value is reported, like every model-level message, at the
  // model file, listing what is accepted.
  auto badFlag = [&](const Twine &msg) {
    emitError(fileLoc) << msg;
    return 1;
  };
  std::string targetError;
  FailureOr<std::string> primary = primaryTargetName(target, targetError);
  if (failed(primary))
    return badFlag("--target: " + targetError);
  std::optional<CostTarget> targetValue = symbolizeCostTarget(*primary);
  if (!targetValue)
    return badFlag("--target: no cost model for '" + *primary + "'");
  std::optional<PrecisionMode> precisionValue = symbolizePrecisionMode(precision);
  if (!precisionValue)
    return badFlag("--precision must be fp32, fp16, bf16, int8 or mixed, got '" + precision +
                   "'");
  std::optional<QuantizationMode> quantizationValue = symbolizeQuantizationMode(quantization);
  if (!quantizationValue)
    return badFlag("--quantization must be static or dynamic, got '" + quantization + "'");
  std::optional<ActivationStorage> activationsValue = symbolizeActivationStorage(activations);
  if (!activationsValue)
    return badFlag("--activations must be u8 or i8, got '" + activations + "'");
  p.target = *targetValue;
  p.precision = *precisionValue;
  p.quantization = *quantizationValue;
  p.activations = *activationsValue;
  p.data = calibrationData.getValue();
  p.method = calibrationMethod.getValue();
  p.budget = budget.getValue();
  p.evalData = evalData.getValue();
  p.evalLabels = evalLabels.getValue();
  p.overrides = std::vector<std::string>(overrides.begin(), overrides.end());
  p.allowOverBudget = allowOverBudget.getValue();
  p.budgetConfidence = budgetConfidence.getValue();
  p.biasCorrection = biasCorrection.getValue();
  p.batchSize = batchSize.getValue();
  options.calibrationStats = calibrationStats.getValue();
  options.keepStats = keepStats.getValue();
  options.recordReport = emit != Emit::MLIR;
  options.evalEngine = evalEngine;
  options.costModel = costModel;
  options.nativeTarget = *primary;
  if (!quiet)
    options.progress = [](const std::string &line) { llvm::errs() << "qopt-compile: " << line << "\n"; };
  CompileReport report;
  // A model that is already compiled (its graph is quantized or lowered in precision) keeps its
  // graph: only its native code is built again, for --target, and no data is needed.
  bool lowered = false;
  bool compiled = isCompiledGraph(*module, lowered);
  bool reassign = !calibrationData.empty() || precision.getNumOccurrences() ||
                  calibrationMethod.getNumOccurrences() || calibrationStats.getNumOccurrences() ||
                  budget.getNumOccurrences() || overrides.getNumOccurrences();
  // A model compiled at fp32 still holds the fp32 weights (after batch-norm folding and fusion,
  // which apply again unchanged): it compiles again like the original, and its own recorded
  // statistics stand in for the calibration data.
  if (compiled && !lowered && reassign) {
    compiled = false;
    if (calibrationData.empty() && calibrationStats.empty())
      options.calibrationStats = input;
  }
  // A lowered graph holds the quantized weights, not the fp32 ones they came from, so precision
  // cannot be assigned again from it; the statistics it records can be, with the fp32 model.
  if (compiled && reassign)
    return badFlag("this model is already compiled: qopt-compile only rebuilds its native code "
                   "(for --target), so --calibration-data and --precision do not apply; its graph "
                   "holds quantized or 16-bit weights, not the fp32 ones, so to assign precision or "
                   "calibrate again compile the fp32 model with --calibration-stats " +
                   input + " (its recorded statistics stand in for the calibration data)");
  if (!compiled && failed(compileModule(*module, options, input, report)))
    return 1;
  if (requireInteger && failed(requireIntegerLayers(*module)))
    return 1;
  if (!reportPath.empty() && failed(writeReports(reportPath, report)))
    return 1;
  bool native = emit == Emit::Model && formatOf(output) == ModelFormat::FlatBuffer;
  if (!native) {
    if (failed(saveModel(*module, output,
                         emit == Emit::MLIR ? std::optional(ModelFormat::MLIR) : std::nullopt)))
      return 1;
  } else {
    // The measurement already built the compiled function's code for this CPU: reuse it when
    // that is exactly what --target asks for.
    std::string error;
    FailureOr<std::string> primary = primaryTargetName(target, error);
    bool reuse = !report.hostCode.empty() && succeeded(primary) &&
                 *primary == report.hostTarget && !StringRef(target).contains(',');
    if (reuse && options.progress)
      options.progress("native code for " + report.hostTarget +
                       ": reusing what the measurement built");
    FailureOr<std::string> bytes = reuse ? attachNativeSections(*module, report.hostCode)
                                         : compileNativeModel(*module, target, options.progress);
    if (failed(bytes))
      return 1;
    if (!writeBytes(output, *bytes))
      return 1;
  }
  if (!quiet && !compiled)
    llvm::outs() << report.table;
  return 0;
}
