// qopt-compile's error report: the JSON and the table written next to the model, and the record of
// both in the IR (per-layer error attributes and the module's provenance).
#ifndef QOPT_LIB_COMPILER_REPORT_H
#define QOPT_LIB_COMPILER_REPORT_H

#include "qopt/Compiler/Compiler.h"
#include "qopt/Engine/Engine.h"
#include "qopt/Evaluation/Evaluate.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <map>
#include <string>

namespace mlir::qopt {

/// The layer name an op carries as its location, or "".
std::string locationName(Operation *op);

/// Bytes of every constant's storage (quantized constants by their storage type).
int64_t modelBytes(func::FuncOp func);

/// What qopt-compile measured, and on what.
struct Measurement {
  /// The compiled function against the fp32 one, per layer and at the output.
  eval::Comparison comparison;
  /// Each non-f32 layer's SQNR (dB) with only it lowered, by layer name.
  std::map<std::string, double> localSqnrDb;
  /// The samples measured on; null when there were none (then `comparison` is empty).
  const eval::Dataset *data = nullptr;
  /// What ran the model-level comparison ("the reference executor", "native code (avx2)").
  std::string engine = "the reference executor";
  /// Where the per-layer errors were measured when not on `data` (native evaluation measures
  /// them on the reference executor over the calibration data).
  const eval::Dataset *layerData = nullptr;
  /// The compiled model's native steps timed on one batch of `profileBatch` samples (native
  /// evaluation only; empty otherwise).
  std::vector<engine::StepProfile> steps;
  int64_t profileBatch = 0;
};

/// Everything the report describes.
struct ReportInput {
  const QuantizePipelineOptions &options;
  llvm::StringRef modelPath;
  /// The calibrated fp32 function and the compiled one.
  func::FuncOp reference, compiled;
  int64_t referenceBytes = 0;
  const Measurement &measurement;
  /// The compiled model whose statistics replaced calibration data, or "".
  llvm::StringRef calibrationStats;
};

/// Fills `report` (JSON, table, loss).
void writeReport(const ReportInput &input, CompileReport &report);

/// Records the report in the IR: `qopt.error` on each measured layer of the compiled function and
/// `qopt.provenance` on `module` (producer, the pass pipeline text, the JSON, calibration).
void recordReport(ModuleOp module, const ReportInput &input, const CompileReport &report,
                  llvm::StringRef pipelineText);

/// Adds what this run measured to `report.json` (not to the model's recorded copy): each layer's
/// native time, ops and bytes per sample, the total, and the machine's peaks (NativeProfile.cpp).
void addMeasuredPerformance(const Measurement &m, CompileReport &report);

} // namespace mlir::qopt

#endif
