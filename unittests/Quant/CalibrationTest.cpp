// Calibration math against hand-computed results, and invariance to sample order and batching.
#include "qopt/Quant/Calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace mlir::qopt::calib;

namespace {

Histogram smallHistogram() {
  // |x| counts over [0, 4) in unit bins: 8 in [0,1), 4 in [1,2), 2 in [2,3), 2 in [3,4).
  Histogram h(4.0f, 4);
  h.bins = {8, 4, 2, 2};
  return h;
}

// A layer can overflow to +-inf, and a tensor that was all zeros in pass 1 has an empty range
// (bin scale 0, so inf * 0 = NaN): both land in the last bin, NaN is skipped (found by
// qopt-fuzz-calibration).
TEST(Calibration, InfinitiesLandInTheLastBin) {
  const float inf = std::numeric_limits<float>::infinity();
  const float values[] = {inf, -inf, std::numeric_limits<float>::quiet_NaN(), 0.5f};
  Histogram h(4.0f, 4);
  h.add(values, 4);
  EXPECT_EQ(h.bins, (std::vector<uint64_t>{1, 0, 0, 2}));
  Histogram empty(0.0f, 4);
  empty.add(values, 4);
  EXPECT_EQ(empty.bins, (std::vector<uint64_t>{1, 0, 0, 2}));
  SignedHistogram s(0.0f, 4);
  s.add(values, 4);
  EXPECT_EQ(s.positive.bins, (std::vector<uint64_t>{1, 0, 0, 1}));
  EXPECT_EQ(s.negative.bins, (std::vector<uint64_t>{0, 0, 0, 1}));
}

TEST(Calibration, EntropyMatchesHandComputedThreshold) {
  // With 2 quantization levels the candidates are 2, 3 and 4 bins.
  //  i=2: P = [8, 4+2+2] = [8, 8];  Q = [8 | 4] -> [8, 4]
  //       KL = .5 ln(.5/.6667) + .5 ln(.5/.3333) = 0.05889
  //  i=3: P = [8, 4, 2+2];  Q = [8 | (4+2)/2, (4+2)/2] = [8, 3, 3]
  //       KL = .5 ln(.5/.5714) + 2 * .25 ln(.25/.2143) = 0.01031
  //  i=4: P = [8, 4, 2, 2]; Q = [(8+4)/2, (8+4)/2 | (2+2)/2, (2+2)/2] = [6, 6, 2, 2]
  //       KL = .5 ln(.5/.375) + .25 ln(.25/.375) = 0.04248
  // The least divergence is at 3 bins: threshold 3.0.
  EXPECT_DOUBLE_EQ(entropyThreshold(smallHistogram(), 2), 3.0);
}

TEST(Calibration, PercentileIsTheUpperEdgeOfTheBinReachingIt) {
  Histogram h = smallHistogram(); // cumulative: 8, 12, 14, 16 of 16
  EXPECT_DOUBLE_EQ(percentileThreshold(h, 50), 1.0);
  EXPECT_DOUBLE_EQ(percentileThreshold(h, 75), 2.0);
  EXPECT_DOUBLE_EQ(percentileThreshold(h, 90), 4.0);
  EXPECT_DOUBLE_EQ(percentileThreshold(h, 100), 4.0);
}

TEST(Calibration, MSEMatchesHandComputedThreshold) {
  // One step per side (levels = 1), so step = t; bin centers .5, 1.5, 2.5, 3.5.
  //  t=1: 8 * 1/12 + 4 * .5^2 + 2 * 1.5^2 + 2 * 2.5^2 = 18.67
  //  t=2: 12 * 4/12 + 2 * .5^2 + 2 * 1.5^2 = 9.0
  //  t=3: 14 * 9/12 + 2 * .5^2 = 11.0
  //  t=4: 16 * 16/12 = 21.33
  EXPECT_DOUBLE_EQ(mseThreshold(smallHistogram(), 1), 2.0);
}

TEST(Calibration, SignedHistogramFoldsIntoTheAbsoluteOne) {
  std::vector<float> v = {-3.5f, -0.25f, -0.0f, 0, 0.75f, 1.5f, 3.9f, -1.5f, 4.0f};
  Histogram absolute(4.0f, 4);
  absolute.add(v.data(), v.size());
  SignedHistogram signedH(4.0f, 4);
  signedH.add(v.data(), v.size());
  // 0 and -0.0 are counted apart; 4.0 lands in the last bin.
  EXPECT_EQ(signedH.negative.bins, (std::vector<uint64_t>{1, 1, 0, 1}));
  EXPECT_EQ(signedH.positive.bins, (std::vector<uint64_t>{1, 1, 0, 2}));
  EXPECT_EQ(signedH.zeros, 2u);
  EXPECT_EQ(signedH.folded().bins, absolute.bins);
  EXPECT_EQ(signedH.folded().limit, absolute.limit);
}

TEST(Calibration, SignedMSEMatchesHandComputedRange) {
  // Unit bins on [-4, 4]: 2 values in [-1, 0); 4 in [0, 1), 2 in [1, 2), 1 in [3, 4). Four steps
  // span [lo, hi]: step = (hi - lo) / 4; inside error step^2/12 per value, outside the squared
  // distance of the bin center to the edge.
  //  lo=0 (clips the 2 negatives: 2 * .5^2 = .5):
  //    hi=1: 4/192 + .5 + (2 * 1.5^2 + 3.5^2 = 6.75)                    = 7.27
  //    hi=2: 6 * 4/192 + .5 + 1.5^2 = 2.875;   hi=3: 6 * 9/192 + .5 + .5^2 = 1.031
  //    hi=4: 7 * 16/192 + .5 = 1.083
  //  lo=-1:
  //    hi=0: 2/192 + (4 * .5^2 + 2 * 1.5^2 + 3.5^2 = 17.75)           = 17.76
  //    hi=1: 6 * 4/192 + 6.75 = 6.875;          hi=2: 8 * 9/192 + 2.25 = 2.625
  //    hi=3: 8 * 16/192 + .25 = 0.917;          hi=4: 9 * 25/192 = 1.172
  // The least error keeps the negatives and clips the lone value above 3: [-1, 3].
  SignedHistogram h(4.0f, 4);
  h.negative.bins = {2, 0, 0, 0};
  h.positive.bins = {4, 2, 0, 1};
  Range r = signedMseRange(h, 4);
  EXPECT_EQ(r.lo, -1.0f);
  EXPECT_EQ(r.hi, 3.0f);
}

TEST(Calibration, SignedEntropyMatchesHandComputedRange) {
  // Unit bins on [-3, 3]: 2 values in [-1, 0); 4 in [0, 1), 2 in [1, 2), 2 in [2, 3); 2 levels.
  // The search starts from all of it, [-1, 3]: P = [2, 4, 2, 2], Q = [3, 3 | 2, 2]
  //   KL = .2 ln(.2/.3) + .4 ln(.4/.3) = 0.03398
  // hi with lo = -1 (at least 2 bins):
  //   hi=1: P = [2, 4+4],   Q = [2 | 4]         KL = .2 ln(.2/.333) + .8 ln(.8/.667) = 0.04369
  //   hi=2: P = [2, 4, 2+2], Q = [2 | 3, 3]     KL = .2 ln(.2/.25) + .8 ln(.4/.375)  = 0.00700
  // lo with hi = 2:
  //   lo=0: P = [2+4, 2+2], Q = [4 | 2]         KL = .6 ln(.6/.667) + .4 ln(.4/.333) = 0.00971
  // Neither end moves again: [-1, 2]. (On |x| the same data, [6, 2, 2], keeps all of [0, 3].)
  SignedHistogram h(3.0f, 3);
  h.negative.bins = {2, 0, 0};
  h.positive.bins = {4, 2, 2};
  Range r = signedEntropyRange(h, 2);
  EXPECT_EQ(r.lo, -1.0f);
  EXPECT_EQ(r.hi, 2.0f);
  EXPECT_DOUBLE_EQ(entropyThreshold(h.folded(), 2), 3.0);
}

// The definition windowDivergence computes with prefix sums, term by term: the window's bins with
// the outside clipped into its edges (P) against `levels` groups spread evenly over their
// non-empty bins (Q), Q = 1e-12 where it vanishes under P.
double directWindowDivergence(const std::vector<uint64_t> &row, size_t a, size_t b,
                              size_t levels) {
  size_t i = b - a;
  uint64_t before = 0, after = 0;
  for (size_t k = 0; k < a; ++k)
    before += row[k];
  for (size_t k = b; k < row.size(); ++k)
    after += row[k];
  std::vector<double> p(row.begin() + a, row.begin() + b), q(i, 0.0);
  p[0] += (double)before;
  p[i - 1] += (double)after;
  for (size_t g = 0; g < levels; ++g) {
    size_t begin = a + g * i / levels, end = a + (g + 1) * i / levels;
    double mass = 0, nonEmpty = 0;
    for (size_t k = begin; k < end; ++k) {
      mass += (double)row[k];
      nonEmpty += row[k] != 0;
    }
    for (size_t k = begin; k < end; ++k)
      if (row[k] != 0)
        q[k - a] = mass / nonEmpty;
  }
  double ps = 0, qs = 0, kl = 0;
  for (size_t k = 0; k < i; ++k) {
    ps += p[k];
    qs += q[k];
  }
  if (ps <= 0 || qs <= 0)
    return std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < i; ++k) {
    if (p[k] <= 0)
      continue;
    double pk = p[k] / ps, qk = q[k] > 0 ? q[k] / qs : 1e-12;
    kl += pk * std::log(pk / qk);
  }
  return kl;
}

TEST(Calibration, WindowDivergenceIsTheDirectKLDivergence) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 400; ++trial) {
    size_t n = 2 + rng() % 300;
    std::vector<uint64_t> row(n);
    for (uint64_t &c : row) // sparse and dense rows, small and large counts
      c = rng() % 3 == 0 ? 0 : rng() % (trial % 2 ? 5 : 100000);
    size_t a = rng() % (n - 1);
    size_t b = a + 2 + rng() % (n - a - 1);
    size_t levels = 1 + rng() % (b - a);
    double direct = directWindowDivergence(row, a, b, levels);
    double fast = windowDivergence(row, a, b, levels);
    if (std::isinf(direct)) {
      EXPECT_TRUE(std::isinf(fast)) << "trial " << trial;
      continue;
    }
    EXPECT_NEAR(fast, direct, 1e-9 * std::max(1.0, direct))
        << "trial " << trial << ": n " << n << ", window [" << a << ", " << b << "), " << levels
        << " levels";
  }
}

TEST(Calibration, ASpikeOnOneSideDoesNotClipTheOther) {
  // The normalized image input: half the pixels are background at -0.81, the rest spread up to
  // +2.02. On |x| the spike dominates and entropy clipped the bright pixels near 0.81; searched
  // per end, every method except percentile's own |x| tail keeps them.
  std::vector<float> v;
  for (int k = 0; k <= 255; ++k) {
    float x = (k / 255.0f - 0.286f) / 0.353f;
    int copies = k == 0 ? 20000 : k < 200 ? 40 : 80;
    v.insert(v.end(), copies, x);
  }
  RangeStats s;
  s.add(v.data(), v.size());
  SignedHistogram h(s.absMax(), 2048);
  h.add(v.data(), v.size());
  EXPECT_LT(entropyThreshold(h.folded(), 128), 1.2); // the old, folded search
  for (Method m : {Method::Entropy, Method::MSE}) {
    Range r = chooseRange(m, s, h, 0);
    // (MSE may cut the spike's bin at its inner edge: half a bin from its center costs less than
    // a step's rounding error.)
    EXPECT_NEAR(r.lo, s.min, h.positive.binWidth()) << methodName(m);
    EXPECT_GT(r.hi, 0.95f * s.max) << methodName(m);
  }
}

TEST(Calibration, ParseMethod) {
  Method m;
  double p;
  std::string error;
  ASSERT_TRUE(parseMethod("percentile=99.9", m, p, error));
  EXPECT_EQ(m, Method::Percentile);
  EXPECT_DOUBLE_EQ(p, 99.9);
  ASSERT_TRUE(parseMethod("entropy", m, p, error));
  EXPECT_EQ(m, Method::Entropy);
  EXPECT_FALSE(parseMethod("percentile=150", m, p, error));
  EXPECT_EQ(error, "percentile must be a number in (0, 100], got '150'");
  EXPECT_FALSE(parseMethod("kl", m, p, error));
  EXPECT_EQ(error, "unknown calibration method 'kl' (expected minmax, percentile[=P], entropy or mse)");
}

TEST(Calibration, NonNegativeDataKeepsZeroAsLowerBound) {
  std::vector<float> v = {0, 0.5f, 1, 2, 8};
  RangeStats s;
  s.add(v.data(), v.size());
  SignedHistogram h(s.absMax(), 64);
  h.add(v.data(), v.size());
  Range r = chooseRange(Method::Percentile, s, h, 50);
  EXPECT_EQ(r.lo, 0.0f);
  EXPECT_LT(r.hi, 8.0f);
  Range mm = chooseRange(Method::MinMax, s, h, 0);
  EXPECT_EQ(mm.lo, 0.0f);
  EXPECT_EQ(mm.hi, 8.0f);
}

/// Runs both calibration passes over `data` in batches of `batch` and returns each method's range.
std::vector<Range> calibrate(const std::vector<float> &data, size_t batch) {
  std::vector<RangeStats> partial;
  for (size_t i = 0; i < data.size(); i += batch) {
    RangeStats s;
    s.add(data.data() + i, std::min(batch, data.size() - i));
    partial.push_back(s);
  }
  RangeStats total;
  for (const RangeStats &s : partial)
    total.merge(s);
  SignedHistogram h(total.absMax(), 2048);
  for (size_t i = 0; i < data.size(); i += batch) {
    SignedHistogram part(total.absMax(), 2048);
    part.add(data.data() + i, std::min(batch, data.size() - i));
    h.merge(part);
  }
  std::vector<Range> out;
  for (Method m : {Method::MinMax, Method::Percentile, Method::Entropy, Method::MSE})
    out.push_back(chooseRange(m, total, h, 99.9));
  return out;
}

TEST(Calibration, EveryMethodIgnoresSampleOrderAndBatchSize) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.3f, 1.5f);
  std::vector<float> data(20000);
  for (float &v : data)
    v = normal(rng);
  data[123] = 25.0f; // an outlier the clipping methods should cut
  std::vector<Range> expected = calibrate(data, data.size());
  std::vector<float> shuffled = data;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (size_t batch : {size_t(1), size_t(7), size_t(64), size_t(5000)}) {
    for (const std::vector<float> *d : {&data, &shuffled}) {
      std::vector<Range> got = calibrate(*d, batch);
      for (size_t m = 0; m < expected.size(); ++m) {
        EXPECT_EQ(got[m].lo, expected[m].lo) << "method " << m << " batch " << batch;
        EXPECT_EQ(got[m].hi, expected[m].hi) << "method " << m << " batch " << batch;
      }
    }
  }
  // The outlier sets min/max; percentile and entropy clip it. MSE weighs its clipping error
  // against 20,000 tiny rounding errors and may keep most of it, but never more than min/max.
  EXPECT_EQ(expected[0].hi, 25.0f);
  EXPECT_LT(expected[1].hi, 12.0f);
  EXPECT_LT(expected[2].hi, 12.0f);
  EXPECT_LE(expected[3].hi, 25.0f);
}

} // namespace
