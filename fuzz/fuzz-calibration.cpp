// qopt-fuzz-calibration: the calibration-data path, end to end: an untrusted .npy goes through
// dataset loading (shape and dtype checks against the model's input), the reference executor and
// every calibration method (min/max, percentile, entropy, MSE) on a small fixed model. NaN, Inf,
// denormals and huge values included: the pass must record ranges or fail with a diagnostic.
#include "FuzzSupport.h"

#include "qopt/Dialect/QOpt/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

namespace {
// A 4-3 fully connected layer with a relu and a softmax: float results for every method to range.
constexpr const char *kModel = R"mlir(
func.func @main(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %w = qopt.constant dense<[[0.5, -1.0, 0.25, 2.0], [1.5, 0.0, -0.75, 0.5], [-2.0, 1.0, 1.0, -0.5]]> : tensor<3x4xf32>
  %b = qopt.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %h = qopt.fully_connected %x, %w, %b {activation = #qopt.activation<relu>} : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %y = qopt.softmax %h : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
)mlir";

constexpr const char *kMethods[] = {"minmax", "percentile=99.99", "percentile=50", "entropy", "mse"};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  // The first byte picks the method and the batch size; the rest is the .npy file.
  uint8_t selector = data[0];
  qopt::fuzz::MemFile file(data + 1, size - 1);
  qopt::fuzz::QuietContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kModel, context.get());
  if (!module)
    abort(); // the fixed model must parse: a harness bug
  mlir::PassManager pm(context.get());
  mlir::qopt::CalibratePassOptions options;
  options.data = file.name();
  options.method = kMethods[selector % std::size(kMethods)];
  options.batchSize = 1 + (selector >> 4);
  pm.addNestedPass<mlir::func::FuncOp>(mlir::qopt::createCalibratePass(options));
  (void)pm.run(*module);
  return 0;
}
