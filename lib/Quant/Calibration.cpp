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

void Histogram::add(const float *values, size_t count) {
  if (bins.empty())
    return;
  double scale = limit > 0 ? bins.size() / (double)limit : 0;
  for (size_t i = 0; i < count; ++i) {
    float a = std::fabs(values[i]);
    if (std::isnan(a))
      continue;
    size_t b = std::min(bins.size() - 1, (size_t)(a * scale));
    ++bins[b];
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

/// KL(p || q) over bins where p is non-zero; q is smoothed where it vanishes under p.
static double klDivergence(const std::vector<double> &p, const std::vector<double> &q) {
  double ps = 0, qs = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    ps += p[i];
    qs += q[i];
  }
  if (ps <= 0 || qs <= 0)
    return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0)
      continue;
    double pi = p[i] / ps, qi = q[i] / qs;
    if (qi <= 0)
      qi = 1e-12; // a level the quantized distribution cannot represent: a large penalty
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

double entropyThreshold(const Histogram &h, size_t levels) {
  size_t n = h.bins.size();
  if (n == 0 || h.total() == 0)
    return 0;
  if (n <= levels)
    return h.limit;
  double best = std::numeric_limits<double>::infinity();
  size_t bestI = n;
  for (size_t i = levels; i <= n; ++i) {
    // Reference: the first i bins, with everything beyond clipped into the last of them.
    std::vector<double> p(h.bins.begin(), h.bins.begin() + i);
    for (size_t k = i; k < n; ++k)
      p[i - 1] += h.bins[k];
    // Candidate: the first i bins merged into `levels` groups, each group's mass spread evenly
    // over the group's non-empty bins (empty bins stay empty, as quantization keeps zeros).
    std::vector<double> q(i, 0.0);
    for (size_t g = 0; g < levels; ++g) {
      size_t begin = g * i / levels, end = (g + 1) * i / levels;
      double mass = 0;
      size_t nonEmpty = 0;
      for (size_t k = begin; k < end; ++k) {
        mass += h.bins[k];
        nonEmpty += h.bins[k] != 0;
      }
      for (size_t k = begin; k < end && nonEmpty; ++k)
        if (h.bins[k] != 0)
          q[k] = mass / nonEmpty;
    }
    double kl = klDivergence(p, q);
    // Ties go to the smaller threshold: finer steps for the same information loss.
    if (kl < best) {
      best = kl;
      bestI = i;
    }
  }
  return bestI * h.binWidth();
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

Range chooseRange(Method method, const RangeStats &stats, const Histogram &h, double percentile) {
  if (stats.empty)
    return {0, 0};
  if (method == Method::MinMax)
    return {stats.min, stats.max};
  // A tensor that is never negative (a ReLU output) gets asymmetric u8 with zero point 0: all 255
  // steps lie on [0, T], twice the resolution the symmetric search assumes.
  bool oneSided = stats.min >= 0;
  double t = method == Method::Percentile ? percentileThreshold(h, percentile)
             : method == Method::Entropy  ? entropyThreshold(h, oneSided ? 256 : 128)
                                          : mseThreshold(h, oneSided ? 255 : 127);
  float tf = (float)t;
  return {std::max(stats.min, -tf), std::min(stats.max, tf)};
}

} // namespace mlir::qopt::calib
