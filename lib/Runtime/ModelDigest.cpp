#include "qopt/Runtime/ModelDigest.h"

#include "qopt/Runtime/Sha256.h"

namespace qopt::fb {

std::string modelDigestPlaceholder() { return std::string(kModelDigestChars, '0'); }

std::string computeModelDigest(const uint8_t *data, size_t size, size_t fieldOffset) {
  static const char kHex[] = "0123456789abcdef";
  const std::string zeros = modelDigestPlaceholder();
  rt::Sha256 h;
  h.update(data, fieldOffset);
  h.update(reinterpret_cast<const uint8_t *>(zeros.data()), zeros.size());
  h.update(data + fieldOffset + kModelDigestChars, size - fieldOffset - kModelDigestChars);
  std::string hex;
  for (uint8_t b : h.digest()) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

bool sealModel(uint8_t *data, size_t size) {
  if (!data || size < 8)
    return false;
  const flatbuffers::String *field = GetModel(data)->sha256();
  if (!field || field->size() != kModelDigestChars)
    return false;
  size_t offset = reinterpret_cast<const uint8_t *>(field->data()) - data;
  if (offset > size || size - offset < kModelDigestChars)
    return false;
  std::string digest = computeModelDigest(data, size, offset);
  std::copy(digest.begin(), digest.end(), data + offset);
  return true;
}

size_t packSizeHint(const ModelT &model) {
  size_t bytes = size_t(1) << 16;
  for (const std::unique_ptr<BufferT> &b : model.buffers)
    bytes += b ? b->data.size() + 64 : 0; // + alignment padding and the vector's length
  for (const std::unique_ptr<NativeCodeT> &c : model.native_code)
    bytes += c ? c->code.size() + 64 : 0;
  return bytes;
}

std::vector<uint8_t> packSealedModel(const ModelT &model) {
  // Model::Pack writes the object's fields as they are; a copy carries the placeholder instead.
  ModelT copy(model);
  copy.sha256 = modelDigestPlaceholder();
  flatbuffers::FlatBufferBuilder builder(packSizeHint(copy));
  FinishModelBuffer(builder, Model::Pack(builder, &copy));
  std::vector<uint8_t> bytes(builder.GetBufferPointer(),
                             builder.GetBufferPointer() + builder.GetSize());
  sealModel(bytes);
  return bytes;
}

} // namespace qopt::fb
