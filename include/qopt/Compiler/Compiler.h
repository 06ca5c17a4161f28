// qopt-compile's pipeline and its error report: import -> fold-batch-norm -> fuse -> calibrate ->
// assign-precision -> quantize -> fold-quant-dequant -> fuse -> canonicalize, then the compiled
// function measured against the fp32 one on real data.
#ifndef QOPT_COMPILER_COMPILER_H
#define QOPT_COMPILER_COMPILER_H

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir::qopt {

struct CompileOptions {
  std::string target = "avx512vnni";
  std::string precision = "int8";   // fp32 | fp16 | bf16 | int8 | mixed
  std::string quantization = "static"; // static | dynamic (int8 only)
  std::string activations = "u8";
  std::string calibrationData, calibrationMethod = "percentile=99.99";
  double accuracyBudget = 0.1;
  std::string evalData, evalLabels;
  std::vector<std::string> overrides;
  bool allowOverBudget = false;
  /// Run qopt-correct-bias on the i8 layers (needs calibration data).
  bool biasCorrection = false;
  int64_t batchSize = 64;
  /// Progress lines for long steps (nothing when empty).
  std::function<void(const std::string &)> progress;
};

/// The measured outcome, as JSON text and as a readable table.
struct CompileReport {
  std::string json, table;
  double lossPoints = 0;
};

/// Compiles `module` (one fp32 function) in place. Errors are emitted as diagnostics naming the
/// file, layer or option; on failure the module is in an unspecified state.
LogicalResult compileModule(ModuleOp module, const CompileOptions &options,
                            StringRef modelPath, CompileReport &report);

} // namespace mlir::qopt

#endif
