// Loads a model's native code (a position-independent ELF shared object) from memory.
//
// The bytes go into an anonymous memfd and are dlopen'ed as /proc/self/fd/N: nothing is written to
// the file system, and the memfd is sealed before loading, so nothing can swap the code between
// the hash check and the load.
#ifndef QOPT_LIB_RUNTIME_CODELOADER_H
#define QOPT_LIB_RUNTIME_CODELOADER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace qopt::rt {

class LoadedCode {
public:
  LoadedCode() = default;
  ~LoadedCode();
  LoadedCode(const LoadedCode &) = delete;
  LoadedCode &operator=(const LoadedCode &) = delete;
  LoadedCode(LoadedCode &&other) noexcept;
  LoadedCode &operator=(LoadedCode &&other) noexcept;

  /// Loads `size` bytes of shared object and resolves `entrySymbol`. On failure returns false and
  /// sets `error` (e.g. "not an ELF shared object", "entry symbol 'f' not found").
  bool load(const uint8_t *code, size_t size, const std::string &entrySymbol, std::string &error);

  void *entry() const { return entryPoint; }

private:
  void reset();
  void *handle = nullptr;
  void *entryPoint = nullptr;
  /// The memfd stays open while the code is loaded: the dynamic loader recognizes objects it has
  /// loaded by path, so a second model's memfd must never get this one's /proc/self/fd/N name.
  int fd = -1;
};

/// Checks that `code` looks like an x86-64 ELF shared object before dlopen sees it, so that
/// garbage gets a message of ours rather than the dynamic loader's. Empty `error` when it does.
std::string checkElfSharedObject(const uint8_t *code, size_t size);

} // namespace qopt::rt

#endif
