#include "qopt/Compiler/Compiler.h"

#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Dialect/QOpt/Transforms/Precision.h"
#include "qopt/Evaluation/Evaluate.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::qopt;

namespace {

constexpr const char *kVersion = "0.1.0";

std::string nameOf(Operation *op) {
  if (auto n = op->getLoc()->findInstanceOf<NameLoc>())
    return n.getName().str();
  return "";
}

/// Bytes of every constant's storage (quantized constants by their storage type).
int64_t modelBytes(func::FuncOp func) {
  int64_t bytes = 0;
  func.walk([&](ConstantOp c) {
    auto t = cast<ShapedType>(c.getType());
    Type elt = t.getElementType();
    if (auto q = dyn_cast<quant::QuantizedType>(elt))
      elt = q.getStorageType();
    bytes += t.getNumElements() * ((elt.getIntOrFloatBitWidth() + 7) / 8);
  });
  return bytes;
}

/// The precision an op computes in, from its attribute or its result type.
std::string precisionOf(Operation *op) {
  if (auto p = op->getAttrOfType<PrecisionAttr>(kPrecisionAttr))
    return stringifyPrecision(p.getValue()).str();
  Type elt = getElementTypeOrSelf(op->getResult(0).getType());
  if (isa<quant::QuantizedType>(elt))
    return "i8";
  if (elt.isF16())
    return "f16";
  if (elt.isBF16())
    return "bf16";
  return "f32";
}

/// max / median of the per-output-channel weight ranges: large means a few channels would set a
/// per-tensor scale for all.
double channelSpread(Operation *refOp) {
  if (refOp->getNumOperands() < 2)
    return 1;
  auto c = refOp->getOperand(1).getDefiningOp<ConstantOp>();
  auto values = c ? readF32Constant(c.getValue()) : std::nullopt;
  if (!values || values->empty())
    return 1;
  int64_t channels = cast<ShapedType>(c.getType()).getDimSize(0);
  size_t per = values->size() / channels;
  std::vector<double> ranges;
  for (int64_t ch = 0; ch < channels; ++ch) {
    double m = 0;
    for (size_t k = 0; k < per; ++k)
      m = std::max(m, (double)std::fabs((*values)[ch * per + k]));
    ranges.push_back(m);
  }
  std::vector<double> sorted = ranges;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  double median = sorted[sorted.size() / 2];
  return median > 0 ? *std::max_element(ranges.begin(), ranges.end()) / median : 1;
}

std::string causeOf(const eval::LayerError &l, Operation *refOp, bool perTensorWeights) {
  if (l.noise == 0 && l.nonFinite == 0)
    return "exact";
  if (l.nonFinite > 0)
    return "saturation";
  if (l.clippedNoise > 0.5 * l.noise)
    return "clipping";
  if (perTensorWeights && refOp && channelSpread(refOp) > 10)
    return "outlier channels";
  return "rounding";
}

double finiteOr(double v, double cap) { return std::isfinite(v) ? v : cap; }

class Compiler {
public:
  Compiler(ModuleOp module, const CompileOptions &o, StringRef path, CompileReport &report)
      : module(module), o(o), path(path.str()), report(report) {}

  LogicalResult run();

private:
  ModuleOp module;
  const CompileOptions &o;
  std::string path;
  CompileReport &report;
  func::FuncOp func;
  std::string pipeline;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void progress(const Twine &msg) {
    if (!o.progress)
      return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    o.progress(llvm::formatv("[{0,6:f1} s] ", s).str() + msg.str());
  }

  LogicalResult runPasses(function_ref<void(OpPassManager &)> add, StringRef what) {
    progress(what);
    PassManager pm(module.getContext());
    add(pm.nest<func::FuncOp>());
    std::string text;
    llvm::raw_string_ostream os(text);
    pm.printAsTextualPipeline(os);
    pipeline += (pipeline.empty() ? "" : ",") + text;
    return pm.run(module);
  }

  LogicalResult checkOptions();
  FailureOr<OwningOpRef<func::FuncOp>> single(func::FuncOp reference, Operation *layer,
                                              Precision p);
  void buildReport(func::FuncOp reference, const eval::Comparison &cmp,
                   const std::map<std::string, double> &local, const eval::Dataset *data,
                   int64_t refBytes);
};

LogicalResult Compiler::checkOptions() {
  auto fail = [&](const Twine &msg) { return module.emitError(msg); };
  if (!llvm::is_contained({"fp32", "fp16", "bf16", "int8", "mixed"}, o.precision))
    return fail("--precision must be fp32, fp16, bf16, int8 or mixed, got '" + o.precision + "'");
  if (o.quantization != "static" && o.quantization != "dynamic")
    return fail("--quantization must be static or dynamic, got '" + o.quantization + "'");
  if (!symbolizeActivationStorage(o.activations))
    return fail("--activations must be u8 or i8, got '" + o.activations + "'");
  if (!symbolizeCostTarget(o.target))
    return fail("--target must be avx512vnni, avx512bf16 or avx2, got '" + o.target + "'");
  if (o.quantization == "dynamic" && o.precision != "int8")
    return fail("--quantization=dynamic applies to --precision=int8 only");
  if (!(o.accuracyBudget >= 0) || !std::isfinite(o.accuracyBudget))
    return fail(llvm::formatv("--accuracy-budget must be a number of top-1 points >= 0, got {0}",
                              o.accuracyBudget)
                    .str());
  bool needsCalibration = (o.precision == "int8" && o.quantization == "static") ||
                          o.precision == "fp16" || o.precision == "mixed";
  if (needsCalibration && o.calibrationData.empty())
    return fail("--precision=" + o.precision +
                " needs --calibration-data FILE.npy (sample inputs to measure ranges on)" +
                (o.precision == "int8" ? "; --quantization=dynamic needs none" : ""));
  if (o.biasCorrection && o.calibrationData.empty())
    return fail("--bias-correction measures input means and needs --calibration-data FILE.npy");
  if (!o.evalLabels.empty() && o.evalData.empty())
    return fail("--eval-labels needs --eval-data");
  return success();
}

/// The reference with only `layer` at precision `p` (folded like the real output): its local
/// error, free of what the layers before it did.
FailureOr<OwningOpRef<func::FuncOp>> Compiler::single(func::FuncOp reference, Operation *layer,
                                                      Precision p) {
  OwningOpRef<func::FuncOp> copy = reference.clone();
  int index = 0, wanted = -1;
  reference.walk([&](Operation *op) {
    if (isPrecisionTarget(op)) {
      if (op == layer)
        wanted = index;
      ++index;
    }
  });
  index = 0;
  Builder b(module.getContext());
  copy->walk([&](Operation *op) {
    if (isPrecisionTarget(op))
      op->setAttr(kPrecisionAttr,
                  PrecisionAttr::get(b.getContext(), index++ == wanted ? p : Precision::f32));
  });
  QuantizeOptions q;
  q.signedActivations = o.activations == "i8";
  q.dynamic = o.quantization == "dynamic";
  if (failed(applyPrecisions(*copy, q)))
    return failure();
  RewritePatternSet patterns(module.getContext());
  populateFoldQuantDequantPatterns(patterns);
  if (failed(applyPatternsAndFoldGreedily(*copy, std::move(patterns))))
    return failure();
  return copy;
}

LogicalResult Compiler::run() {
  auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
  if (funcs.size() != 1)
    return module.emitError("expected one function in the model, found ") << funcs.size();
  func = funcs.front();
  if (failed(checkOptions()))
    return failure();

  if (failed(runPasses(
          [](OpPassManager &pm) {
            pm.addPass(createFoldBatchNormPass());
            pm.addPass(createFusePass());
            pm.addPass(createCanonicalizerPass());
          },
          "folding batch norms and fusing bias and activations")))
    return failure();
  int64_t refBytes = modelBytes(func);
  if (!o.calibrationData.empty()) {
    CalibratePassOptions c;
    c.data = o.calibrationData;
    c.method = o.calibrationMethod;
    c.batchSize = o.batchSize;
    if (failed(runPasses([&](OpPassManager &pm) { pm.addPass(createCalibratePass(c)); },
                         "calibrating (" + o.calibrationMethod + ") on " + o.calibrationData)))
      return failure();
  }
  OwningOpRef<func::FuncOp> reference = func.clone();

  AssignPrecisionPassOptions a;
  // checkOptions has rejected the strings that name no value.
  a.mode = *symbolizePrecisionMode(o.precision);
  a.budget = o.accuracyBudget;
  a.data = o.calibrationData;
  a.evalData = o.evalData;
  a.evalLabels = o.evalLabels;
  a.overrides = o.overrides;
  a.target = *symbolizeCostTarget(o.target);
  a.activations = *symbolizeActivationStorage(o.activations);
  a.batchSize = o.batchSize;
  a.allowOverBudget = o.allowOverBudget;
  QuantizePassOptions q;
  q.activations = *symbolizeActivationStorage(o.activations);
  q.mode = *symbolizeQuantizationMode(o.quantization);
  if (failed(runPasses(
          [&](OpPassManager &pm) {
            pm.addPass(createAssignPrecisionPass(a));
            if (o.biasCorrection) {
              CorrectBiasPassOptions cb;
              cb.dataPath = o.calibrationData;
              cb.batchSize = o.batchSize;
              pm.addPass(createCorrectBiasPass(cb));
            }
            pm.addPass(createQuantizePass(q));
            pm.addPass(createFoldQuantDequantPass());
            pm.addPass(createFusePass());
            pm.addPass(createCanonicalizerPass());
          },
          "assigning precision (" + o.precision +
              (o.precision == "mixed" ? llvm::formatv(", budget {0} points", o.accuracyBudget).str()
                                      : std::string()) +
              ") and quantizing")))
    return failure();

  // Measure on the evaluation data, else on the calibration data.
  std::string error;
  std::optional<eval::Dataset> data, calib;
  if (!o.calibrationData.empty()) {
    auto c = eval::loadDataset(*reference, o.calibrationData, o.batchSize, "calibration data",
                               error);
    if (failed(c))
      return module.emitError(error);
    calib = std::move(*c);
  }
  if (!o.evalData.empty()) {
    auto e = eval::loadDataset(*reference, o.evalData, o.batchSize, "evaluation data", error);
    if (failed(e) || (!o.evalLabels.empty() && failed(eval::loadLabels(*e, o.evalLabels, error))))
      return module.emitError(error);
    data = std::move(*e);
  } else {
    data = calib;
  }
  std::map<std::string, double> local;
  eval::Comparison cmp;
  if (data) {
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
          assigned[nameOf(op)] = p.getValue();
      });
      for (Operation *layer : layers) {
        auto p = assigned.find(nameOf(layer));
        if (p == assigned.end() || p->second == Precision::f32)
          continue;
        auto copy = single(*reference, layer, p->second);
        if (failed(copy))
          return failure();
        auto c = eval::compare(*reference, **copy, *calib, error);
        if (failed(c))
          return module.emitError("measuring '") << nameOf(layer) << "': " << error;
        if (const eval::LayerError *l = c->layer(nameOf(layer)))
          local[nameOf(layer)] = l->sqnrDb();
      }
    }
    progress(llvm::formatv("comparing with fp32 on {0} ({1} samples)", data->path, data->samples)
                 .str());
    auto c = eval::compare(*reference, func, *data, error, [&](int64_t done, int64_t total) {
      if (done == total || (done / o.batchSize) % 40 == 0)
        progress(llvm::formatv("  {0} / {1} samples", done, total).str());
    });
    if (failed(c))
      return module.emitError("running the compiled model: ") << error;
    cmp = std::move(*c);
  }
  buildReport(*reference, cmp, local, data ? &*data : nullptr, refBytes);
  return success();
}

void Compiler::buildReport(func::FuncOp reference, const eval::Comparison &cmp,
                           const std::map<std::string, double> &local, const eval::Dataset *data,
                           int64_t refBytes) {
  std::map<std::string, Operation *> refOps, outOps;
  reference.walk([&](Operation *op) {
    if (eval::isLayer(op) && !nameOf(op).empty())
      refOps.emplace(nameOf(op), op);
  });
  func.walk([&](Operation *op) {
    if (eval::isLayer(op) && !nameOf(op).empty())
      outOps.emplace(nameOf(op), op);
  });
  bool perTensorWeights = o.quantization == "dynamic";
  int64_t outBytes = modelBytes(func);
  Builder b(module.getContext());

  std::string json;
  llvm::raw_string_ostream js(json);
  llvm::json::OStream j(js, 2);
  std::string table;
  llvm::raw_string_ostream t(table);
  const char *header[] = {"layer", "op", "prec", "local dB", "SQNR dB", "max |err|", "cause", "why"};
  t << llvm::format("%-28s %-16s %-5s %10s %9s %11s  %-16s %s\n", header[0], header[1],
                    header[2], header[3], header[4], header[5], header[6], header[7]);
  j.object([&] {
    j.attribute("producer", "qopt-compile");
    j.attribute("producer_version", kVersion);
    j.attribute("model", path);
    j.attribute("target", o.target);
    j.attribute("precision", o.precision);
    j.attribute("quantization", o.quantization);
    if (!o.calibrationData.empty())
      j.attributeObject("calibration", [&] {
        j.attribute("data", o.calibrationData);
        j.attribute("method", o.calibrationMethod);
        if (CalibrationAttr c = calibrationOf(reference.getArgument(0))) {
          if (c.getSamples())
            j.attribute("samples", c.getSamples());
          if (!c.getDataHash().empty())
            j.attribute("data_hash", c.getDataHash().str());
        }
      });
    if (auto s = func->getAttrOfType<DictionaryAttr>("qopt.precision_search"))
      j.attributeObject("search", [&] {
        for (NamedAttribute a : s) {
          if (auto f = dyn_cast<FloatAttr>(a.getValue()))
            j.attribute(a.getName().strref(), f.getValueAsDouble());
          else if (auto i = dyn_cast<IntegerAttr>(a.getValue()))
            j.attribute(a.getName().strref(), i.getInt());
          else if (auto str = dyn_cast<StringAttr>(a.getValue()))
            j.attribute(a.getName().strref(), str.str());
        }
      });
    j.attributeObject("model_size_bytes", [&] {
      j.attribute("fp32", refBytes);
      j.attribute("compiled", outBytes);
    });
    if (data) {
      j.attributeObject("evaluation", [&] {
        j.attribute("data", data->path);
        j.attribute("samples", cmp.samples);
        j.attribute("top1_agreement_pct", cmp.agreementPct());
        j.attribute("output_sqnr_db", finiteOr(cmp.outputSqnrDb(), 999));
        if (cmp.hasLabels) {
          j.attribute("accuracy_fp32_pct", cmp.referenceAccuracyPct());
          j.attribute("accuracy_pct", cmp.accuracyPct());
        }
        j.attribute("loss_points", cmp.lossPoints());
        j.attribute("loss_measure", cmp.hasLabels ? "top-1 accuracy points lost"
                                                  : "top-1 disagreement with fp32, percent");
      });
    }
    j.attributeArray("layers", [&] {
      for (const eval::LayerError &l : cmp.layers) {
        auto out = outOps.find(l.name);
        if (out == outOps.end())
          continue; // fused into another layer
        Operation *op = out->second;
        std::string precision = precisionOf(op);
        auto reason = op->getAttrOfType<StringAttr>(kPrecisionReasonAttr);
        std::string why = reason ? reason.str() : "follows its input";
        std::string cause = causeOf(l, refOps.count(l.name) ? refOps[l.name] : nullptr,
                                    perTensorWeights);
        auto it = local.find(l.name);
        j.object([&] {
          j.attribute("name", l.name);
          j.attribute("op", op->getName().getStringRef().drop_front(5).str());
          j.attribute("precision", precision);
          j.attribute("reason", why);
          if (it != local.end())
            j.attribute("local_sqnr_db", finiteOr(it->second, 999));
          j.attribute("sqnr_db", finiteOr(l.sqnrDb(), 999));
          j.attribute("max_abs_error", l.maxAbs);
          j.attribute("cause", cause);
        });
        std::string shown = l.name.size() > 28 ? "..." + l.name.substr(l.name.size() - 25) : l.name;
        std::string localText =
            it != local.end() ? llvm::formatv("{0:F1}", finiteOr(it->second, 999)).str() : "-";
        t << llvm::format("%-28s %-16s %-5s %10s %9.1f %11.3g  %-16s %s\n", shown.c_str(),
                          op->getName().getStringRef().drop_front(5).str().c_str(),
                          precision.c_str(), localText.c_str(), finiteOr(l.sqnrDb(), 999),
                          l.maxAbs, cause.c_str(), why.c_str());
        op->setAttr("qopt.error",
                    b.getDictionaryAttr(
                        {b.getNamedAttr("sqnr_db", b.getF64FloatAttr(finiteOr(l.sqnrDb(), 999))),
                         b.getNamedAttr("max_abs_error", b.getF64FloatAttr(l.maxAbs))}));
      }
    });
  });
  if (data) {
    t << llvm::format("top-1 agreement with fp32: %.2f%% on %s (%lld samples)",
                      cmp.agreementPct(), data->path.c_str(), (long long)cmp.samples);
    if (cmp.hasLabels)
      t << llvm::format("; accuracy fp32 %.2f%% -> %.2f%% (%+.2f points)",
                        cmp.referenceAccuracyPct(), cmp.accuracyPct(),
                        cmp.accuracyPct() - cmp.referenceAccuracyPct());
    t << "\n";
  } else {
    t << "not measured: give --calibration-data or --eval-data to compare with fp32\n";
  }
  t << llvm::format("weights: %lld bytes fp32 -> %lld bytes (%.2fx smaller)\n",
                    (long long)refBytes, (long long)outBytes,
                    outBytes ? (double)refBytes / outBytes : 0.0);
  report.json = json;
  report.table = table;
  report.lossPoints = cmp.lossPoints();

  NamedAttrList prov;
  prov.set("producer", b.getStringAttr("qopt-compile"));
  prov.set("producer_version", b.getStringAttr(kVersion));
  prov.set("pass_pipeline", b.getStringAttr(pipeline));
  prov.set("report_json", b.getStringAttr(json));
  if (CalibrationAttr c = calibrationOf(reference.getArgument(0))) {
    prov.set("calibration_method", b.getStringAttr(o.calibrationMethod));
    if (c.getSamples())
      prov.set("calibration_samples", b.getI64IntegerAttr(c.getSamples()));
    if (!c.getDataHash().empty())
      prov.set("calibration_data_hash", b.getStringAttr(c.getDataHash()));
  }
  module->setAttr("qopt.provenance", prov.getDictionary(module.getContext()));
}

} // namespace

LogicalResult mlir::qopt::compileModule(ModuleOp module, const CompileOptions &options,
                                        StringRef modelPath, CompileReport &report) {
  return Compiler(module, options, modelPath, report).run();
}
