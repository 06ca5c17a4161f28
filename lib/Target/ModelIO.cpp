#include "qopt/Target/ModelIO.h"
#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Dialect/QOpt/Transforms/Pipelines.h"
#include "qopt/Target/FlatBuffer/FlatBufferExport.h"
#include "qopt/Target/FlatBuffer/FlatBufferImport.h"
#include "qopt/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::qopt;

/// FlatBuffers tables are read in place and need the alignment they were written with.
static const llvm::Align kModelAlign(16);

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

/// The ONNX importer only translates; raising what older exporters decompose is the quantize
/// pipeline's first stage, run here too so that `qopt-translate --import-onnx`, `qopt-run` and
/// `qopt-opt` all see the same IR from an .onnx file.
static OwningOpRef<ModuleOp> importAndRaiseONNX(StringRef bytes, MLIRContext *context,
                                                StringRef name) {
  OwningOpRef<ModuleOp> module =
      importONNX(ArrayRef<char>(bytes.data(), bytes.size()), context, name);
  if (!module)
    return nullptr;
  PassManager pm(context);
  buildRaiseStage(pm.nest<func::FuncOp>());
  if (failed(pm.run(*module))) {
    emitError(FileLineColLoc::get(context, name, 0, 0))
        << "recognizing decomposed GELU/LayerNorm patterns failed";
    return nullptr;
  }
  return module;
}

OwningOpRef<ModuleOp> mlir::qopt::importModel(llvm::MemoryBufferRef buffer, MLIRContext *context,
                                              ModelFormat format) {
  StringRef bytes = buffer.getBuffer();
  StringRef name = buffer.getBufferIdentifier();
  switch (format) {
  case ModelFormat::ONNX:
    return importAndRaiseONNX(bytes, context, name);
  case ModelFormat::FlatBuffer: {
    std::unique_ptr<llvm::WritableMemoryBuffer> copy;
    if (!llvm::isAddrAligned(kModelAlign, bytes.data())) {
      copy = llvm::WritableMemoryBuffer::getNewUninitMemBuffer(bytes.size(), name, kModelAlign);
      std::copy(bytes.begin(), bytes.end(), copy->getBufferStart());
      bytes = StringRef(copy->getBufferStart(), copy->getBufferSize());
    }
    return importFlatBuffer(
        ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()), context,
        name);
  }
  case ModelFormat::MLIR: {
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBuffer(buffer, /*RequiresNullTerminator=*/false), llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, context);
  }
  }
  return nullptr;
}

OwningOpRef<ModuleOp> mlir::qopt::loadModel(StringRef path, MLIRContext *context,
                                            std::optional<ModelFormat> format) {
  auto file = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                 /*RequiresNullTerminator=*/false, kModelAlign);
  if (!file) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot read '" << path << "': " << file.getError().message();
    return nullptr;
  }
  ModelFormat fmt = format.value_or(formatOf(path));
  if (fmt == ModelFormat::MLIR) {
    // The parser's locations point into the buffer, so the source manager owns it.
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, context);
  }
  // Messages name the path as given (the buffer of stdin is called "<stdin>").
  return importModel(llvm::MemoryBufferRef((*file)->getBuffer(), path), context, fmt);
}

LogicalResult mlir::qopt::writeModel(ModuleOp module, llvm::raw_ostream &os, ModelFormat format) {
  if (format == ModelFormat::FlatBuffer) {
    FailureOr<std::string> fb = exportFlatBuffer(module);
    if (failed(fb))
      return failure();
    os << *fb;
    return success();
  }
  if (format == ModelFormat::MLIR) {
    module.print(os);
    return success();
  }
  return module.emitError("writing ONNX models is not supported; write .fb or .mlir");
}

LogicalResult mlir::qopt::saveModel(ModuleOp module, StringRef path,
                                    std::optional<ModelFormat> format) {
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  if (failed(writeModel(module, os, format.value_or(formatOf(path)))))
    return failure();
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
