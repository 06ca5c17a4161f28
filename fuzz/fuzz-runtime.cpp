// qopt-fuzz-runtime: the runtime's loader (qopt_model_load_bytes) on untrusted bytes: the model
// checker, the port and native-section checks, code selection and the code hash check. Whatever
// the bytes, loading either succeeds or fails with a status and a message, and never crashes.
//
// Two choices keep the run useful and safe:
//  - The whole-file checksum (Model.sha256) is re-sealed before loading when the bytes verify as a
//    FlatBuffer that has one. Otherwise almost every mutation would stop at the checksum and the
//    checks behind it would never be reached. The checksum's own refusal is covered by the unit
//    tests and the bit-flip test.
//  - A model that loads is introspected and freed, never run. The code is only mapped when it
//    matches its NativeCode.code_sha256, so only the seeds' own code is ever loaded; but a mutated
//    model can pair that code with arena sizes, constants or shapes it was not compiled for, and
//    the code trusts those. Running it would test the compiler's output on lies, not the loader.
#include "qopt/Runtime/ModelDigest.h"
#include "qopt/Runtime/qopt_runtime.h"

#include <cstdlib>
#include <cstring>
#include <vector>

/// External, so that the compiler must keep the reads that feed it.
size_t qoptFuzzSink;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint64_t> aligned(size / 8 + 1);
  if (size)
    std::memcpy(aligned.data(), data, size);
  auto *bytes = reinterpret_cast<uint8_t *>(aligned.data());
  flatbuffers::Verifier verifier(bytes, size);
  if (size >= 8 && verifier.VerifyBuffer<qopt::fb::Model>(nullptr))
    qopt::fb::sealModel(bytes, size);

  qopt_load_options options;
  qopt_load_options_init(&options);
  options.num_threads = 1; // no worker threads per input: they would only slow the run
  qopt_model *model = nullptr;
  qopt_error err;
  std::memset(&err, 0, sizeof(err));
  qopt_status status = qopt_model_load_bytes(bytes, size, &options, &model, &err);
  if (status != QOPT_OK) {
    if (model || err.message[0] == '\0' || err.status != status)
      abort(); // a refusal must say why, and leave no model behind
    return 0;
  }
  // What a caller reads before running: every string and shape must be valid memory.
  size_t sink = std::strlen(qopt_model_target(model)) + std::strlen(qopt_model_cpu_features(model));
  for (int32_t i = 0; i < qopt_model_num_inputs(model); ++i) {
    qopt_tensor_info info;
    if (qopt_model_input_info(model, i, &info, &err) != QOPT_OK)
      abort();
    sink += std::strlen(info.name);
    for (int32_t d = 0; d < info.rank; ++d)
      sink += static_cast<size_t>(info.shape[d]);
  }
  for (int32_t i = 0; i < qopt_model_num_outputs(model); ++i) {
    qopt_tensor_info info;
    if (qopt_model_output_info(model, i, &info, &err) != QOPT_OK)
      abort();
    sink += std::strlen(info.name);
    for (int32_t d = 0; d < info.rank; ++d)
      sink += static_cast<size_t>(info.shape[d]);
  }
  qopt_model_free(model);
  qoptFuzzSink = sink;
  return 0;
}
