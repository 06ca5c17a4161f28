#include "qopt/Dialect/QOpt/Transforms/Pipelines.h"

#include "qopt/Dialect/QOpt/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::qopt;

// qopt-compile records the printed text of these stages in a model's provenance, and that text
// lists every option a pass was given: keep the set of assigned options stable, or compiled
// models stop being byte-identical to earlier ones.

void mlir::qopt::buildRaiseStage(OpPassManager &funcPm) {
  funcPm.addPass(createRaiseDecomposedOpsPass());
}

void mlir::qopt::buildPrepareStage(OpPassManager &funcPm, const QuantizePipelineOptions &) {
  funcPm.addPass(createFoldBatchNormPass());
  funcPm.addPass(createFusePass());
  funcPm.addPass(createCanonicalizerPass());
}

void mlir::qopt::buildCalibrateStage(OpPassManager &funcPm, const QuantizePipelineOptions &o,
                                     bool recordStats, bool haveStats) {
  if (o.data.empty() && !haveStats)
    return;
  CalibratePassOptions c;
  c.data = o.data;
  c.method = o.method;
  c.batchSize = o.batchSize;
  c.recordStats = recordStats;
  funcPm.addPass(createCalibratePass(c));
}

void mlir::qopt::buildLowerPrecisionStage(OpPassManager &funcPm,
                                          const QuantizePipelineOptions &o) {
  AssignPrecisionPassOptions a;
  a.mode = o.precision;
  a.budget = o.budget;
  a.data = o.data;
  a.evalData = o.evalData;
  a.evalLabels = o.evalLabels;
  a.overrides = ArrayRef<std::string>(o.overrides);
  a.target = o.target;
  a.activations = o.activations;
  a.batchSize = o.batchSize;
  a.allowOverBudget = o.allowOverBudget;
  a.budgetConfidence = o.budgetConfidence;
  funcPm.addPass(createAssignPrecisionPass(a));
  if (o.biasCorrection) {
    CorrectBiasPassOptions cb;
    cb.dataPath = o.data;
    cb.batchSize = o.batchSize;
    funcPm.addPass(createCorrectBiasPass(cb));
  }
  QuantizePassOptions q;
  q.activations = o.activations;
  q.mode = o.quantization;
  funcPm.addPass(createQuantizePass(q));
  funcPm.addPass(createFoldQuantDequantPass());
  funcPm.addPass(createFusePass());
  funcPm.addPass(createCanonicalizerPass());
}

void mlir::qopt::buildQuantizePipeline(OpPassManager &pm, const QuantizePipelineOptions &o) {
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  buildRaiseStage(funcPm);
  buildPrepareStage(funcPm, o);
  buildCalibrateStage(funcPm, o);
  buildLowerPrecisionStage(funcPm, o);
}

void mlir::qopt::registerQOptPipelines() {
  PassPipelineRegistration<QuantizePipelineOptions>(
      "qopt-quantize-pipeline",
      "The quantization middle-end qopt-compile runs: raise-decomposed-ops, fold-batch-norm, fuse, "
      "canonicalize, calibrate (with data), assign-precision, correct-bias (optional), quantize, "
      "fold-quant-dequant, fuse, canonicalize",
      buildQuantizePipeline);
}
