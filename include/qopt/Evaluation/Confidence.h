// How sure a measured accuracy change is: a confidence interval for the loss in points from the
// paired per-sample outcomes of the fp32 and the compiled model on the same evaluation set.
//
// The method is the normal (Wald) interval of the mean of the paired differences. Each sample k
// gives d_k = (fp32 correct) - (compiled correct) in {-1, 0, 1} with labels, or d_k = (top-1
// differs from fp32) in {0, 1} without; the loss is 100 * mean(d). The interval is
//   100 * (mean(d) -+ z * s / sqrt(n)),  s^2 = sum (d_k - mean)^2 / (n - 1),
// with z the standard normal quantile of (1 + confidence) / 2. With labels only the discordant
// pairs contribute (sum d = b - c, sum d^2 = b + c for b samples lost and c gained), so it is the
// large-sample interval McNemar's test belongs to.
//
// Why this and not a bootstrap: it is exact arithmetic on three counts, so it is deterministic
// without a seed, costs nothing inside the precision search's loop, and anyone can recompute it
// (numpy on the two prediction files gives the same digits). A paired bootstrap would agree to a
// few hundredths of a point at the sizes we evaluate on (thousands of samples) but could only be
// reproduced with our own generator. Both share the same weakness: with no discordant pairs the
// interval collapses to [0, 0]; the report shows the count of discordant pairs next to it.
#ifndef QOPT_EVALUATION_CONFIDENCE_H
#define QOPT_EVALUATION_CONFIDENCE_H

#include <cstdint>

namespace mlir::qopt::eval {

/// The name the report gives the method.
inline constexpr const char *kLossIntervalMethod =
    "normal approximation on paired per-sample differences (McNemar/Wald)";

struct Interval {
  double lo = 0, hi = 0;
};

/// The standard normal quantile: x with Phi(x) = p, for p in (0, 1) (to ~1e-15).
double normalQuantile(double p);

/// The interval, in points, of 100 * mean(d) for `n` paired differences with sum `sum` and sum
/// of squares `sumSquares`, at `confidence` in (0, 1). n == 0 gives [0, 0]; n == 1 gives the
/// point, as the spread of one sample is unknown.
Interval pairedLossInterval(int64_t n, int64_t sum, int64_t sumSquares, double confidence);

} // namespace mlir::qopt::eval

#endif
