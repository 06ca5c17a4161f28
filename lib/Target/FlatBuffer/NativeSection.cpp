#include "qopt/Target/FlatBuffer/NativeSection.h"

#include "qopt/Target/FlatBuffer/Schema.h" // first: it silences the generated header's warnings

#include "qopt/Runtime/ModelCheck.h"
#include "qopt/Runtime/ModelDigest.h"
#include "qopt/Runtime/NativeAbi.h"
#include "qopt/Runtime/Sha256.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstring>
#include <map>

namespace mlir::qopt {

namespace {
/// Shorter first, then bytewise: an order on buffers that rarely reads far into either.
struct ByteOrder {
  bool operator()(llvm::ArrayRef<uint8_t> a, llvm::ArrayRef<uint8_t> b) const {
    if (a.size() != b.size())
      return a.size() < b.size();
    return std::memcmp(a.data(), b.data(), a.size()) < 0;
  }
};
} // namespace

void addNativeSections(fb::ModelT &m, const std::vector<NativeSection> &sections) {
  m.native_code.clear();
  m.version = fb::kSchemaVersion;
  // Constants share buffers when their bytes are equal (a weight the code reads unpacked is the
  // graph's own buffer; two targets share what they lay out alike).
  // Keyed by views of the buffers' own bytes (which stay put while m.buffers grows), so that
  // tens of megabytes of weights are compared, not copied.
  std::map<llvm::ArrayRef<uint8_t>, uint32_t, ByteOrder> byBytes;
  for (uint32_t i = 1; i < m.buffers.size(); ++i)
    byBytes.emplace(m.buffers[i]->data, i);
  for (const NativeSection &s : sections) {
    auto code = std::make_unique<fb::NativeCodeT>();
    code->target = s.target;
    code->cpu_features = s.cpuFeatures;
    code->entry_symbol = s.entrySymbol;
    code->code = s.code;
    code->code_sha256 = ::qopt::rt::sha256Hex(s.code.data(), s.code.size());
    code->abi_version = QOPT_NATIVE_ABI_VERSION;
    code->arena_bytes_per_sample = s.arenaBytesPerSample;
    code->arena_bytes_fixed = s.arenaBytesFixed;
    code->batch_parallel = s.batchParallel;
    for (const std::vector<uint8_t> &c : s.constants) {
      auto it = byBytes.find(c);
      if (it == byBytes.end()) {
        auto buffer = std::make_unique<fb::BufferT>();
        buffer->data = c;
        m.buffers.push_back(std::move(buffer));
        it = byBytes.emplace(m.buffers.back()->data, (uint32_t)m.buffers.size() - 1).first;
      }
      code->constants.push_back(it->second);
    }
    for (const NativeStepRecord &st : s.steps) {
      auto step = std::make_unique<fb::NativeStepT>();
      step->name = st.name;
      step->kernel = st.kernel;
      step->ops_per_sample = st.opsPerSample;
      step->weight_bytes = st.weightBytes;
      step->activation_bytes_per_sample = st.activationBytesPerSample;
      code->steps.push_back(std::move(step));
    }
    m.native_code.push_back(std::move(code));
  }
}

bool attachNativeCode(const std::string &model, const std::vector<NativeSection> &sections,
                      std::string &out, std::string &error) {
  const fb::Model *root = fb::checkModel(reinterpret_cast<const uint8_t *>(model.data()),
                                         model.size(), error);
  if (!root)
    return false;
  fb::ModelT m;
  root->UnPackTo(&m);
  addNativeSections(m, sections);
  // The graph's checksum no longer covers the new file: serialise with the placeholder and seal.
  m.sha256 = fb::modelDigestPlaceholder();
  flatbuffers::FlatBufferBuilder builder(fb::packSizeHint(m));
  fb::FinishModelBuffer(builder, fb::Model::Pack(builder, &m));
  out.assign(reinterpret_cast<const char *>(builder.GetBufferPointer()), builder.GetSize());
  if (!fb::sealModel(out)) {
    error = "internal error: cannot seal the model checksum";
    return false;
  }
  return true;
}

} // namespace mlir::qopt
