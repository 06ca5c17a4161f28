// Measuring a transformed function against its fp32 original on real data, on the reference
// executor: the numbers behind every precision claim (per-layer SQNR and max abs error, top-1
// agreement, accuracy with labels). Calibration, the mixed-precision search and qopt-compile's
// report all read their samples and measure through here.
#ifndef QOPT_EVALUATION_EVALUATE_H
#define QOPT_EVALUATION_EVALUATE_H

#include "qopt/Engine/Engine.h"
#include "qopt/Evaluation/Confidence.h"
#include "qopt/Reference/Executor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mlir::qopt::eval {

/// Samples for a single-input function, split into batches the function accepts.
struct Dataset {
  std::string path;
  int64_t samples = 0;
  /// FNV-1a 64 of the file's element bytes, in hex: identifies the data in provenance.
  std::string hash;
  std::vector<ref::Tensor> batches;
  /// The classes the function's first output scores (its last dimension), or -1 when unknown.
  int64_t classes = -1;
  /// One class index per sample, or empty without labels.
  std::vector<int64_t> labels;
};

/// Reads `path` (.npy float32 [N, input dims...]) for `func`'s single input. `what` names the data
/// in messages ("calibration data"). Empty, wrong dtype or shape, NaN or Inf: failure, with a
/// message naming the file, the expected and the actual in `error`. `batchSize` applies when the
/// input's batch dimension is dynamic.
FailureOr<Dataset> loadDataset(func::FuncOp func, const std::string &path, int64_t batchSize,
                               StringRef what, std::string &error);

/// Adds labels (.npy of integers [N]) to `data`: N must match and every label must lie in
/// [0, data.classes).
LogicalResult loadLabels(Dataset &data, const std::string &path, std::string &error);

/// Error statistics of one layer's output over the data.
struct LayerError {
  std::string name; // the layer's name (its NameLoc)
  std::string op;   // the op name in the reference
  double signal = 0, noise = 0, maxAbs = 0;
  /// The part of `noise` where the fp32 value lay outside the calibrated range (clipped).
  double clippedNoise = 0;
  int64_t count = 0, nonFinite = 0;
  /// 10 log10(signal / noise); +inf for an exact match.
  double sqnrDb() const;
};

struct Comparison {
  int64_t samples = 0;
  int64_t agree = 0;                       // top-1 equal to the reference's
  int64_t referenceCorrect = 0, correct = 0; // with labels
  /// The discordant pairs with labels: samples fp32 gets right and the candidate wrong (lost),
  /// and the other way round (gained). lost - gained = referenceCorrect - correct.
  int64_t lost = 0, gained = 0;
  bool hasLabels = false;
  /// Energy of the reference's first result and of the candidate's difference from it.
  double outputSignal = 0, outputNoise = 0;
  /// Layers present in both functions (by name), in the reference's order.
  std::vector<LayerError> layers;
  double agreementPct() const { return samples ? 100.0 * agree / samples : 0; }
  double referenceAccuracyPct() const { return samples ? 100.0 * referenceCorrect / samples : 0; }
  double accuracyPct() const { return samples ? 100.0 * correct / samples : 0; }
  /// The loss that budgets are measured in: accuracy points lost with labels, else the
  /// disagreement with the reference in percent.
  double lossPoints() const {
    return hasLabels ? referenceAccuracyPct() - accuracyPct() : 100.0 - agreementPct();
  }
  /// The confidence interval of lossPoints() from the paired per-sample outcomes
  /// (Confidence.h), at `confidence` in (0, 1).
  Interval lossInterval(double confidence) const;
  /// The samples whose outcome differs between the two: what the interval rests on.
  int64_t discordant() const { return hasLabels ? lost + gained : samples - agree; }
  const LayerError *layer(StringRef name) const;
  /// SQNR of the first result in dB (+inf when exact).
  double outputSqnrDb() const;
};

/// Top-1 class of the first result for every sample of `data`.
FailureOr<std::vector<int64_t>> predict(func::FuncOp func, const Dataset &data,
                                        std::string &error);

/// Runs `reference` and `candidate` on every batch of `data` and compares them: top-1 of their
/// first results, and every named layer's output (quantized outputs are dequantized). `progress`,
/// when set, is called after each batch with (samples done, total).
FailureOr<Comparison> compare(func::FuncOp reference, func::FuncOp candidate, const Dataset &data,
                              std::string &error,
                              const std::function<void(int64_t, int64_t)> &progress = {});

/// A copy of a reference function with one layer (named `layer`) lowered, as
/// buildPrecisionCandidate makes it.
struct LocalCandidate {
  std::string layer;
  func::FuncOp func;
};

/// Each candidate's local error: the error of its layer's output when the layer's inputs are what
/// they are in the reference. What `compare(reference, candidate)` reports for that layer, but
/// the reference runs once per batch and each candidate only up to its layer, its ops before
/// the layer replayed from the reference run (an op is replayed when it has the reference op's
/// kind, attributes, result types and replayed operands). Layers not found are left out.
FailureOr<std::map<std::string, LayerError>> localErrors(func::FuncOp reference,
                                                         ArrayRef<LocalCandidate> candidates,
                                                         const Dataset &data, std::string &error);

/// The model-level part of `compare` (top-1 agreement, accuracy, output SQNR; no per-layer
/// errors) between two engines of any kind, e.g. the native code of the fp32 and of the compiled
/// model, which cannot observe single ops but run 10,000 samples in a fraction of a second.
FailureOr<Comparison> compareOutputs(engine::Engine &reference, engine::Engine &candidate,
                                     const Dataset &data, std::string &error,
                                     const std::function<void(int64_t, int64_t)> &progress = {});

/// The real values of an executor tensor: float values as they are, per-tensor or per-axis
/// quantized ones dequantized; empty for other element types.
std::vector<float> realValues(const ref::Tensor &t);

/// The op kinds whose output the error statistics follow: everything that computes, not the
/// constants and the precision conversions (quantize, dequantize, requantize, cast).
bool isLayer(Operation *op);

} // namespace mlir::qopt::eval

#endif
