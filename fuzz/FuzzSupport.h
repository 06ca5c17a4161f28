// Shared pieces of qopt's libFuzzer harnesses: a quiet MLIR context per input and a way to hand
// the input bytes to APIs that take a path, without touching the disk.
#ifndef QOPT_FUZZ_FUZZSUPPORT_H
#define QOPT_FUZZ_FUZZSUPPORT_H

#include "qopt/Target/ModelIO.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace qopt::fuzz {

/// A fresh context per input: MLIR uniques attributes and types for the context's lifetime, so a
/// long-lived one would grow with every input and hide use-after-free of IR between inputs.
/// Diagnostics are the expected outcome for most inputs; printing them would only slow the run.
class QuietContext {
public:
  QuietContext() : context(registry(), mlir::MLIRContext::Threading::DISABLED),
                   handler(&context, [](mlir::Diagnostic &) { return mlir::success(); }) {
    context.loadAllAvailableDialects();
  }
  mlir::MLIRContext *get() { return &context; }

private:
  static const mlir::DialectRegistry &registry() {
    static mlir::DialectRegistry r = [] {
      mlir::DialectRegistry reg;
      mlir::qopt::registerModelDialects(reg);
      return reg;
    }();
    return r;
  }
  mlir::MLIRContext context;
  mlir::ScopedDiagnosticHandler handler;
};

/// The input as an anonymous in-memory file, named by a /proc/self/fd path, for APIs that read a
/// path (npy, calibration data). Nothing is written under /tmp, so parallel runs cannot collide.
class MemFile {
public:
  MemFile(const uint8_t *data, size_t size) {
    fd = memfd_create("qopt-fuzz", 0);
    if (fd < 0)
      abort(); // the harness cannot run at all: a setup failure, not a finding
    size_t done = 0;
    while (done < size) {
      ssize_t n = write(fd, data + done, size - done);
      if (n <= 0)
        abort();
      done += static_cast<size_t>(n);
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~MemFile() { close(fd); }
  const std::string &name() const { return path; }

private:
  int fd;
  std::string path;
};

} // namespace qopt::fuzz

#endif
