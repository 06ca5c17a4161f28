// qopt-translate: converts between model files and qopt MLIR.
//
//   qopt-translate --import-onnx model.onnx [-o out.mlir | -o out.fb]
//   qopt-translate --import-flatbuffer model.fb [-o out.mlir]
//   qopt-translate --export-flatbuffer model.mlir -o model.fb
//   qopt-translate --mlir-to-native-so [--native-target=avx2] llvm-dialect.mlir -o model.so
#include "qopt/InitAll.h"
#include "qopt/Support/ToolVersion.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/Timing.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {

/// The translations registerAllTranslations() adds.
constexpr llvm::StringLiteral kTranslations[] = {"import-onnx", "import-flatbuffer",
                                                 "export-flatbuffer", "mlir-to-native-so"};

/// Two checks mlirTranslateMain would make with other words, kept so the messages and exit
/// statuses stay what qopt-translate always gave: no translation chosen (status 2), and an input
/// that cannot be read, named the way every qopt tool names it. Anything unclear is left to
/// mlirTranslateMain.
std::optional<int> checkArguments(int argc, char **argv) {
  bool translation = false;
  SmallVector<StringRef> positional;
  for (int i = 1; i < argc; ++i) {
    StringRef arg = argv[i];
    if (arg == "--") {
      positional.append(argv + i + 1, argv + argc);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    StringRef name = arg.ltrim('-').split('=').first;
    if (name.starts_with("help") || name == "version")
      return std::nullopt;
    if (llvm::is_contained(kTranslations, name))
      translation = true;
    else if (name == "o" && !arg.contains('='))
      ++i; // "-o FILE": the next argument is the output
  }
  if (!translation) {
    llvm::errs() << "qopt-translate: choose a translation: --import-onnx, --import-flatbuffer, "
                    "--export-flatbuffer or --mlir-to-native-so (see --help)\n";
    return 2;
  }
  // A lone argument without an extension may be the value of an option ("-opt VALUE").
  if (positional.size() != 1 || !llvm::sys::path::has_extension(positional.front()))
    return std::nullopt;
  StringRef path = positional.front();
  int fd;
  if (std::error_code ec = llvm::sys::fs::openFileForRead(path, fd)) {
    llvm::errs() << path << ":0:0: error: cannot read '" << path << "': " << ec.message() << "\n";
    return 1;
  }
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  return std::nullopt;
}

/// Groups the options by task for --help. MLIR's option sets are registered here, ahead of
/// mlirTranslateMain (which registers them again, a no-op), so that they can be given categories;
/// the options it declares itself (the translations, -o, --split-input-file, ...) stay under
/// "General options". Of MLIR's printing options only the common ones stay visible; --help-hidden
/// lists the others (--mlir-print-op-on-diagnostic among them: qopt's translations never print
/// the op, see ModelTranslations.cpp).
void categorizeOptions(llvm::cl::OptionCategory &native, llvm::cl::OptionCategory &mlirOutput) {
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerTranslationCLOptions();
  registerDefaultTimingManagerCLOptions();
  static constexpr llvm::StringLiteral kShown[] = {
      "mlir-print-debuginfo", "mlir-pretty-debuginfo", "mlir-print-local-scope",
      "mlir-elide-elementsattrs-if-larger"};
  for (auto &entry : llvm::cl::getRegisteredOptions()) {
    llvm::cl::Option *opt = entry.second;
    StringRef name = entry.first();
    if (name.starts_with("native-")) {
      opt->addCategory(native);
    } else if (name.starts_with("mlir-")) {
      opt->addCategory(mlirOutput);
      if (!llvm::is_contained(kShown, name))
        opt->setHiddenFlag(llvm::cl::Hidden);
    }
  }
}

} // namespace

int main(int argc, char **argv) {
  // The LLVM libraries register their backends' options when loaded; hide them so --help shows
  // the translations and the options mlirTranslateMain registers when it starts.
  llvm::cl::OptionCategory none("none");
  llvm::cl::HideUnrelatedOptions(none);
  qopt::registerAllTranslations();
  llvm::cl::OptionCategory native("Native code (--mlir-to-native-so)",
                                  "The shared object compiled from an LLVM-dialect module");
  llvm::cl::OptionCategory mlirOutput("MLIR output",
                                      "How MLIR text is printed (--help-hidden: more)");
  categorizeOptions(native, mlirOutput);
  qopt::setToolVersionPrinter("qopt-translate");
  if (std::optional<int> status = checkArguments(argc, argv))
    return *status;
  return failed(mlirTranslateMain(
             argc, argv,
             "qopt translator: model files <-> qopt MLIR\n\n"
             "Errors name the file and the node, operator or tensor at fault; the exit status is "
             "1 and\nno output file is written.\n"))
             ? 1
             : 0;
}
