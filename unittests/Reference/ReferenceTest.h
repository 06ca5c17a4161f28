// Shared by the reference executor's tests (one file per kernel family, like lib/Reference): a
// fixture that parses a function and runs it, and tensor builders. The executor is the oracle for
// everything else, so its own cases are worked out on paper (PyTorch / ONNX semantics).
//
// The fixture lives in a named namespace: GoogleTest requires every TEST_F of one suite to use the
// same fixture type, and the ReferenceTest suite spans several files.
#ifndef QOPT_UNITTESTS_REFERENCE_REFERENCETEST_H
#define QOPT_UNITTESTS_REFERENCE_REFERENCETEST_H

#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Reference/Executor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

namespace mlir::qopt::ref::test {

inline Tensor floats(std::vector<int64_t> shape, std::vector<float> values) {
  Tensor t;
  t.shape = std::move(shape);
  t.f = std::move(values);
  return t;
}

inline Tensor ints(std::vector<int64_t> shape, std::vector<int64_t> values) {
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

inline void expectFloats(const Tensor &t, std::vector<int64_t> shape, std::vector<float> expected,
                         float tol = 1e-6f) {
  EXPECT_EQ(t.shape, shape);
  ASSERT_EQ(t.f.size(), expected.size());
  for (size_t k = 0; k < expected.size(); ++k)
    EXPECT_NEAR(t.f[k], expected[k], tol) << "element " << k;
}

} // namespace mlir::qopt::ref::test

#endif // QOPT_UNITTESTS_REFERENCE_REFERENCETEST_H
