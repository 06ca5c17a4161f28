// Adding native code sections to a qopt model file.
//
// qopt-compile writes the graph and the code of each target in one go (exportFlatBuffer with
// sections); a re-targeted model (`qopt-compile model.int8.fb --target=avx2`) carries the same
// graph with new code, attached to the file's bytes: reading a model ignores its code, and
// attaching replaces it.
#ifndef QOPT_TARGET_FLATBUFFER_NATIVESECTION_H
#define QOPT_TARGET_FLATBUFFER_NATIVESECTION_H

#include <cstdint>
#include <string>
#include <vector>

namespace qopt::fb {
struct ModelT;
}

namespace mlir::qopt {

/// One kernel call of the code (table NativeStep).
struct NativeStepRecord {
  std::string name, kernel;
  int64_t opsPerSample = 0, weightBytes = 0, activationBytesPerSample = 0;
};

/// One target's code as the backend produced it (schemas/qopt_model.fbs, table NativeCode).
struct NativeSection {
  std::string target;
  std::vector<std::string> cpuFeatures;
  std::string entrySymbol;
  std::vector<uint8_t> code; // the shared object
  uint64_t arenaBytesPerSample = 0, arenaBytesFixed = 0;
  bool batchParallel = false;
  /// The code's constant table, in order: each becomes a buffer (identical bytes share one).
  std::vector<std::vector<uint8_t>> constants;
  /// The kernel calls in execution order (the numbering of NativeAbi.h's profile hook).
  std::vector<NativeStepRecord> steps;
};

/// Replaces the native code of the model in `model` (a qopt model file's bytes) by `sections`,
/// hashing each code blob (SHA-256). On failure returns false with `error` set.
bool attachNativeCode(const std::string &model, const std::vector<NativeSection> &sections,
                      std::string &out, std::string &error);

/// Replaces the native code of an unpacked model by `sections` (what attachNativeCode does before
/// serializing): constants become buffers, sharing the model's buffers with equal bytes.
void addNativeSections(::qopt::fb::ModelT &model, const std::vector<NativeSection> &sections);

} // namespace mlir::qopt

#endif
