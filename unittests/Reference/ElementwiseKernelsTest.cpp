// The reference kernels of lib/Reference/ElementwiseKernels.cpp against hand-computed values:
// broadcasting binary ops, unary math and activations, softmax.
#include "ReferenceTest.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::ref::test;

namespace {

TEST_F(ReferenceTest, SoftmaxAndLogSoftmax) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
      %s = qopt.softmax %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
      %l = qopt.log_softmax %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
      %a = qopt.softmax %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
      return %s, %l, %a : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
    })mlir",
               {floats({2, 3}, {1, 2, 3, 1000, 1000, 1000})});
  ASSERT_EQ(r.size(), 3u);
  double z = std::exp(-2.0) + std::exp(-1.0) + 1.0;
  // Large logits stay finite because the max is subtracted first.
  expectFloats(r[0], {2, 3},
               {(float)(std::exp(-2.0) / z), (float)(std::exp(-1.0) / z), (float)(1.0 / z),
                1.0f / 3, 1.0f / 3, 1.0f / 3});
  float lz = (float)std::log(z);
  expectFloats(r[1], {2, 3},
               {-2 - lz, -1 - lz, -lz, -(float)std::log(3.0), -(float)std::log(3.0),
                -(float)std::log(3.0)},
               1e-5f);
  expectFloats(r[2], {2, 3}, {0, 0, 0, 1, 1, 1});
}

TEST_F(ReferenceTest, BroadcastingArithmetic) {
  auto r = run(R"mlir(
    func.func @f(%a: tensor<2x1x3xf32>, %b: tensor<2x1xf32>) -> (tensor<2x2x3xf32>, tensor<2x1x3xf32>) {
      %s = qopt.add %a, %b : (tensor<2x1x3xf32>, tensor<2x1xf32>) -> tensor<2x2x3xf32>
      %c = qopt.constant dense<2.0> : tensor<1xf32>
      %d = qopt.div %a, %c : (tensor<2x1x3xf32>, tensor<1xf32>) -> tensor<2x1x3xf32>
      return %s, %d : tensor<2x2x3xf32>, tensor<2x1x3xf32>
    })mlir",
               {floats({2, 1, 3}, {1, 2, 3, 4, 5, 6}), floats({2, 1}, {10, 20})});
  ASSERT_EQ(r.size(), 2u);
  expectFloats(r[0], {2, 2, 3}, {11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26});
  expectFloats(r[1], {2, 1, 3}, {0.5, 1, 1.5, 2, 2.5, 3});
}

TEST_F(ReferenceTest, Activations) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
      %r = qopt.relu %x : (tensor<4xf32>) -> tensor<4xf32>
      %c = qopt.clamp %x {min = -1.0 : f32, max = 1.5 : f32} : (tensor<4xf32>) -> tensor<4xf32>
      %l = qopt.leaky_relu %x {alpha = 0.5 : f32} : (tensor<4xf32>) -> tensor<4xf32>
      %s = qopt.sigmoid %x : (tensor<4xf32>) -> tensor<4xf32>
      %g = qopt.gelu %x : (tensor<4xf32>) -> tensor<4xf32>
      return %r, %c, %l, %s, %g : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    })mlir",
               {floats({4}, {-2, 0, 1, 3})});
  ASSERT_EQ(r.size(), 5u);
  expectFloats(r[0], {4}, {0, 0, 1, 3});
  expectFloats(r[1], {4}, {-1, 0, 1, 1.5});
  expectFloats(r[2], {4}, {-1, 0, 1, 3});
  expectFloats(r[3], {4}, {0.11920292f, 0.5f, 0.7310586f, 0.95257413f});
  // x * Phi(x) from the normal CDF.
  expectFloats(r[4], {4}, {-0.04550026f, 0, 0.8413447f, 2.9959502f}, 2e-6f);
}

TEST_F(ReferenceTest, ElementwiseMath) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<4xf32>, %s: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
      %e = qopt.exp %x : (tensor<4xf32>) -> tensor<4xf32>
      %q = qopt.sqrt %s : (tensor<4xf32>) -> tensor<4xf32>
      %n = qopt.neg %x : (tensor<4xf32>) -> tensor<4xf32>
      %r = qopt.erf %x : (tensor<4xf32>) -> tensor<4xf32>
      return %e, %q, %n, %r : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    })mlir",
               {floats({4}, {-1, 0, 0.5, 4}), floats({4}, {0, 0.25, 2, 9})});
  ASSERT_EQ(r.size(), 4u);
  expectFloats(r[0], {4}, {0.36787944f, 1, 1.6487213f, 54.59815f}, 4e-6f);
  expectFloats(r[1], {4}, {0, 0.5, 1.4142135f, 3});
  expectFloats(r[2], {4}, {1, 0, -0.5, -4});
  expectFloats(r[3], {4}, {-0.84270079f, 0, 0.52049988f, 0.99999998f});

  // sqrt of a negative number is NaN, not an error.
  r = run(R"mlir(
    func.func @f(%x: tensor<1xf32>) -> tensor<1xf32> {
      %q = qopt.sqrt %x : (tensor<1xf32>) -> tensor<1xf32>
      return %q : tensor<1xf32>
    })mlir",
          {floats({1}, {-1})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(std::isnan(r[0].f[0]));
}

TEST_F(ReferenceTest, PowBroadcasts) {
  auto r = run(R"mlir(
    func.func @f(%a: tensor<2x1xf32>, %b: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x1xf32>) {
      %p = qopt.pow %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
      %h = qopt.constant dense<0.5> : tensor<f32>
      %s = qopt.pow %a, %h : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
      return %p, %s : tensor<2x3xf32>, tensor<2x1xf32>
    })mlir",
               {floats({2, 1}, {4, 9}), floats({3}, {0, 1, -2})});
  ASSERT_EQ(r.size(), 2u);
  expectFloats(r[0], {2, 3}, {1, 4, 0.0625f, 1, 9, 1.0f / 81});
  expectFloats(r[1], {2, 1}, {2, 3});
}

} // namespace
