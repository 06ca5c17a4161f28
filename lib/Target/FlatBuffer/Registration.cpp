#include "qopt/Target/FlatBuffer/Registration.h"
#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Target/FlatBuffer/FlatBufferExport.h"
#include "qopt/Target/FlatBuffer/FlatBufferImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

void mlir::qopt::registerFlatBufferTranslations() {
  TranslateToMLIRRegistration importModel(
      "import-flatbuffer", "read a qopt FlatBuffers model (.fb) and print it as qopt MLIR",
      [](llvm::SourceMgr &sourceMgr, MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        ArrayRef<uint8_t> bytes(reinterpret_cast<const uint8_t *>(buffer->getBufferStart()),
                                buffer->getBufferSize());
        return importFlatBuffer(bytes, context, buffer->getBufferIdentifier());
      },
      [](DialectRegistry &registry) {
        registry.insert<QOptDialect, func::FuncDialect, quant::QuantizationDialect>();
      },
      // FlatBuffers tables are read in place; give them the alignment they were written with.
      llvm::Align(16));

  TranslateFromMLIRRegistration exportModel(
      "export-flatbuffer", "write qopt MLIR as a qopt FlatBuffers model (.fb)",
      [](ModuleOp module, raw_ostream &os) -> LogicalResult {
        FailureOr<std::string> bytes = exportFlatBuffer(module);
        if (failed(bytes))
          return failure();
        os << *bytes;
        return success();
      },
      [](DialectRegistry &registry) {
        registry.insert<QOptDialect, func::FuncDialect, quant::QuantizationDialect>();
      });
}
