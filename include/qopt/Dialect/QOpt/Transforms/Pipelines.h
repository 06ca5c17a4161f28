// qopt's named pass pipelines, defined and registered in one place. qopt-compile builds its passes
// from the same stage builders, so `qopt-opt --qopt-quantize-pipeline=...` and qopt-compile with
// the same options produce the same IR.
#ifndef QOPT_DIALECT_QOPT_TRANSFORMS_PIPELINES_H
#define QOPT_DIALECT_QOPT_TRANSFORMS_PIPELINES_H

#include "qopt/Dialect/QOpt/IR/QOptEnums.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::qopt {

/// Every option of the quantization middle-end; qopt-compile's flags map onto these one to one.
struct QuantizePipelineOptions : PassPipelineOptions<QuantizePipelineOptions> {
  Option<PrecisionMode> precision{
      *this, "precision", llvm::cl::desc("int8 | fp16 | bf16 | fp32 | mixed"),
      llvm::cl::init(PrecisionMode::int8),
      llvm::cl::values(clEnumValN(PrecisionMode::int8, "int8", "i8 everywhere"),
                       clEnumValN(PrecisionMode::fp16, "fp16", "f16 where the ranges fit"),
                       clEnumValN(PrecisionMode::bf16, "bf16", "bf16 everywhere"),
                       clEnumValN(PrecisionMode::fp32, "fp32", "f32 everywhere"),
                       clEnumValN(PrecisionMode::mixed, "mixed",
                                  "the cheapest assignment within the budget"))};
  Option<QuantizationMode> quantization{
      *this, "quantization",
      llvm::cl::desc("int8: static (calibrated scales, per-channel weights) or dynamic "
                     "(per-tensor weights, scales from the live tensor)"),
      llvm::cl::init(QuantizationMode::Static),
      llvm::cl::values(clEnumValN(QuantizationMode::Static, "static", "calibrated scales"),
                       clEnumValN(QuantizationMode::Dynamic, "dynamic",
                                  "scales from the live tensor"))};
  Option<ActivationStorage> activations{
      *this, "activations", llvm::cl::desc("int8 activations: u8 (asymmetric) | i8 (symmetric)"),
      llvm::cl::init(ActivationStorage::u8),
      llvm::cl::values(clEnumValN(ActivationStorage::u8, "u8", "asymmetric u8"),
                       clEnumValN(ActivationStorage::i8, "i8", "symmetric i8"))};
  Option<std::string> data{*this, "data",
                           llvm::cl::desc("calibration samples (.npy, float32 [N, input dims...])")};
  Option<std::string> method{*this, "method",
                             llvm::cl::desc("calibration: minmax | percentile[=P] | entropy | mse"),
                             llvm::cl::init("percentile=99.99")};
  Option<double> budget{*this, "budget", llvm::cl::desc("mixed: top-1 points allowed"),
                        llvm::cl::init(0.1)};
  Option<int64_t> batchSize{*this, "batch-size",
                            llvm::cl::desc("samples per run while calibrating and measuring"),
                            llvm::cl::init(64)};
  Option<std::string> evalData{*this, "eval-data",
                               llvm::cl::desc("mixed: samples (.npy) the budget is checked on "
                                              "(default: the calibration data)")};
  Option<std::string> evalLabels{*this, "eval-labels",
                                 llvm::cl::desc("mixed: integer labels (.npy) for eval-data")};
  ListOption<std::string> overrides{*this, "override",
                                    llvm::cl::desc("NAME=f32|f16|bf16|i8: pin the layer with "
                                                   "this ONNX node name (comma-separated)")};
  Option<bool> allowOverBudget{*this, "allow-over-budget",
                               llvm::cl::desc("mixed: keep the best assignment when the budget "
                                              "cannot be met (a warning)"),
                               llvm::cl::init(false)};
  Option<double> budgetConfidence{
      *this, "budget-confidence",
      llvm::cl::desc("mixed: check the budget against the upper bound of the loss's confidence "
                     "interval at this level, e.g. 0.95 (0: the point estimate)"),
      llvm::cl::init(0)};
  Option<bool> biasCorrection{*this, "bias-correction",
                              llvm::cl::desc("run qopt-correct-bias on the i8 layers (needs data)"),
                              llvm::cl::init(false)};
  Option<CostTarget> target{
      *this, "target", llvm::cl::desc("cost model: avx512vnni | avx512bf16 | avx2"),
      llvm::cl::init(CostTarget::avx512vnni),
      llvm::cl::values(clEnumValN(CostTarget::avx512vnni, "avx512vnni", "AVX-512 VNNI"),
                       clEnumValN(CostTarget::avx512bf16, "avx512bf16", "AVX-512 BF16"),
                       clEnumValN(CostTarget::avx2, "avx2", "AVX2"))};
};

// The stages, in order. Each adds function passes to `funcPm` (a pass manager nested on
// func.func). qopt-compile runs them one by one because it keeps the calibrated fp32 function
// between the calibrate and lower-precision stages; the named pipeline runs them back to back.
// Every assignment from pipeline options to pass options is in these builders.

/// Turns GELU and LayerNorm that older exporters spell out back into single ops.
void buildRaiseStage(OpPassManager &funcPm);
/// Folds batch norms, fuses bias and activations, canonicalizes.
void buildPrepareStage(OpPassManager &funcPm, const QuantizePipelineOptions &options);
/// Records calibrated ranges; adds nothing without calibration data, unless `haveStats`: the
/// function carries the statistics of an earlier calibration to compute them from
/// (CalibrationStats.h). `recordStats` keeps the statistics on the function, for the provenance.
void buildCalibrateStage(OpPassManager &funcPm, const QuantizePipelineOptions &options,
                         bool recordStats = false, bool haveStats = false);
/// Assigns per-op precision, (corrects biases,) quantizes, folds to integer ops, fuses and
/// canonicalizes.
void buildLowerPrecisionStage(OpPassManager &funcPm, const QuantizePipelineOptions &options);

/// The whole middle-end on every function of the module `pm` runs on: raise, prepare, calibrate,
/// lower-precision.
void buildQuantizePipeline(OpPassManager &pm, const QuantizePipelineOptions &options);

/// Registers `qopt-quantize-pipeline` (buildQuantizePipeline).
void registerQOptPipelines();

} // namespace mlir::qopt

#endif
