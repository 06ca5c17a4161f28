// Test support: builds a compiled model by hand, so that the runtime can be tested without the
// backend. The graph is y = relu(x * w + c) on [?,4] (or [1,4]) f32, with w and c constants, and
// each code section carries the shared object built from test/Runtime/Inputs/native_affine_relu.c
// (entries qopt_test_dynamic and qopt_test_static). The reference executor runs the same graph,
// so native results can be compared with it.
#ifndef QOPT_TOOLS_NATIVETESTMODEL_H
#define QOPT_TOOLS_NATIVETESTMODEL_H

#include <cstdint>
#include <string>
#include <vector>

namespace qopt::rt::test {

struct CodeSpec {
  std::string target;
  std::vector<std::string> features;
  bool batchParallel = false;
  /// 0: QOPT_NATIVE_ABI_VERSION.
  uint32_t abiVersion = 0;
  /// Empty: the correct hash of the code.
  std::string sha256;
  /// Empty: the entry matching the model's shapes.
  std::string entry;
  /// Empty: {1, 2}, the buffers of w and c.
  std::vector<uint32_t> constants;
  /// Empty: the shared object passed to buildAffineReluModel.
  std::vector<uint8_t> code;
  uint64_t arenaBytesPerSample = 16;
  uint64_t arenaBytesFixed = 0;
};

struct ModelSpec {
  /// [1,4] instead of [?,4].
  bool staticShapes = false;
  std::vector<CodeSpec> code;
};

/// The code sections an ordinary compiled model would carry: avx512vnni and avx2.
std::vector<CodeSpec> defaultCodeSpecs(bool batchParallel = false);

/// The model's bytes (with the "QOPT" identifier).
std::vector<uint8_t> buildAffineReluModel(const ModelSpec &spec, const std::vector<uint8_t> &so);

/// The model's constants, and y for one element as the reference computes it (float32 multiply,
/// then add, then relu).
extern const float kAffineW[4];
extern const float kAffineC[4];
float affineReluExpected(float x, int column);

/// Reads a whole file; false when it cannot.
bool readFileBytes(const std::string &path, std::vector<uint8_t> &bytes);

} // namespace qopt::rt::test

#endif
