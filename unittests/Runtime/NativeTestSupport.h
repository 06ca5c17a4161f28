// Shared by the native runtime tests: the hand-written code (QOPT_TEST_NATIVE_SO, built by
// test/Runtime/CMakeLists.txt) packed into models with NativeTestModel.h, loaded through the C API.
#ifndef QOPT_UNITTESTS_RUNTIME_NATIVETESTSUPPORT_H
#define QOPT_UNITTESTS_RUNTIME_NATIVETESTSUPPORT_H

#include "NativeTestModel.h"

#include "qopt/Runtime/qopt_runtime.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace qopt::rt::test {

inline const std::vector<uint8_t> &testCode() {
  static const std::vector<uint8_t> code = [] {
    std::vector<uint8_t> bytes;
    if (!readFileBytes(QOPT_TEST_NATIVE_SO, bytes))
      ADD_FAILURE() << "cannot read " << QOPT_TEST_NATIVE_SO;
    return bytes;
  }();
  return code;
}

struct ModelDeleter {
  void operator()(qopt_model *m) const { qopt_model_free(m); }
};
using ModelPtr = std::unique_ptr<qopt_model, ModelDeleter>;

/// Loads `bytes`; on failure returns null and leaves the status and message in `err`.
inline ModelPtr loadModel(const std::vector<uint8_t> &bytes, qopt_error &err, int threads = 1) {
  qopt_load_options options;
  qopt_load_options_init(&options);
  options.num_threads = threads;
  qopt_model *m = nullptr;
  qopt_model_load_bytes(bytes.data(), bytes.size(), &options, &m, &err);
  return ModelPtr(m);
}

inline std::vector<uint8_t> defaultModel(bool batchParallel = false, bool staticShapes = false) {
  ModelSpec spec;
  spec.staticShapes = staticShapes;
  spec.code = defaultCodeSpecs(batchParallel);
  return buildAffineReluModel(spec, testCode());
}

/// Inputs with awkward values: negatives, zero, fractions, large magnitudes.
inline std::vector<float> testInput(int64_t batch, uint32_t seed = 1) {
  std::vector<float> x(size_t(batch) * 4);
  uint32_t s = seed;
  for (float &v : x) {
    s = s * 1664525u + 1013904223u;
    v = float(int32_t(s >> 8) % 20001 - 10000) / 97.0f;
  }
  return x;
}

/// Runs `model` on x ([batch, 4]) into y; returns the status, with the message in `err`.
inline qopt_status runModel(const qopt_model *model, const std::vector<float> &x,
                            std::vector<float> &y, qopt_error &err, int64_t batch = -1) {
  if (batch < 0)
    batch = int64_t(x.size() / 4);
  int64_t shape[2] = {batch, 4};
  qopt_input in{"x", x.data(), x.size() * sizeof(float), 2, shape};
  y.assign(x.size(), -12345.0f);
  qopt_output out{};
  out.name = "y";
  out.data = y.data();
  out.capacity_bytes = y.size() * sizeof(float);
  return qopt_model_run(model, &in, 1, &out, 1, &err);
}

/// Unsets QOPT_CPU_MASK for the scope of a test, whatever the environment of the test run.
struct CpuMaskScope {
  explicit CpuMaskScope(const char *mask = nullptr) {
    if (mask)
      ::setenv("QOPT_CPU_MASK", mask, 1);
    else
      ::unsetenv("QOPT_CPU_MASK");
  }
  ~CpuMaskScope() { ::unsetenv("QOPT_CPU_MASK"); }
};

} // namespace qopt::rt::test

#endif
