#include "Report.h"

#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Precision.h"
#include "qopt/Engine/Engine.h"
#include "qopt/Runtime/Sha256.h"
#include "qopt/Support/Version.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::qopt;

namespace {

constexpr const char *kVersion = QOPT_VERSION_STRING;

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

/// The named layers of `func`, by name (the first op of a name wins).
std::map<std::string, Operation *> layersByName(func::FuncOp func) {
  std::map<std::string, Operation *> ops;
  func.walk([&](Operation *op) {
    if (eval::isLayer(op) && !locationName(op).empty())
      ops.emplace(locationName(op), op);
  });
  return ops;
}


/// What the HTML report plots of one layer's calibration: a histogram of its fp32 output over
/// the calibration data with the range the method chose.
struct LayerHistogram {
  std::string layer, precision;
  CalibrationAttr calibration;
  std::vector<uint64_t> bins;
  uint64_t total = 0, clipped = 0;
  int64_t samples = 0;
};

/// The calibration pass keeps only the chosen range, not its 2048-bin histograms, so the report
/// runs the fp32 function over the calibration data once more and fills a compact histogram (64
/// bins over the observed [min, max]) for the `limit` i8 layers with the lowest local SQNR: the
/// ones whose clipping range is worth a look (f16 and bf16 clip nothing). Empty when there is no
/// calibration data.
std::vector<LayerHistogram> calibrationHistograms(const ReportInput &in,
                                                  std::map<std::string, Operation *> &refOps,
                                                  std::map<std::string, Operation *> &outOps,
                                                  size_t limit) {
  constexpr size_t kBins = 64;
  const eval::Comparison &cmp = in.measurement.comparison;
  // Dynamic quantization scales activations from the live tensor: no calibrated range applies.
  if (in.options.data.empty() || cmp.layers.empty() ||
      in.options.quantization == QuantizationMode::Dynamic)
    return {};
  // (SQNR, position): ties keep the layers' order.
  std::vector<std::pair<std::pair<double, size_t>, const eval::LayerError *>> ranked;
  for (const eval::LayerError &l : cmp.layers) {
    auto out = outOps.find(l.name);
    auto ref = refOps.find(l.name);
    if (out == outOps.end() || ref == refOps.end() || precisionOf(out->second) != "i8" ||
        !ref->second->getAttrOfType<CalibrationAttr>(kCalibrationAttr))
      continue;
    auto local = in.measurement.localSqnrDb.find(l.name);
    double sqnr = local != in.measurement.localSqnrDb.end() ? local->second : l.sqnrDb();
    ranked.push_back({{sqnr, ranked.size()}, &l});
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });
  if (ranked.size() > limit)
    ranked.resize(limit);
  if (ranked.empty())
    return {};

  std::vector<LayerHistogram> result;
  llvm::DenseMap<Operation *, size_t> index;
  for (auto &[sqnr, l] : ranked) {
    Operation *op = refOps[l->name];
    LayerHistogram h;
    h.layer = l->name;
    h.precision = precisionOf(outOps[l->name]);
    h.calibration = op->getAttrOfType<CalibrationAttr>(kCalibrationAttr);
    h.bins.assign(kBins, 0);
    index[op] = result.size();
    result.push_back(std::move(h));
  }
  // The same samples the calibration saw: reuse a dataset already loaded from that file.
  std::string error;
  std::optional<eval::Dataset> loaded;
  const eval::Dataset *calib = nullptr;
  for (const eval::Dataset *d : {in.measurement.layerData, in.measurement.data})
    if (d && d->path == in.options.data)
      calib = d;
  if (!calib) {
    auto d = eval::loadDataset(in.reference, in.options.data, in.options.batchSize,
                               "calibration data", error);
    if (failed(d))
      return {};
    loaded = std::move(*d);
    calib = &*loaded;
  }
  for (LayerHistogram &h : result)
    h.samples = calib->samples;
  std::unique_ptr<engine::Engine> runner = engine::createReferenceEngine(in.reference);
  engine::RunOptions options;
  options.observe = [&](Operation *op, const ref::Tensor &t) {
    auto it = index.find(op);
    if (it == index.end() || !t.isFloat())
      return;
    LayerHistogram &h = result[it->second];
    double lo = h.calibration.getMinF32(), hi = h.calibration.getMaxF32();
    double rlo = h.calibration.getLoF32(), rhi = h.calibration.getHiF32();
    double scale = hi > lo ? kBins / (hi - lo) : 0;
    for (float v : t.f) {
      int64_t b = (int64_t)std::floor((v - lo) * scale);
      h.bins[std::clamp<int64_t>(b, 0, kBins - 1)]++;
      h.total++;
      h.clipped += v < rlo || v > rhi;
    }
  };
  for (const ref::Tensor &batch : calib->batches)
    if (failed(runner->run(batch, options, error)))
      return {};
  return result;
}

void writeCalibrationHistograms(llvm::json::OStream &j, const std::vector<LayerHistogram> &hs) {
  j.attributeArray("calibration_histograms", [&] {
    for (const LayerHistogram &h : hs)
      j.object([&] {
        j.attribute("layer", h.layer);
        j.attribute("precision", h.precision);
        j.attribute("method", h.calibration.getMethod().str());
        j.attribute("samples", h.samples);
        j.attribute("lo", (double)h.calibration.getLoF32());
        j.attribute("hi", (double)h.calibration.getHiF32());
        j.attribute("hist_min", (double)h.calibration.getMinF32());
        j.attribute("hist_max", (double)h.calibration.getMaxF32());
        j.attributeArray("bins", [&] {
          for (uint64_t c : h.bins)
            j.value((int64_t)c);
        });
        j.attribute("values", (int64_t)h.total);
        j.attribute("clipped_fraction", h.total ? (double)h.clipped / h.total : 0.0);
      });
  });
}

/// The precision decision of every searchable layer (fully_connected, conv2d, matmul) as the
/// assign-precision pass recorded it: the choice, the reason, and in a mixed search the
/// sensitivity measured with the layer alone in i8, which ranks the promotions.
void writeDecisions(llvm::json::OStream &j, func::FuncOp compiled) {
  j.attributeArray("decisions", [&] {
    compiled.walk([&](Operation *op) {
      auto p = op->getAttrOfType<PrecisionAttr>(kPrecisionAttr);
      if (!p)
        return;
      auto reason = op->getAttrOfType<StringAttr>(kPrecisionReasonAttr);
      std::string why = reason ? reason.str() : "";
      j.object([&] {
        j.attribute("layer", locationName(op));
        j.attribute("op", op->getName().getStringRef().drop_front(5).str());
        j.attribute("precision", stringifyPrecision(p.getValue()).str());
        j.attribute("reason", why);
        j.attribute("rule", !StringRef(why).starts_with("mixed:") &&
                                !StringRef(why).starts_with("uniform"));
        if (auto s = op->getAttrOfType<DictionaryAttr>("qopt.sensitivity"))
          for (NamedAttribute a : s)
            if (auto f = dyn_cast<FloatAttr>(a.getValue()))
              j.attribute(a.getName().strref(), f.getValueAsDouble());
      });
    });
  });
}

/// The loss's 95% interval (Confidence.h) next to its point estimate in the JSON.
void writeLossInterval(llvm::json::OStream &j, const eval::Comparison &cmp) {
  eval::Interval ci = cmp.lossInterval(0.95);
  j.attributeArray("loss_points_ci95", [&] {
    j.value(ci.lo);
    j.value(ci.hi);
  });
  j.attribute("loss_ci_method", eval::kLossIntervalMethod);
  j.attribute("discordant_samples", cmp.discordant());
}

/// "95% CI [-0.12, +0.31] points, 14 discordant samples": whether a loss is noise.
std::string lossIntervalText(const eval::Comparison &cmp) {
  eval::Interval ci = cmp.lossInterval(0.95);
  return llvm::formatv("loss {0:F2} points, 95% CI [{1:F2}, {2:F2}] (paired, {3} discordant "
                       "sample{4})",
                       cmp.lossPoints(), ci.lo, ci.hi, cmp.discordant(),
                       cmp.discordant() == 1 ? "" : "s")
      .str();
}

} // namespace

std::string mlir::qopt::locationName(Operation *op) {
  if (auto n = op->getLoc()->findInstanceOf<NameLoc>())
    return n.getName().str();
  return "";
}

int64_t mlir::qopt::modelBytes(func::FuncOp func) {
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

/// How the report names an input file: its name alone, so that the report and the provenance
/// (which holds it) do not depend on where the files lay; the content hashes identify the data.
static std::string fileName(StringRef path) { return llvm::sys::path::filename(path).str(); }

/// The SHA-256 of the file at `path` in hex, or "" when it cannot be read.
static std::string fileSha256(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer)
    return "";
  StringRef bytes = (*buffer)->getBuffer();
  return ::qopt::rt::sha256Hex(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
}

void mlir::qopt::writeReport(const ReportInput &in, CompileReport &report) {
  const QuantizePipelineOptions &o = in.options;
  const eval::Comparison &cmp = in.measurement.comparison;
  const std::map<std::string, double> &local = in.measurement.localSqnrDb;
  const eval::Dataset *data = in.measurement.data;
  std::map<std::string, Operation *> refOps = layersByName(in.reference);
  std::map<std::string, Operation *> outOps = layersByName(in.compiled);
  bool perTensorWeights = o.quantization == QuantizationMode::Dynamic;
  int64_t refBytes = in.referenceBytes;
  int64_t outBytes = modelBytes(in.compiled);
  std::vector<LayerHistogram> histograms = calibrationHistograms(in, refOps, outOps, 4);

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
    j.attribute("model", fileName(in.modelPath));
    if (std::string hash = fileSha256(in.modelPath); !hash.empty())
      j.attribute("model_sha256", hash);
    j.attribute("target", stringifyCostTarget(o.target));
    j.attribute("precision", stringifyPrecisionMode(o.precision));
    j.attribute("quantization", stringifyQuantizationMode(o.quantization));
    if (!o.data.empty() || !in.calibrationStats.empty())
      j.attributeObject("calibration", [&] {
        if (!o.data.empty())
          j.attribute("data", fileName(o.data));
        else
          j.attribute("statistics_from", fileName(in.calibrationStats));
        j.attribute("method", o.method);
        if (CalibrationAttr c = calibrationOf(func::FuncOp(in.reference).getArgument(0))) {
          if (c.getSamples())
            j.attribute("samples", c.getSamples());
          if (!c.getDataHash().empty())
            j.attribute("data_hash", c.getDataHash().str());
        }
      });
    if (auto s = in.compiled->getAttrOfType<DictionaryAttr>("qopt.precision_search"))
      j.attributeObject("search", [&] {
        for (NamedAttribute a : s) {
          if (auto f = dyn_cast<FloatAttr>(a.getValue()))
            j.attribute(a.getName().strref(), f.getValueAsDouble());
          else if (auto flag = dyn_cast<BoolAttr>(a.getValue()))
            j.attribute(a.getName().strref(), flag.getValue());
          else if (auto i = dyn_cast<IntegerAttr>(a.getValue()))
            j.attribute(a.getName().strref(), i.getInt());
          else if (auto str = dyn_cast<StringAttr>(a.getValue()))
            // "data" is "PATH (N samples)": the file's name only, as everywhere in the report.
            j.attribute(a.getName().strref(), a.getName() == "data"
                                                  ? fileName(str.getValue())
                                                  : str.str());
        }
      });
    j.attributeObject("model_size_bytes", [&] {
      j.attribute("fp32", refBytes);
      j.attribute("compiled", outBytes);
    });
    if (data) {
      j.attributeObject("evaluation", [&] {
        j.attribute("data", fileName(data->path));
        j.attribute("data_hash", data->hash);
        if (!o.evalLabels.empty())
          j.attribute("labels", fileName(o.evalLabels));
        j.attribute("samples", cmp.samples);
        j.attribute("engine", in.measurement.engine);
        if (const eval::Dataset *ld = in.measurement.layerData) {
          j.attribute("layer_errors_data", fileName(ld->path));
          j.attribute("layer_errors_samples", ld->samples);
        }
        j.attribute("top1_agreement_pct", cmp.agreementPct());
        j.attribute("output_sqnr_db", finiteOr(cmp.outputSqnrDb(), 999));
        if (cmp.hasLabels) {
          j.attribute("accuracy_fp32_pct", cmp.referenceAccuracyPct());
          j.attribute("accuracy_pct", cmp.accuracyPct());
        }
        j.attribute("loss_points", cmp.lossPoints());
        j.attribute("loss_measure", cmp.hasLabels ? "top-1 accuracy points lost"
                                                  : "top-1 disagreement with fp32, percent");
        writeLossInterval(j, cmp);
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
      }
    });
    writeCalibrationHistograms(j, histograms);
    writeDecisions(j, in.compiled);
  });
  if (data) {
    t << llvm::format("top-1 agreement with fp32: %.2f%% on %s (%lld samples)",
                      cmp.agreementPct(), data->path.c_str(), (long long)cmp.samples);
    if (cmp.hasLabels)
      t << llvm::format("; accuracy fp32 %.2f%% -> %.2f%% (%+.2f points)",
                        cmp.referenceAccuracyPct(), cmp.accuracyPct(),
                        cmp.accuracyPct() - cmp.referenceAccuracyPct());
    t << "\n" << lossIntervalText(cmp) << "\n";
    if (const eval::Dataset *ld = in.measurement.layerData)
      t << "measured on " << in.measurement.engine
        << "; per-layer errors on the reference executor over " << ld->path << " ("
        << ld->samples << " samples)\n";
  } else {
    t << "not measured: give --calibration-data or --eval-data to compare with fp32\n";
  }
  t << llvm::format("weights: %lld bytes fp32 -> %lld bytes (%.2fx smaller)\n",
                    (long long)refBytes, (long long)outBytes,
                    outBytes ? (double)refBytes / outBytes : 0.0);
  report.json = json;
  report.table = table;
  report.lossPoints = cmp.lossPoints();
}

void mlir::qopt::recordReport(ModuleOp module, const ReportInput &in, const CompileReport &report,
                              StringRef pipelineText) {
  Builder b(module.getContext());
  std::map<std::string, Operation *> outOps = layersByName(in.compiled);
  for (const eval::LayerError &l : in.measurement.comparison.layers) {
    auto out = outOps.find(l.name);
    if (out == outOps.end())
      continue;
    out->second->setAttr(
        "qopt.error",
        b.getDictionaryAttr({b.getNamedAttr("sqnr_db", b.getF64FloatAttr(finiteOr(l.sqnrDb(), 999))),
                             b.getNamedAttr("max_abs_error", b.getF64FloatAttr(l.maxAbs))}));
  }

  NamedAttrList prov;
  prov.set("producer", b.getStringAttr("qopt-compile"));
  prov.set("producer_version", b.getStringAttr(kVersion));
  prov.set("pass_pipeline", b.getStringAttr(pipelineText));
  prov.set("report_json", b.getStringAttr(report.json));
  if (CalibrationAttr c = calibrationOf(func::FuncOp(in.reference).getArgument(0))) {
    prov.set("calibration_method", b.getStringAttr(in.options.method));
    if (c.getSamples())
      prov.set("calibration_samples", b.getI64IntegerAttr(c.getSamples()));
    if (!c.getDataHash().empty())
      prov.set("calibration_data_hash", b.getStringAttr(c.getDataHash()));
  }
  module->setAttr("qopt.provenance", prov.getDictionary(module.getContext()));
}
