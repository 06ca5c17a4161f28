// Pins qopt's quantization semantics to ONNX QuantizeLinear / DequantizeLinear: ties to even,
// float32 division, saturation.
#include "qopt/Quant/QuantMath.h"

#include <gtest/gtest.h>
#include <limits>

using namespace mlir::qopt::quant_math;

namespace {

TEST(QuantMath, RoundsHalfToEven) {
  EXPECT_EQ(quantize(0.5f, 1.0f, 0, -128, 127), 0);
  EXPECT_EQ(quantize(1.5f, 1.0f, 0, -128, 127), 2);
  EXPECT_EQ(quantize(2.5f, 1.0f, 0, -128, 127), 2);
  EXPECT_EQ(quantize(-0.5f, 1.0f, 0, -128, 127), 0);
  EXPECT_EQ(quantize(-1.5f, 1.0f, 0, -128, 127), -2);
  EXPECT_EQ(quantize(-2.5f, 1.0f, 0, -128, 127), -2);
  EXPECT_EQ(quantize(0.49f, 1.0f, 0, -128, 127), 0);
  EXPECT_EQ(quantize(0.51f, 1.0f, 0, -128, 127), 1);
}

TEST(QuantMath, RoundsBeforeAddingTheZeroPoint) {
  // round(2.5) + 1 = 3; rounding after adding would give round(3.5) = 4.
  EXPECT_EQ(quantize(2.5f, 1.0f, 1, 0, 255), 3);
  EXPECT_EQ(quantize(1.0f, 0.5f, 128, 0, 255), 130);
}

TEST(QuantMath, DividesInFloat32) {
  // x / s is 13.4999999 in double but exactly 13.5 in float32, which ONNX rounds to 14.
  float x = 0x1.ecea7ap-7f, s = 0x1.24192cp-10f;
  ASSERT_EQ(x / s, 13.5f);
  EXPECT_EQ(quantize(x, s, 0, -128, 127), 14);
}

TEST(QuantMath, Saturates) {
  EXPECT_EQ(quantize(1000.0f, 1.0f, 0, -128, 127), 127);
  EXPECT_EQ(quantize(-1000.0f, 1.0f, 0, -128, 127), -128);
  EXPECT_EQ(quantize(-1000.0f, 1.0f, 0, -127, 127), -127); // narrow range
  EXPECT_EQ(quantize(-1.0f, 1.0f, 0, 0, 255), 0);
  EXPECT_EQ(quantize(1e30f, 1e-30f, 0, -128, 127), 127); // beyond int64
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(quantize(inf, 1.0f, 0, -128, 127), 127);
  EXPECT_EQ(quantize(-inf, 1.0f, 0, -128, 127), -128);
  EXPECT_EQ(quantize(std::numeric_limits<float>::quiet_NaN(), 1.0f, 3, -128, 127), 3);
  EXPECT_EQ(saturateTo<int8_t>(300), 127);
  EXPECT_EQ(saturateTo<int8_t>(-300), -128);
  EXPECT_EQ(saturateTo<uint8_t>(-5), 0);
  EXPECT_EQ(saturateTo<int32_t>(int64_t(1) << 40), std::numeric_limits<int32_t>::max());
}

TEST(QuantMath, Dequantizes) {
  EXPECT_EQ(dequantize(130, 0.5f, 128), 1.0f);
  EXPECT_EQ(dequantize(-128, 0.25f, 0), -32.0f);
  EXPECT_EQ(dequantize(0, 0.1f, 0), 0.0f);
  // (q - zp) is converted to float before the float32 multiply.
  EXPECT_EQ(dequantize(3, 0.1f, 0), 3.0f * 0.1f);
}

TEST(QuantMath, Requantizes) {
  // 0.5 * {1, 3, -1, -3} = {0.5, 1.5, -0.5, -1.5}, ties to even at scale 1.
  EXPECT_EQ(requantize(1, 0.5f, 0, 1.0f, 0, -128, 127), 0);
  EXPECT_EQ(requantize(3, 0.5f, 0, 1.0f, 0, -128, 127), 2);
  EXPECT_EQ(requantize(-1, 0.5f, 0, 1.0f, 0, -128, 127), 0);
  EXPECT_EQ(requantize(-3, 0.5f, 0, 1.0f, 0, -128, 127), -2);
  EXPECT_EQ(requantize(127, 1.0f, 0, 0.5f, 10, -128, 127), 127);
  // i8 symmetric -> u8 with zero point 128 is the +128 shift.
  EXPECT_EQ(requantize(-100, 0.5f, 0, 0.5f, 128, 0, 255), 28);
}

TEST(QuantMath, StorageRanges) {
  EXPECT_EQ(storageMin(8, true), -128);
  EXPECT_EQ(storageMax(8, true), 127);
  EXPECT_EQ(storageMin(8, false), 0);
  EXPECT_EQ(storageMax(8, false), 255);
  EXPECT_EQ(storageMax(32, true), 2147483647);
  EXPECT_EQ(storageMin(64, true), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(storageMax(64, false), std::numeric_limits<int64_t>::max());
}

} // namespace
