// qopt-opt: runs qopt pass pipelines over MLIR, like mlir-opt. Only the dialects and passes qopt
// uses are registered, which keeps the binary small and `--help` readable. The input may also be
// a model file (.onnx or .fb): it is imported first, keeping layer names as locations.
#include "qopt/InitAll.h"
#include "qopt/Support/ToolMemory.h"
#include "qopt/Support/ToolVersion.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

/// Imports a .onnx or .fb model and runs the usual qopt-opt processing on its MLIR.
static LogicalResult runOnModelFile(StringRef input, StringRef output, DialectRegistry &registry) {
  std::string text;
  {
    MLIRContext context(registry);
    llvm::SourceMgr sourceMgr;
    SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
    OwningOpRef<ModuleOp> module = qopt::loadModel(input, &context);
    if (!module)
      return failure();
    llvm::raw_string_ostream os(text);
    module->print(os, OpPrintingFlags().enableDebugInfo());
  }
  std::string error;
  auto out = openOutputFile(output, &error);
  if (!out) {
    llvm::errs() << "qopt-opt: error: " << error << "\n";
    return failure();
  }
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();
  if (failed(MlirOptMain(out->os(), llvm::MemoryBuffer::getMemBufferCopy(text, input), registry,
                         config)))
    return failure();
  out->keep();
  return success();
}

int main(int argc, char **argv) {
  // The LLVM libraries register their backends' options when loaded; hide them so --help shows
  // the passes and the options MlirOptMain registers when it parses.
  llvm::cl::OptionCategory none("none");
  llvm::cl::HideUnrelatedOptions(none);
  qopt::setToolVersionPrinter("qopt-opt");
  qopt::keepFreedMemoryForReuse();
  qopt::registerAllPasses();
  DialectRegistry registry;
  qopt::registerAllDialects(registry);
  auto [input, output] = registerAndParseCLIOptions(
      argc, argv,
      "qopt optimizer driver: runs qopt passes on MLIR, or on a .onnx / .fb model it imports "
      "first\n",
      registry);
  if (qopt::formatOf(input) != qopt::ModelFormat::MLIR) {
    // On a model file the IR is qopt's import, not text the user wrote: diagnostics name the
    // layer without a generic dump of the op (unless asked for). On .mlir input qopt-opt keeps
    // mlir-opt's behaviour and prints it.
    llvm::cl::Option *printOp =
        llvm::cl::getRegisteredOptions().lookup("mlir-print-op-on-diagnostic");
    if (printOp && printOp->getNumOccurrences() == 0)
      printOp->addOccurrence(0, "mlir-print-op-on-diagnostic", "false");
    return failed(runOnModelFile(input, output, registry)) ? 1 : 0;
  }
  return asMainReturnCode(MlirOptMain(argc, argv, input, output, registry));
}
