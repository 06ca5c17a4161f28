// Validation of an untrusted qopt model file before anything reads it.
//
// The FlatBuffers verifier only proves that every offset stays inside the file. checkModel runs it
// and then the semantic checks the rest of qopt relies on (index ranges, buffer sizes, operand
// counts, option/opcode agreement, def-before-use order), so that code reading a model it returned
// may index tensors, buffers and operands without checking again.
//
// Plain C++ on purpose: it is part of the runtime core (QOptRuntimeCore), which links no LLVM or
// MLIR library.
#ifndef QOPT_RUNTIME_MODELCHECK_H
#define QOPT_RUNTIME_MODELCHECK_H

#include <cstddef>
#include <cstdint>
#include <string>

#include "qopt/Schema/qopt_model_generated.h"

namespace qopt::fb {

/// The schema version this build writes (Model.version). It reads every version from
/// kOldestSchemaVersion on: version 2 only added fields (native code) and raised buffer alignment.
inline constexpr uint32_t kSchemaVersion = 2;
inline constexpr uint32_t kOldestSchemaVersion = 1;

/// Returns the verified root of the model in `data`, or nullptr. On failure `error` holds one
/// message naming the problem and where it is, e.g.
///   "tensor #3 ('conv1.weight'): buffer index 9 out of range (model has 4 buffers)".
/// `data` should be 8-byte aligned, as FlatBuffers lays fields out relative to an aligned start;
/// copying a misaligned buffer is the caller's job. Never aborts, whatever the bytes.
const Model *checkModel(const uint8_t *data, size_t size, std::string &error);

/// Element size in bytes of `t`, 0 for values outside the enum.
size_t dtypeSize(DType t);

/// The schema spelling of `c` ("FULLY_CONNECTED"), or "UNKNOWN" for values outside the enum.
const char *opcodeName(OpCode c);

} // namespace qopt::fb

#endif
