// qopt-report: several compiled models' reports as one comparison page.
//
//   qopt-report -o compare.html mlp.int8.fb mlp.mixed.json ...
//
// Each input is qopt-compile's JSON report (--report) or a compiled .fb model, whose provenance
// carries the same JSON (report_json). The .fb is read with the runtime core's checked
// FlatBuffers reader, so the tool needs neither MLIR nor the compiler. The page is written only
// when every input was read: a bad input names the file and leaves no half-made report behind.
#include "qopt/Support/ToolMemory.h"
#include "qopt/Compiler/HtmlReport.h"
#include "qopt/Runtime/ModelCheck.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <memory>

using namespace mlir::qopt;
namespace cl = llvm::cl;

namespace {

/// The report JSON inside a compiled model, or nullopt with the reason in `error`.
std::optional<std::string> reportOfModel(llvm::StringRef bytes, std::string &error) {
  // The verifier checks alignment relative to the buffer's start, which FlatBuffers wrote for
  // a 64-byte aligned load (the native code sections); a file buffer may have less.
  size_t size = bytes.size();
  std::unique_ptr<uint8_t, decltype(&std::free)> aligned(
      static_cast<uint8_t *>(std::aligned_alloc(64, (size + 63) / 64 * 64)), &std::free);
  if (!aligned) {
    error = "out of memory";
    return std::nullopt;
  }
  std::memcpy(aligned.get(), bytes.data(), size);
  std::string problem;
  const qopt::fb::Model *model = qopt::fb::checkModel(aligned.get(), size, problem);
  if (!model) {
    error = "invalid model: " + problem;
    return std::nullopt;
  }
  const qopt::fb::Provenance *p = model->provenance();
  if (!p || !p->report_json() || p->report_json()->size() == 0) {
    error = "this model carries no report (provenance.report_json is empty: it was not compiled "
            "by qopt-compile, or compiled with --emit=mlir)";
    return std::nullopt;
  }
  return p->report_json()->str();
}

bool isFlatBuffer(llvm::StringRef bytes) {
  return bytes.size() >= 8 && bytes.substr(4, 4) == "QOPT";
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::qopt::keepFreedMemoryForReuse();
  cl::OptionCategory category("qopt-report options");
  cl::list<std::string> inputs(cl::Positional, cl::OneOrMore,
                               cl::desc("<report.json | model.fb>..."), cl::cat(category));
  cl::opt<std::string> output("o", cl::Required, cl::value_desc("OUT.html"),
                              cl::desc("The comparison page (one self-contained HTML file)"),
                              cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "qopt-report: merges the reports of several compiled models (qopt-compile's --report JSON "
      "or the .fb models themselves) into one HTML page: summary, speed-accuracy frontier, "
      "per-layer errors, roofline, calibration histograms and precision decisions\n");

  std::vector<report::ModelReport> models;
  for (const std::string &path : inputs) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
        llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
    if (!file) {
      llvm::errs() << path << ": error: cannot read: " << file.getError().message() << "\n";
      return 1;
    }
    llvm::StringRef bytes = (*file)->getBuffer();
    std::string error, json;
    if (isFlatBuffer(bytes)) {
      std::optional<std::string> r = reportOfModel(bytes, error);
      if (!r) {
        llvm::errs() << path << ": error: " << error << "\n";
        return 1;
      }
      json = std::move(*r);
    } else {
      json = bytes.str();
    }
    std::optional<report::ModelReport> m = report::parseReport(json, path, error);
    if (!m) {
      llvm::errs() << path << ": error: " << error << "\n";
      return 1;
    }
    models.push_back(std::move(*m));
  }

  std::string html = report::renderHtml(std::move(models));
  std::error_code ec;
  llvm::ToolOutputFile out(output, ec, llvm::sys::fs::OF_None);
  if (ec) {
    llvm::errs() << output << ": error: cannot write: " << ec.message() << "\n";
    return 1;
  }
  out.os() << html;
  out.os().flush();
  if (out.os().has_error()) {
    llvm::errs() << output << ": error: write failed\n";
    out.os().clear_error();
    return 1;
  }
  out.keep();
  return 0;
}
