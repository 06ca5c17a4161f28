// The reference executor against hand-computed values (PyTorch / ONNX semantics): it is the oracle
// for everything else, so its own cases are worked out on paper here.
#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Reference/Executor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;
using ref::Tensor;

namespace {

Tensor floats(std::vector<int64_t> shape, std::vector<float> values) {
  Tensor t;
  t.shape = std::move(shape);
  t.f = std::move(values);
  return t;
}

Tensor ints(std::vector<int64_t> shape, std::vector<int64_t> values) {
  Tensor t;
  t.shape = std::move(shape);
  t.i = std::move(values);
  return t;
}

class ReferenceTest : public ::testing::Test {
protected:
  ReferenceTest() {
    DialectRegistry registry;
    registry.insert<QOptDialect, func::FuncDialect, quant::QuantizationDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Parses `source` and runs its first function; fails the test on any error.
  std::vector<Tensor> run(StringRef source, std::vector<Tensor> inputs) {
    std::string error;
    auto results = tryRun(source, std::move(inputs), error);
    EXPECT_TRUE(succeeded(results)) << error;
    if (failed(results))
      return {};
    return std::vector<Tensor>(results->begin(), results->end());
  }

  FailureOr<SmallVector<Tensor>> tryRun(StringRef source, std::vector<Tensor> inputs,
                                        std::string &error, const ref::Options &options = {}) {
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module) {
      error = "parse error";
      return failure();
    }
    auto funcs = module->getOps<func::FuncOp>();
    if (funcs.empty()) {
      error = "no function";
      return failure();
    }
    return ref::execute(*funcs.begin(), inputs, options, error);
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

void expectFloats(const Tensor &t, std::vector<int64_t> shape, std::vector<float> expected,
                  float tol = 1e-6f) {
  EXPECT_EQ(t.shape, shape);
  ASSERT_EQ(t.f.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k)
    EXPECT_NEAR(t.f[k], expected[k], tol) << "element " << k;
}

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

TEST_F(ReferenceTest, DynamicBatchBindsToTheInput) {
  const char *src = R"mlir(
    func.func @f(%x: tensor<?x2xf32>) -> tensor<?x3xf32> {
      %w = qopt.constant dense<[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]> : tensor<3x2xf32>
      %b = qopt.constant dense<[0.0, 0.0, -10.0]> : tensor<3xf32>
      %y = qopt.fully_connected %x, %w, %b {activation = #qopt.activation<relu>} : (tensor<?x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<?x3xf32>
      %r = qopt.reshape %y : (tensor<?x3xf32>) -> tensor<?x3xf32>
      return %r : tensor<?x3xf32>
    })mlir";
  auto r = run(src, {floats({1, 2}, {1, 2})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {1, 3}, {1, 2, 0});
  r = run(src, {floats({3, 2}, {1, 2, 3, 4, 5, 6})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {3, 3}, {1, 2, 0, 3, 4, 0, 5, 6, 1});
}

TEST_F(ReferenceTest, DenseResourceConstants) {
  // A blob is its alignment (4, little-endian) followed by the f32 values 1.0 and 2.0.
  auto r = run(R"mlir(
    func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %c = qopt.constant dense_resource<w> : tensor<2xf32>
      %y = qopt.mul %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      return %y : tensor<2xf32>
    }
    {-#
      dialect_resources: { builtin: { w: "0x040000000000803F00000040" } }
    #-})mlir",
               {floats({2}, {3, 4})});
  ASSERT_EQ(r.size(), 1u);
  expectFloats(r[0], {2}, {3, 8});
}

TEST_F(ReferenceTest, TensorFromAttrReadsIntegersByTheirSignedness) {
  module = parseSourceString<ModuleOp>(R"mlir(
    func.func @f() {
      %a = qopt.constant dense<[true, false]> : tensor<2xi1>
      %b = qopt.constant dense<[255, 0]> : tensor<2xui8>
      %c = qopt.constant dense<[-1, 7]> : tensor<2xi8>
      %d = qopt.constant dense<[255, 1]> : tensor<2xi8> -> tensor<2x!quant.uniform<u8:f32, 0.5:128>>
      %e = qopt.constant dense_resource<q> : tensor<2xi8> -> tensor<2x!quant.uniform<i8:f32, 0.5>>
      %f = qopt.constant dense_resource<short> : tensor<4xf32>
      return
    }
    {-#
      dialect_resources: { builtin: { q: "0x01000000FF80", short: "0x040000000000803F" } }
    #-})mlir",
                                       &context);
  ASSERT_TRUE(module);
  std::vector<std::vector<int64_t>> expected = {{1, 0}, {255, 0}, {-1, 7}, {255, 1}, {-1, -128}};
  size_t k = 0;
  std::string error;
  func::FuncOp func = *module->getOps<func::FuncOp>().begin();
  for (ConstantOp c : func.getOps<ConstantOp>()) {
    FailureOr<Tensor> t = ref::tensorFromAttr(c.getValue(), c.getType(), error);
    if (k < expected.size()) {
      ASSERT_TRUE(succeeded(t)) << error;
      EXPECT_EQ(t->i, expected[k]) << "constant " << k;
      EXPECT_EQ(t->elementType, c.getType().getElementType());
    } else {
      EXPECT_TRUE(failed(t));
      EXPECT_EQ(error, "dense_resource blob holds 4 bytes, tensor<4xf32> needs 16");
    }
    ++k;
  }
  EXPECT_EQ(k, 6u);
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

TEST_F(ReferenceTest, HalfPrecisionResultsAreRoundedToStorage) {
  // 1 + 2^-12 is not representable in f16 (11-bit significand): it rounds back to 1.
  auto r = run(R"mlir(
    func.func @f(%a: tensor<1xf16>, %b: tensor<1xf16>) -> tensor<1xf16> {
      %y = qopt.add %a, %b : (tensor<1xf16>, tensor<1xf16>) -> tensor<1xf16>
      return %y : tensor<1xf16>
    })mlir",
               {floats({1}, {1.0f}), floats({1}, {1.0f / 4096})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].f[0], 1.0f);
}

TEST_F(ReferenceTest, ObserveSeesEveryOp) {
  std::vector<std::string> seen;
  ref::Options options;
  options.observe = [&](Operation *op, const Tensor &t) {
    seen.push_back(op->getName().getStringRef().str() + ":" + std::to_string(t.numElements()));
  };
  std::string error;
  auto r = tryRun(R"mlir(
    func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %c = qopt.constant dense<1.0> : tensor<2xf32>
      %y = qopt.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      %z = qopt.relu %y : (tensor<2xf32>) -> tensor<2xf32>
      return %z : tensor<2xf32>
    })mlir",
                  {floats({2}, {-5, 5})}, error, options);
  ASSERT_TRUE(succeeded(r)) << error;
  EXPECT_EQ(seen, (std::vector<std::string>{"qopt.constant:2", "qopt.add:2", "qopt.relu:2"}));
}

TEST_F(ReferenceTest, WrongInputShapeNamesTheArgument) {
  const char *src = R"mlir(
    func.func @f(%x: tensor<?x4xf32> {qopt.name = "image"}) -> tensor<?x4xf32> {
      %y = qopt.relu %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
      return %y : tensor<?x4xf32>
    })mlir";
  std::string error;
  EXPECT_TRUE(failed(tryRun(src, {floats({2, 3}, {1, 2, 3, 4, 5, 6})}, error)));
  EXPECT_EQ(error, "input #0 ('image'): shape [2,3] does not match the argument type "
                   "tensor<?x4xf32>");
  EXPECT_TRUE(failed(tryRun(src, {floats({1, 4}, {1, 2, 3})}, error)));
  EXPECT_EQ(error, "input #0 ('image'): holds 3 values in `f`, shape [1,4] needs 4");
  EXPECT_TRUE(failed(tryRun(src, {}, error)));
  EXPECT_EQ(error, "@f takes 1 inputs, got 0");
}

TEST_F(ReferenceTest, UnsupportedOpErrorNamesTheLayer) {
  std::string error;
  auto r = tryRun(R"mlir(
    func.func @f(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
      %w = qopt.constant dense<[[1, 2]]> : tensor<1x2xi8> -> tensor<1x2x!quant.uniform<i8:f32, 0.5>>
      %y = qopt.fully_connected %x, %w : (tensor<1x2xf32>, tensor<1x2x!quant.uniform<i8:f32, 0.5>>) -> tensor<1x1xf32> loc("fc1")
      return %y : tensor<1x1xf32>
    })mlir",
                  {floats({1, 2}, {1, 2})}, error);
  EXPECT_TRUE(failed(r));
  EXPECT_EQ(error.rfind("'fc1' (qopt.fully_connected): input is float but weight is quantized",
                        0),
            0u)
      << error;
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

namespace {
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

namespace {
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

namespace {
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
