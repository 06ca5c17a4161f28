#ifndef QOPT_TARGET_FLATBUFFER_REGISTRATION_H
#define QOPT_TARGET_FLATBUFFER_REGISTRATION_H

namespace mlir::qopt {
/// Registers --import-flatbuffer and --export-flatbuffer with mlir-translate's registry.
void registerFlatBufferTranslations();
} // namespace mlir::qopt

#endif
