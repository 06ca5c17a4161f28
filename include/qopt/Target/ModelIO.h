// Reading and writing models in every format qopt tools accept, chosen by file extension:
// .onnx (ONNX protobuf), .fb (qopt FlatBuffers), anything else is qopt MLIR text.
#ifndef QOPT_TARGET_MODELIO_H
#define QOPT_TARGET_MODELIO_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/MemoryBufferRef.h"

namespace mlir::qopt {

enum class ModelFormat { ONNX, FlatBuffer, MLIR };

/// The format a path names by its extension.
ModelFormat formatOf(llvm::StringRef path);

/// Registers the dialects every model needs.
void registerModelDialects(DialectRegistry &registry);

/// Loads a model ("-" reads MLIR from stdin). Problems are reported as diagnostics naming the file.
/// An ONNX model also gets qopt-raise-decomposed-ops (the quantize pipeline's first stage), so
/// every tool sees GELU and LayerNorm as single ops, whatever the exporter's opset.
OwningOpRef<ModuleOp> loadModel(llvm::StringRef path, MLIRContext *context,
                                std::optional<ModelFormat> format = std::nullopt);

/// loadModel for bytes already in memory; messages name the buffer's identifier.
OwningOpRef<ModuleOp> importModel(llvm::MemoryBufferRef buffer, MLIRContext *context,
                                  ModelFormat format);

/// Writes a model in the format its path names ("-" prints MLIR to stdout). The file appears only
/// when everything was written: a failure never leaves a partial or stale file behind.
LogicalResult saveModel(ModuleOp module, llvm::StringRef path,
                        std::optional<ModelFormat> format = std::nullopt);

/// Writes a model to a stream as MLIR text or FlatBuffers bytes.
LogicalResult writeModel(ModuleOp module, llvm::raw_ostream &os, ModelFormat format);

/// Registers qopt-translate's translations: --import-onnx and --import-flatbuffer (qopt MLIR, or
/// a .fb model when -o names a .fb file) and --export-flatbuffer.
void registerModelTranslations();

} // namespace mlir::qopt

#endif
