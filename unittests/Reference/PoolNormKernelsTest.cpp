// The reference kernels of lib/Reference/PoolNormKernels.cpp against hand-computed values:
// pooling and normalization.
#include "ReferenceTest.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::ref::test;

namespace {

TEST_F(ReferenceTest, MaxPoolPaddingNeverWinsAndCeilMode) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x1x3x3xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
      %p = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
      %c = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true} : (tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
      return %p, %c : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
    })mlir",
               {floats({1, 1, 3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9})});
  ASSERT_EQ(r.size(), 2u);
  expectFloats(r[0], {1, 1, 2, 2}, {-1, -2, -4, -5});
  expectFloats(r[1], {1, 1, 2, 2}, {-1, -3, -7, -9});
}

TEST_F(ReferenceTest, AvgPoolCountIncludePad) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x1x3x3xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
      %e = qopt.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
      %i = qopt.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = true} : (tensor<1x1x3x3xf32>) -> tensor<1x1x2x2xf32>
      return %e, %i : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
    })mlir",
               {floats({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})});
  ASSERT_EQ(r.size(), 2u);
  expectFloats(r[0], {1, 1, 2, 2}, {1, 2.5, 5.5, 7});
  expectFloats(r[1], {1, 1, 2, 2}, {0.25, 1.25, 2.75, 7});
}

TEST_F(ReferenceTest, AvgPoolCeilModeClipsTheDivisorToThePaddedInput) {
  // 4x4 input, kernel 3, stride 2, pad 1, ceil_mode: windows start at -1, 1, 3. The last one
  // hangs past the padded input (rows/cols -1..4), so with count_include_pad its divisor is 2x2,
  // as in PyTorch; without, only the real elements count.
  std::vector<float> x(16);
  for (int k = 0; k < 16; ++k)
    x[k] = k + 1;
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>) {
      %e = qopt.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
      %i = qopt.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true, count_include_pad = true} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
      return %e, %i : tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>
    })mlir",
               {floats({1, 1, 4, 4}, x)});
  ASSERT_EQ(r.size(), 2u);
  ASSERT_EQ(r[0].shape, (std::vector<int64_t>{1, 1, 3, 3}));
  // Corner (0,0): rows/cols 0..1 -> 1+2+5+6 = 14. (0,2): rows 0..1, col 3 -> 4+8 = 12.
  // (2,2): element 16 alone.
  EXPECT_NEAR(r[0].f[0], 14.0f / 4, 1e-6);
  EXPECT_NEAR(r[0].f[2], 12.0f / 2, 1e-6);
  EXPECT_NEAR(r[0].f[8], 16.0f, 1e-6);
  EXPECT_NEAR(r[1].f[0], 14.0f / 9, 1e-6);
  EXPECT_NEAR(r[1].f[2], 12.0f / 6, 1e-6);
  EXPECT_NEAR(r[1].f[8], 16.0f / 4, 1e-6);
}

TEST_F(ReferenceTest, GlobalAvgPool) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x1x1xf32> {
      %y = qopt.global_avg_pool %x : (tensor<1x2x2x2xf32>) -> tensor<1x2x1x1xf32>
      return %y : tensor<1x2x1x1xf32>
    })mlir",
               {floats({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {1, 2, 1, 1}, {2.5, 25});
}

TEST_F(ReferenceTest, LayerNorm) {
  // Row 0: mean 2, biased variance 1. Row 1: variance 0, so only epsilon keeps it finite.
  auto r = run(R"mlir(
    func.func @f(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
      %s = qopt.constant dense<[1.0, 2.0]> : tensor<2xf32>
      %b = qopt.constant dense<[0.0, 1.0]> : tensor<2xf32>
      %y = qopt.layer_norm %x, %s, %b : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
      return %y : tensor<2x2xf32>
    })mlir",
               {floats({2, 2}, {1, 3, 2, 2})});
  ASSERT_EQ(r.size(), 1u);
  float n = (float)(1.0 / std::sqrt(1.0 + 1e-5));
  expectFloats(r[0], {2, 2}, {-n, 2 * n + 1, 0, 1});

  // axis 1 of [1, 2, 2]: normalize over the last two dims together.
  r = run(R"mlir(
    func.func @f(%x: tensor<1x2x2xf32>) -> tensor<1x2x2xf32> {
      %s = qopt.constant dense<1.0> : tensor<2x2xf32>
      %y = qopt.layer_norm %x, %s {axis = 1 : i64, epsilon = 0.0 : f32} : (tensor<1x2x2xf32>, tensor<2x2xf32>) -> tensor<1x2x2xf32>
      return %y : tensor<1x2x2xf32>
    })mlir",
          {floats({1, 2, 2}, {0, 0, 2, 2})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {1, 2, 2}, {-1, -1, 1, 1});
}

TEST_F(ReferenceTest, BatchNorm) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32> {
      %s = qopt.constant dense<[2.0, 1.0]> : tensor<2xf32>
      %b = qopt.constant dense<[1.0, 0.0]> : tensor<2xf32>
      %m = qopt.constant dense<[1.0, 10.0]> : tensor<2xf32>
      %v = qopt.constant dense<[4.0, 1.0]> : tensor<2xf32>
      %y = qopt.batch_norm %x, %s, %b, %m, %v {epsilon = 0.0 : f32} : (tensor<1x2x1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x2xf32>
      return %y : tensor<1x2x1x2xf32>
    })mlir",
               {floats({1, 2, 1, 2}, {1, 5, 10, 12})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {1, 2, 1, 2}, {1, 5, 0, 2});
}

TEST_F(ReferenceTest, QuantizedMaxPoolTakesTheMaxStorage) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<1x1x1x1x!quant.uniform<u8:f32, 0.5:3>> {
      %y = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<1x1x1x1x!quant.uniform<u8:f32, 0.5:3>>
      return %y : tensor<1x1x1x1x!quant.uniform<u8:f32, 0.5:3>>
    })mlir",
               {ints({1, 1, 2, 2}, {0, 7, 255, 3})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].i, (std::vector<int64_t>{255}));
}

} // namespace
