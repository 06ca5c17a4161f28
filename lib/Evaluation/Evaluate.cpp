#include "qopt/Evaluation/Evaluate.h"

#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Quant/QuantMath.h"
#include "qopt/Engine/Engine.h"
#include "qopt/Runtime/Data.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

#include <cmath>
#include <map>

namespace mlir::qopt::eval {

FailureOr<Dataset> loadDataset(func::FuncOp func, const std::string &path, int64_t batchSize,
                               StringRef what, std::string &error) {
  auto fail = [&](const Twine &msg) {
    error = msg.str();
    return failure();
  };
  if (path.empty())
    return fail("no " + what + " given");
  if (func.getNumArguments() != 1)
    return fail(what + " needs a function with one input, '" + func.getSymName() + "' has " +
                Twine(func.getNumArguments()));
  auto argType = cast<RankedTensorType>(func.getArgument(0).getType());
  ArrayRef<int64_t> want = argType.getShape();
  data::Samples samples;
  if (!data::loadSamples(path, std::vector<int64_t>(want.begin(), want.end()),
                         argType.getElementType().isF32(), what.str(), samples, error))
    return failure();
  Dataset d;
  d.path = path;
  d.samples = samples.shape[0];
  int64_t rows = ShapedType::isDynamic(want[0]) ? std::max<int64_t>(1, batchSize) : want[0];
  if (!ShapedType::isDynamic(want[0]) && d.samples % rows != 0)
    return fail(path + ": " + Twine(d.samples) + " samples do not fill batches of " + Twine(rows) +
                " (the input's batch dimension is fixed)");
  for (auto [begin, end] : data::batchRanges(d.samples, rows)) {
    ref::Tensor t;
    t.elementType = argType.getElementType();
    t.shape = samples.shape;
    t.shape[0] = end - begin;
    t.f = data::sliceRows(samples.values, d.samples, begin, end);
    d.batches.push_back(std::move(t));
  }
  d.hash = samples.hash;
  // Top-1 reads the last dimension of the first result as the classes.
  if (func.getNumResults() > 0)
    if (auto out = dyn_cast<RankedTensorType>(func.getResultTypes()[0]))
      if (out.getRank() > 0 && !out.isDynamicDim(out.getRank() - 1))
        d.classes = out.getShape().back();
  return d;
}

LogicalResult loadLabels(Dataset &data, const std::string &path, std::string &error) {
  if (!data::loadLabels(path, data.samples, data.path, data.classes, data.labels, error))
    return failure();
  return success();
}

double LayerError::sqnrDb() const {
  if (noise == 0)
    return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

double Comparison::outputSqnrDb() const {
  if (outputNoise == 0)
    return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(outputSignal / outputNoise);
}

Interval Comparison::lossInterval(double confidence) const {
  if (hasLabels)
    return pairedLossInterval(samples, lost - gained, lost + gained, confidence);
  return pairedLossInterval(samples, samples - agree, samples - agree, confidence);
}

const LayerError *Comparison::layer(StringRef name) const {
  for (const LayerError &l : layers)
    if (l.name == name)
      return &l;
  return nullptr;
}

std::vector<float> realValues(const ref::Tensor &t) {
  if (t.isFloat())
    return t.f;
  std::vector<float> out;
  if (auto q = dyn_cast_or_null<quant::UniformQuantizedType>(t.elementType)) {
    out.reserve(t.i.size());
    for (int64_t v : t.i)
      out.push_back(quant_math::dequantize(v, (float)q.getScale(), q.getZeroPoint()));
  } else if (auto q = dyn_cast_or_null<quant::UniformQuantizedPerAxisType>(t.elementType)) {
    int64_t axis = q.getQuantizedDimension();
    if (axis < 0 || axis >= (int64_t)t.shape.size())
      return out;
    int64_t inner = 1;
    for (size_t d = axis + 1; d < t.shape.size(); ++d)
      inner *= t.shape[d];
    int64_t dim = t.shape[axis];
    if ((int64_t)q.getScales().size() != dim)
      return out;
    for (size_t k = 0; k < t.i.size(); ++k) {
      int64_t c = (k / inner) % dim;
      out.push_back(quant_math::dequantize(t.i[k], (float)q.getScales()[c], q.getZeroPoints()[c]));
    }
  }
  return out;
}

bool isLayer(Operation *op) {
  return op->getDialect() && op->getDialect()->getNamespace() == "qopt" &&
         !isa<ConstantOp, QuantizeOp, DequantizeOp, RequantizeOp, FakeQuantDynamicOp>(op) &&
         op->getName().getStringRef() != "qopt.cast";
}

static std::string nameOf(Operation *op) {
  if (auto n = op->getLoc()->findInstanceOf<NameLoc>())
    return n.getName().str();
  return "";
}

/// The calibrated range of a reference op, if qopt-calibrate recorded one.
static std::optional<std::pair<float, float>> calibratedRange(Operation *op) {
  auto c = op->getAttrOfType<CalibrationAttr>(kCalibrationAttr);
  if (!c)
    return std::nullopt;
  return std::make_pair(c.getLoF32(), c.getHiF32());
}

static void top1(const ref::Tensor &logits, std::vector<int64_t> &out) {
  out.clear();
  std::vector<float> v = realValues(logits);
  if (logits.shape.empty() || v.empty())
    return;
  int64_t classes = logits.shape.back(), rows = (int64_t)v.size() / classes;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < classes; ++c)
      if (v[r * classes + c] > v[r * classes + best])
        best = c;
    out.push_back(best);
  }
}

/// Adds one batch's first results to the model-level statistics: output noise, top-1 agreement
/// and, with labels, accuracy. Returns the samples in the batch.
static int64_t accumulateOutputs(const ref::Tensor &ref, const ref::Tensor &cand,
                                 const Dataset &data, int64_t done, Comparison &cmp) {
  std::vector<int64_t> refTop, candTop;
  top1(ref, refTop);
  top1(cand, candTop);
  std::vector<float> want = realValues(ref), got = realValues(cand);
  for (size_t k = 0; k < want.size() && k < got.size(); ++k) {
    double d = (double)got[k] - want[k];
    cmp.outputSignal += (double)want[k] * want[k];
    cmp.outputNoise += std::isfinite(d) ? d * d : (double)want[k] * want[k] + 1.0;
  }
  for (size_t k = 0; k < refTop.size() && k < candTop.size(); ++k) {
    cmp.agree += refTop[k] == candTop[k];
    if (cmp.hasLabels) {
      bool refOk = refTop[k] == data.labels[done + k], candOk = candTop[k] == data.labels[done + k];
      cmp.referenceCorrect += refOk;
      cmp.correct += candOk;
      cmp.lost += refOk && !candOk;
      cmp.gained += candOk && !refOk;
    }
  }
  return (int64_t)refTop.size();
}

FailureOr<Comparison> compare(func::FuncOp reference, func::FuncOp candidate, const Dataset &data,
                              std::string &error,
                              const std::function<void(int64_t, int64_t)> &progress) {
  Comparison cmp;
  cmp.hasLabels = !data.labels.empty();
  std::map<std::string, size_t> index; // layer name -> position in cmp.layers
  std::map<std::string, std::optional<std::pair<float, float>>> ranges;
  reference.walk([&](Operation *op) {
    std::string name = nameOf(op);
    if (op != reference && isLayer(op) && !name.empty() && !index.count(name)) {
      index[name] = cmp.layers.size();
      cmp.layers.push_back({name, op->getName().getStringRef().str()});
      ranges[name] = calibratedRange(op);
    }
  });
  std::map<std::string, std::vector<float>> refOutputs;
  int64_t done = 0;
  std::unique_ptr<engine::Engine> refEngine = engine::createReferenceEngine(reference);
  std::unique_ptr<engine::Engine> candEngine = engine::createReferenceEngine(candidate);
  for (const ref::Tensor &batch : data.batches) {
    refOutputs.clear();
    engine::RunOptions refOpts;
    refOpts.observe = [&](Operation *op, const ref::Tensor &t) {
      std::string name = nameOf(op);
      if (isLayer(op) && index.count(name))
        refOutputs[name] = realValues(t);
    };
    auto r = refEngine->run(batch, refOpts, error);
    if (failed(r))
      return failure();
    engine::RunOptions candOpts;
    candOpts.observe = [&](Operation *op, const ref::Tensor &t) {
      std::string name = nameOf(op);
      auto it = refOutputs.find(name);
      if (!isLayer(op) || it == refOutputs.end())
        return;
      std::vector<float> got = realValues(t);
      const std::vector<float> &want = it->second;
      if (got.size() != want.size())
        return;
      LayerError &l = cmp.layers[index[name]];
      const auto &range = ranges[name];
      for (size_t k = 0; k < got.size(); ++k) {
        ++l.count;
        if (!std::isfinite(got[k])) {
          ++l.nonFinite;
          continue;
        }
        double d = (double)got[k] - want[k];
        l.signal += (double)want[k] * want[k];
        l.noise += d * d;
        l.maxAbs = std::max(l.maxAbs, std::fabs(d));
        if (range && (want[k] < range->first || want[k] > range->second))
          l.clippedNoise += d * d;
      }
    };
    auto c = candEngine->run(batch, candOpts, error);
    if (failed(c))
      return failure();
    done += accumulateOutputs((*r)[0], (*c)[0], data, done, cmp);
    if (progress)
      progress(done, data.samples);
  }
  cmp.samples = done;
  return cmp;
}

FailureOr<Comparison> compareOutputs(engine::Engine &reference, engine::Engine &candidate,
                                     const Dataset &data, std::string &error,
                                     const std::function<void(int64_t, int64_t)> &progress) {
  Comparison cmp;
  cmp.hasLabels = !data.labels.empty();
  int64_t done = 0;
  for (const ref::Tensor &batch : data.batches) {
    auto r = reference.run(batch, {}, error);
    if (failed(r))
      return failure();
    auto c = candidate.run(batch, {}, error);
    if (failed(c))
      return failure();
    done += accumulateOutputs((*r)[0], (*c)[0], data, done, cmp);
    if (progress)
      progress(done, data.samples);
  }
  cmp.samples = done;
  return cmp;
}

FailureOr<std::vector<int64_t>> predict(func::FuncOp func, const Dataset &data,
                                        std::string &error) {
  std::vector<int64_t> all, batchTop;
  std::unique_ptr<engine::Engine> runner = engine::createReferenceEngine(func);
  for (const ref::Tensor &batch : data.batches) {
    auto r = runner->run(batch, {}, error);
    if (failed(r))
      return failure();
    top1((*r)[0], batchTop);
    all.insert(all.end(), batchTop.begin(), batchTop.end());
  }
  return all;
}

} // namespace mlir::qopt::eval
