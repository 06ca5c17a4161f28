// The reference kernels of lib/Reference/MovementKernels.cpp against hand-computed values:
// data movement, which keeps the storage type (float or quantized) as it is.
#include "ReferenceTest.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::ref::test;

namespace {

TEST_F(ReferenceTest, DataMovement) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<4x3xf32>, tensor<6xf32>) {
      %t = qopt.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
      %c = qopt.concat %x, %x {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
      %r = qopt.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
      return %t, %c, %r : tensor<3x2xf32>, tensor<4x3xf32>, tensor<6xf32>
    })mlir",
               {floats({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_EQ(r.size(), 3u);
  expectFloats(r[0], {3, 2}, {1, 4, 2, 5, 3, 6});
  expectFloats(r[1], {4, 3}, {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6});
  expectFloats(r[2], {6}, {1, 2, 3, 4, 5, 6});

  r = run(R"mlir(
    func.func @f(%x: tensor<2x2xf32>) -> tensor<2x4xf32> {
      %c = qopt.concat %x, %x {axis = -1 : i64} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x4xf32>
      return %c : tensor<2x4xf32>
    })mlir",
          {floats({2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {2, 4}, {1, 2, 1, 2, 3, 4, 3, 4});
}

TEST_F(ReferenceTest, DataMovementKeepsQuantizedStorage) {
  auto r = run(R"mlir(
    func.func @f() -> tensor<3x2x!quant.uniform<i8:f32, 0.5>> {
      %q = qopt.constant dense<[[1, 2, 3], [-4, -5, -6]]> : tensor<2x3xi8> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
      %t = qopt.transpose %q {perm = array<i64: 1, 0>} : (tensor<2x3x!quant.uniform<i8:f32, 0.5>>) -> tensor<3x2x!quant.uniform<i8:f32, 0.5>>
      return %t : tensor<3x2x!quant.uniform<i8:f32, 0.5>>
    })mlir",
               {});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(r[0].i, (std::vector<int64_t>{1, -4, 2, -5, 3, -6}));
  EXPECT_TRUE(isa<quant::UniformQuantizedType>(r[0].elementType));
}

TEST_F(ReferenceTest, SliceWithNegativeStepAndGather) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<2x3xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>) {
      %s = qopt.slice %x {starts = array<i64: 0, -1>, ends = array<i64: 2, -4>, steps = array<i64: 1, -2>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
      %g = qopt.gather %x {axis = 0 : i64, indices = array<i64: 1, -2>, indices_shape = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
      return %s, %g : tensor<2x2xf32>, tensor<2x3xf32>
    })mlir",
               {floats({2, 3}, {0, 1, 2, 3, 4, 5})});
  ASSERT_EQ(r.size(), 2u);
  // Columns from the last (index 2) backwards by 2, stopping before -4 + 3 = -1 (clamped): 2, 0.
  expectFloats(r[0], {2, 2}, {2, 0, 5, 3});
  expectFloats(r[1], {2, 3}, {3, 4, 5, 0, 1, 2});
}

} // namespace
