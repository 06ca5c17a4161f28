// The reference kernels of lib/Reference/ReduceKernels.cpp against hand-computed values:
// reductions.
#include "ReferenceTest.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::ref::test;

namespace {

TEST_F(ReferenceTest, Reductions) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<2xf32>, tensor<1x3xf32>, tensor<f32>, tensor<1x1xf32>, tensor<2xf32>) {
      %s = qopt.reduce_sum %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
      %m = qopt.reduce_mean %x {axes = array<i64: -1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
      %mx = qopt.reduce_max %x {axes = array<i64: 0>} : (tensor<2x3xf32>) -> tensor<1x3xf32>
      %mn = qopt.reduce_min %x {axes = array<i64>, keepdims = false} : (tensor<2x3xf32>) -> tensor<f32>
      %all = qopt.reduce_mean %x {axes = array<i64>} : (tensor<2x3xf32>) -> tensor<1x1xf32>
      %neg = qopt.reduce_max %x {axes = array<i64: -1>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
      return %s, %m, %mx, %mn, %all, %neg : tensor<2x1xf32>, tensor<2xf32>, tensor<1x3xf32>, tensor<f32>, tensor<1x1xf32>, tensor<2xf32>
    })mlir",
               {floats({2, 3}, {1, -2, 3, 4, 5, -6})});
  ASSERT_EQ(r.size(), 6u);
  expectFloats(r[0], {2, 1}, {2, 3});
  expectFloats(r[1], {2}, {2.0f / 3, 1});
  expectFloats(r[2], {1, 3}, {4, 5, 3});
  expectFloats(r[3], {}, {-6});
  expectFloats(r[4], {1, 1}, {5.0f / 6});
  expectFloats(r[5], {2}, {3, 5});
}

TEST_F(ReferenceTest, ReduceOverNonAdjacentAxesOfADynamicBatch) {
  // x[i][j][k] = 4i + 2j + k; summing over i and k leaves j: j=0 -> 0+1+4+5, j=1 -> 2+3+6+7.
  auto r = run(R"mlir(
    func.func @f(%x: tensor<?x2x2xf32>) -> (tensor<2xf32>, tensor<?x1x2xf32>) {
      %s = qopt.reduce_sum %x {axes = array<i64: 0, -1>, keepdims = false} : (tensor<?x2x2xf32>) -> tensor<2xf32>
      %m = qopt.reduce_min %x {axes = array<i64: 1>} : (tensor<?x2x2xf32>) -> tensor<?x1x2xf32>
      return %s, %m : tensor<2xf32>, tensor<?x1x2xf32>
    })mlir",
               {floats({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7})});
  ASSERT_EQ(r.size(), 2u);
  expectFloats(r[0], {2}, {10, 18});
  expectFloats(r[1], {2, 1, 2}, {0, 1, 4, 5});
}

TEST_F(ReferenceTest, ReduceSumAccumulatesInDouble) {
  // In float32, 2^24 + 1 rounds back to 2^24, so a float accumulator would return 2^24; the exact
  // sum 2^24 + 2 is representable.
  auto r = run(R"mlir(
    func.func @f(%x: tensor<3xf32>) -> (tensor<1xf32>, tensor<1xf32>) {
      %s = qopt.reduce_sum %x {axes = array<i64: 0>} : (tensor<3xf32>) -> tensor<1xf32>
      %m = qopt.reduce_mean %x {axes = array<i64: 0>} : (tensor<3xf32>) -> tensor<1xf32>
      return %s, %m : tensor<1xf32>, tensor<1xf32>
    })mlir",
               {floats({3}, {16777216, 1, 1})});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].f[0], 16777218.0f);
  EXPECT_EQ(r[1].f[0], (float)(16777218.0 / 3));
}

TEST_F(ReferenceTest, ReduceMaxPropagatesNaN) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<3xf32>) -> (tensor<1xf32>, tensor<1xf32>) {
      %mx = qopt.reduce_max %x {axes = array<i64: 0>} : (tensor<3xf32>) -> tensor<1xf32>
      %mn = qopt.reduce_min %x {axes = array<i64: 0>} : (tensor<3xf32>) -> tensor<1xf32>
      return %mx, %mn : tensor<1xf32>, tensor<1xf32>
    })mlir",
               {floats({3}, {1, std::nanf(""), 2})});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(std::isnan(r[0].f[0]));
  EXPECT_TRUE(std::isnan(r[1].f[0]));
}

} // namespace
