// The whole-file checksum of a qopt model (Model.sha256, schema version 2).
//
// Model.sha256 holds the SHA-256 of the entire file computed while the field's own 64 characters
// are '0'. Writers serialise with that placeholder, hash the buffer, and patch the digest into the
// placeholder in place, so sealing needs no second serialisation and every byte of the file (the
// FlatBuffers tables, padding, buffers, code and provenance) is covered. checkModel recomputes it
// after the verifier, so a corrupted file is refused before any other check reads it. This is an
// integrity check against corruption, not authentication: anyone can recompute it.
//
// Plain C++, part of the runtime core.
#ifndef QOPT_RUNTIME_MODELDIGEST_H
#define QOPT_RUNTIME_MODELDIGEST_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qopt/Schema/qopt_model_generated.h"

namespace qopt::fb {

/// Length of Model.sha256: lowercase hex SHA-256.
inline constexpr size_t kModelDigestChars = 64;

/// The value a writer stores in Model.sha256 before sealing: 64 '0' characters.
std::string modelDigestPlaceholder();

/// The digest of the `size` bytes at `data` with the `kModelDigestChars` bytes at `fieldOffset`
/// read as '0' (nothing is copied). `fieldOffset + kModelDigestChars` must be <= size.
std::string computeModelDigest(const uint8_t *data, size_t size, size_t fieldOffset);

/// Writes the digest of a freshly built model into its Model.sha256 in place. The bytes must be a
/// structurally valid model (builder output, or a model that passed the verifier) whose sha256
/// field holds 64 characters; returns false otherwise and changes nothing.
bool sealModel(uint8_t *data, size_t size);
inline bool sealModel(std::string &bytes) {
  return sealModel(reinterpret_cast<uint8_t *>(bytes.data()), bytes.size());
}
inline bool sealModel(std::vector<uint8_t> &bytes) { return sealModel(bytes.data(), bytes.size()); }

/// A FlatBufferBuilder's starting size for `model`: its buffers and code plus room for the tables.
/// A default builder starts at 1 KiB and doubles, copying everything written so far each time
/// (tens of megabytes of weights, a dozen times).
size_t packSizeHint(const ModelT &model);

/// Serialises `model` (with the "QOPT" identifier) and seals it; for writers that hold the object
/// API form. `model.sha256` is ignored: the placeholder is written in its place.
std::vector<uint8_t> packSealedModel(const ModelT &model);

} // namespace qopt::fb

#endif
