// Pieces of the backend shared by its files, not part of its interface.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_BACKEND_BACKENDINTERNAL_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_BACKEND_BACKENDINTERNAL_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::qopt::backend {

/// Links a relocatable x86-64 object into a shared object with ld.lld (see buildSharedObject for
/// the flags and how ld.lld is found), in a private temporary directory removed afterwards.
FailureOr<std::vector<uint8_t>> linkSharedObject(llvm::ArrayRef<char> object, std::string &error);

} // namespace mlir::qopt::backend

#endif
