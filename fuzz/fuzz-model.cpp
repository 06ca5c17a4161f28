// qopt-fuzz-model: the model checker and the FlatBuffers importer on untrusted bytes. Whatever the
// bytes, the checker either accepts the model or returns one message; the importer must then turn
// an accepted model into IR that verifies, or fail with diagnostics, and never crash.
#include "FuzzSupport.h"

#include "qopt/Target/FlatBuffer/FlatBufferExport.h"
#include "qopt/Target/FlatBuffer/FlatBufferImport.h"
#include "qopt/Runtime/ModelCheck.h"
#include "qopt/Runtime/ModelDigest.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"

#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // FlatBuffers reads tables in place relative to an 8-byte aligned start, as the loader provides.
  std::vector<uint64_t> aligned(size / 8 + 1);
  if (size)
    std::memcpy(aligned.data(), data, size);
  auto *bytes = reinterpret_cast<uint8_t *>(aligned.data());
  // Re-sealed so that mutations reach the checks behind the whole-file checksum (see
  // fuzz-runtime.cpp); the checksum's own refusal is covered by the unit tests.
  flatbuffers::Verifier verifier(bytes, size);
  if (size >= 8 && verifier.VerifyBuffer<qopt::fb::Model>(nullptr))
    qopt::fb::sealModel(bytes, size);

  std::string error;
  if (!qopt::fb::checkModel(bytes, size, error)) {
    if (error.empty())
      abort(); // a refusal must say why
    return 0;
  }
  qopt::fuzz::QuietContext context;
  auto module = mlir::qopt::importFlatBuffer(llvm::ArrayRef(bytes, size), context.get(), "fuzz.fb");
  if (!module)
    return 0;
  if (mlir::failed(mlir::verify(*module)))
    abort(); // the importer must not hand out IR that does not verify
  // What was read must be writable again (the exporter walks the same IR).
  (void)mlir::qopt::exportFlatBuffer(*module);
  return 0;
}
