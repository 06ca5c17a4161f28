// Calibration: from observed activation values to a quantization range.
//
// Statistics are gathered in two passes over the calibration data: the first finds each tensor's
// min and max, the second fills a histogram of |x| over the fixed range [0, absmax], kept apart by
// sign. Both passes only add counts and take extremes, which are commutative, so the result cannot
// depend on the order of the samples or on how they were split into batches.
//
// Why by sign: an activation is stored as asymmetric u8, whose 256 levels span [lo, hi]. A tensor
// with both signs (the normalized image input: a spike of background pixels at -0.81, bright
// pixels up to +2.02) has two tails of different lengths, and a threshold searched on |x| lets the
// one tail decide where the other is clipped. The entropy and MSE methods therefore search lo and
// hi on the signed histogram against the u8 grid they will get; percentile keeps its |x| threshold
// (the folded halves are exactly the |x| histogram), and non-negative tensors are unchanged.
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

/// Pass 2 with the sign kept: `negative` counts |x| of the values below zero, `positive` of those
/// above, both in Histogram's bins over [0, limit]; exact zeros are counted apart, because u8's
/// zero point stores them exactly (a ReLU output's spike at zero loses nothing to quantization).
/// `folded()` adds everything back together: exactly the |x| histogram of the same values.
struct SignedHistogram {
  Histogram negative, positive;
  uint64_t zeros = 0;
  SignedHistogram() = default;
  SignedHistogram(float limit, size_t numBins)
      : negative(limit, numBins), positive(limit, numBins) {}
  void add(const float *values, size_t count);
  void merge(const SignedHistogram &other);
  Histogram folded() const;
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

/// What the entropy searches minimize: KL(p || q) for the window [a, b) of a row of bins, p the
/// window with the mass outside clipped into its edge bins, q its `levels`-level quantization
/// (each of `levels` equal groups of bins spread evenly over its non-empty bins). Infinity for an
/// empty window or one narrower than 2 bins or than `levels`.
double windowDivergence(const std::vector<uint64_t> &row, size_t a, size_t b, size_t levels);

/// TensorRT-style entropy calibration: the |x| threshold whose clipped, `levels`-level quantized
/// distribution has the least KL divergence from the observed one. Candidates are the bin edges
/// from `levels` bins up to all bins.
double entropyThreshold(const Histogram &h, size_t levels = 128);

/// The |x| threshold minimizing the expected squared error of symmetric quantization with
/// `levels` steps on each side of zero: rounding error step^2/12 inside, clipping error outside.
double mseThreshold(const Histogram &h, size_t levels = 127);

/// Entropy calibration of a two-sided tensor for a grid of `levels` levels spanning [lo, hi]: the
/// range, on the signed histogram's bin edges and containing zero, whose clipped distribution has
/// the least KL divergence from its `levels`-level quantization. A joint search over both ends
/// costs a third power of the bins, so it alternates exhaustive searches of hi (lo fixed) and lo
/// (hi fixed) from [min, max] until neither moves; each step can only lower the divergence.
Range signedEntropyRange(const SignedHistogram &h, size_t levels = 256);

/// MSE calibration of a two-sided tensor for a grid of `steps` steps spanning [lo, hi]: every pair
/// of bin edges around zero is tried, with rounding error step^2/12 inside and clipping error
/// outside, step = (hi - lo) / steps.
Range signedMseRange(const SignedHistogram &h, size_t steps = 255);

/// The range a method picks. `minmax` is [min, max]; `percentile` clips |x| to its threshold. For
/// a non-negative tensor (lo = 0, the u8 zero point 0) entropy and MSE search a threshold for 256
/// levels on [0, T]; for one with both signs they search lo and hi on the signed histogram. Both
/// leave out the exact zeros, which every candidate range represents without error (counted in,
/// a ReLU output's zeros made entropy keep a fifth of the range, as if they were rounded).
/// The result never extends past [min, max].
Range chooseRange(Method method, const RangeStats &stats, const SignedHistogram &h,
                  double percentile);

} // namespace mlir::qopt::calib

#endif
