// qopt-fuzz-onnx: the ONNX importer (protobuf parsing, graph checks, every op converter) on
// untrusted bytes. It must import IR that verifies or fail with diagnostics, never crash.
#include "FuzzSupport.h"

#include "qopt/Target/ONNX/ONNXImport.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qopt::fuzz::QuietContext context;
  auto module = mlir::qopt::importONNX(
      llvm::ArrayRef(reinterpret_cast<const char *>(data), size), context.get(), "fuzz.onnx");
  if (module && mlir::failed(mlir::verify(*module)))
    abort(); // the importer must not hand out IR that does not verify
  return 0;
}
