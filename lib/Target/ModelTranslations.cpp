// qopt-translate's translations, registered for mlirTranslateMain.
#include "qopt/Target/ModelIO.h"

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
    TranslateFromMLIRRegistration(
        "export-flatbuffer", "read qopt MLIR and write a qopt FlatBuffers model (.fb)",
        [](ModuleOp module, llvm::raw_ostream &os) {
          return writeModel(module, os, ModelFormat::FlatBuffer);
        },
        registerModelDialects);
    return true;
  }();
  (void)registered;
}
