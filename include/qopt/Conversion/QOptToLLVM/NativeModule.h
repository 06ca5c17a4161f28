// What a lowered module (after qopt-convert-kernels-to-llvm) tells the model file about its code.
#ifndef QOPT_CONVERSION_QOPTTOLLVM_NATIVEMODULE_H
#define QOPT_CONVERSION_QOPTTOLLVM_NATIVEMODULE_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::qopt {

/// One kernel call of the entry point, for profiles and the report's roofline
/// (schemas/qopt_model.fbs, table NativeStep).
struct NativeStepInfo {
  std::string name;   // the layer (the op's location name), or the kernel when it has none
  std::string kernel; // the kernel function called
  int64_t opsPerSample = 0, weightBytes = 0, activationBytesPerSample = 0;
};


struct NativeModuleInfo {
  int64_t arenaBytesPerSample = 0, arenaBytesFixed = 0;
  bool batchParallel = false;
  /// The constant table in slot order, as the bytes the code reads (splats expanded).
  std::vector<std::vector<uint8_t>> constants;
  /// The kernel calls in execution order.
  std::vector<NativeStepInfo> steps;
};

/// Reads the module's `qopt.native` attribute; fails with `error` when it is missing or holds a
/// constant without readable data.
FailureOr<NativeModuleInfo> readNativeModuleInfo(ModuleOp module, std::string &error);

} // namespace mlir::qopt

#endif
