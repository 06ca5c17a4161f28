// --version for qopt's tools: qopt's own version first (what a bug report needs), then the LLVM
// and MLIR it was built with, in place of LLVM's default text that names only LLVM.
#ifndef QOPT_SUPPORT_TOOLVERSION_H
#define QOPT_SUPPORT_TOOLVERSION_H

#include "qopt/Support/Version.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::qopt {

/// Makes `--version` of the tool `toolName` print
///   qopt-compile (qopt) 0.1.0
///     built with LLVM and MLIR 19.1.7
/// Call before the command line is parsed.
inline void setToolVersionPrinter(llvm::StringRef toolName) {
  llvm::cl::SetVersionPrinter([name = toolName.str()](llvm::raw_ostream &os) {
    os << name << " (qopt) " << QOPT_VERSION_STRING << "\n"
       << "  built with LLVM and MLIR " << LLVM_VERSION_STRING << "\n";
  });
}

} // namespace mlir::qopt

#endif
