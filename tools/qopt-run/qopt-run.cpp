// qopt-run: runs a model on NumPy (.npy) or ONNX TensorProto (.pb) inputs and writes each output
// as DIR/<output name>.npy.
//
//   qopt-run model.onnx --input x.npy --output-dir out/
//   qopt-run model.fb --input image=x.npy --input mask=m.pb --output-dir out/ --batch-size 256
//   qopt-run model.int8.fb --input x.npy --output-dir out/ --threads 2 --benchmark=50
//
// A compiled .fb model with native code for this CPU runs natively unless --reference is given;
// any other model runs on the reference executor.
#include "qopt/Support/ToolMemory.h"
#include "qopt/Engine/Engine.h"
#include "qopt/Engine/TensorIO.h"
#include "qopt/Runtime/Data.h"
#include "qopt/Support/ToolVersion.h"
#include "qopt/Target/ModelIO.h"
#include "qopt/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <fstream>

using namespace mlir;
using namespace mlir::qopt;
using engine::shapeStr;

namespace {

int fail(const std::string &msg) {
  llvm::errs() << "qopt-run: error: " << msg << "\n";
  return 1;
}

/// Reads the file of one input: an ONNX TensorProto (.pb) or a .npy.
FailureOr<ref::Tensor> readInput(const std::string &path, RankedTensorType type,
                                 const std::string &what, MLIRContext *context,
                                 std::string &error) {
  if (llvm::StringRef(path).ends_with(".pb")) {
    std::string tensorName;
    auto value = readONNXTensorFile(path, context, tensorName, error);
    if (failed(value))
      return failure();
    if (failed(verifyCompatibleShape(value->getType().getShape(), type.getShape()))) {
      error = what + ": expected shape " + shapeStr(type.getShape()) + ", got " +
              shapeStr(value->getType().getShape());
      return failure();
    }
    auto valueType = RankedTensorType::get(value->getType().getShape(), type.getElementType());
    auto t = ref::tensorFromAttr(*value, valueType, error);
    if (failed(t))
      error = what + ": " + error;
    return t;
  }
  NpyArray array;
  if (!readNpy(path, array, error))
    return failure();
  return engine::tensorFromNpy(array, type, what, error);
}

struct BenchmarkStats {
  double median = 0, p10 = 0, p90 = 0; // ms per batch
  double samplesPerSecond = 0;
  size_t batches = 0;
};

/// The q-quantile of sorted `v` by linear interpolation between closest ranks.
double quantile(const std::vector<double> &v, double q) {
  double pos = q * double(v.size() - 1);
  size_t lo = size_t(pos);
  size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

/// Runs `eng` `runs` times after one warm-up run, timing every batch: Engine::run reports the end
/// of each batch through `progress`, and an unbatched run is one batch.
FailureOr<BenchmarkStats> benchmark(engine::Engine &eng, ArrayRef<ref::Tensor> args,
                                    int64_t batchSize, unsigned runs, int64_t samples,
                                    std::string &error) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> ms;
  double totalSeconds = 0;
  // One batch of everything: time the engine's execution alone, with the inputs encoded and the
  // outputs allocated once, as a program embedding the runtime would call it.
  std::function<bool(std::string &)> prepared;
  if (batchSize <= 0 || batchSize >= samples) {
    prepared = eng.prepareRun(args, error);
    if (!prepared && !error.empty())
      return failure();
  }
  for (unsigned r = 0; prepared && r <= runs; ++r) {
    Clock::time_point start = Clock::now();
    if (!prepared(error))
      return failure();
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (r == 0)
      continue; // warm-up: first-touch page faults, thread start-up, cold caches
    totalSeconds += seconds;
    ms.push_back(seconds * 1e3);
  }
  for (unsigned r = 0; !prepared && r <= runs; ++r) {
    std::vector<double> these;
    engine::RunOptions options;
    options.batchSize = batchSize;
    Clock::time_point start = Clock::now(), last = start;
    options.progress = [&](int64_t, int64_t) {
      Clock::time_point now = Clock::now();
      these.push_back(std::chrono::duration<double, std::milli>(now - last).count());
      last = now;
    };
    if (failed(eng.run(args, options, error)))
      return failure();
    Clock::time_point end = Clock::now();
    if (these.empty())
      these.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    if (r == 0)
      continue; // warm-up: first-touch page faults, thread start-up, cold caches
    totalSeconds += std::chrono::duration<double>(end - start).count();
    ms.insert(ms.end(), these.begin(), these.end());
  }
  std::sort(ms.begin(), ms.end());
  BenchmarkStats stats;
  stats.median = quantile(ms, 0.5);
  stats.p10 = quantile(ms, 0.1);
  stats.p90 = quantile(ms, 0.9);
  stats.batches = ms.size() / runs;
  stats.samplesPerSecond = totalSeconds > 0 ? double(samples) * runs / totalSeconds : 0;
  return stats;
}

/// The per-step table of --profile and, with `jsonPath`, its JSON.
LogicalResult printProfile(const std::vector<engine::StepProfile> &steps,
                           ArrayRef<ref::Tensor> args, unsigned runs, const std::string &jsonPath,
                           const std::string &modelPath, engine::Engine &eng, std::string &error) {
  // A step's ops are per sample of a dynamic batch; a model of static shapes runs its whole
  // input as one sample (batch 1), whatever its leading dim.
  RankedTensorType first = eng.inputs().empty() ? RankedTensorType() : eng.inputs()[0].type;
  bool dynamic = first && first.getRank() > 0 && first.isDynamicDim(0);
  int64_t batch = !dynamic || args.empty() || args[0].shape.empty() ? 1 : args[0].shape[0];
  double total = 0;
  for (const engine::StepProfile &s : steps)
    total += s.nsPerCall;
  llvm::outs() << llvm::formatv("profile: {0}, batch {1}{2}, median of {3} runs per step, total "
                                "{4:f4} ms\n",
                                eng.description(), batch, dynamic ? "" : " (static shapes)", runs,
                                total * 1e-6);
  llvm::outs() << llvm::formatv("{0,-4} {1,-32} {2,-26} {3,10} {4,6} {5,10} {6,9}\n", "step",
                                "layer", "kernel", "ms", "%", "Gop/s", "op/byte");
  auto escape = [](const std::string &text) {
    std::string out;
    for (char c : text) {
      if (c == '"' || c == '\\')
        out += '\\';
      if ((unsigned char)c >= 0x20)
        out += c;
    }
    return out;
  };
  std::string json = llvm::formatv("{{\"model\": \"{0}\", \"description\": \"{1}\", \"batch\": "
                                   "{2}, \"static_shapes\": {3}, \"runs\": {4}, \"total_ms\": "
                                   "{5:f6}, \"steps\": [",
                                   escape(llvm::sys::path::filename(modelPath).str()),
                                   escape(eng.description().str()), batch,
                                   dynamic ? "false" : "true", runs, total * 1e-6)
                         .str();
  for (auto [i, s] : llvm::enumerate(steps)) {
    double ops = double(s.opsPerSample) * double(batch);
    double bytes = double(s.weightBytes) + double(s.activationBytesPerSample) * double(batch);
    double gops = s.nsPerCall > 0 ? ops / s.nsPerCall : 0;
    double intensity = bytes > 0 ? ops / bytes : 0;
    std::string name = s.name.size() > 32 ? "..." + s.name.substr(s.name.size() - 29) : s.name;
    std::string kernel =
        llvm::StringRef(s.kernel).starts_with("qopt_k_") ? s.kernel.substr(7) : s.kernel;
    llvm::outs() << llvm::formatv("{0,-4} {1,-32} {2,-26} {3,10:f4} {4,6:f1} {5,10:f2} {6,9:f2}\n",
                                  i, name, kernel, s.nsPerCall * 1e-6,
                                  total > 0 ? 100 * s.nsPerCall / total : 0, gops, intensity);
    json += llvm::formatv("{0}{{\"name\": \"{1}\", \"kernel\": \"{2}\", \"ms\": {3:f6}, "
                          "\"ops_per_sample\": {4}, \"weight_bytes\": {5}, "
                          "\"activation_bytes_per_sample\": {6}, \"gops\": {7:f6}}",
                          i ? ", " : "", escape(s.name), escape(s.kernel), s.nsPerCall * 1e-6,
                          s.opsPerSample, s.weightBytes, s.activationBytesPerSample, gops)
                .str();
  }
  json += "]}\n";
  if (!jsonPath.empty()) {
    std::ofstream out(jsonPath);
    out << json;
    if (!out.flush()) {
      error = "cannot write '" + jsonPath + "'";
      return failure();
    }
  }
  return success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::qopt::keepFreedMemoryForReuse();
  // --help lists the options by task; everything else LLVM registers stays hidden.
  llvm::cl::OptionCategory inputCat("Input", "The model and its input tensors");
  llvm::cl::OptionCategory engineCat("Engine and threads", "What runs the model, and how");
  llvm::cl::OptionCategory benchCat("Benchmark", "Timing runs (for benchmarks, not tests)");
  llvm::cl::OptionCategory outputCat("Output", "Where the outputs go, and what is printed");
  llvm::cl::opt<std::string> modelPath(llvm::cl::Positional, llvm::cl::Required,
                                       llvm::cl::desc("<model: .onnx, .fb or .mlir>"),
                                       llvm::cl::cat(inputCat));
  llvm::cl::list<std::string> inputs(
      "input",
      llvm::cl::desc("An input file, .npy (NumPy) or .pb (ONNX TensorProto). Inputs bind to the "
                     "model's inputs in order, or by name with NAME=FILE. Repeat for each input."),
      llvm::cl::value_desc("[NAME=]FILE"), llvm::cl::cat(inputCat));
  llvm::cl::opt<std::string> outputDir(
      "output-dir",
      llvm::cl::desc("Directory for the outputs, written as <output name>.npy (created if needed). "
                     "Required unless --benchmark or --profile is given"),
      llvm::cl::value_desc("DIR"), llvm::cl::cat(outputCat));
  llvm::cl::opt<std::string> engineName(
      "engine",
      llvm::cl::desc("The engine to run on: reference (the reference executor: plain loops, fp32 "
                     "for float ops and exact integer semantics for quantized ones) or native (a "
                     "compiled model's native code; fails when the model has none for this CPU). "
                     "Default: native when the .fb model has code for this CPU, else reference"),
      llvm::cl::value_desc("reference|native"), llvm::cl::init("reference"),
      llvm::cl::cat(engineCat));
  llvm::cl::opt<bool> reference("reference",
                                llvm::cl::desc("Run on the reference executor (--engine=reference)"),
                                llvm::cl::cat(engineCat));
  llvm::cl::opt<int64_t> batchSize(
      "batch-size",
      llvm::cl::desc("Rows of the leading (batch) dimension to run at a time when the model's "
                     "batch is dynamic; bounds memory on large inputs (0: all at once)"),
      llvm::cl::init(256), llvm::cl::cat(engineCat));
  // libLLVM registers a global "threads" option of its own; qopt-run's --threads is the runtime's.
  if (llvm::cl::Option *llvmThreads = llvm::cl::getRegisteredOptions().lookup("threads"))
    llvmThreads->setArgStr("llvm-threads");
  llvm::cl::opt<int32_t> threads(
      "threads",
      llvm::cl::desc("Threads for the native engine, the calling thread included (0: one per CPU)"),
      llvm::cl::init(0), llvm::cl::cat(engineCat));
  llvm::cl::opt<std::string> benchmarkRuns(
      "benchmark", llvm::cl::ValueOptional,
      llvm::cl::desc("Time N runs (default 20) after a warm-up run and print the median, p10 and "
                     "p90 latency per batch and the throughput. For benchmarks, not tests"),
      llvm::cl::value_desc("N"), llvm::cl::cat(benchCat));
  llvm::cl::opt<std::string> benchmarkJson(
      "benchmark-json", llvm::cl::desc("With --benchmark, also write the results as JSON"),
      llvm::cl::value_desc("FILE"), llvm::cl::cat(benchCat));
  llvm::cl::opt<std::string> profileRuns(
      "profile", llvm::cl::ValueOptional,
      llvm::cl::desc("Time each step (kernel call) of the native code over N runs (default 20) of "
                     "the whole input as one batch, and print the median per step with its share, "
                     "op/s and arithmetic intensity. For benchmarks, not tests"),
      llvm::cl::value_desc("N"), llvm::cl::cat(benchCat));
  llvm::cl::opt<std::string> profileJson(
      "profile-json", llvm::cl::desc("With --profile, also write the steps as JSON"),
      llvm::cl::value_desc("FILE"), llvm::cl::cat(benchCat));
  llvm::cl::opt<bool> quiet("quiet", llvm::cl::desc("Print nothing but errors"),
                            llvm::cl::cat(outputCat));
  llvm::cl::HideUnrelatedOptions({&inputCat, &engineCat, &benchCat, &outputCat});
  setToolVersionPrinter("qopt-run");
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qopt-run: run a model on input tensors and write its outputs as .npy files\n");

  std::optional<engine::Kind> kind = engine::parseKind(engineName);
  if (!kind)
    return fail("unknown engine '" + engineName + "' (engines: reference, native)");
  if (reference && *kind != engine::Kind::reference)
    return fail("--reference conflicts with --engine=" + engineName);

  DialectRegistry registry;
  registerModelDialects(registry);
  MLIRContext context(registry);
  // Diagnostics name the file, layer and op; a dump of the IR would bury them.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(modelPath, &context);
  if (!module)
    return 1;
  if (threads < 0)
    return fail("--threads must be at least 0");
  unsigned runs = 0;
  if (benchmarkRuns.getNumOccurrences()) {
    runs = 20;
    if (!benchmarkRuns.empty() &&
        (llvm::StringRef(benchmarkRuns).getAsInteger(10, runs) || runs == 0))
      return fail("--benchmark=N needs a positive number of runs, got '" + benchmarkRuns + "'");
  } else if (!benchmarkJson.empty()) {
    return fail("--benchmark-json needs --benchmark");
  }
  unsigned profileCount = 0;
  if (profileRuns.getNumOccurrences()) {
    profileCount = 20;
    if (!profileRuns.empty() &&
        (llvm::StringRef(profileRuns).getAsInteger(10, profileCount) || profileCount == 0))
      return fail("--profile=N needs a positive number of runs, got '" + profileRuns + "'");
  } else if (!profileJson.empty()) {
    return fail("--profile-json needs --profile");
  }
  if (outputDir.empty() && !runs && !profileCount)
    return fail("give --output-dir for the outputs (or --benchmark / --profile to only time)");

  // A compiled model runs natively unless told otherwise; native code lives only in .fb files.
  std::string error;
  bool explicitEngine = engineName.getNumOccurrences() || reference;
  bool isFb = llvm::StringRef(modelPath).ends_with(".fb");
  std::unique_ptr<engine::Engine> runner;
  if (isFb && (*kind == engine::Kind::native || !explicitEngine)) {
    auto funcs = llvm::to_vector(module->getOps<func::FuncOp>());
    if (funcs.size() != 1)
      return fail(modelPath + ": expected one function, found " + std::to_string(funcs.size()));
    engine::NativeEngineOptions nativeOptions;
    nativeOptions.numThreads = threads;
    engine::NativeLoadFailure why;
    auto native = engine::createNativeEngine(funcs.front(), modelPath, nativeOptions, error, &why);
    if (succeeded(native)) {
      runner = std::move(*native);
    } else if (explicitEngine || why == engine::NativeLoadFailure::other) {
      return fail(modelPath + ": " + error);
    } else if (why == engine::NativeLoadFailure::unsupportedCpu && !quiet) {
      llvm::errs() << "qopt-run: note: " << error << "; running on the reference executor\n";
    }
  }
  if (!runner) {
    auto created = engine::createEngine(*kind, *module, error);
    if (failed(created))
      return fail(modelPath + ": " + error);
    runner = std::move(*created);
  }
  engine::Engine &eng = *runner;

  std::vector<std::string> inputNames;
  for (const engine::Port &p : eng.inputs())
    inputNames.push_back(p.name);
  std::vector<std::string> files;
  if (!data::bindInputs(inputs, inputNames, files, error))
    return fail(error);

  std::vector<ref::Tensor> args;
  for (const auto &[i, port] : llvm::enumerate(eng.inputs())) {
    if (!port.type)
      return fail(modelPath + ": input '" + port.name + "' is not a ranked tensor");
    if (files[i].empty())
      return fail("missing input '" + port.name + "' " + shapeStr(port.type.getShape()) +
                  " (give --input)");
    std::string what = "input '" + port.name + "' (" + files[i] + ")";
    auto t = readInput(files[i], port.type, what, &context, error);
    if (failed(t))
      return fail(error);
    args.push_back(std::move(*t));
  }

  if (runs) {
    int64_t samples = args.empty() || args[0].shape.empty() ? 1 : args[0].shape[0];
    int64_t perBatch = std::min<int64_t>(samples, batchSize > 0 ? batchSize : samples);
    auto stats = benchmark(eng, args, batchSize, runs, samples, error);
    if (failed(stats))
      return fail(modelPath + ": " + error);
    llvm::outs() << llvm::formatv("benchmark: {0}, {1} runs x {2} batches of up to {3} rows: "
                                  "median {4:f4} ms, p10 {5:f4} ms, p90 {6:f4} ms per batch, "
                                  "{7:f1} samples/s\n",
                                  eng.description(), runs, stats->batches, perBatch,
                                  stats->median, stats->p10, stats->p90,
                                  stats->samplesPerSecond);
    if (!benchmarkJson.empty()) {
      std::ofstream json(benchmarkJson);
      json << llvm::formatv(
                  "{{\"model\": \"{0}\", \"engine\": \"{1}\", \"description\": \"{2}\", "
                  "\"runs\": {3}, \"batches_per_run\": {4}, \"batch_size\": {5}, "
                  "\"samples\": {6}, \"latency_ms\": {{\"median\": {7:f6}, \"p10\": {8:f6}, "
                  "\"p90\": {9:f6}}, \"throughput_samples_per_s\": {10:f1}}\n",
                  llvm::sys::path::filename(modelPath), engine::kindName(eng.kind()),
                  eng.description(), runs, stats->batches, perBatch, samples, stats->median,
                  stats->p10, stats->p90, stats->samplesPerSecond)
                  .str();
      if (!json.flush())
        return fail("cannot write '" + benchmarkJson + "'");
    }
  }

  if (profileCount) {
    auto steps = eng.profileSteps(args, profileCount, error);
    if (failed(steps))
      return fail(modelPath + ": " + error);
    if (failed(printProfile(*steps, args, profileCount, profileJson, modelPath, eng, error)))
      return fail(error);
  }
  if (outputDir.empty())
    return 0; // timing only

  auto start = std::chrono::steady_clock::now();
  engine::RunOptions options;
  options.batchSize = batchSize;
  bool progressShown = false;
  if (!quiet)
    options.progress = [&](int64_t done, int64_t rows) {
      llvm::errs() << "\rqopt-run: " << done << " / " << rows << " rows";
      progressShown = true;
    };
  auto outputs = eng.run(args, options, error);
  if (failed(outputs))
    return fail(modelPath + ": " + error);
  if (progressShown)
    llvm::errs() << "\n";
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return fail("cannot create '" + outputDir + "': " + ec.message());
  for (auto [k, t] : llvm::enumerate(*outputs)) {
    std::string name = k < eng.outputs().size() ? eng.outputs()[k].name : "output_" + std::to_string(k);
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, name + ".npy");
    if (!writeNpy(std::string(path), engine::npyFromTensor(t), error))
      return fail(error);
    if (!quiet)
      llvm::outs() << "wrote " << path << " " << shapeStr(t.shape) << " "
                   << engine::npyDtypeFor(t.elementType) << "\n";
  }
  if (!quiet)
    llvm::outs() << "ran " << modelPath << " on " << eng.description() << " in "
                 << llvm::format("%.2f", seconds) << " s\n";
  return 0;
}
