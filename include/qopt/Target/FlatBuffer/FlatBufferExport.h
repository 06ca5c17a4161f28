#ifndef QOPT_TARGET_FLATBUFFER_FLATBUFFEREXPORT_H
#define QOPT_TARGET_FLATBUFFER_FLATBUFFEREXPORT_H

#include "mlir/IR/BuiltinOps.h"
#include <string>

namespace mlir::qopt {

/// Serializes a module holding one func.func of qopt ops as a qopt FlatBuffers model. Diagnostics
/// name the op that cannot be stored; nothing is returned on failure.
FailureOr<std::string> exportFlatBuffer(ModuleOp module);

} // namespace mlir::qopt

#endif
