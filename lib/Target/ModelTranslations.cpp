// qopt-translate's translations, registered for mlirTranslateMain.
#include "qopt/Target/ModelIO.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Tools/ParseUtilities.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::qopt;

/// The output path mlirTranslateMain parsed from -o ("-" when there is none). Imports need it
/// because `--import-onnx model.onnx -o model.fb` writes a FlatBuffers model straight from the
/// imported IR, locations (the layer names) included, which an MLIR text round trip would drop.
static StringRef outputPath() {
  llvm::StringMap<llvm::cl::Option *> &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("o");
  if (it == options.end())
    return "-";
  // mlirTranslateMain declares -o as a cl::opt<std::string>.
  return static_cast<llvm::cl::opt<std::string> *>(it->second)->getValue();
}

static void registerImport(StringRef name, StringRef description, ModelFormat format) {
  TranslateRegistration(
      name, description,
      [format](const std::shared_ptr<llvm::SourceMgr> &sourceMgr, llvm::raw_ostream &os,
               MLIRContext *context) -> LogicalResult {
        // mlirTranslateMain prints the op with every diagnostic on one; ours name the file, node
        // and tensor, and the op would dump IR the user never wrote.
        context->printOpOnDiagnostic(false);
        DialectRegistry registry;
        registerModelDialects(registry);
        context->appendDialectRegistry(registry);
        const llvm::MemoryBuffer *input = sourceMgr->getMemoryBuffer(sourceMgr->getMainFileID());
        OwningOpRef<ModuleOp> module = importModel(input->getMemBufferRef(), context, format);
        if (!module)
          return failure();
        bool toFlatBuffer = formatOf(outputPath()) == ModelFormat::FlatBuffer;
        return writeModel(*module, os, toFlatBuffer ? ModelFormat::FlatBuffer : ModelFormat::MLIR);
      });
}

void mlir::qopt::registerModelTranslations() {
  static bool registered = [] {
    registerImport("import-onnx",
                   "read an ONNX model (opsets 7-17) and write qopt MLIR, or a .fb model when -o "
                   "names a .fb file",
                   ModelFormat::ONNX);
    registerImport("import-flatbuffer", "read a qopt FlatBuffers model (.fb) and write qopt MLIR",
                   ModelFormat::FlatBuffer);
    // Parsed here rather than by TranslateFromMLIRRegistration, so that a verifier error names
    // the line (shown with its source) without a generic dump of the op after it.
    TranslateRegistration(
        "export-flatbuffer", "read qopt MLIR and write a qopt FlatBuffers model (.fb)",
        [](const std::shared_ptr<llvm::SourceMgr> &sourceMgr, llvm::raw_ostream &os,
           MLIRContext *context) -> LogicalResult {
          context->printOpOnDiagnostic(false);
          DialectRegistry registry;
          registerModelDialects(registry);
          context->appendDialectRegistry(registry);
          OwningOpRef<Operation *> op =
              parseSourceFileForTool(sourceMgr, ParserConfig(context), /*insertImplicitModule=*/true);
          if (!op || failed(verify(*op)))
            return failure();
          auto module = dyn_cast<ModuleOp>(*op);
          if (!module)
            return op->emitError("expected a module");
          return writeModel(module, os, ModelFormat::FlatBuffer);
        });
    return true;
  }();
  (void)registered;
}
