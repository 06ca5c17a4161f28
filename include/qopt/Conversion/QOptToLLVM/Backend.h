// The native backend's last stage: an MLIR module in the LLVM dialect (what the lowering produces)
// becomes the bytes of a position-independent ELF shared object with no dependencies, ready for
// NativeCode.code. The module holds one entry function implementing include/qopt/Runtime/NativeAbi.h
// and calls the kernels (qopt_uk_* of UKernels.h, qopt_k_* of OpKernels.h); the backend links
// the target's kernel bitcode and its precompiled GEMM microkernel object, both embedded in the
// library, so it works from any directory.
#ifndef QOPT_CONVERSION_QOPTTOLLVM_BACKEND_H
#define QOPT_CONVERSION_QOPTTOLLVM_BACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::qopt {

/// The symbol of the entry point (NativeCode.entry_symbol), `int32_t (const qopt_native_args *)`.
constexpr llvm::StringLiteral kNativeEntrySymbol = "qopt_model_entry";

/// One code-generation target. The LLVM CPU is the generic x86-64 and every ISA extension is named
/// in `llvmFeatures`, so the code uses nothing beyond what `cpuFeatures` lets the runtime check.
struct NativeTarget {
  llvm::StringLiteral name;         // NativeCode.target: avx512vnni | avx512bf16 | avx2
  llvm::StringLiteral llvmCpu;      // "target-cpu"
  llvm::StringLiteral llvmTuneCpu;  // "tune-cpu" (scheduling only, never the ISA)
  llvm::StringLiteral llvmFeatures; // "target-features"
  unsigned preferVectorWidth;       // "prefer-vector-width" in bits
  /// NativeCode.cpu_features, the runtime's names: a subset of
  /// avx2 fma f16c avx512f avx512bw avx512vl avx512dq avx512vnni avx512bf16.
  llvm::ArrayRef<llvm::StringLiteral> cpuFeatures;
};

/// The concrete targets, best first: avx512bf16, avx512vnni, avx2.
llvm::ArrayRef<NativeTarget> nativeTargets();

/// The default of qopt's tools when no target is named.
const NativeTarget &defaultNativeTarget(); // avx512vnni

/// The target called `name` (a concrete one, or "host"), or null with `error` saying why.
const NativeTarget *lookupNativeTarget(llvm::StringRef name, std::string &error);

/// The best concrete target this CPU (and its OS) can run, from llvm::sys::getHostCPUFeatures, or
/// null with `error` naming what is missing.
const NativeTarget *detectHostNativeTarget(std::string &error);

/// Parses a `--target=` list such as "avx512vnni,avx2" (host resolved, duplicates removed, order
/// kept). Fails, naming the item, on an empty item or an unknown name.
FailureOr<llvm::SmallVector<const NativeTarget *>> parseNativeTargetList(llvm::StringRef list,
                                                                         std::string &error);

/// Compiles `llvmDialectModule` for `target` into a shared object: LLVM IR, the target's kernels
/// and the freestanding builtins (memcpy, memset, memmove, __truncsfbf2) linked in, everything
/// but the entry internalized, O3, an object from the TargetMachine, ld.lld into a shared object,
/// then checked (no DT_NEEDED, no undefined dynamic symbol, the entry exported). The same input
/// gives the same bytes. ld.lld is $QOPT_LLD if set, else /usr/lib/llvm-19/bin/ld.lld, ld.lld-19
/// or ld.lld on PATH. The module is only read; its context gets the builtin and LLVM dialect
/// translations registered, so calls sharing one MLIRContext must not run concurrently (separate
/// contexts may). A function the module calls must be defined in it, in the target's kernel
/// library, or be a builtin: anything else (libm's expf, ...) is an error naming it. On failure,
/// `error` says what went wrong, without a location prefix (report it at the caller's location);
/// diagnostics of the MLIR -> LLVM IR translation are included with their own locations.
FailureOr<std::vector<uint8_t>> buildSharedObject(ModuleOp llvmDialectModule,
                                                  const NativeTarget &target, std::string &error);

/// What emitNativeText gives, for inspecting and tuning generated code.
enum class NativeText {
  OptimizedIR, // the LLVM module after linking, internalization and O3
  Assembly,    // the target's assembly of that module (before ld.lld)
};

/// The same pipeline as buildSharedObject up to the optimized module, printed instead of linked.
FailureOr<std::string> emitNativeText(ModuleOp llvmDialectModule, const NativeTarget &target,
                                      NativeText kind, std::string &error);

/// The checks buildSharedObject makes on its result: an x86-64 ELF shared object without
/// DT_NEEDED or DT_TEXTREL, without undefined dynamic symbols, exporting `entrySymbol` as a
/// defined global function of default visibility.
LogicalResult checkSharedObject(llvm::ArrayRef<uint8_t> code, llvm::StringRef entrySymbol,
                                std::string &error);

/// qopt-translate's `--mlir-to-native-so [--native-target=NAME] [--native-output=so|ll|s]` (an
/// LLVM-dialect module in; the shared object, the optimized LLVM IR or the assembly out).
void registerNativeTranslations();

} // namespace mlir::qopt

#endif
