// The loss interval against values worked out by hand (and with Python's statistics.NormalDist
// for the quantiles): the formula of Confidence.h, digit for digit.
#include "qopt/Evaluation/Confidence.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace mlir::qopt::eval;

TEST(Confidence, NormalQuantile) {
  EXPECT_NEAR(normalQuantile(0.975), 1.9599639845400536, 1e-13);
  EXPECT_NEAR(normalQuantile(0.95), 1.6448536269514715, 1e-13);
  EXPECT_NEAR(normalQuantile(0.5), 0.0, 1e-15);
  EXPECT_NEAR(normalQuantile(0.025), -1.9599639845400536, 1e-13);
  EXPECT_TRUE(std::isnan(normalQuantile(0)));
  EXPECT_TRUE(std::isnan(normalQuantile(1)));
}

// 100 labelled samples: fp32 right and int8 wrong on 5, the other way round on 1. The
// differences are 5 ones, 1 minus one and 94 zeros: mean 0.04, sum of squares about the mean
// 6 - 0.16 = 5.84, s = sqrt(5.84 / 99), half width 1.95996 * s / 10 = 0.0476033.
TEST(Confidence, PairedLabelledDifferences) {
  Interval ci = pairedLossInterval(100, 5 - 1, 5 + 1, 0.95);
  EXPECT_NEAR(ci.lo, -0.7603284320160393, 1e-10);
  EXPECT_NEAR(ci.hi, 8.76032843201604, 1e-10);
}

// 1000 unlabelled samples, 7 top-1 disagreements: d is 0 or 1, so sum = sum of squares = 7.
TEST(Confidence, Disagreement) {
  Interval ci = pairedLossInterval(1000, 7, 7, 0.95);
  EXPECT_NEAR(ci.lo, 0.183001847473161, 1e-10);
  EXPECT_NEAR(ci.hi, 1.2169981525268392, 1e-10);
  // A higher level widens it, around the same point.
  Interval wide = pairedLossInterval(1000, 7, 7, 0.99);
  EXPECT_LT(wide.lo, ci.lo);
  EXPECT_GT(wide.hi, ci.hi);
  EXPECT_NEAR(wide.lo + wide.hi, ci.lo + ci.hi, 1e-12);
}

// No discordant pair: nothing varies, so the interval is the point (see Confidence.h).
TEST(Confidence, Degenerate) {
  Interval none = pairedLossInterval(500, 0, 0, 0.95);
  EXPECT_EQ(none.lo, 0);
  EXPECT_EQ(none.hi, 0);
  Interval empty = pairedLossInterval(0, 0, 0, 0.95);
  EXPECT_EQ(empty.lo, 0);
  EXPECT_EQ(empty.hi, 0);
  Interval one = pairedLossInterval(1, 1, 1, 0.95);
  EXPECT_EQ(one.lo, 100);
  EXPECT_EQ(one.hi, 100);
}
