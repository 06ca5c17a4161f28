// SHA-256 (FIPS 180-4), for the integrity check of a model's native code: the compiler writes
// NativeCode.code_sha256 with it and the runtime recomputes it before loading the code.
//
// Plain C++ with no dependency, part of the MLIR-free runtime.
#ifndef QOPT_RUNTIME_SHA256_H
#define QOPT_RUNTIME_SHA256_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace qopt::rt {

/// Incremental SHA-256: update() any number of times, then digest() once.
class Sha256 {
public:
  Sha256();
  void update(const uint8_t *data, size_t size);
  /// The 32-byte digest. The object must not be updated afterwards.
  std::array<uint8_t, 32> digest();

  /// Whether this CPU has the SHA extensions, which compress() uses when present (about 5x the
  /// portable code: a model's weights are hashed at every compile and load).
  static bool hardwareAvailable();
  /// Tests only: false makes every new hash use the portable code.
  static void setHardwareAllowed(bool allowed);

private:
  void compress(const uint8_t *blocks, size_t count);
  bool hardware;

  uint32_t state[8];
  uint8_t pending[64];
  size_t pendingSize = 0;
  uint64_t totalBytes = 0;
};

/// The SHA-256 of `size` bytes at `data` as 64 lowercase hex digits.
std::string sha256Hex(const uint8_t *data, size_t size);

} // namespace qopt::rt

#endif
