// The reference kernels of lib/Reference/QuantKernels.cpp against hand-computed values:
// quantize, dequantize, requantize, fake_quant_dynamic and cast.
#include "ReferenceTest.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::ref::test;

namespace {

TEST_F(ReferenceTest, QuantizeRoundsHalfToEvenAndSaturates) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<8xf32>) -> (tensor<8x!quant.uniform<i8:f32, 1.0>>, tensor<8x!quant.uniform<u8:f32, 0.5:128>>, tensor<8x!quant.uniform<i8<-127:127>:f32, 1.0>>) {
      %a = qopt.quantize %x : (tensor<8xf32>) -> tensor<8x!quant.uniform<i8:f32, 1.0>>
      %b = qopt.quantize %x : (tensor<8xf32>) -> tensor<8x!quant.uniform<u8:f32, 0.5:128>>
      %c = qopt.quantize %x : (tensor<8xf32>) -> tensor<8x!quant.uniform<i8<-127:127>:f32, 1.0>>
      return %a, %b, %c : tensor<8x!quant.uniform<i8:f32, 1.0>>, tensor<8x!quant.uniform<u8:f32, 0.5:128>>, tensor<8x!quant.uniform<i8<-127:127>:f32, 1.0>>
    })mlir",
               {floats({8}, {0.5, 1.5, -0.5, -1.5, 2.5, 1000, -1000, 0.25})});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].i, (std::vector<int64_t>{0, 2, 0, -2, 2, 127, -128, 0}));
  EXPECT_TRUE(r[0].f.empty());
  // Scale 0.5: x / 0.5 = {1, 3, -1, -3, 5, 2000, -2000, 0.5} -> +128, saturated to [0, 255].
  EXPECT_EQ(r[1].i, (std::vector<int64_t>{129, 131, 127, 125, 133, 255, 0, 128}));
  EXPECT_EQ(r[2].i, (std::vector<int64_t>{0, 2, 0, -2, 2, 127, -127, 0}));
}

TEST_F(ReferenceTest, PerAxisDequantizeAndRequantize) {
  auto r = run(R"mlir(
    func.func @f() -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3x!quant.uniform<i8:f32, 1.0>>) {
      %q = qopt.constant dense<[[1, 3, -1], [0, -1, 2]]> : tensor<2x3xi8> -> tensor<2x3x!quant.uniform<i8:f32:0, {0.5:1, 2.0:-1}>>
      %a = qopt.dequantize %q : (tensor<2x3x!quant.uniform<i8:f32:0, {0.5:1, 2.0:-1}>>) -> tensor<2x3xf32>
      %p = qopt.constant dense<[[1, 3, -1], [0, -1, 2]]> : tensor<2x3xi8> -> tensor<2x3x!quant.uniform<i8:f32:1, {1.0, 0.5, 0.25:2}>>
      %b = qopt.dequantize %p : (tensor<2x3x!quant.uniform<i8:f32:1, {1.0, 0.5, 0.25:2}>>) -> tensor<2x3xf32>
      %r = qopt.requantize %q : (tensor<2x3x!quant.uniform<i8:f32:0, {0.5:1, 2.0:-1}>>) -> tensor<2x3x!quant.uniform<i8:f32, 1.0>>
      return %a, %b, %r : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3x!quant.uniform<i8:f32, 1.0>>
    })mlir",
               {});
  ASSERT_EQ(r.size(), 3u);
  // Row 0: scale 0.5, zp 1; row 1: scale 2, zp -1.
  expectFloats(r[0], {2, 3}, {0, 1, -1, 2, 0, 6}, 0);
  // Columns: scales 1, 0.5, 0.25 with zero points 0, 0, 2.
  expectFloats(r[1], {2, 3}, {1, 1.5, -0.75, 0, -0.5, 0}, 0);
  // Row 0's reals {0, 1, -1} and row 1's {2, 0, 6} at scale 1.
  EXPECT_EQ(r[2].i, (std::vector<int64_t>{0, 1, -1, 2, 0, 6}));

  // Requantizing ties at the new scale round to even too.
  r = run(R"mlir(
    func.func @f(%x: tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x!quant.uniform<i8:f32, 1.0>> {
      %r = qopt.requantize %x : (tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x!quant.uniform<i8:f32, 1.0>>
      return %r : tensor<4x!quant.uniform<i8:f32, 1.0>>
    })mlir",
          {ints({4}, {1, 3, -1, -3})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i, (std::vector<int64_t>{0, 2, 0, -2}));
}

// u8: range [-1, 3], scale 4/255, zero point round(63.75) = 64; i8: scale 2/127, [-127, 127].
TEST_F(ReferenceTest, FakeQuantDynamicUsesTheLiveRange) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<4xf32>, %y: tensor<3xf32>) -> (tensor<4xf32>, tensor<3xf32>) {
      %a = qopt.fake_quant_dynamic %x : (tensor<4xf32>) -> tensor<4xf32>
      %b = qopt.fake_quant_dynamic %y {storage = #qopt.storage<i8>} : (tensor<3xf32>) -> tensor<3xf32>
      return %a, %b : tensor<4xf32>, tensor<3xf32>
    })mlir",
               {floats({4}, {-1.0f, 0.0f, 0.5f, 3.0f}), floats({3}, {-2.0f, 1.0f, 0.3f})});
  ASSERT_EQ(r.size(), 2u);
  float s = 4.0f / 255.0f, t = 2.0f / 127.0f;
  expectFloats(r[0], {4}, {-64 * s, 0.0f, 32 * s, 191 * s});
  // 1 / t = 63.5 rounds to 64 (even); 0.3 / t = 19.05 -> 19.
  expectFloats(r[1], {3}, {-127 * t, 64 * t, 19 * t});
}

TEST_F(ReferenceTest, CastRoundsToNearestEven) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<4xf32>) -> (tensor<4xf16>, tensor<4xbf16>) {
      %a = qopt.cast %x : (tensor<4xf32>) -> tensor<4xf16>
      %b = qopt.cast %x : (tensor<4xf32>) -> tensor<4xbf16>
      return %a, %b : tensor<4xf16>, tensor<4xbf16>
    })mlir",
               {floats({4}, {1.00048828125f, 1.0009765625f, 1.01171875f, 70000.0f})});
  ASSERT_EQ(r.size(), 2u);
  // f16: 1 + 2^-11 is a tie -> 1; 1 + 2^-10 and 1 + 3 * 2^-8 are exact; 70000 > 65504
  // overflows to inf.
  EXPECT_EQ(r[0].f[0], 1.0f);
  EXPECT_EQ(r[0].f[1], 1.0009765625f);
  EXPECT_EQ(r[0].f[2], 1.01171875f);
  EXPECT_TRUE(std::isinf(r[0].f[3]));
  // bf16 keeps 7 fraction bits: 1 + 1.5/128 is a tie between 1 + 1/128 and 1 + 2/128 -> even.
  EXPECT_EQ(r[1].f[0], 1.0f);
  EXPECT_EQ(r[1].f[1], 1.0f);
  EXPECT_EQ(r[1].f[2], 1.015625f);
  EXPECT_EQ(r[1].f[3], 70144.0f);
}

} // namespace
