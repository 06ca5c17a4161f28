// Pieces of the backend shared by its files, not part of its interface.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_BACKEND_BACKENDINTERNAL_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_BACKEND_BACKENDINTERNAL_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Module;
class TargetLibraryInfoImpl;
class TargetMachine;
} // namespace llvm

namespace mlir::qopt {
struct NativeTarget;
}

namespace mlir::qopt::backend {

/// One relocatable object file's bytes.
using ObjectBytes = llvm::SmallVector<char, 0>;

/// Links relocatable x86-64 objects into one shared object with ld.lld (see linkSharedObject's
/// flags and how ld.lld is found), in a private temporary directory removed afterwards.
FailureOr<std::vector<uint8_t>> linkSharedObject(llvm::ArrayRef<ObjectBytes> objects,
                                                 std::string &error);

/// Collects LLVM's diagnostics (the linker reports through them) instead of printing them.
struct LlvmDiagnostics {
  std::string errors;
  static void handle(const llvm::DiagnosticInfo *info, void *context) {
    if (info->getSeverity() != llvm::DS_Error)
      return;
    auto *self = static_cast<LlvmDiagnostics *>(context);
    llvm::raw_string_ostream os(self->errors);
    if (!self->errors.empty())
      os << "\n";
    llvm::DiagnosticPrinterRawOStream printer(os);
    info->print(printer);
  }
};

/// memcpy, memset, memmove and the bf16 conversion: the functions generated code may call.
bool isBuiltin(llvm::StringRef name);

/// The x86-64 target machine of `target` (PIC, one section per function and object).
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const NativeTarget &target,
                                                         std::string &error);

/// Freestanding: the optimizer may form calls to memcpy, memset and memmove only.
std::unique_ptr<llvm::TargetLibraryInfoImpl> freestandingLibraryInfo();

/// The backend's optimization pipeline (O2, see BuildSharedObject.cpp).
void optimize(llvm::Module &module, llvm::TargetMachine &tm,
              const llvm::TargetLibraryInfoImpl &libraryInfo);

/// Emits `module` (linked, internalized, stamped, not yet optimized) to an object file.
LogicalResult emitObject(llvm::Module &module, llvm::TargetMachine &tm,
                         const llvm::TargetLibraryInfoImpl &libraryInfo,
                         LlvmDiagnostics &diagnostics, const NativeTarget &target,
                         ObjectBytes &object, std::string &error);

/// Optimizes and compiles `module` (as emitObject takes it) as one object per partition of its
/// step functions (SplitCodegen.cpp), on up to `threads` threads, each partition in its own
/// LLVMContext. The objects do not depend on `threads`. Returns no objects, and leaves the module
/// as it was, when it has fewer than two steps: the caller then compiles it whole.
FailureOr<std::vector<ObjectBytes>> emitObjectsInParallel(llvm::Module &module,
                                                          const NativeTarget &target,
                                                          unsigned threads, std::string &error);

} // namespace mlir::qopt::backend

#endif
