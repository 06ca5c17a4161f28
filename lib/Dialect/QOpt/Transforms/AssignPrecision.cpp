// qopt-assign-precision: chooses f32 | f16 | bf16 | i8 for every fully_connected, conv2d and
// matmul, uniformly or (mode=mixed) as the cheapest assignment under an accuracy budget, and
// records the precision, the reason and the measured error on each op.
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Dialect/QOpt/Transforms/Precision.h"
#include "qopt/Evaluation/Evaluate.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace mlir::qopt {
#define GEN_PASS_DEF_ASSIGNPRECISIONPASS
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

using namespace mlir;
using namespace mlir::qopt;

namespace {

/// The predicted latency model: per-core throughput in multiply-accumulates per cycle, and the
/// bytes per weight (DESIGN.md: fp32 FMA 64 flop, vpdpbusd 256 int8 op x2, vdpbf16ps 128 flop;
/// f16 is storage only, computed with f32 FMA after F16C conversion).
struct CostModel {
  double macsPerCycle[4]; // indexed by Precision: i8, bf16, f16, f32
  double bytesPerCycle = 10.7; // DRAM ~37 GB/s per core at ~3.46 GHz
};

CostModel costModelFor(CostTarget target) {
  switch (target) {
  case CostTarget::avx512vnni:
  case CostTarget::avx512bf16:
    return CostModel{{256, 64, 32, 32}};
  case CostTarget::avx2:
    return CostModel{{64, 8, 16, 16}}; // bf16 emulated by shifts on AVX2
  }
  llvm_unreachable("unknown cost target");
}

double bytesOf(Precision p) {
  return p == Precision::i8 ? 1 : (p == Precision::f32 ? 4 : 2);
}

/// Cycles per sample of a linear op at precision p: compute plus streaming its weights once.
double costOf(Operation *op, Precision p, const CostModel &m) {
  auto out = cast<ShapedType>(op->getResult(0).getType());
  auto w = cast<ShapedType>(op->getOperand(1).getType());
  int64_t perSample = 1;
  for (int64_t d = 1; d < out.getRank(); ++d)
    perSample *= out.isDynamicDim(d) ? 1 : out.getDimSize(d);
  // The reduction length: K of fully_connected / matmul, C/g * kh * kw of conv2d.
  int64_t k = 1;
  if (isa<Conv2DOp>(op))
    for (int64_t d = 1; d < w.getRank(); ++d)
      k *= w.getDimSize(d);
  else
    k = isa<MatMulOp>(op) ? w.getDimSize(w.getRank() - 2) : w.getDimSize(1);
  double weights = op->getOperand(1).getDefiningOp<ConstantOp>() ? (double)w.getNumElements() : 0;
  return (double)perSample * k / m.macsPerCycle[(int)p] + weights * bytesOf(p) / m.bytesPerCycle;
}

/// The predicted model's cycles as nanoseconds, at a nominal clock: a fixed constant rather than
/// the clock measured on this machine, so that the predicted figures (and the decisions made on
/// them) are the same on every machine. Both machine kinds seen run at about 3.5 GHz.
constexpr double kPredictedGhz = 3.5;

/// The share of the model's predicted f32 time from which a layer producing the logits follows a
/// uniform int8 instead of staying f32.
constexpr double kLogitsInt8Share = 0.05;

/// The latency table qopt-compile measured (`qopt.measured_latency` on the function: layer name
/// -> [ns per sample for i8, bf16, f16, f32], `unit` where a precision was not measured), checked.
using MeasuredLatency = std::map<std::string, std::array<std::optional<double>, 4>>;

FailureOr<MeasuredLatency> readMeasuredLatency(func::FuncOp func, ArrayRef<std::string> names) {
  MeasuredLatency table;
  Attribute attr = func->getAttr(kMeasuredLatencyAttr);
  if (!attr)
    return table;
  auto dict = dyn_cast<DictionaryAttr>(attr);
  if (!dict)
    return func.emitError(kMeasuredLatencyAttr)
           << " must be a dictionary of layer name -> [i8, bf16, f16, f32] ns per sample, got "
           << attr;
  for (NamedAttribute entry : dict) {
    std::string name = entry.getName().str();
    auto where = [&] { return (llvm::Twine(kMeasuredLatencyAttr) + "['" + name + "']").str(); };
    if (!llvm::is_contained(names, name)) {
      std::string known;
      for (const std::string &n : names)
        known += (known.empty() ? "" : ", ") + n;
      return func.emitError(where()) << " names no layer of this function; its layers are: "
                                     << known;
    }
    auto list = dyn_cast<ArrayAttr>(entry.getValue());
    if (!list || list.size() != 4)
      return func.emitError(where())
             << " must list 4 latencies (ns per sample for i8, bf16, f16, f32; unit where not "
                "measured), got "
             << entry.getValue();
    std::array<std::optional<double>, 4> ns;
    for (auto [k, v] : llvm::enumerate(list)) {
      if (isa<UnitAttr>(v))
        continue;
      double x;
      if (auto f = dyn_cast<FloatAttr>(v))
        x = f.getValueAsDouble();
      else if (auto i = dyn_cast<IntegerAttr>(v))
        x = (double)i.getInt();
      else
        return func.emitError(where()) << "[" << k << "] (" << stringifyPrecision((Precision)k)
                                       << ") must be a number of ns or unit, got " << v;
      if (!(x >= 0) || !std::isfinite(x))
        return func.emitError(where()) << "[" << k << "] (" << stringifyPrecision((Precision)k)
                                       << ") must be a finite latency >= 0 ns, got " << x;
      ns[k] = x;
    }
    table[name] = ns;
  }
  return table;
}

/// The largest |w| of the op's constant operands (weights, bias).
double constantAbsMax(Operation *op) {
  double m = 0;
  for (Value v : op->getOperands())
    if (auto c = v.getDefiningOp<ConstantOp>())
      if (auto values = readF32Constant(c.getValue()))
        for (float x : *values)
          m = std::max(m, (double)std::fabs(x));
  return m;
}

/// True for an op whose result is a function result, directly or through softmax / log_softmax:
/// the logits.
bool producesLogits(Operation *op) {
  for (Operation *user : op->getUsers()) {
    if (isa<func::ReturnOp>(user))
      return true;
    if (isa<SoftmaxOp, LogSoftmaxOp>(user) &&
        llvm::any_of(user->getUsers(), [](Operation *u) { return isa<func::ReturnOp>(u); }))
      return true;
  }
  return false;
}

/// A matmul of two computed tensors (attention's Q K^T and P V): the native backend has no int8
/// kernel for it (its int8 GEMMs take weights packed at compile time), so int8 would leave the
/// model without native code.
bool multipliesActivations(Operation *op) {
  auto mm = dyn_cast<MatMulOp>(op);
  return mm && !mm.getLhs().getDefiningOp<ConstantOp>() && !mm.getRhs().getDefiningOp<ConstantOp>();
}

/// A candidate's measured loss in points: the point estimate, its 95% interval, and what the
/// budget is checked against (the point, or the interval's upper bound at the asked confidence).
struct Loss {
  double points = 0, checked = 0;
  eval::Interval ci95;
};

struct Decision {
  Precision precision = Precision::f32;
  std::string reason;
  bool pinned = false; // an override or a rule, not the search's to change
  std::vector<Precision> ladder;
  size_t step = 0;
  double sensitivityLoss = 0, sensitivitySqnr = 0;
  bool measured = false;
  /// The precisions left off the ladder as no faster than a more accurate one, and why.
  std::string dropped;
};

struct AssignPrecisionPass : qopt::impl::AssignPrecisionPassBase<AssignPrecisionPass> {
  using AssignPrecisionPassBase::AssignPrecisionPassBase;

  func::FuncOp func;
  SmallVector<Operation *> targets;
  std::vector<std::string> names;
  std::vector<Decision> decisions;
  CostModel model;
  MeasuredLatency measuredTable;

  double predictedNs(size_t i, Precision p) const {
    return costOf(targets[i], p, model) / kPredictedGhz;
  }
  std::optional<double> measuredNs(size_t i, Precision p) const {
    auto it = measuredTable.find(names[i]);
    return it == measuredTable.end() ? std::nullopt : it->second[(int)p];
  }
  /// What the search compares: the measured latency where there is one, else the predicted.
  double latencyNs(size_t i, Precision p) const {
    return measuredNs(i, p).value_or(predictedNs(i, p));
  }

  /// A copy of the function with `precisions` applied and folded to integer ops.
  FailureOr<OwningOpRef<func::FuncOp>> candidate(ArrayRef<Precision> precisions) {
    QuantizeOptions options;
    options.signedActivations = activations == ActivationStorage::i8;
    return buildPrecisionCandidate(func, precisions, options);
  }

  std::vector<Precision> current() const {
    std::vector<Precision> p;
    for (const Decision &d : decisions)
      p.push_back(d.precision);
    return p;
  }

  LogicalResult applyOverrides() {
    for (const std::string &o : overrides) {
      size_t eq = o.rfind('=');
      std::optional<Precision> p =
          eq == std::string::npos ? std::nullopt : parsePrecision(StringRef(o).substr(eq + 1));
      if (!p)
        return func.emitError("precision override '")
               << o << "' is not NAME=f32|f16|bf16|i8";
      std::string name = o.substr(0, eq);
      auto it = llvm::find(names, name);
      if (it == names.end()) {
        std::string known;
        for (const std::string &n : names)
          known += (known.empty() ? "" : ", ") + n;
        return func.emitError("precision override names '")
               << name << "', which is not a layer of this model; its layers are: " << known;
      }
      Decision &d = decisions[it - names.begin()];
      d.precision = *p;
      d.pinned = true;
      d.reason = "override " + o;
    }
    return success();
  }

  /// f16 cannot hold a calibrated value beyond 65504; nullopt when it can, else the reason.
  std::optional<std::string> f16Problem(Operation *op) {
    std::optional<double> absMax = calibratedAbsMax(op);
    if (!absMax)
      return std::string("no calibrated range (run qopt-calibrate) to show it fits f16");
    double m = std::max(*absMax, constantAbsMax(op));
    if (m > kF16Max)
      return llvm::formatv("range up to {0:g} exceeds f16's 65504", m).str();
    return std::nullopt;
  }

  void runOnOperation() override {
    func = getOperation();
    model = costModelFor(target);
    func.walk([&](Operation *op) {
      if (isPrecisionTarget(op)) {
        targets.push_back(op);
        names.push_back(layerName(op->getLoc(), op->getName().getStringRef().str() + "#" +
                                                    std::to_string(targets.size() - 1)));
      }
    });
    decisions.assign(targets.size(), Decision());
    FailureOr<MeasuredLatency> table = readMeasuredLatency(func, names);
    if (failed(table))
      return signalPassFailure();
    measuredTable = std::move(*table);
    // Consumed: the table describes this run's machine, and the function goes on to the artifact.
    func->removeAttr(kMeasuredLatencyAttr);
    if (failed(applyOverrides()))
      return signalPassFailure();

    std::optional<Precision> uniform;
    switch (mode) {
    case PrecisionMode::int8:
      uniform = Precision::i8;
      break;
    case PrecisionMode::fp16:
      uniform = Precision::f16;
      break;
    case PrecisionMode::bf16:
      uniform = Precision::bf16;
      break;
    case PrecisionMode::fp32:
      uniform = Precision::f32;
      break;
    case PrecisionMode::mixed:
      break;
    }

    double totalF32Ns = 0;
    for (size_t i = 0; i < targets.size(); ++i)
      totalF32Ns += predictedNs(i, Precision::f32);
    for (size_t i = 0; i < targets.size(); ++i) {
      Decision &d = decisions[i];
      if (d.pinned)
        continue;
      if (producesLogits(targets[i])) {
        // Logits stay f32 where that costs little: a classifier's head is well under 1% of the
        // model. A head of kLogitsInt8Share or more of the predicted f32 time (the last
        // 1024 x 1024 layer of a 10-layer MLP: 10%, and 30% of its int8 latency in f32) follows
        // the uniform int8 like the others; its result is still dequantized to f32.
        double share = predictedNs(i, Precision::f32) / totalF32Ns;
        if (uniform && *uniform == Precision::i8 && share >= kLogitsInt8Share) {
          d.precision = Precision::i8;
          d.reason = llvm::formatv("uniform int8 (its f32 logits are {0:f0}% of the model's "
                                   "predicted f32 time; override with {1}=f32 to keep the "
                                   "layer f32)",
                                   100 * share, names[i])
                         .str();
          continue;
        }
        d.pinned = true;
        d.precision = Precision::f32;
        d.reason = "final logits stay f32 (override with " + names[i] + "=i8 to change)";
        continue;
      }
      std::optional<std::string> noF16 = f16Problem(targets[i]);
      bool noInt8 = multipliesActivations(targets[i]);
      if ((!uniform || *uniform == Precision::i8) && noInt8) {
        d.pinned = !uniform; // the mixed search leaves it alone
        d.precision = Precision::f32;
        d.reason = "f32 instead of int8: no native int8 kernel multiplies two activations "
                   "(override with " + names[i] + "=i8 for the reference executor)";
        continue;
      }
      if (uniform) {
        d.precision = *uniform;
        d.reason = ("uniform " + stringifyPrecisionMode(mode)).str();
        if (*uniform == Precision::f16 && noF16) {
          d.precision = Precision::f32;
          d.reason = "f32 instead of f16: " + *noF16;
        }
        continue;
      }
      d.ladder = {Precision::i8, Precision::bf16};
      if (!noF16)
        d.ladder.push_back(Precision::f16);
      d.ladder.push_back(Precision::f32);
      dropDominated(i, d);
      d.precision = d.ladder.front();
    }
    if (!uniform && failed(search()))
      return signalPassFailure();
    record();
  }

  /// "measured (2 of 3 layers)" or "predicted": which latencies ranked the promotions. Words,
  /// not timings, so that the artifact does not carry this run's measurements.
  std::string costModelText() const {
    size_t n = 0;
    for (size_t i = 0; i < targets.size(); ++i)
      n += measuredTable.count(names[i]);
    if (n == 0)
      return "predicted";
    return llvm::formatv("measured ({0} of {1} layers)", n, targets.size()).str();
  }

  /// Removes from the ladder (ordered from least to most accurate) every precision that is not
  /// clearly faster than a more accurate one after it: with measured latencies, i8 can lose to
  /// bf16 on a layer too small for its quantize steps to pay off. "Clearly" is 5%, so that two
  /// precisions timed alike do not trade places from run to run on measurement noise.
  void dropDominated(size_t i, Decision &d) {
    std::vector<Precision> kept;
    for (size_t k = 0; k < d.ladder.size(); ++k) {
      Precision p = d.ladder[k];
      auto better = std::find_if(d.ladder.begin() + k + 1, d.ladder.end(), [&](Precision q) {
        return !(latencyNs(i, p) < 0.95 * latencyNs(i, q));
      });
      if (better == d.ladder.end()) {
        kept.push_back(p);
        continue;
      }
      d.dropped += llvm::formatv("{0}{1} skipped: {2} no faster than {3}",
                                 d.dropped.empty() ? "" : "; ", stringifyPrecision(p),
                                 measuredNs(i, p) && measuredNs(i, *better) ? "measured"
                                                                            : "predicted",
                                 stringifyPrecision(*better))
                       .str();
    }
    d.ladder = std::move(kept);
  }

  /// Writes each op's precision, reason, (mixed) measured sensitivity and the latencies.
  void record() {
    Builder b(&getContext());
    for (size_t i = 0; i < targets.size(); ++i) {
      const Decision &d = decisions[i];
      SmallVector<Attribute> predicted, measured, used;
      bool anyMeasured = false;
      for (int k = 0; k < 4; ++k) {
        predicted.push_back(b.getF64FloatAttr(predictedNs(i, (Precision)k)));
        std::optional<double> m = measuredNs(i, (Precision)k);
        anyMeasured |= m.has_value();
        measured.push_back(m ? Attribute(b.getF64FloatAttr(*m)) : Attribute(b.getUnitAttr()));
        used.push_back(b.getStringAttr(m ? "measured" : "predicted"));
      }
      SmallVector<NamedAttribute> latency = {
          b.getNamedAttr("predicted_ns", b.getArrayAttr(predicted))};
      if (anyMeasured)
        latency.push_back(b.getNamedAttr("measured_ns", b.getArrayAttr(measured)));
      latency.push_back(b.getNamedAttr("used", b.getArrayAttr(used)));
      targets[i]->setAttr(kLatencyAttr, b.getDictionaryAttr(latency));
      targets[i]->setAttr(kPrecisionAttr, PrecisionAttr::get(&getContext(), d.precision));
      targets[i]->setAttr(kPrecisionReasonAttr, b.getStringAttr(d.reason));
      if (d.measured)
        targets[i]->setAttr(
            "qopt.sensitivity",
            b.getDictionaryAttr({b.getNamedAttr("i8_loss_points", b.getF64FloatAttr(d.sensitivityLoss)),
                                 b.getNamedAttr("i8_output_sqnr_db",
                                                b.getF64FloatAttr(std::isinf(d.sensitivitySqnr)
                                                                      ? 999.0
                                                                      : d.sensitivitySqnr))}));
    }
  }

  LogicalResult search() {
    std::string error;
    // Without calibration data (ranges from recorded statistics) sensitivity is measured on the
    // evaluation data instead.
    bool onCalib = !data.empty() || evalData.empty();
    auto calib = eval::loadDataset(func, onCalib ? data : evalData, batchSize,
                                   onCalib ? "calibration data" : "evaluation data", error);
    if (failed(calib))
      // Data errors are about files, not the IR: no op printed with them (as in qopt-calibrate).
      return mlir::emitError(func.getLoc(),
                             "mixed precision measures sensitivity on calibration data: ")
             << error;
    eval::Dataset searchData = *calib;
    if (!evalData.empty()) {
      auto e = eval::loadDataset(func, evalData, batchSize, "evaluation data", error);
      if (failed(e))
        return mlir::emitError(func.getLoc(), error);
      searchData = std::move(*e);
    }
    if (!evalLabels.empty() && failed(eval::loadLabels(searchData, evalLabels, error)))
      return mlir::emitError(func.getLoc(), error);
    if (budget < 0)
      return func.emitError("the accuracy budget must be >= 0 points, got ") << budget.getValue();

    // Sensitivity: each searchable layer alone in i8, the rest f32, on the calibration data.
    for (size_t i = 0; i < targets.size(); ++i) {
      Decision &d = decisions[i];
      if (d.pinned)
        continue;
      std::vector<Precision> alone(targets.size(), Precision::f32);
      for (size_t j = 0; j < targets.size(); ++j)
        if (decisions[j].pinned)
          alone[j] = decisions[j].precision;
      alone[i] = Precision::i8;
      auto c = candidate(alone);
      if (failed(c))
        return failure();
      auto cmp = eval::compare(func, **c, *calib, error);
      if (failed(cmp))
        return func.emitError("sensitivity run failed: ") << error;
      d.sensitivityLoss = cmp->lossPoints();
      d.sensitivitySqnr = cmp->outputSqnrDb();
      d.measured = true;
    }

    auto reference = eval::predict(func, searchData, error);
    if (failed(reference))
      return func.emitError("fp32 reference run failed: ") << error;
    if (budgetConfidence != 0 && !(budgetConfidence > 0 && budgetConfidence < 1))
      return func.emitError("the budget confidence must be a level in (0, 1), e.g. 0.95, got ")
             << budgetConfidence.getValue();
    bool useBound = budgetConfidence > 0;
    auto lossOf = [&](ArrayRef<Precision> p) -> FailureOr<Loss> {
      auto c = candidate(p);
      if (failed(c))
        return failure();
      auto pred = eval::predict(**c, searchData, error);
      if (failed(pred))
        return func.emitError("candidate run failed: ") << error;
      // The same per-sample differences the report's interval uses (Confidence.h).
      int64_t n = (int64_t)pred->size(), sum = 0, sumSquares = 0;
      for (int64_t k = 0; k < n; ++k) {
        int64_t d = (*pred)[k] != (*reference)[k];
        if (!searchData.labels.empty())
          d = int64_t((*reference)[k] == searchData.labels[k]) -
              int64_t((*pred)[k] == searchData.labels[k]);
        sum += d;
        sumSquares += d * d;
      }
      Loss l;
      l.points = n ? 100.0 * sum / n : 0;
      l.ci95 = eval::pairedLossInterval(n, sum, sumSquares, 0.95);
      l.checked = useBound ? eval::pairedLossInterval(n, sum, sumSquares, budgetConfidence).hi
                           : l.points;
      return l;
    };

    std::string measure = searchData.labels.empty() ? "top-1 disagreement with fp32"
                                                    : "top-1 accuracy loss";
    std::string on = llvm::formatv("{0} ({1} samples)", searchData.path, searchData.samples).str();
    std::string bound =
        useBound ? (llvm::Twine("upper bound of the ") +
                    llvm::formatv("{0}", llvm::format("%g", 100 * budgetConfidence.getValue()))
                        .str() +
                    "% confidence interval")
                       .str()
                 : std::string("point estimate");
    FailureOr<Loss> loss = lossOf(current());
    if (failed(loss))
      return failure();
    // The cheapest assignment passes on its point estimate but not on the bound: the bound, not
    // the point, made the search promote layers (or fail). Recorded so the report says so.
    bool boundChangedDecision = loss->points <= budget && loss->checked > budget;
    int steps = 0;
    while (loss->checked > budget) {
      // Promote the layer with the most output noise per ns of extra latency.
      int best = -1;
      double bestScore = -1;
      for (size_t i = 0; i < targets.size(); ++i) {
        Decision &d = decisions[i];
        if (d.pinned || d.step + 1 >= d.ladder.size())
          continue;
        double noise = std::isinf(d.sensitivitySqnr) ? 0 : std::pow(10.0, -d.sensitivitySqnr / 10);
        double extra = latencyNs(i, d.ladder[d.step + 1]) - latencyNs(i, d.ladder[d.step]);
        double score = (noise + d.sensitivityLoss) / std::max(extra, 1e-9);
        if (score > bestScore) {
          bestScore = score;
          best = (int)i;
        }
      }
      if (best < 0)
        break;
      Decision &d = decisions[best];
      d.precision = d.ladder[++d.step];
      ++steps;
      loss = lossOf(current());
      if (failed(loss))
        return failure();
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      Decision &d = decisions[i];
      if (d.pinned)
        continue;
      std::string alone = llvm::formatv("alone in i8: {0:f2} points, output SQNR {1:f1} dB",
                                        d.sensitivityLoss, d.sensitivitySqnr).str();
      std::string first = stringifyPrecision(d.ladder.front()).str();
      if (!d.dropped.empty())
        alone += "; " + d.dropped;
      d.reason = d.step == 0
                     ? "mixed: cheapest (" + first + ") fits the budget; " + alone
                     : "mixed: raised from " + first + " to " + stringifyPrecision(d.precision).str() +
                           " to meet the budget, most output noise per ns of extra latency; " + alone;
    }
    Builder b(&getContext());
    SmallVector<NamedAttribute> search = {
        b.getNamedAttr("budget_points", b.getF64FloatAttr(budget)),
        b.getNamedAttr("loss_points", b.getF64FloatAttr(loss->points)),
        b.getNamedAttr("loss_points_ci95_lo", b.getF64FloatAttr(loss->ci95.lo)),
        b.getNamedAttr("loss_points_ci95_hi", b.getF64FloatAttr(loss->ci95.hi)),
        b.getNamedAttr("loss_ci_method", b.getStringAttr(eval::kLossIntervalMethod)),
        b.getNamedAttr("measure", b.getStringAttr(measure)),
        b.getNamedAttr("data", b.getStringAttr(on)),
        b.getNamedAttr("promotions", b.getI64IntegerAttr(steps)),
        b.getNamedAttr("cost_model", b.getStringAttr(costModelText()))};
    // Only with the option, so that searches without it record what they always did.
    if (useBound) {
      search.push_back(b.getNamedAttr("budget_confidence", b.getF64FloatAttr(budgetConfidence)));
      search.push_back(b.getNamedAttr("budget_checked_against", b.getStringAttr(bound)));
      search.push_back(b.getNamedAttr("budget_checked_loss_points",
                                      b.getF64FloatAttr(loss->checked)));
      search.push_back(b.getNamedAttr("bound_changed_decision",
                                      b.getBoolAttr(boundChangedDecision)));
    }
    func->setAttr("qopt.precision_search", b.getDictionaryAttr(search));
    if (loss->checked > budget) {
      std::string best;
      for (size_t i = 0; i < targets.size(); ++i)
        best += (best.empty() ? "" : ", ") + names[i] + "=" +
                stringifyPrecision(decisions[i].precision).str();
      auto diag = allowOverBudget ? func.emitWarning() : func.emitError();
      diag << llvm::formatv("the accuracy budget of {0} points cannot be met: the best "
                            "assignment found ({1}) has a {2} of {3:f2} points on {4}",
                            budget.getValue(), best, measure, loss->points, on)
                  .str();
      if (useBound)
        diag << llvm::formatv(", {0:f2} at the {1}", loss->checked, bound).str();
      if (!allowOverBudget) {
        diag << " (allow-over-budget keeps it anyway)";
        return failure();
      }
    }
    return success();
  }
};

} // namespace
