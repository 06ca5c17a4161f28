// The measured part of the report: each layer's native time and the machine's peaks.
//
// Added to the report file the user asked for (--report) after the artifact has recorded its own
// copy of the report: timings differ from run to run, and a compiled model must stay
// byte-identical when compiled twice (reproducibility.test). So the .fb's provenance holds the
// deterministic report, and the report file holds it plus what this run measured, which the HTML
// report's roofline and latency frontier read.
#include "Report.h"

#include "qopt/Support/MachinePeaks.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <map>

using namespace mlir;
using namespace mlir::qopt;

void mlir::qopt::addMeasuredPerformance(const Measurement &m, CompileReport &report) {
  if (m.steps.empty() || m.profileBatch <= 0)
    return;
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(report.json);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return;
  }
  llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return;
  // A layer may take several steps (a conv with its run-time weight packing): add them up. Steps
  // without a layer (a quantize the pipeline inserted) count in the total only.
  struct Sum {
    double ns = 0, ops = 0, bytes = 0;
  };
  std::map<std::string, Sum> byLayer;
  const double batch = double(m.profileBatch);
  double total = 0;
  for (const engine::StepProfile &s : m.steps) {
    Sum &sum = byLayer[s.name];
    sum.ns += s.nsPerCall / batch;
    sum.ops += double(s.opsPerSample);
    sum.bytes += double(s.weightBytes) / batch + double(s.activationBytesPerSample);
    total += s.nsPerCall / batch;
  }
  if (llvm::json::Array *layers = root->getArray("layers"))
    for (llvm::json::Value &v : *layers) {
      llvm::json::Object *layer = v.getAsObject();
      std::optional<llvm::StringRef> name = layer ? layer->getString("name") : std::nullopt;
      if (!name)
        continue;
      auto it = byLayer.find(name->str());
      if (it == byLayer.end())
        continue;
      (*layer)["native_ns_per_sample"] = it->second.ns;
      (*layer)["ops_per_sample"] = it->second.ops;
      (*layer)["bytes_per_sample"] = it->second.bytes;
    }
  (*root)["native_ns_per_sample"] = total;
  (*root)["native_profile"] = llvm::json::Object{
      {"engine", m.engine},
      {"batch", m.profileBatch},
      {"steps", int64_t(m.steps.size())},
      {"note", "measured in this run on this machine; the model's own copy of the report leaves "
               "timings out so that compiling twice gives the same bytes"}};
  llvm::Expected<llvm::json::Value> machine =
      llvm::json::parse(measureMachinePeaks(/*quick=*/true).toJson());
  if (machine)
    (*root)["machine"] = std::move(*machine);
  else
    llvm::consumeError(machine.takeError());
  report.json = llvm::formatv("{0:2}", llvm::json::Value(std::move(*parsed))).str() + "\n";
}
