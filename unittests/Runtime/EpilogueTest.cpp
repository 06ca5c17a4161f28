// The runtime core's linear epilogue against values worked out by hand: the oracle the native
// kernels are tested against, so its edge cases (u8 0 / 255, i8 -128 / 127, saturation, nonzero
// zero points, ties) are pinned here.
#include "qopt/Runtime/Epilogue.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace mlir::qopt;
using rt::Activation;

namespace {

TEST(EpilogueTest, DotCenteredOverTheStorageExtremes) {
  // u8 0 and 255 against i8 -128 and 127, x zero point 128: (0 - 128)(-128) + (255 - 128)(127).
  std::vector<uint8_t> x = {0, 255};
  std::vector<int8_t> w = {-128, 127};
  EXPECT_EQ(rt::dotCentered(x.data(), 128, w.data(), 0, 2), 16384 + 16129);
  // Zero points 0: the largest-magnitude products, 255 * -128 each.
  std::vector<uint8_t> xs(4, 255);
  std::vector<int8_t> ws(4, -128);
  EXPECT_EQ(rt::dotCentered(xs.data(), 0, ws.data(), 0, 4), -130560);
}

TEST(EpilogueTest, DotCenteredSubtractsBothZeroPoints) {
  std::vector<uint8_t> x = {10, 20};
  std::vector<int8_t> w = {3, 5};
  // (10 - 10)(3 - 2) + (20 - 10)(5 - 2)
  EXPECT_EQ(rt::dotCentered(x.data(), 10, w.data(), 2, 2), 30);
  // Reference tensors hold int64 storage values; the same definition applies.
  std::vector<int64_t> xi = {10, 20}, wi = {3, 5};
  EXPECT_EQ(rt::dotCentered(xi.data(), 10, wi.data(), 2, 2), 30);
}

TEST(EpilogueTest, DotCenteredWalksAColumnWithAStride) {
  // Column 1 of the row-major 3x2 matrix [[1, 2], [3, 4], [5, 6]] is [2, 4, 6].
  std::vector<int8_t> b = {1, 2, 3, 4, 5, 6};
  std::vector<int8_t> a = {1, -1, 2};
  EXPECT_EQ(rt::dotCentered(a.data(), 0, b.data() + 1, 0, 3, /*wStride=*/2), 2 - 4 + 12);
}

TEST(EpilogueTest, Int32AccumulatorRange) {
  EXPECT_TRUE(rt::fitsInt32(std::numeric_limits<int32_t>::max()));
  EXPECT_TRUE(rt::fitsInt32(std::numeric_limits<int32_t>::min()));
  EXPECT_FALSE(rt::fitsInt32((int64_t)std::numeric_limits<int32_t>::max() + 1));
  EXPECT_FALSE(rt::fitsInt32((int64_t)std::numeric_limits<int32_t>::min() - 1));
  // 66,000 products of u8 255 and a narrow-range weight -127 still fit (the K bound QuantMath.h
  // states); with -128 weights they would not.
  EXPECT_TRUE(rt::fitsInt32(66000LL * 255 * -127));
  EXPECT_FALSE(rt::fitsInt32(66000LL * 255 * -128));
}

TEST(EpilogueTest, Activations) {
  EXPECT_EQ(rt::applyActivation(Activation::none, -3.5f), -3.5f);
  EXPECT_EQ(rt::applyActivation(Activation::relu, -3.5f), 0.0f);
  EXPECT_EQ(rt::applyActivation(Activation::relu, 2.0f), 2.0f);
  EXPECT_EQ(rt::applyActivation(Activation::relu6, -1.0f), 0.0f);
  EXPECT_EQ(rt::applyActivation(Activation::relu6, 7.0f), 6.0f);
  EXPECT_EQ(rt::applyActivation(Activation::relu6, 5.5f), 5.5f);
  EXPECT_EQ(rt::applyActivation(Activation::sigmoid, 0.0f), 0.5f);
  EXPECT_EQ(rt::applyActivation(Activation::tanh, 0.0f), 0.0f);
  EXPECT_EQ(rt::applyActivation(Activation::gelu, 0.0f), 0.0f);
  // gelu(x) = x * Phi(x): Phi(1) = 0.841345, and the tanh form is within 1e-3 of it.
  EXPECT_NEAR(rt::applyActivation(Activation::gelu, 1.0f), 0.841345f, 1e-6f);
  EXPECT_NEAR(rt::gelu(1.0f, /*approximateTanh=*/true), 0.841192f, 1e-6f);
  EXPECT_NEAR(rt::applyActivation(Activation::sigmoid, 2.0f), 0.880797f, 1e-6f);
}

TEST(EpilogueTest, FloatOutput) {
  EXPECT_EQ(rt::floatLinearOutput(1.0, 0.5, Activation::none), 1.5f);
  EXPECT_EQ(rt::floatLinearOutput(1.0, -3.0, Activation::relu), 0.0f);
}

TEST(EpilogueTest, RequantizeToU8WithAZeroPoint) {
  rt::OutputQuant u8{0.25f, 3, 0, 255};
  // (5 + 2) * 0.5 = 3.5; 3.5 / 0.25 = 14; + 3.
  EXPECT_EQ(rt::requantizeLinear(5, 2, 0.5f, Activation::none, u8), 17);
  // relu clamps the real value at 0, which is q = zero point, not q = 0.
  EXPECT_EQ(rt::requantizeLinear(-20, 8, 0.5f, Activation::relu, u8), 3);
  // Without relu, -6 / 0.25 + 3 = -21 saturates to 0; a large sum saturates to 255.
  EXPECT_EQ(rt::requantizeLinear(-20, 8, 0.5f, Activation::none, u8), 0);
  EXPECT_EQ(rt::requantizeLinear(100000, 0, 0.5f, Activation::none, u8), 255);
  // relu6 caps at 6: 6 / 0.25 + 3.
  EXPECT_EQ(rt::requantizeLinear(100, 0, 0.5f, Activation::relu6, u8), 27);
}

TEST(EpilogueTest, RequantizeToI8SaturatesAtBothEnds) {
  rt::OutputQuant i8{1.0f, 0, -128, 127};
  EXPECT_EQ(rt::requantizeLinear(1000, 0, 1.0f, Activation::none, i8), 127);
  EXPECT_EQ(rt::requantizeLinear(-1000, 0, 1.0f, Activation::none, i8), -128);
  EXPECT_EQ(rt::requantizeLinear(-128, 0, 1.0f, Activation::none, i8), -128);
  EXPECT_EQ(rt::requantizeLinear(127, 0, 1.0f, Activation::none, i8), 127);
  // A narrow range [-127, 127] clamps -128 too.
  EXPECT_EQ(rt::requantizeLinear(-128, 0, 1.0f, Activation::none, {1.0f, 0, -127, 127}), -127);
  // A nonzero i8 zero point shifts the range: 120 + 10 saturates at 127.
  EXPECT_EQ(rt::requantizeLinear(120, 0, 1.0f, Activation::none, {1.0f, 10, -128, 127}), 127);
  EXPECT_EQ(rt::requantizeLinear(-130, 0, 1.0f, Activation::none, {1.0f, -5, -128, 127}), -128);
}

TEST(EpilogueTest, RequantizeRoundsHalfToEven) {
  rt::OutputQuant i8{1.0f, 0, -128, 127};
  // acc * 0.5: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -2.5 -> -2, -3.5 -> -4.
  EXPECT_EQ(rt::requantizeLinear(1, 0, 0.5f, Activation::none, i8), 0);
  EXPECT_EQ(rt::requantizeLinear(3, 0, 0.5f, Activation::none, i8), 2);
  EXPECT_EQ(rt::requantizeLinear(5, 0, 0.5f, Activation::none, i8), 2);
  EXPECT_EQ(rt::requantizeLinear(-5, 0, 0.5f, Activation::none, i8), -2);
  EXPECT_EQ(rt::requantizeLinear(-7, 0, 0.5f, Activation::none, i8), -4);
}

TEST(EpilogueTest, PerChannelScalesAndBias) {
  rt::QuantizedEpilogue e;
  e.accScales = {0.5f, 0.25f};
  e.biasQ = {1, -2};
  e.out = rt::OutputQuant{0.25f, 10, 0, 255};
  // channel 0: (3 + 1) * 0.5 = 2 -> 8 + 10; channel 1: (6 - 2) * 0.25 = 1 -> 4 + 10.
  EXPECT_EQ(e.quantized(3, 0), 18);
  EXPECT_EQ(e.quantized(6, 1), 14);
  EXPECT_EQ(e.activated(6, 1), 1.0f);
}

TEST(EpilogueTest, PerTensorScaleServesEveryChannel) {
  rt::QuantizedEpilogue e;
  e.accScales = {0.5f};
  e.act = Activation::relu;
  // No bias, a float result: the activated real value.
  EXPECT_EQ(e.activated(7, 0), 3.5f);
  EXPECT_EQ(e.activated(7, 5), 3.5f);
  EXPECT_EQ(e.activated(-7, 3), 0.0f);
}

TEST(EpilogueTest, FloatBiasIsAddedAfterScaling) {
  rt::QuantizedEpilogue e;
  e.accScales = {0.5f, 2.0f};
  e.biasF = {0.25f, -1.0f};
  EXPECT_EQ(e.activated(2, 0), 1.25f);
  EXPECT_EQ(e.activated(2, 1), 3.0f);
}

} // namespace
