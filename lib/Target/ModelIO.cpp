#include "qopt/Target/ModelIO.h"
#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Target/FlatBuffer/FlatBufferExport.h"
#include "qopt/Target/FlatBuffer/FlatBufferImport.h"
#include "qopt/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::qopt;

ModelFormat mlir::qopt::formatOf(StringRef path) {
  StringRef ext = llvm::sys::path::extension(path);
  if (ext.equals_insensitive(".onnx"))
    return ModelFormat::ONNX;
  if (ext.equals_insensitive(".fb"))
    return ModelFormat::FlatBuffer;
  return ModelFormat::MLIR;
}

void mlir::qopt::registerModelDialects(DialectRegistry &registry) {
  registry.insert<QOptDialect, func::FuncDialect, arith::ArithDialect,
                  quant::QuantizationDialect>();
}

OwningOpRef<ModuleOp> mlir::qopt::loadModel(StringRef path, MLIRContext *context,
                                            std::optional<ModelFormat> format) {
  ModelFormat fmt = format.value_or(formatOf(path));
  // FlatBuffers tables are read in place and need the alignment they were written with.
  auto file = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                 /*RequiresNullTerminator=*/false,
                                                 llvm::Align(16));
  if (!file) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot read '" << path << "': " << file.getError().message();
    return nullptr;
  }
  StringRef bytes = (*file)->getBuffer();
  switch (fmt) {
  case ModelFormat::ONNX:
    return importONNX(ArrayRef<char>(bytes.data(), bytes.size()), context, path);
  case ModelFormat::FlatBuffer:
    return importFlatBuffer(
        ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()), context,
        path);
  case ModelFormat::MLIR: {
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, context);
  }
  }
  return nullptr;
}

LogicalResult mlir::qopt::saveModel(ModuleOp module, StringRef path,
                                    std::optional<ModelFormat> format) {
  ModelFormat fmt = format.value_or(formatOf(path));
  std::string bytes;
  if (fmt == ModelFormat::FlatBuffer) {
    FailureOr<std::string> fb = exportFlatBuffer(module);
    if (failed(fb))
      return failure();
    bytes = std::move(*fb);
  } else if (fmt == ModelFormat::MLIR) {
    llvm::raw_string_ostream os(bytes);
    module.print(os);
  } else {
    return module.emitError("writing ONNX models is not supported; write .fb or .mlir");
  }
  if (path == "-") {
    llvm::outs() << bytes;
    return success();
  }
  // ToolOutputFile removes the file unless keep() is called, so an error midway leaves nothing.
  std::error_code error;
  llvm::ToolOutputFile out(path, error, llvm::sys::fs::OF_None);
  if (error)
    return module.emitError("cannot write '") << path << "': " << error.message();
  out.os() << bytes;
  out.os().close();
  if (out.os().has_error()) {
    out.os().clear_error();
    return module.emitError("cannot write '") << path << "'";
  }
  out.keep();
  return success();
}
