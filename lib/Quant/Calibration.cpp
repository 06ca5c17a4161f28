#include "qopt/Quant/Calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mlir::qopt::calib {

void RangeStats::add(const float *values, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    float v = values[i];
    if (std::isnan(v))
      continue;
    if (empty) {
      min = max = v;
      empty = false;
    } else {
      min = std::min(min, v);
      max = std::max(max, v);
    }
  }
}

void RangeStats::merge(const RangeStats &o) {
  if (o.empty)
    return;
  if (empty) {
    *this = o;
    return;
  }
  min = std::min(min, o.min);
  max = std::max(max, o.max);
}

float RangeStats::absMax() const { return empty ? 0.0f : std::max(std::fabs(min), std::fabs(max)); }

/// The bin of |x| for bins of width 1/scale: shared by Histogram and SignedHistogram, so that a
/// signed histogram folds into exactly the |x| histogram of the same values.
/// Values past the last bin (+inf from an overflowing layer, or inf * 0 = NaN when the range is
/// empty) land in the last bin instead of being converted out of size_t's range.
static size_t binOf(float a, double scale, size_t numBins) {
  double v = a * scale;
  return v < static_cast<double>(numBins - 1) ? static_cast<size_t>(v) : numBins - 1;
}

static double binScale(const Histogram &h) {
  return h.limit > 0 ? h.bins.size() / (double)h.limit : 0;
}

void Histogram::add(const float *values, size_t count) {
  if (bins.empty())
    return;
  double scale = binScale(*this);
  for (size_t i = 0; i < count; ++i) {
    float a = std::fabs(values[i]);
    if (std::isnan(a))
      continue;
    ++bins[binOf(a, scale, bins.size())];
  }
}

void Histogram::merge(const Histogram &o) {
  for (size_t i = 0; i < bins.size() && i < o.bins.size(); ++i)
    bins[i] += o.bins[i];
}

uint64_t Histogram::total() const {
  uint64_t t = 0;
  for (uint64_t b : bins)
    t += b;
  return t;
}

void SignedHistogram::add(const float *values, size_t count) {
  if (positive.bins.empty())
    return;
  double scale = binScale(positive);
  for (size_t i = 0; i < count; ++i) {
    float a = std::fabs(values[i]);
    if (std::isnan(a))
      continue;
    if (a == 0) {
      ++zeros;
      continue;
    }
    Histogram &side = values[i] < 0 ? negative : positive;
    ++side.bins[binOf(a, scale, side.bins.size())];
  }
}

void SignedHistogram::merge(const SignedHistogram &o) {
  negative.merge(o.negative);
  positive.merge(o.positive);
  zeros += o.zeros;
}

Histogram SignedHistogram::folded() const {
  Histogram h = positive;
  h.merge(negative);
  if (!h.bins.empty())
    h.bins[0] += zeros;
  return h;
}

bool parseMethod(const std::string &text, Method &method, double &percentile,
                 std::string &error) {
  percentile = 99.99;
  if (text == "minmax") {
    method = Method::MinMax;
  } else if (text == "entropy") {
    method = Method::Entropy;
  } else if (text == "mse") {
    method = Method::MSE;
  } else if (text.rfind("percentile", 0) == 0) {
    method = Method::Percentile;
    if (text.size() > 10) {
      if (text[10] != '=') {
        error = "unknown calibration method '" + text + "'";
        return false;
      }
      char *end = nullptr;
      percentile = std::strtod(text.c_str() + 11, &end);
      if (!end || *end || !(percentile > 0 && percentile <= 100)) {
        error = "percentile must be a number in (0, 100], got '" + text.substr(11) + "'";
        return false;
      }
    }
  } else {
    error = "unknown calibration method '" + text +
            "' (expected minmax, percentile[=P], entropy or mse)";
    return false;
  }
  return true;
}

const char *methodName(Method m) {
  switch (m) {
  case Method::MinMax: return "minmax";
  case Method::Percentile: return "percentile";
  case Method::Entropy: return "entropy";
  case Method::MSE: return "mse";
  }
  return "?";
}

double percentileThreshold(const Histogram &h, double percentile) {
  uint64_t total = h.total();
  if (total == 0)
    return 0;
  double target = total * (percentile / 100.0);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.bins.size(); ++i) {
    cumulative += h.bins[i];
    if ((double)cumulative >= target)
      return (i + 1) * h.binWidth();
  }
  return h.limit;
}

namespace {

/// The divergence of one window [a, b) of a row of bins: KL(p || q) where p is the window's bins
/// with everything outside clipped into its edge bins, and q merges the window into `levels`
/// groups, each group's mass spread evenly over its non-empty bins (empty bins stay empty, as
/// quantization keeps zeros); q vanishing under p costs a 1e-12 probability.
///
/// Prefix sums of count, non-empty bins and count * log(count) make a window O(levels) rather
/// than O(width): the searches try thousands of windows over a 4096-bin row, and an O(width)
/// window made one crafted calibration set take minutes (found by qopt-fuzz-calibration).
/// Inside a group every bin but the window's two edge bins has p = count > 0 => q > 0, so the
/// group's terms collapse to sums; the edge bins, whose p carries the clipped mass, are added one
/// by one.
class WindowDivergence {
public:
  explicit WindowDivergence(const std::vector<uint64_t> &row)
      : bins(row), count(row.size() + 1, 0), nonEmpty(row.size() + 1, 0),
        xlogx(row.size() + 1, 0.0) {
    for (size_t k = 0; k < row.size(); ++k) {
      count[k + 1] = count[k] + row[k];
      nonEmpty[k + 1] = nonEmpty[k] + (row[k] != 0);
      xlogx[k + 1] = xlogx[k] + (row[k] ? (double)row[k] * std::log((double)row[k]) : 0.0);
    }
  }

  double operator()(size_t a, size_t b, size_t levels) const {
    size_t i = b - a;
    double total = (double)count.back(), inWindow = (double)(count[b] - count[a]);
    if (i < 2 || levels == 0 || levels > i || total <= 0 || inWindow <= 0)
      return std::numeric_limits<double>::infinity();
    double logTotal = std::log(total);
    // log of q / sum(q) on group g's non-empty bins, or NaN for a group without any.
    auto groupBegin = [&](size_t g) { return a + g * i / levels; };
    auto logQ = [&](size_t begin, size_t end) {
      uint64_t n = nonEmpty[end] - nonEmpty[begin];
      return n ? std::log((double)(count[end] - count[begin]) / (double)n / inWindow)
               : std::numeric_limits<double>::quiet_NaN();
    };
    double kl = 0; // times total
    for (size_t g = 0; g < levels; ++g) {
      size_t begin = groupBegin(g), end = groupBegin(g + 1);
      size_t lo = std::max(begin, a + 1), hi = std::min(end, b - 1);
      if (lo >= hi || nonEmpty[hi] == nonEmpty[lo])
        continue;
      double mass = (double)(count[hi] - count[lo]);
      kl += (xlogx[hi] - xlogx[lo]) - mass * (logTotal + logQ(begin, end));
    }
    // The edge bins, with the mass clipped into them.
    auto edge = [&](size_t k, uint64_t clipped, size_t g) {
      double p = (double)(bins[k] + clipped);
      if (p <= 0)
        return;
      double lq = bins[k] ? logQ(groupBegin(g), groupBegin(g + 1)) : std::log(1e-12);
      kl += p * (std::log(p) - logTotal - lq);
    };
    edge(a, count[a], 0);
    edge(b - 1, count.back() - count[b], levels - 1);
    return kl / total;
  }

private:
  const std::vector<uint64_t> &bins;
  std::vector<uint64_t> count, nonEmpty;
  std::vector<double> xlogx;
};

/// A signed histogram as one row of bins from -limit to +limit; edge j lies at (j - zero) * width.
/// [first, last] are the edges enclosing the non-empty bins, widened to contain zero.
struct SignedRow {
  std::vector<uint64_t> bins;
  size_t zero = 0, first = 0, last = 0;
  double width = 0;
  uint64_t total = 0;

  explicit SignedRow(const SignedHistogram &h) : zero(h.positive.bins.size()) {
    if (h.negative.bins.size() != zero)
      return;
    width = h.positive.binWidth();
    bins.assign(h.negative.bins.rbegin(), h.negative.bins.rend());
    bins.insert(bins.end(), h.positive.bins.begin(), h.positive.bins.end());
    first = last = zero;
    for (size_t k = 0; k < bins.size(); ++k) {
      if (!bins[k])
        continue;
      total += bins[k];
      first = std::min(first, k);
      last = std::max(last, k + 1);
    }
  }
  bool empty() const { return total == 0; }
  Range range(size_t a, size_t b) const {
    auto edge = [&](size_t j) { return (float)(((double)j - (double)zero) * width); };
    return {edge(a), edge(b)};
  }
};

} // namespace

double windowDivergence(const std::vector<uint64_t> &row, size_t a, size_t b, size_t levels) {
  if (a >= b || b > row.size())
    return std::numeric_limits<double>::infinity();
  return WindowDivergence(row)(a, b, levels);
}

double entropyThreshold(const Histogram &h, size_t levels) {
  size_t n = h.bins.size();
  if (n == 0 || h.total() == 0)
    return 0;
  if (n <= levels)
    return h.limit;
  WindowDivergence divergence(h.bins);
  double best = std::numeric_limits<double>::infinity();
  size_t bestI = n;
  for (size_t i = levels; i <= n; ++i) {
    double kl = divergence(0, i, levels);
    // Ties go to the smaller threshold: finer steps for the same information loss.
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  return bestI * h.binWidth();
}

Range signedEntropyRange(const SignedHistogram &h, size_t levels) {
  SignedRow row(h);
  if (row.empty())
    return {0, 0};
  size_t lo = row.first, hi = row.last;
  if (hi - lo <= levels)
    return row.range(lo, hi); // no window with a bin per level clips anything
  WindowDivergence divergence(row.bins);
  double best = divergence(lo, hi, levels);
  // Each search keeps the current end unless a candidate is strictly better, so the divergence
  // falls with every move and the loop ends; the bound only caps the cost. Candidates run from
  // the narrowest, so ties go to finer steps.
  for (int round = 0; round < 32; ++round) {
    size_t oldLo = lo, oldHi = hi;
    size_t b0 = hi;
    for (size_t b = std::max(row.zero, lo + levels); b <= row.last; ++b) {
      double kl = divergence(lo, b, levels);
      if (kl < best) {
        best = kl;
        b0 = b;
      }
    }
    hi = b0;
    size_t a0 = lo;
    for (size_t a = std::min(row.zero, hi - levels) + 1; a-- > row.first;) {
      double kl = divergence(a, hi, levels);
      if (kl < best) {
        best = kl;
        a0 = a;
      }
    }
    lo = a0;
    if (lo == oldLo && hi == oldHi)
      break;
  }
  return row.range(lo, hi);
}

double mseThreshold(const Histogram &h, size_t levels) {
  size_t n = h.bins.size();
  if (n == 0 || h.total() == 0)
    return 0;
  double width = h.binWidth();
  double best = std::numeric_limits<double>::infinity(), bestT = h.limit;
  for (size_t i = 1; i <= n; ++i) {
    double t = i * width, step = t / levels, error = 0;
    for (size_t k = 0; k < n; ++k) {
      if (!h.bins[k])
        continue;
      double center = (k + 0.5) * width;
      double e = center > t ? (center - t) * (center - t) : step * step / 12.0;
      error += h.bins[k] * e;
    }
    if (error < best) {
      best = error;
      bestT = t;
    }
  }
  return bestT;
}

Range signedMseRange(const SignedHistogram &h, size_t steps) {
  SignedRow row(h);
  if (row.empty())
    return {0, 0};
  const std::vector<uint64_t> &bins = row.bins;
  double w = row.width;
  // Clipping error of everything below edge a (a <= zero) and above edge b (b >= zero), from the
  // bin centers; and the count between edges.
  std::vector<double> below(row.zero + 1, 0.0), above(bins.size() + 1, 0.0);
  for (size_t a = row.first; a <= row.zero; ++a)
    for (size_t k = row.first; k < a; ++k)
      if (bins[k])
        below[a] += bins[k] * ((a - k - 0.5) * w) * ((a - k - 0.5) * w);
  for (size_t b = row.zero; b <= row.last; ++b)
    for (size_t k = b; k < row.last; ++k)
      if (bins[k])
        above[b] += bins[k] * ((k + 0.5 - b) * w) * ((k + 0.5 - b) * w);
  std::vector<uint64_t> prefix(bins.size() + 1, 0);
  for (size_t k = 0; k < bins.size(); ++k)
    prefix[k + 1] = prefix[k] + bins[k];
  double best = std::numeric_limits<double>::infinity();
  size_t bestA = row.first, bestB = row.last;
  // From the narrowest ends outwards, so ties go to finer steps.
  for (size_t a = row.zero + 1; a-- > row.first;) {
    for (size_t b = std::max(row.zero, a + 1); b <= row.last; ++b) {
      double step = (b - a) * w / steps;
      double error = step * step / 12.0 * (double)(prefix[b] - prefix[a]) + below[a] + above[b];
      if (error < best) {
        best = error;
        bestA = a;
        bestB = b;
      }
    }
  }
  return row.range(bestA, bestB);
}

Range chooseRange(Method method, const RangeStats &stats, const SignedHistogram &h,
                  double percentile) {
  if (stats.empty)
    return {0, 0};
  if (method == Method::MinMax)
    return {stats.min, stats.max};
  // A tensor that is never negative (a ReLU output) gets asymmetric u8 with zero point 0: all 255
  // steps lie on [0, T]. Percentile is a symmetric |x| threshold whatever the signs.
  bool oneSided = stats.min >= 0;
  if (oneSided || method == Method::Percentile) {
    double t = method == Method::Percentile ? percentileThreshold(h.folded(), percentile)
               : method == Method::Entropy  ? entropyThreshold(h.positive, 256)
                                            : mseThreshold(h.positive, 255);
    float tf = (float)t;
    return {std::max(stats.min, -tf), std::min(stats.max, tf)};
  }
  // Both signs: lo and hi for the 255 u8 steps spanning them.
  Range r = method == Method::Entropy ? signedEntropyRange(h, 256) : signedMseRange(h, 255);
  return {std::max(stats.min, r.lo), std::min(stats.max, r.hi)};
}

} // namespace mlir::qopt::calib
