// Calibration: from observed activation values to a quantization range.
//
// Statistics are gathered in two passes over the calibration data: the first finds each tensor's
// min and max, the second fills a histogram of |x| over the fixed range [0, absmax]. Both passes
// only add counts and take extremes, which are commutative, so the result cannot depend on the
// order of the samples or on how they were split into batches.
//
// No MLIR types here: the calibrate pass and the tests feed plain float spans.
#ifndef QOPT_QUANT_CALIBRATION_H
#define QOPT_QUANT_CALIBRATION_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::qopt::calib {

/// Pass 1: the extremes of every value seen.
struct RangeStats {
  float min = 0, max = 0;
  bool empty = true;
  void add(const float *values, size_t count);
  void merge(const RangeStats &other);
  float absMax() const;
};

/// Pass 2: counts of |x| in `bins.size()` equal bins over [0, limit]; values above the limit
/// (which pass 1 rules out) land in the last bin.
struct Histogram {
  float limit = 0;
  std::vector<uint64_t> bins;
  Histogram() = default;
  Histogram(float limit, size_t numBins) : limit(limit), bins(numBins, 0) {}
  void add(const float *values, size_t count);
  void merge(const Histogram &other);
  double binWidth() const { return bins.empty() ? 0 : (double)limit / bins.size(); }
  uint64_t total() const;
};

enum class Method { MinMax, Percentile, Entropy, MSE };

/// Parses "minmax", "percentile", "percentile=99.9", "entropy", "mse".
bool parseMethod(const std::string &text, Method &method, double &percentile, std::string &error);
const char *methodName(Method method);

/// A real-valued clipping range [lo, hi].
struct Range {
  float lo = 0, hi = 0;
};

/// Symmetric |x| threshold below which `percentile` percent of the values lie (bin upper edge).
double percentileThreshold(const Histogram &h, double percentile);

/// TensorRT-style entropy calibration: the |x| threshold whose clipped, `levels`-level quantized
/// distribution has the least KL divergence from the observed one. Candidates are the bin edges
/// from `levels` bins up to all bins.
double entropyThreshold(const Histogram &h, size_t levels = 128);

/// The |x| threshold minimizing the expected squared error of symmetric quantization with
/// `levels` steps on each side of zero: rounding error step^2/12 inside, clipping error outside.
double mseThreshold(const Histogram &h, size_t levels = 127);

/// The range a method picks. `minmax` is [min, max]; the others clip |x| to their threshold and
/// keep the sign structure of the data (a non-negative tensor keeps lo = 0).
Range chooseRange(Method method, const RangeStats &stats, const Histogram &h, double percentile);

} // namespace mlir::qopt::calib

#endif
