#ifndef QOPT_TARGET_FLATBUFFER_FLATBUFFEREXPORT_H
#define QOPT_TARGET_FLATBUFFER_FLATBUFFEREXPORT_H

#include "mlir/IR/BuiltinOps.h"
#include <string>
#include <vector>

namespace mlir::qopt {

struct NativeSection;

/// Serializes a module holding one func.func of qopt ops as a qopt FlatBuffers model. Diagnostics
/// name the op that cannot be stored; nothing is returned on failure.
FailureOr<std::string> exportFlatBuffer(ModuleOp module);

/// The same with native code sections (NativeSection.h): the bytes attachNativeCode would give
/// on exportFlatBuffer's, built once (the weights are copied and hashed once, not three times).
FailureOr<std::string> exportFlatBuffer(ModuleOp module,
                                        const std::vector<NativeSection> &sections);

} // namespace mlir::qopt

#endif
