#include "qopt/Dialect/QOpt/Transforms/Pipelines.h"

#include "qopt/Dialect/QOpt/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::qopt;

namespace {
struct QuantizePipelineOptions : PassPipelineOptions<QuantizePipelineOptions> {
  Option<std::string> data{*this, "data",
                           llvm::cl::desc("calibration samples (.npy, float32 [N, input dims...])")};
  Option<std::string> method{*this, "method", llvm::cl::desc("minmax | percentile[=P] | entropy | mse"),
                             llvm::cl::init("percentile=99.99")};
  Option<PrecisionMode> precision{
      *this, "precision", llvm::cl::desc("int8 | fp16 | bf16 | fp32 | mixed"),
      llvm::cl::init(PrecisionMode::int8),
      llvm::cl::values(clEnumValN(PrecisionMode::int8, "int8", "i8 everywhere"),
                       clEnumValN(PrecisionMode::fp16, "fp16", "f16 where the ranges fit"),
                       clEnumValN(PrecisionMode::bf16, "bf16", "bf16 everywhere"),
                       clEnumValN(PrecisionMode::fp32, "fp32", "f32 everywhere"),
                       clEnumValN(PrecisionMode::mixed, "mixed",
                                  "the cheapest assignment within the budget"))};
  Option<double> budget{*this, "budget", llvm::cl::desc("mixed: top-1 points allowed"),
                        llvm::cl::init(0.1)};
  Option<ActivationStorage> activations{
      *this, "activations", llvm::cl::desc("u8 | i8"), llvm::cl::init(ActivationStorage::u8),
      llvm::cl::values(clEnumValN(ActivationStorage::u8, "u8", "asymmetric u8"),
                       clEnumValN(ActivationStorage::i8, "i8", "symmetric i8"))};
  Option<bool> biasCorrection{*this, "bias-correction",
                              llvm::cl::desc("run qopt-correct-bias on the i8 layers"),
                              llvm::cl::init(false)};
};
} // namespace

void mlir::qopt::registerQOptPipelines() {
  PassPipelineRegistration<QuantizePipelineOptions>(
      "qopt-quantize-pipeline",
      "The quantization middle-end as qopt-compile runs it: fold-batch-norm, fuse, calibrate, "
      "assign-precision, correct-bias (optional), quantize, fold-quant-dequant, fuse, canonicalize",
      [](OpPassManager &pm, const QuantizePipelineOptions &o) {
        OpPassManager &f = pm.nest<func::FuncOp>();
        f.addPass(createFoldBatchNormPass());
        f.addPass(createFusePass());
        f.addPass(createCanonicalizerPass());
        if (!o.data.empty()) {
          CalibratePassOptions c;
          c.data = o.data;
          c.method = o.method;
          f.addPass(createCalibratePass(c));
        }
        AssignPrecisionPassOptions a;
        a.mode = o.precision;
        a.budget = o.budget;
        a.data = o.data;
        a.activations = o.activations;
        f.addPass(createAssignPrecisionPass(a));
        if (o.biasCorrection) {
          CorrectBiasPassOptions cb;
          cb.dataPath = o.data;
          f.addPass(createCorrectBiasPass(cb));
        }
        QuantizePassOptions q;
        q.activations = o.activations;
        f.addPass(createQuantizePass(q));
        f.addPass(createFoldQuantDequantPass());
        f.addPass(createFusePass());
        f.addPass(createCanonicalizerPass());
      });
}
