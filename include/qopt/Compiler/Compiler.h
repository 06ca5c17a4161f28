// qopt-compile's driver: the quantize pipeline's stages (Pipelines.h) run one by one, keeping the
// calibrated fp32 function, then the compiled function measured against it on real data, and the
// error report.
#ifndef QOPT_COMPILER_COMPILER_H
#define QOPT_COMPILER_COMPILER_H

#include "qopt/Target/FlatBuffer/NativeSection.h"
#include "qopt/Dialect/QOpt/Transforms/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <string>

namespace mlir::qopt {

struct CompileOptions {
  /// What to compile to and how: the options of `qopt-quantize-pipeline`.
  QuantizePipelineOptions pipeline;
  /// A compiled model (.fb) whose provenance records calibration statistics (tensor_stats):
  /// the ranges are computed from those, with the pipeline's method, instead of from
  /// calibration data. The model compiled must be the fp32 graph they were measured on.
  std::string calibrationStats;
  /// Keep the calibration statistics in the provenance (the model grows by about 4 bytes per
  /// histogram bin: ~50-80 KB for the example models), so that it can be calibrated again
  /// without data.
  bool keepStats = true;
  /// Record the report in the IR (`qopt.error` per layer, `qopt.provenance` on the module). Off,
  /// the module is exactly what the pipeline produced.
  bool recordReport = true;
  /// Progress lines for long steps (nothing when empty).
  std::function<void(const std::string &)> progress;
  /// What runs the model-level comparison with fp32 (agreement, accuracy) on the evaluation
  /// data: native code for this CPU (both the fp32 and the compiled graph compiled for `host`),
  /// or the reference executor. `automatic` takes native code from kNativeEvalMinSamples samples
  /// on and falls back to the reference, saying so, when no native code can be built. Per-layer
  /// errors always come from the reference executor, which observes every op.
  enum class EvalEngine { automatic, native, reference };
  EvalEngine evalEngine = EvalEngine::automatic;
  /// The latencies the precision search compares (MeasureCost.h): each layer timed at every
  /// precision on native code for `nativeTarget` (`measured`; `automatic`: for a mixed search,
  /// when that code runs on this CPU), or the per-target model (`predicted`).
  enum class CostModel { automatic, measured, predicted };
  CostModel costModel = CostModel::automatic;
  /// The --target the latencies are measured for: its first entry ("host" for this CPU).
  std::string nativeTarget = "host";
};

/// Below this many evaluation samples the reference executor is as quick as compiling twice.
inline constexpr int64_t kNativeEvalMinSamples = 1000;

/// The measured outcome, as JSON text and as a readable table.
struct CompileReport {
  std::string json, table;
  double lossPoints = 0;
  /// The compiled function's native code for this CPU's target (hostTarget), when the
  /// measurement built it: writing the model for that target reuses it instead of building the
  /// same code again.
  std::vector<NativeSection> hostCode;
  std::string hostTarget;
};

/// Compiles `module` (one fp32 function) in place. Errors are emitted as diagnostics naming the
/// file, layer or option; on failure the module is in an unspecified state.
LogicalResult compileModule(ModuleOp module, const CompileOptions &options,
                            StringRef modelPath, CompileReport &report);

} // namespace mlir::qopt

#endif
