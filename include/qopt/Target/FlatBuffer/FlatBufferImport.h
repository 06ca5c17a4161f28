#ifndef QOPT_TARGET_FLATBUFFER_FLATBUFFERIMPORT_H
#define QOPT_TARGET_FLATBUFFER_FLATBUFFERIMPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::qopt {

/// Reads a qopt FlatBuffers model. The bytes go through the FlatBuffers verifier and qopt's
/// semantic checks before any field is used; every failure is one diagnostic naming the file and
/// the tensor or operator at fault, and returns null.
OwningOpRef<ModuleOp> importFlatBuffer(llvm::ArrayRef<uint8_t> bytes, MLIRContext *context,
                                       llvm::StringRef sourceName);

} // namespace mlir::qopt

#endif
