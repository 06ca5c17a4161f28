#include "CodeLoader.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace qopt::rt {
namespace {

std::string errnoMessage(const char *what) { return std::string(what) + ": " + std::strerror(errno); }

bool writeAll(int fd, const uint8_t *data, size_t size) {
  while (size) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= size_t(n);
  }
  return true;
}

// dlerror() is per thread, but dlopen + dlerror must still pair up on one thread; the lock also
// keeps two loads from interleaving their messages in glibc versions with a global dlerror.
std::mutex dlMutex;

} // namespace

std::string checkElfSharedObject(const uint8_t *code, size_t size) {
  if (size < sizeof(Elf64_Ehdr) || std::memcmp(code, ELFMAG, SELFMAG) != 0)
    return "not an ELF file";
  Elf64_Ehdr header;
  std::memcpy(&header, code, sizeof(header));
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB ||
      header.e_machine != EM_X86_64)
    return "not a little-endian x86-64 ELF file";
  if (header.e_type != ET_DYN)
    return "not an ELF shared object (e_type " + std::to_string(header.e_type) + ")";
  if (header.e_phoff > size || header.e_phnum > (size - header.e_phoff) / sizeof(Elf64_Phdr))
    return "ELF program headers outside the code";
  return "";
}

LoadedCode::~LoadedCode() { reset(); }

LoadedCode::LoadedCode(LoadedCode &&other) noexcept
    : handle(other.handle), entryPoint(other.entryPoint), fd(other.fd) {
  other.handle = other.entryPoint = nullptr;
  other.fd = -1;
}

LoadedCode &LoadedCode::operator=(LoadedCode &&other) noexcept {
  if (this != &other) {
    reset();
    handle = other.handle;
    entryPoint = other.entryPoint;
    fd = other.fd;
    other.handle = other.entryPoint = nullptr;
    other.fd = -1;
  }
  return *this;
}

void LoadedCode::reset() {
  if (handle)
    dlclose(handle);
  if (fd >= 0)
    ::close(fd);
  handle = entryPoint = nullptr;
  fd = -1;
}

bool LoadedCode::load(const uint8_t *code, size_t size, const std::string &entrySymbol,
                      std::string &error) {
  reset();
  error = checkElfSharedObject(code, size);
  if (!error.empty())
    return false;
  fd = memfd_create("qopt-native-code", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    error = errnoMessage("memfd_create");
    return false;
  }
  if (!writeAll(fd, code, size)) {
    error = errnoMessage("writing the code to its memfd");
    reset();
    return false;
  }
  // Sealed: the bytes the dynamic loader maps are the bytes whose hash was checked, whoever else
  // can reach /proc/PID/fd.
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    error = errnoMessage("sealing the code's memfd");
    reset();
    return false;
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  {
    std::lock_guard<std::mutex> lock(dlMutex);
    // RTLD_LOCAL: models' entry symbols may have the same name. RTLD_NOW: an unresolvable
    // reference fails here rather than in the middle of a run.
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *msg = dlerror();
      error = std::string("the dynamic loader refused the code: ") + (msg ? msg : "unknown error");
    } else {
      dlerror();
      entryPoint = dlsym(handle, entrySymbol.c_str());
      if (!entryPoint)
        error = "entry symbol '" + entrySymbol + "' not found in the code";
    }
  }
  if (!entryPoint) {
    reset();
    return false;
  }
  return true;
}

} // namespace qopt::rt
