// The Engine seam: the reference engine gives what the reference executor gives, in one piece or
// in batches, by position or by name, and the native engine refuses models without native code.
#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Engine/Engine.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::qopt;

namespace {

// y = relu(x + x), named in and out; the batch dimension is dynamic.
constexpr const char *kModel = R"mlir(
  func.func @f(%x: tensor<?x2xf32> {qopt.name = "image"}) -> (tensor<?x2xf32> {qopt.name = "score"}) {
    %s = qopt.add %x, %x : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
    %y = qopt.relu %s : (tensor<?x2xf32>) -> tensor<?x2xf32>
    return %y : tensor<?x2xf32>
  })mlir";

class EngineTest : public ::testing::Test {
protected:
  EngineTest() {
    DialectRegistry registry;
    registry.insert<QOptDialect, func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    module = parseSourceString<ModuleOp>(kModel, &context);
  }

  static ref::Tensor rows(int64_t n) {
    ref::Tensor t;
    t.shape = {n, 2};
    for (int64_t k = 0; k < 2 * n; ++k)
      t.f.push_back((float)k - 3.0f);
    return t;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(EngineTest, ReferencePortsAreTheFunctionsNames) {
  ASSERT_TRUE(module);
  std::string error;
  auto engine = engine::createEngine(engine::Kind::reference, *module, error);
  ASSERT_TRUE(succeeded(engine)) << error;
  ASSERT_EQ((*engine)->inputs().size(), 1u);
  EXPECT_EQ((*engine)->inputs()[0].name, "image");
  EXPECT_EQ((*engine)->outputs()[0].name, "score");
  EXPECT_EQ((*engine)->kind(), engine::Kind::reference);
}

TEST_F(EngineTest, BatchesConcatenateToTheWholeRun) {
  ASSERT_TRUE(module);
  std::string error;
  auto engine = engine::createEngine(engine::Kind::reference, *module, error);
  ASSERT_TRUE(succeeded(engine)) << error;
  std::vector<std::pair<int64_t, int64_t>> progress;
  engine::RunOptions batched;
  batched.batchSize = 2;
  batched.progress = [&](int64_t done, int64_t total) { progress.push_back({done, total}); };
  ref::Tensor x = rows(5);
  auto whole = (*engine)->run(x, {}, error);
  ASSERT_TRUE(succeeded(whole)) << error;
  auto parts = (*engine)->run(x, batched, error);
  ASSERT_TRUE(succeeded(parts)) << error;
  EXPECT_EQ((*parts)[0].shape, (std::vector<int64_t>{5, 2}));
  EXPECT_EQ((*parts)[0].f, (*whole)[0].f);
  EXPECT_EQ((*whole)[0].f[0], 0.0f); // relu(2 * -3)
  EXPECT_EQ((*whole)[0].f[9], 12.0f);
  EXPECT_EQ(progress, (std::vector<std::pair<int64_t, int64_t>>{{2, 5}, {4, 5}, {5, 5}}));
}

TEST_F(EngineTest, RunsByName) {
  ASSERT_TRUE(module);
  std::string error;
  auto engine = engine::createEngine(engine::Kind::reference, *module, error);
  ASSERT_TRUE(succeeded(engine)) << error;
  auto out = (*engine)->runNamed({{"image", rows(1)}}, {}, error);
  ASSERT_TRUE(succeeded(out)) << error;
  ASSERT_TRUE(out->count("score"));
  EXPECT_EQ(out->at("score").f, (std::vector<float>{0.0f, 0.0f}));
  EXPECT_TRUE(failed((*engine)->runNamed({{"mask", rows(1)}}, {}, error)));
  EXPECT_EQ(error, "missing input 'image'");
  EXPECT_TRUE(failed((*engine)->runNamed({{"image", rows(1)}, {"mask", rows(1)}}, {}, error)));
  EXPECT_EQ(error, "the model has no input 'mask'");
}

TEST_F(EngineTest, ObserveSeesEveryOp) {
  ASSERT_TRUE(module);
  std::string error;
  auto engine = engine::createEngine(engine::Kind::reference, *module, error);
  ASSERT_TRUE(succeeded(engine)) << error;
  std::vector<std::string> seen;
  engine::RunOptions options;
  options.observe = [&](Operation *op, const ref::Tensor &) {
    seen.push_back(op->getName().getStringRef().str());
  };
  ASSERT_TRUE(succeeded((*engine)->run(rows(1), options, error))) << error;
  EXPECT_EQ(seen, (std::vector<std::string>{"qopt.add", "qopt.relu"}));
}

TEST_F(EngineTest, NativeNeedsNativeCode) {
  ASSERT_TRUE(module);
  std::string error;
  EXPECT_TRUE(failed(engine::createEngine(engine::Kind::native, *module, error)));
  EXPECT_EQ(error.rfind("this model has no native code", 0), 0u) << error;
  EXPECT_EQ(engine::parseKind("native"), engine::Kind::native);
  EXPECT_FALSE(engine::parseKind("gpu"));
}

} // namespace
