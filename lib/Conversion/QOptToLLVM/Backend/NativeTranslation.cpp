// qopt-translate --mlir-to-native-so: the backend from the command line, for tests.
#include "qopt/Conversion/QOptToLLVM/Backend.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"

using namespace mlir;
using namespace mlir::qopt;

void mlir::qopt::registerNativeTranslations() {
  static bool registered = [] {
    static llvm::cl::opt<std::string> targetName(
        "native-target",
        llvm::cl::desc("target of --mlir-to-native-so: avx512vnni (default), avx512bf16, avx2 or "
                       "host"),
        llvm::cl::init(defaultNativeTarget().name.str()));
    static llvm::cl::opt<std::string> output(
        "native-output",
        llvm::cl::desc("what --mlir-to-native-so writes: so (the shared object, default), ll (the "
                       "optimized LLVM IR) or s (its assembly); ll and s show the model's code, "
                       "which calls the target's precompiled GEMM microkernels (in the so only)"),
        llvm::cl::init("so"));
    TranslateFromMLIRRegistration(
        "mlir-to-native-so",
        "compile an LLVM-dialect module with @qopt_model_entry into a native shared object",
        [](ModuleOp module, llvm::raw_ostream &os) -> LogicalResult {
          std::string error;
          const NativeTarget *target = lookupNativeTarget(targetName, error);
          if (!target)
            return emitError(module.getLoc(), "--native-target: ") << error;
          if (output == "ll" || output == "s") {
            FailureOr<std::string> text = emitNativeText(
                module, *target, output == "ll" ? NativeText::OptimizedIR : NativeText::Assembly,
                error);
            if (failed(text))
              return emitError(module.getLoc(), error);
            os << *text;
            return success();
          }
          if (output != "so")
            return emitError(module.getLoc(), "--native-output: '")
                   << output.getValue() << "' is none of so, ll, s";
          FailureOr<std::vector<uint8_t>> so = buildSharedObject(module, *target, error);
          if (failed(so))
            return emitError(module.getLoc(), error);
          os.write(reinterpret_cast<const char *>(so->data()), so->size());
          return success();
        },
        [](DialectRegistry &registry) {
          registry.insert<LLVM::LLVMDialect>();
          registerBuiltinDialectTranslation(registry);
          registerLLVMDialectTranslation(registry);
        });
    return true;
  }();
  (void)registered;
}
