// The reference kernels of lib/Reference/LinearKernels.cpp against hand-computed values:
// fully_connected, matmul and conv2d, in float and with exact integer semantics.
#include "ReferenceTest.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::ref::test;

namespace {

TEST_F(ReferenceTest, Conv2DWithPaddingStrideAndGroups) {
  // Group 0 (channel 0) uses a diagonal kernel; group 1 (channel 1) sums its window, +100 bias.
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x2x2xf32> {
      %w = qopt.constant dense<[[[[1.0, 0.0], [0.0, 1.0]]], [[[1.0, 1.0], [1.0, 1.0]]]]> : tensor<2x1x2x2xf32>
      %b = qopt.constant dense<[0.0, 100.0]> : tensor<2xf32>
      %y = qopt.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, groups = 2 : i64, activation = #qopt.activation<relu>}
          : (tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
      return %y : tensor<1x2x2x2xf32>
    })mlir",
               {floats({1, 2, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {1, 2, 2, 2}, {1, 3, 7, 14, 110, 123, 129, 164});
}

TEST_F(ReferenceTest, Conv2DAsymmetricPadsAndDilation) {
  // pads = [top, left, bottom, right]: only a left pad, so the first window sees [pad, x0].
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x1x1x3xf32>) -> tensor<1x1x1x3xf32> {
      %w = qopt.constant dense<[[[[1.0, 10.0]]]]> : tensor<1x1x1x2xf32>
      %y = qopt.conv2d %x, %w {pads = array<i64: 0, 1, 0, 0>} : (tensor<1x1x1x3xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x1x3xf32>
      return %y : tensor<1x1x1x3xf32>
    })mlir",
               {floats({1, 1, 1, 3}, {1, 2, 3})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {1, 1, 1, 3}, {10, 21, 32});

  // Dilation 2 over a 1x5 row: taps x[i] and x[i + 2].
  r = run(R"mlir(
    func.func @f(%x: tensor<1x1x1x5xf32>) -> tensor<1x1x1x3xf32> {
      %w = qopt.constant dense<[[[[1.0, 10.0]]]]> : tensor<1x1x1x2xf32>
      %y = qopt.conv2d %x, %w {dilations = array<i64: 1, 2>} : (tensor<1x1x1x5xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x1x3xf32>
      return %y : tensor<1x1x1x3xf32>
    })mlir",
          {floats({1, 1, 1, 5}, {1, 2, 3, 4, 5})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {1, 1, 1, 3}, {31, 42, 53});
}

TEST_F(ReferenceTest, MatMulBroadcastsBatch) {
  auto r = run(R"mlir(
    func.func @f(%a: tensor<2x1x2xf32>, %b: tensor<2x1xf32>) -> tensor<2x1x1xf32> {
      %y = qopt.matmul %a, %b : (tensor<2x1x2xf32>, tensor<2x1xf32>) -> tensor<2x1x1xf32>
      return %y : tensor<2x1x1xf32>
    })mlir",
               {floats({2, 1, 2}, {1, 2, 3, 4}), floats({2, 1}, {5, 6})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {2, 1, 1}, {17, 39});
}

// The integer semantics of QuantMath.h worked out by hand: acc = sum (x - zx)(w - zw) + bias_q,
// real = acc * sx * sw[n], then the activation, then quantize to the result.
TEST_F(ReferenceTest, QuantizedFullyConnectedIsExactInteger) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> (tensor<1x2x!quant.uniform<u8:f32, 0.25:2>>, tensor<1x2xf32>) {
      %w = qopt.constant dense<[[4, 2], [1, -3]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8:f32:0, {0.25, 1.0}>>
      %b = qopt.constant dense<[3, -20]> : tensor<2xi32> -> tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.5}>>
      %y = qopt.fully_connected %x, %w, %b {activation = #qopt.activation<relu>} : (tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>, tensor<2x2x!quant.uniform<i8:f32:0, {0.25, 1.0}>>, tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.5}>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.25:2>>
      %z = qopt.fully_connected %x, %w, %b : (tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>, tensor<2x2x!quant.uniform<i8:f32:0, {0.25, 1.0}>>, tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.5}>>) -> tensor<1x2xf32>
      return %y, %z : tensor<1x2x!quant.uniform<u8:f32, 0.25:2>>, tensor<1x2xf32>
    })mlir",
               {ints({1, 2}, {12, 8})});
  ASSERT_EQ(r.size(), 2u);
  // Centered x = [2, -2]; dots [4, 8]; plus bias [7, -12]; real [0.875, -6]; relu [0.875, 0];
  // 0.875 / 0.25 = 3.5 rounds to 4 (even), + zp 2.
  EXPECT_EQ(r[0].i, (std::vector<int64_t>{6, 2}));
  expectFloats(r[1], {1, 2}, {0.875f, -6.0f});
}

TEST_F(ReferenceTest, QuantizedConvAndMatMul) {
  auto r = run(R"mlir(
    func.func @f(%x: tensor<1x1x2x2x!quant.uniform<u8:f32, 1.0:3>>, %a: tensor<1x2x!quant.uniform<i8:f32, 0.5>>) -> (tensor<1x1x1x1x!quant.uniform<i8:f32, 1.0>>, tensor<1x1xf32>) {
      %w = qopt.constant dense<[[[[1, -1], [2, 1]]]]> : tensor<1x1x2x2xi8> -> tensor<1x1x2x2x!quant.uniform<i8:f32:0, {0.5}>>
      %y = qopt.conv2d %x, %w : (tensor<1x1x2x2x!quant.uniform<u8:f32, 1.0:3>>, tensor<1x1x2x2x!quant.uniform<i8:f32:0, {0.5}>>) -> tensor<1x1x1x1x!quant.uniform<i8:f32, 1.0>>
      %b = qopt.constant dense<[[2], [3]]> : tensor<2x1xi8> -> tensor<2x1x!quant.uniform<i8:f32, 2.0:1>>
      %m = qopt.matmul %a, %b : (tensor<1x2x!quant.uniform<i8:f32, 0.5>>, tensor<2x1x!quant.uniform<i8:f32, 2.0:1>>) -> tensor<1x1xf32>
      return %y, %m : tensor<1x1x1x1x!quant.uniform<i8:f32, 1.0>>, tensor<1x1xf32>
    })mlir",
               {ints({1, 1, 2, 2}, {4, 5, 6, 3}), ints({1, 2}, {1, 2})});
  ASSERT_EQ(r.size(), 2u);
  // conv: centered x [1, 2, 3, 0] . w [1, -1, 2, 1] = 5; real 2.5 rounds to 2 (even).
  EXPECT_EQ(r[0].i, (std::vector<int64_t>{2}));
  // matmul: [1, 2] . ([2, 3] - 1) = 5, times 0.5 * 2.0.
  expectFloats(r[1], {1, 1}, {5.0f});
}

TEST_F(ReferenceTest, QuantizedBiasWithTheWrongScaleIsAnError) {
  std::string error;
  auto r = tryRun(R"mlir(
    func.func @f(%x: tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x1xf32> {
      %w = qopt.constant dense<[[4, 2]]> : tensor<1x2xi8> -> tensor<1x2x!quant.uniform<i8:f32:0, {0.25}>>
      %b = qopt.constant dense<[3]> : tensor<1xi32> -> tensor<1x!quant.uniform<i32:f32:0, {0.5}>>
      %y = qopt.fully_connected %x, %w, %b : (tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>, tensor<1x2x!quant.uniform<i8:f32:0, {0.25}>>, tensor<1x!quant.uniform<i32:f32:0, {0.5}>>) -> tensor<1x1xf32> loc("fc")
      return %y : tensor<1x1xf32>
    })mlir",
                  {ints({1, 2}, {12, 8})}, error);
  EXPECT_TRUE(failed(r));
  EXPECT_NE(error.find("'fc' (qopt.fully_connected): bias channel 0 has scale 0.5"),
            std::string::npos)
      << error;
}

} // namespace

// The tiled dot products (8 x 16 sums at a time, vectorized across columns) must give exactly
// what the plain one-at-a-time loop gives: each sum in k order, in double, rounded to f32 once.
// Shapes with edges in both directions (rows not a multiple of 8, columns not of 16), and values
// whose sums round differently in another order.
#pragma clang fp contract(off)

namespace {

std::string denseOf(const std::vector<float> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::vector<float> wobbly(int64_t n, int salt) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = (float)((i * 37 + salt * 11) % 23 - 11) * 0.1237f + (float)(i % 7) * 1e-4f;
  return v;
}

TEST_F(ReferenceTest, TiledDotsEqualThePlainLoop) {
  const int64_t m = 11, n = 19, k = 37;
  std::vector<float> x = wobbly(m * k, 1), w = wobbly(n * k, 2);
  // dense<...> reads decimal text: take the values back as printed, so both sides use the same.
  for (float &v : x)
    v = std::stof(std::to_string(v));
  for (float &v : w)
    v = std::stof(std::to_string(v));
  std::string src = "func.func @f(%x: tensor<11x37xf32>) -> tensor<11x19xf32> {\n"
                    "  %w = qopt.constant dense<" + denseOf(w) + "> : tensor<703xf32>\n"
                    "  %w2 = qopt.reshape %w : (tensor<703xf32>) -> tensor<19x37xf32>\n"
                    "  %y = qopt.fully_connected %x, %w2 : (tensor<11x37xf32>, tensor<19x37xf32>) -> tensor<11x19xf32>\n"
                    "  return %y : tensor<11x19xf32>\n}";
  auto r = run(src, {floats({m, k}, x)});
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(r[0].f.size(), (size_t)(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t c = 0; c < n; ++c) {
      double acc = 0;
      for (int64_t j = 0; j < k; ++j)
        acc += (double)x[i * k + j] * (double)w[c * k + j];
      EXPECT_EQ(r[0].f[i * n + c], (float)acc) << "row " << i << ", column " << c;
    }
}

} // namespace
