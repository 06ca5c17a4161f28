// The reference executor's driver (lib/Reference/Executor.cpp) against hand-computed values:
// binding inputs, reading constants, rounding to storage, observing ops, and naming the layer in
// every error.
#include "ReferenceTest.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::ref::test;
using ref::Tensor;

namespace {

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

} // namespace

namespace {

// Options::precomputed skips the ops it answers for (their result is the given tensor, or
// unbound when null) and Options::stopAfter ends the run early with no results: what the
// per-layer local error replays candidates with.
TEST_F(ReferenceTest, PrecomputedResultsAndStopAfter) {
  const char *src = R"mlir(
    func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %c = qopt.constant dense<[10.0, 20.0]> : tensor<2xf32>
      %a = qopt.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      %m = qopt.mul %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
      %n = qopt.neg %m : (tensor<2xf32>) -> tensor<2xf32>
      return %n : tensor<2xf32>
    })mlir";
  Tensor known = floats({2}, {3, 4});
  known.elementType = Float32Type::get(&context); // as the executor's own results carry it
  std::vector<std::string> ran;
  ref::Options options;
  options.precomputed = [&](Operation *op) -> std::optional<const Tensor *> {
    if (isa<AddOp>(op))
      return &known; // %a = [3, 4], whatever %x and %c are
    if (isa<ConstantOp>(op))
      return nullptr; // read by nothing that runs
    return std::nullopt;
  };
  options.observe = [&](Operation *op, const Tensor &) {
    ran.push_back(op->getName().getStringRef().str());
  };
  std::string error;
  auto r = tryRun(src, {floats({2}, {100, 200})}, error, options);
  ASSERT_TRUE(succeeded(r)) << error;
  ASSERT_EQ(r->size(), 1u);
  expectFloats((*r)[0], {2}, {-9, -16});
  EXPECT_EQ(ran, (std::vector<std::string>{"qopt.mul", "qopt.neg"}));

  ran.clear();
  options.stopAfter = [](Operation *op) { return isa<MulOp>(op); };
  r = tryRun(src, {floats({2}, {100, 200})}, error, options);
  ASSERT_TRUE(succeeded(r)) << error;
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(ran, (std::vector<std::string>{"qopt.mul"}));
}

} // namespace
