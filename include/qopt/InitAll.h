// qopt's own set of dialects, passes and translations, registered in one place for the tools
// (mirroring mlir/InitAllDialects.h and friends, for what qopt uses only: registering all of
// MLIR's made qopt-opt ten times bigger). A tool links the libraries of what it calls.
#ifndef QOPT_INITALL_H
#define QOPT_INITALL_H

#include "qopt/Conversion/QOptToLLVM/Backend.h"
#include "qopt/Conversion/QOptToLLVM/Passes.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"
#include "qopt/Dialect/QOpt/Transforms/Pipelines.h"
#include "qopt/Target/ModelIO.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::qopt {

/// The qopt dialect and the upstream dialects its models use (func, arith, quant).
inline void registerAllDialects(DialectRegistry &registry) { registerModelDialects(registry); }

/// qopt's passes and named pipelines, and the upstream passes its pipelines and tests use.
inline void registerAllPasses() {
  registerCanonicalizerPass();
  registerCSEPass();
  registerSymbolDCEPass();
  registerQOptTransformsPasses();
  registerQOptPipelines();
  registerQOptToLLVMPasses();
  registerLowerToLLVMPipeline();
}

/// Model import and export: --import-onnx, --import-flatbuffer, --export-flatbuffer; and the
/// native backend's --mlir-to-native-so (the caller links QOptNativeBackend).
inline void registerAllTranslations() {
  registerModelTranslations();
  registerNativeTranslations();
}

} // namespace mlir::qopt

#endif
