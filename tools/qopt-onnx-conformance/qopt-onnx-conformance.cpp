// Test tool: runs ONNX's own operator conformance cases (model.onnx + test_data_set_*/{input,
// output}_*.pb) through the importer and the reference executor, and compares with the expected
// outputs: fp32 within rtol/atol, integers exactly.
//
// Cases the importer rejects (an unsupported op, attribute or type) are listed as unsupported with
// the reason, never hidden. The last line is "N passed, M failed"; the exit status is 1 when any
// supported case fails or fewer than --min-passed cases pass.
//
// --native=<targets> also compiles every case that passes on the reference for each target and
// runs it through the runtime (NativeRun.h). Each case is listed per target as passed, failed
// (with the first mismatch) or not compiled (with the compiler's error), followed by one line
// per target, "native avx2: N passed, M failed, K not compiled"; any native failure or case that
// cannot be compiled makes the exit status 1.
#include "NativeRun.h"
#include <map>
#include "qopt/Support/ToolMemory.h"
#include "qopt/Reference/Executor.h"
#include "qopt/Target/ModelIO.h"
#include "qopt/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qopt;

namespace {

llvm::cl::opt<std::string> root(llvm::cl::Positional, llvm::cl::desc("<ONNX node test directory>"),
                                llvm::cl::init("/usr/share/libonnx-testdata/data/node"));
llvm::cl::opt<double> rtol("rtol", llvm::cl::desc("Relative tolerance for float outputs"),
                           llvm::cl::init(1e-4));
llvm::cl::opt<double> atol("atol", llvm::cl::desc("Absolute tolerance for float outputs"),
                           llvm::cl::init(1e-5));
llvm::cl::opt<unsigned> minPassed("min-passed",
                                  llvm::cl::desc("Fail unless at least this many cases pass"),
                                  llvm::cl::init(0));
llvm::cl::opt<std::string> native("native",
                                  llvm::cl::desc("Also compile every case that passes on the "
                                                 "reference for these targets (comma-separated) "
                                                 "and run it natively"),
                                  llvm::cl::init(""));
llvm::cl::opt<bool> verbose("v", llvm::cl::desc("Print each case's native outcome to stderr as it "
                                                "finishes, with the compile time"));
llvm::cl::opt<std::string> filter("filter",
                                  llvm::cl::desc("Only run cases whose name contains this"),
                                  llvm::cl::init(""));

enum class Outcome { Passed, Failed, Unsupported };

const char *const kNativeOutcomeNames[] = {"passed", "FAILED", "NOT COMPILED"};

struct CaseResult {
  CaseResult(Outcome outcome, std::string detail) : outcome(outcome), detail(std::move(detail)) {}
  Outcome outcome;
  std::string detail;
  std::vector<conformance::NativeResult> native; // per --native target, when it passed
};

std::vector<std::string> nativeTargets() {
  std::vector<std::string> out;
  for (llvm::StringRef t : llvm::split(native.getValue(), ','))
    if (!t.trim().empty())
      out.push_back(t.trim().str());
  return out;
}

std::vector<std::string> sortedEntries(const std::string &dir, llvm::StringRef prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with(prefix))
      out.push_back(it->path());
  }
  // input_10.pb sorts after input_9.pb: compare the numeric suffix, then the name.
  llvm::sort(out, [](const std::string &a, const std::string &b) {
    auto num = [](llvm::StringRef s) {
      s = llvm::sys::path::stem(s);
      size_t us = s.rfind('_');
      unsigned n = 0;
      if (us != llvm::StringRef::npos)
        (void)s.substr(us + 1).getAsInteger(10, n);
      return n;
    };
    return std::make_pair(num(a), a) < std::make_pair(num(b), b);
  });
  return out;
}

/// Compares one output; returns an empty string when it matches.
/// ONNX's test data stores bfloat16 tensors as uint16 bit patterns (NumPy has no bfloat16): read
/// them as the bf16 the model declares.
DenseElementsAttr asModelType(DenseElementsAttr value, Type modelElt) {
  if (modelElt && modelElt.isBF16() && value.getElementType().isUnsignedInteger(16))
    return value.bitcast(modelElt);
  return value;
}

std::string compare(const ref::Tensor &actual, DenseElementsAttr expected) {
  ArrayRef<int64_t> shape = expected.getType().getShape();
  if (ArrayRef<int64_t>(actual.shape) != shape)
    return "shape " + std::to_string(actual.shape.size()) + "-D mismatch";
  Type elt = expected.getElementType();
  int64_t n = expected.getNumElements();
  if (isa<FloatType>(elt)) {
    if ((int64_t)actual.f.size() != n)
      return "expected float values";
    int64_t k = 0;
    for (APFloat e : expected.getValues<APFloat>()) {
      double ev = e.convertToDouble(), av = actual.f[k];
      bool ok = (std::isnan(ev) && std::isnan(av)) || ev == av ||
                std::fabs(av - ev) <= atol + rtol * std::fabs(ev);
      if (!ok)
        return "element " + std::to_string(k) + ": got " + std::to_string(av) + ", expected " +
               std::to_string(ev);
      ++k;
    }
    return "";
  }
  if ((int64_t)actual.i.size() != n)
    return "expected integer values";
  int64_t k = 0;
  bool isUnsigned = elt.isUnsignedInteger();
  for (APInt e : expected.getValues<APInt>()) {
    int64_t ev = isUnsigned ? (int64_t)e.getZExtValue() : e.getSExtValue();
    if (actual.i[k] != ev)
      return "element " + std::to_string(k) + ": got " + std::to_string(actual.i[k]) +
             ", expected " + std::to_string(ev);
    ++k;
  }
  return "";
}

/// Cases whose expected outputs follow a different, documented definition than qopt's. They are
/// still run, and listed with the reason instead of counted as passed or failed.
const std::map<std::string, std::string> kDeviations = {
    {"test_cast_FLOAT_to_BFLOAT16",
     "the expected outputs truncate to bfloat16; qopt rounds to nearest even like "
     "vcvtneps2bf16 and PyTorch"},
    {"test_castlike_FLOAT_to_BFLOAT16_expanded",
     "the data set's 'like' input has shape [1] where the model declares 3x4"},
    {"test_castlike_BFLOAT16_to_FLOAT_expanded",
     "the data set's 'like' input has shape [1] where the model declares 3x4"},
};

CaseResult runCase(const std::string &dir) {
  DialectRegistry registry;
  registerModelDialects(registry);
  MLIRContext context(registry);
  std::string firstDiag;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    if (firstDiag.empty())
      firstDiag = d.str();
    return success();
  });
  llvm::SmallString<256> modelPath(dir);
  llvm::sys::path::append(modelPath, "model.onnx");
  OwningOpRef<ModuleOp> module = loadModel(modelPath, &context, ModelFormat::ONNX);
  if (!module)
    return {Outcome::Unsupported, firstDiag};
  func::FuncOp func = *module->getOps<func::FuncOp>().begin();

  std::vector<std::string> sets = sortedEntries(dir, "test_data_set_");
  std::vector<conformance::DataSet> dataSets;
  if (sets.empty())
    return {Outcome::Failed, "no test_data_set_* directory"};
  for (const std::string &set : sets) {
    std::vector<std::string> ins = sortedEntries(set, "input_");
    std::vector<std::string> outs = sortedEntries(set, "output_");
    if (ins.size() != func.getNumArguments())
      return {Outcome::Failed, "the model takes " + std::to_string(func.getNumArguments()) +
                                   " inputs but the data set has " + std::to_string(ins.size())};
    conformance::DataSet &data = dataSets.emplace_back();
    data.name = llvm::sys::path::filename(set).str();
    SmallVector<ref::Tensor> args;
    std::string error, name;
    for (auto [i, path] : llvm::enumerate(ins)) {
      auto value = readONNXTensorFile(path, &context, name, error);
      if (failed(value))
        return {Outcome::Failed, error};
      auto argType = cast<RankedTensorType>(func.getArgument(i).getType());
      value = asModelType(*value, argType.getElementType());
      auto type = RankedTensorType::get(value->getType().getShape(),
                                        argType.getElementType());
      auto t = ref::tensorFromAttr(*value, type, error);
      if (failed(t))
        return {Outcome::Failed, "input " + std::to_string(i) + ": " + error};
      args.push_back(std::move(*t));
    }
    data.inputs.assign(args.begin(), args.end());
    auto results = ref::execute(func, args, ref::Options(), error);
    if (failed(results))
      return {Outcome::Failed, error};
    if (results->size() != outs.size())
      return {Outcome::Failed, "produced " + std::to_string(results->size()) + " outputs, " +
                                   std::to_string(outs.size()) + " expected"};
    for (auto [k, path] : llvm::enumerate(outs)) {
      auto expected = readONNXTensorFile(path, &context, name, error);
      if (failed(expected))
        return {Outcome::Failed, error};
      data.expected.push_back(*expected);
      std::string diff =
          compare((*results)[k], asModelType(*expected, (*results)[k].elementType));
      if (!diff.empty())
        return {Outcome::Failed, llvm::sys::path::filename(set).str() + " output " +
                                     std::to_string(k) + ": " + diff};
    }
  }
  CaseResult passed(Outcome::Passed, "");
  auto compareNative = [](const ref::Tensor &actual, DenseElementsAttr expected) {
    return compare(actual, asModelType(expected, actual.elementType));
  };
  for (const std::string &target : nativeTargets())
    passed.native.push_back(conformance::runNative(*module, target, dataSets, compareNative));
  return passed;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::qopt::keepFreedMemoryForReuse();
  llvm::cl::ParseCommandLineOptions(argc, argv, "qopt ONNX operator conformance runner\n");
  std::vector<std::string> cases = sortedEntries(root, "test_");
  if (cases.empty()) {
    llvm::errs() << "qopt-onnx-conformance: error: no test_* cases under '" << root
                 << "' (is libonnx-testdata installed?)\n";
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> failed, unsupported, deviating;
  unsigned passed = 0;
  std::vector<std::string> targets = nativeTargets();
  // Per target: the cases by native outcome (name, detail).
  struct NativeTally {
    std::vector<std::pair<std::string, std::string>> byOutcome[3];
    double compileSeconds = 0;
  };
  std::vector<NativeTally> tallies(targets.size());
  for (const std::string &dir : cases) {
    std::string name = llvm::sys::path::filename(dir).str();
    if (!filter.empty() && name.find(filter) == std::string::npos)
      continue;
    CaseResult r = runCase(dir);
    if (auto it = kDeviations.find(name); it != kDeviations.end()) {
      deviating.push_back({name, it->second + (r.outcome == Outcome::Passed
                                                   ? " (passes anyway: remove this entry)"
                                                   : " (differs: " + r.detail + ")")});
      continue;
    }
    for (auto [t, nr] : llvm::enumerate(r.native)) {
      if (verbose)
        llvm::errs() << name << " " << targets[t] << ": "
                     << kNativeOutcomeNames[(int)nr.outcome]
                     << llvm::format(" (%.2f s)", nr.compileSeconds) << "\n";
      tallies[t].byOutcome[(int)nr.outcome].push_back({name, nr.detail});
      tallies[t].compileSeconds += nr.compileSeconds;
    }
    if (r.outcome == Outcome::Passed)
      ++passed;
    else
      (r.outcome == Outcome::Failed ? failed : unsupported).push_back({name, r.detail});
  }
  // Unsupported cases are listed with the importer's reason, one line each.
  llvm::outs() << "unsupported (" << unsupported.size() << " cases, skipped):\n";
  for (auto &[name, why] : unsupported) {
    std::string shortWhy = why.substr(0, why.find("; supported ops"));
    size_t at = shortWhy.find("error: ");
    llvm::outs() << "  " << name << ": " << shortWhy.substr(at == std::string::npos ? 0 : at + 7)
                 << "\n";
  }
  llvm::outs() << "documented deviations (" << deviating.size() << " cases, not counted):\n";
  for (auto &[name, why] : deviating)
    llvm::outs() << "  " << name << ": " << why << "\n";
  llvm::outs() << "failed (" << failed.size() << " cases):\n";
  for (auto &[name, why] : failed)
    llvm::outs() << "  FAIL " << name << ": " << why << "\n";
  llvm::outs() << "supported cases: " << passed + failed.size() << " of " << cases.size()
               << "\n";
  llvm::outs() << passed << " passed, " << failed.size() << " failed\n";
  bool nativeOk = true;
  for (auto [t, tally] : llvm::enumerate(tallies)) {
    const char *titles[3] = {"passed", "failed", "not compiled"};
    for (int o = 0; o < 3; ++o) {
      llvm::outs() << "native " << targets[t] << " " << titles[o] << " ("
                   << tally.byOutcome[o].size() << " cases):\n";
      for (auto &[name, why] : tally.byOutcome[o]) {
        llvm::outs() << "  " << (o == 0 ? "" : (o == 1 ? "FAIL " : "NOT COMPILED ")) << name;
        if (!why.empty())
          llvm::outs() << ": " << why.substr(0, why.find('\n'));
        llvm::outs() << "\n";
      }
    }
  }
  for (auto [t, tally] : llvm::enumerate(tallies)) {
    size_t nFailed = tally.byOutcome[1].size(), nNotCompiled = tally.byOutcome[2].size();
    llvm::outs() << "native " << targets[t] << ": " << tally.byOutcome[0].size() << " passed, "
                 << nFailed << " failed, " << nNotCompiled << " not compiled\n";
    llvm::errs() << "qopt-onnx-conformance: native " << targets[t] << ": "
                 << llvm::format("%.1f", tally.compileSeconds) << " s compiling\n";
    nativeOk &= nFailed == 0 && nNotCompiled == 0;
  }
  if (!failed.empty() || !nativeOk)
    return 1;
  if (passed < minPassed) {
    llvm::errs() << "qopt-onnx-conformance: error: only " << passed << " cases passed, at least "
                 << minPassed << " required\n";
    return 1;
  }
  return 0;
}
