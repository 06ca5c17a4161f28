// The lowering pipeline, registered next to the quantize pipeline (InitAll.h registers both).
#include "qopt/Conversion/QOptToLLVM/Passes.h"

#include "mlir/Pass/PassRegistry.h"

namespace mlir::qopt {
namespace {
struct LowerToLLVMPipelineOptions : PassPipelineOptions<LowerToLLVMPipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("avx512vnni, avx512bf16 or avx2"),
                             llvm::cl::init("avx512vnni")};
};
} // namespace

void buildLowerToLLVMPipeline(OpPassManager &pm, StringRef target) {
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  PackWeightsPassOptions pack;
  pack.target = target.str();
  funcPm.addPass(createPackWeightsPass(pack));
  funcPm.addPass(createLowerToKernelsPass());
  pm.addPass(createConvertKernelsToLLVMPass());
}

void registerLowerToLLVMPipeline() {
  PassPipelineRegistration<LowerToLLVMPipelineOptions>(
      "qopt-lower-to-llvm-pipeline",
      "The native backend's lowering: pack-weights, lower-to-kernels, convert-kernels-to-llvm",
      [](OpPassManager &pm, const LowerToLLVMPipelineOptions &o) {
        buildLowerToLLVMPipeline(pm, o.target);
      });
}
} // namespace mlir::qopt
