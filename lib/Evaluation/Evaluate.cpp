#include "qopt/Evaluation/Evaluate.h"

#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Quant/QuantMath.h"
#include "qopt/Engine/Engine.h"
#include "qopt/Runtime/Data.h"

#include "mlir/Dialect/Quant/QuantTypes.h"

#include <cmath>
#include <map>

#include "llvm/ADT/DenseSet.h"

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

/// Adds one batch of a layer's output (`got`, the candidate's; `want`, the reference's) to its
/// error statistics. `range` is the reference op's calibrated range, if any.
static void accumulateLayer(LayerError &l, const std::vector<float> &got,
                            const std::vector<float> &want,
                            const std::optional<std::pair<float, float>> &range) {
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
      accumulateLayer(cmp.layers[index[name]], got, want, ranges[name]);
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

namespace {
/// How one local-error candidate replays the reference run: which of its ops compute exactly
/// what a reference op computed (same kind, attributes, types and matching operands, i.e. the
/// ops before the lowered layer), which of those values an op that does run reads, and the
/// layer's op, after which the run stops.
struct Replay {
  std::string layer;
  func::FuncOp func;
  DenseMap<Operation *, Operation *> same; // candidate op -> reference op
  Operation *target = nullptr;
};

/// The attributes that decide what an op computes: all but the precision annotation, which
/// the candidate adds to the layers it keeps in f32.
DictionaryAttr semanticAttrs(Operation *op) {
  NamedAttrList attrs(op->getAttrDictionary());
  attrs.erase(kPrecisionAttr);
  return attrs.getDictionary(op->getContext());
}

/// The reference value that candidate value `v` equals, or null.
Value referenceValue(Value v, func::FuncOp reference, const DenseMap<Operation *, Operation *> &same) {
  if (auto a = dyn_cast<BlockArgument>(v))
    return reference.getArgument(a.getArgNumber());
  auto it = same.find(v.getDefiningOp());
  if (it == same.end())
    return Value();
  return it->second->getResult(cast<OpResult>(v).getResultNumber());
}

bool computesSame(Operation &op, Operation *ref, func::FuncOp reference,
                  const DenseMap<Operation *, Operation *> &same) {
  if (ref->getName() != op.getName() || ref->getResultTypes() != op.getResultTypes() ||
      ref->getNumOperands() != op.getNumOperands() || semanticAttrs(ref) != semanticAttrs(&op))
    return false;
  for (unsigned i = 0; i < op.getNumOperands(); ++i)
    if (referenceValue(op.getOperand(i), reference, same) != ref->getOperand(i))
      return false;
  return true;
}

/// Matches the candidate's ops to the reference's by structure, not by name (constants that
/// canonicalization merged carry fused locations): a constant equals a reference constant of
/// the same kind, value and type; any other op equals a user of its first operand's reference
/// value that computes the same on the same reference values.
Replay planReplay(const LocalCandidate &c, func::FuncOp reference,
                  ArrayRef<Operation *> referenceLeaves) {
  Replay r;
  r.layer = c.layer;
  r.func = c.func;
  func::FuncOp f = c.func;
  for (Operation &op : f.front()) {
    if (isa<func::ReturnOp>(op))
      break;
    if (op.getNumOperands() == 0) {
      for (Operation *ref : referenceLeaves)
        if (computesSame(op, ref, reference, r.same)) {
          r.same[&op] = ref;
          break;
        }
    } else if (Value first = referenceValue(op.getOperand(0), reference, r.same)) {
      for (Operation *ref : first.getUsers())
        if (computesSame(op, ref, reference, r.same)) {
          r.same[&op] = ref;
          break;
        }
    }
    if (!r.same.count(&op) && isLayer(&op) && nameOf(&op) == c.layer)
      r.target = &op;
  }
  return r;
}
} // namespace

FailureOr<std::map<std::string, LayerError>>
localErrors(func::FuncOp reference, ArrayRef<LocalCandidate> candidates, const Dataset &data,
            std::string &error) {
  SmallVector<Operation *> leaves; // the reference's ops without operands: its constants
  for (Operation &op : reference.front())
    if (op.getNumOperands() == 0)
      leaves.push_back(&op);
  std::vector<Replay> replays;
  DenseSet<Operation *> needed; // reference ops whose value an op that runs reads
  std::map<std::string, LayerError> errors;
  std::map<std::string, std::optional<std::pair<float, float>>> ranges;
  for (const LocalCandidate &c : candidates) {
    Replay r = planReplay(c, reference, leaves);
    if (!r.target)
      continue;
    func::FuncOp f = c.func;
    for (Operation &op : f.front()) {
      if (!r.same.count(&op))
        for (Value v : op.getOperands())
          if (auto it = r.same.find(v.getDefiningOp()); it != r.same.end())
            needed.insert(it->second);
      if (&op == r.target)
        break;
    }
    errors[c.layer] = LayerError{c.layer, r.target->getName().getStringRef().str()};
    replays.push_back(std::move(r));
  }
  for (Operation &op : reference.front())
    if (isLayer(&op) && errors.count(nameOf(&op))) {
      ranges[nameOf(&op)] = calibratedRange(&op);
      errors[nameOf(&op)].op = op.getName().getStringRef().str();
    }

  DenseMap<Operation *, ref::Tensor> values;
  std::map<std::string, std::vector<float>> want;
  for (const ref::Tensor &batch : data.batches) {
    values.clear();
    want.clear();
    ref::Options refOpts;
    refOpts.observe = [&](Operation *op, const ref::Tensor &t) {
      if (needed.count(op))
        values[op] = t;
      if (isLayer(op) && errors.count(nameOf(op)))
        want[nameOf(op)] = realValues(t);
    };
    if (failed(ref::execute(reference, {batch}, refOpts, error)))
      return failure();
    for (const Replay &r : replays) {
      ref::Options opts;
      opts.precomputed = [&](Operation *op) -> std::optional<const ref::Tensor *> {
        auto it = r.same.find(op);
        if (it == r.same.end())
          return std::nullopt;
        auto v = values.find(it->second);
        return v == values.end() ? nullptr : &v->second;
      };
      opts.observe = [&](Operation *op, const ref::Tensor &t) {
        if (op != r.target)
          return;
        std::vector<float> got = realValues(t);
        auto w = want.find(r.layer);
        if (w != want.end() && got.size() == w->second.size())
          accumulateLayer(errors[r.layer], got, w->second, ranges[r.layer]);
      };
      opts.stopAfter = [&](Operation *op) { return op == r.target; };
      if (failed(ref::execute(r.func, {batch}, opts, error)))
        return failure();
    }
  }
  return errors;
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
