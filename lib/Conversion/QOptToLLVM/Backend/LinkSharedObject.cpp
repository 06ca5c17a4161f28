// ld.lld as a tool, and the checks that make a linked shared object fit for NativeCode.code.
#include "BackendInternal.h"
#include "qopt/Conversion/QOptToLLVM/Backend.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <optional>

using namespace mlir;
using namespace mlir::qopt;

namespace {

constexpr llvm::StringLiteral kDebianLld = "/usr/lib/llvm-19/bin/ld.lld";

/// $QOPT_LLD (exactly; a wrong override is an error, not a reason to look elsewhere), Debian's
/// lld-19 path, then ld.lld-19 and ld.lld on PATH.
std::optional<std::string> findLld(std::string &error) {
  if (const char *env = std::getenv("QOPT_LLD"); env && *env) {
    if (llvm::sys::fs::can_execute(env))
      return std::string(env);
    error = std::string("QOPT_LLD=") + env + " is not an executable linker";
    return std::nullopt;
  }
  if (llvm::sys::fs::can_execute(kDebianLld))
    return kDebianLld.str();
  for (llvm::StringRef name : {"ld.lld-19", "ld.lld"})
    if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(name))
      return *path;
  error = "cannot find the linker ld.lld (looked for " + kDebianLld.str() +
          ", then ld.lld-19 and ld.lld on PATH): install Debian's lld-19 or set QOPT_LLD";
  return std::nullopt;
}

std::string readLog(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> log = llvm::MemoryBuffer::getFile(path);
  return log ? (*log)->getBuffer().rtrim().str() : std::string();
}

} // namespace

FailureOr<std::vector<uint8_t>>
mlir::qopt::backend::linkSharedObject(llvm::ArrayRef<ObjectBytes> objects, std::string &error) {
  std::optional<std::string> lld = findLld(error);
  if (!lld)
    return failure();

  llvm::SmallString<128> dir;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("qopt-native", dir)) {
    error = "cannot create a temporary directory for linking: " + ec.message();
    return failure();
  }
  auto cleanup = llvm::make_scope_exit([&] { llvm::sys::fs::remove_directories(dir); });
  // Only this process reads or writes what is linked.
  if (std::error_code ec = llvm::sys::fs::setPermissions(dir, llvm::sys::fs::owner_all)) {
    error = "cannot make " + dir.str().str() + " private: " + ec.message();
    return failure();
  }
  auto inDir = [&](llvm::StringRef name) {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  };
  std::string soPath = inDir("model.so"), logPath = inDir("lld.log");
  std::vector<std::string> objPaths;
  for (size_t k = 0; k < objects.size(); ++k) {
    objPaths.push_back(inDir("model" + std::to_string(k) + ".o"));
    std::error_code ec;
    llvm::raw_fd_ostream os(objPaths.back(), ec, llvm::sys::fs::OF_None);
    if (!ec) {
      os.write(objects[k].data(), objects[k].size());
      os.close();
      ec = os.error();
    }
    if (ec) {
      error = "cannot write " + objPaths.back() + ": " + ec.message();
      return failure();
    }
  }

  // -nostdlib and --no-undefined: the code may need nothing from outside. --gc-sections (with
  // one section per function) drops the builtins and microkernels the code does not call. --build-id=none and
  // fixed names keep the bytes a function of the input alone.
  llvm::SmallVector<llvm::StringRef> args = {
      *lld,         "-shared",      "-nostdlib",      "--no-undefined", "-z",
      "noexecstack", "-z",          "relro",          "-z",             "now",
      "-z",         "text",         "--build-id=none", "--gc-sections",  "--hash-style=both",
      "-soname",    "qopt_model",   "-o",             soPath};
  // In the order given, which is fixed (the entry's object first), so the bytes are too.
  for (const std::string &path : objPaths)
    args.push_back(path);
  std::optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), llvm::StringRef(logPath),
                                                llvm::StringRef(logPath)};
  std::string execError;
  bool failedToRun = false;
  int status = llvm::sys::ExecuteAndWait(*lld, args, /*Env=*/std::nullopt, redirects,
                                         /*SecondsToWait=*/300, /*MemoryLimit=*/0, &execError,
                                         &failedToRun);
  if (failedToRun || status != 0) {
    std::string log = readLog(logPath);
    error = "linking the shared object with " + *lld + " failed" +
            (status < 0 || failedToRun ? ": " + execError : " (exit status " +
                                                                 std::to_string(status) + ")") +
            (log.empty() ? "" : ":\n" + log);
    return failure();
  }
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> so = llvm::MemoryBuffer::getFile(soPath);
  if (!so) {
    error = "cannot read the linked " + soPath + ": " + so.getError().message();
    return failure();
  }
  llvm::StringRef bytes = (*so)->getBuffer();
  return std::vector<uint8_t>(bytes.bytes_begin(), bytes.bytes_end());
}

LogicalResult mlir::qopt::checkSharedObject(llvm::ArrayRef<uint8_t> code,
                                            llvm::StringRef entrySymbol, std::string &error) {
  llvm::MemoryBufferRef ref(llvm::StringRef(reinterpret_cast<const char *>(code.data()),
                                            code.size()),
                            "qopt_model.so");
  llvm::Expected<std::unique_ptr<llvm::object::ObjectFile>> obj =
      llvm::object::ObjectFile::createObjectFile(ref);
  if (!obj) {
    error = "the native code is not an object file: " + llvm::toString(obj.takeError());
    return failure();
  }
  auto *elf = llvm::dyn_cast<llvm::object::ELF64LEObjectFile>(obj->get());
  if (!elf || elf->getELFFile().getHeader().e_type != llvm::ELF::ET_DYN ||
      elf->getELFFile().getHeader().e_machine != llvm::ELF::EM_X86_64) {
    error = "the native code is not an x86-64 ELF shared object";
    return failure();
  }
  const auto &file = elf->getELFFile();
  auto dynamic = file.dynamicEntries();
  if (!dynamic) {
    error = "the native code has an unreadable dynamic section: " +
            llvm::toString(dynamic.takeError());
    return failure();
  }
  unsigned needed = 0;
  bool textrel = false;
  for (const auto &entry : *dynamic) {
    needed += entry.d_tag == llvm::ELF::DT_NEEDED;
    textrel |= entry.d_tag == llvm::ELF::DT_TEXTREL;
  }
  if (needed) {
    error = "the native code depends on " + std::to_string(needed) +
            " shared libraries (DT_NEEDED); it must depend on none";
    return failure();
  }
  if (textrel) {
    error = "the native code has text relocations (DT_TEXTREL): it is not position-independent";
    return failure();
  }
  std::string undefined;
  bool exported = false;
  for (const llvm::object::ELFSymbolRef &sym : elf->getDynamicSymbolIterators()) {
    llvm::Expected<llvm::StringRef> name = sym.getName();
    llvm::Expected<uint32_t> flags = sym.getFlags();
    if (!name || !flags) {
      llvm::consumeError(name.takeError());
      llvm::consumeError(flags.takeError());
      error = "the native code has an unreadable dynamic symbol table";
      return failure();
    }
    if (*flags & llvm::object::SymbolRef::SF_Undefined) {
      undefined += (undefined.empty() ? "" : ", ") + name->str();
      continue;
    }
    if (*name == entrySymbol && sym.getBinding() == llvm::ELF::STB_GLOBAL &&
        sym.getELFType() == llvm::ELF::STT_FUNC &&
        (sym.getOther() & 0x3) == llvm::ELF::STV_DEFAULT)
      exported = true;
  }
  if (!undefined.empty()) {
    error = "the native code needs symbols from outside: " + undefined +
            " (generated code may call only the kernels and the runtime's function table)";
    return failure();
  }
  if (!exported) {
    error = "the native code does not export the entry function '" + entrySymbol.str() + "'";
    return failure();
  }
  return success();
}
