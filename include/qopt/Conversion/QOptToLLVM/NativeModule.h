// What a lowered module (after qopt-convert-kernels-to-llvm) tells the model file about its code.
#ifndef QOPT_CONVERSION_QOPTTOLLVM_NATIVEMODULE_H
#define QOPT_CONVERSION_QOPTTOLLVM_NATIVEMODULE_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::qopt {

struct NativeModuleInfo {
  int64_t arenaBytesPerSample = 0, arenaBytesFixed = 0;
  bool batchParallel = false;
  /// The constant table in slot order, as the bytes the code reads (splats expanded).
  std::vector<std::vector<uint8_t>> constants;
};

/// Reads the module's `qopt.native` attribute; fails with `error` when it is missing or holds a
/// constant without readable data.
FailureOr<NativeModuleInfo> readNativeModuleInfo(ModuleOp module, std::string &error);

} // namespace mlir::qopt

#endif
