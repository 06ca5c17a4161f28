// qopt-translate: converts between model files and qopt MLIR.
//
//   qopt-translate --import-onnx model.onnx [-o out.mlir | -o out.fb]
//   qopt-translate --import-flatbuffer model.fb [-o out.mlir]
//   qopt-translate --export-flatbuffer model.mlir -o model.fb
#include "qopt/Target/ModelIO.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::qopt;

namespace {
enum class Action { None, ImportONNX, ImportFlatBuffer, ExportFlatBuffer };
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::OptionCategory category("qopt-translate options");
  llvm::cl::opt<Action> action(
      llvm::cl::desc("Translation:"), llvm::cl::init(Action::None),
      llvm::cl::values(
          clEnumValN(Action::ImportONNX, "import-onnx",
                     "read an ONNX model (opsets 7-17) and write qopt MLIR, or a .fb model when "
                     "-o names a .fb file"),
          clEnumValN(Action::ImportFlatBuffer, "import-flatbuffer",
                     "read a qopt FlatBuffers model (.fb) and write qopt MLIR"),
          clEnumValN(Action::ExportFlatBuffer, "export-flatbuffer",
                     "read qopt MLIR and write a qopt FlatBuffers model (.fb)")),
      llvm::cl::cat(category));
  llvm::cl::opt<std::string> input(llvm::cl::Positional, llvm::cl::desc("<input file>"),
                                   llvm::cl::init("-"), llvm::cl::cat(category));
  llvm::cl::opt<std::string> output("o", llvm::cl::desc("Output file (default: stdout); a .fb "
                                                        "extension writes a FlatBuffers model"),
                                    llvm::cl::value_desc("file"), llvm::cl::init("-"),
                                    llvm::cl::cat(category));
  // -mlir-print-debuginfo and friends: the printer reads them when they are registered.
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  llvm::cl::HideUnrelatedOptions(category);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qopt translator: model files <-> qopt MLIR\n\n"
      "Errors name the file and the node, operator or tensor at fault; the exit status is 1 and\n"
      "no output file is written.\n");

  if (action == Action::None) {
    llvm::errs() << "qopt-translate: choose a translation: --import-onnx, --import-flatbuffer or "
                    "--export-flatbuffer (see --help)\n";
    return 2;
  }
  DialectRegistry registry;
  registerModelDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  ModelFormat inFormat = action == Action::ImportONNX         ? ModelFormat::ONNX
                         : action == Action::ImportFlatBuffer ? ModelFormat::FlatBuffer
                                                              : ModelFormat::MLIR;
  OwningOpRef<ModuleOp> module = loadModel(input, &context, inFormat);
  if (!module)
    return 1;
  std::optional<ModelFormat> outFormat;
  if (action == Action::ExportFlatBuffer)
    outFormat = ModelFormat::FlatBuffer;
  else if (formatOf(output) != ModelFormat::FlatBuffer)
    outFormat = ModelFormat::MLIR;
  if (action == Action::ExportFlatBuffer && output == "-" && !outFormat)
    outFormat = ModelFormat::FlatBuffer;
  return failed(saveModel(*module, output, outFormat)) ? 1 : 0;
}
