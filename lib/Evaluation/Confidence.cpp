#include "qopt/Evaluation/Confidence.h"

#include <algorithm>
#include <cmath>

namespace mlir::qopt::eval {

double normalQuantile(double p) {
  if (!(p > 0 && p < 1))
    return std::nan("");
  // Bisection on Phi(x) = erfc(-x / sqrt 2) / 2, which is monotone: 200 halvings of [-40, 40]
  // reach the spacing of doubles, deterministically and without a table of coefficients.
  double lo = -40, hi = 40;
  for (int i = 0; i < 200 && lo < hi; ++i) {
    double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi)
      break;
    if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

Interval pairedLossInterval(int64_t n, int64_t sum, int64_t sumSquares, double confidence) {
  if (n <= 0)
    return {0, 0};
  double mean = (double)sum / n;
  if (n == 1)
    return {100 * mean, 100 * mean};
  // sum (d - mean)^2 = sum d^2 - n mean^2, from exact integer counts.
  double ss = (double)sumSquares - (double)sum * (double)sum / n;
  double sd = std::sqrt(std::max(0.0, ss) / (n - 1));
  double half = normalQuantile(0.5 + 0.5 * confidence) * sd / std::sqrt((double)n);
  return {100 * (mean - half), 100 * (mean + half)};
}

} // namespace mlir::qopt::eval
