// qopt-run: runs a model on NumPy (.npy) or ONNX TensorProto (.pb) inputs and writes each output
// as DIR/<output name>.npy.
//
//   qopt-run model.onnx --input x.npy --output-dir out/
//   qopt-run model.fb --input image=x.npy --input mask=m.pb --output-dir out/ --batch-size 256
#include "qopt/Engine/Engine.h"
#include "qopt/Engine/TensorIO.h"
#include "qopt/Runtime/Data.h"
#include "qopt/Target/ModelIO.h"
#include "qopt/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

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

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::OptionCategory category("qopt-run options");
  llvm::cl::opt<std::string> modelPath(llvm::cl::Positional, llvm::cl::Required,
                                       llvm::cl::desc("<model: .onnx, .fb or .mlir>"),
                                       llvm::cl::cat(category));
  llvm::cl::list<std::string> inputs(
      "input",
      llvm::cl::desc("An input file, .npy (NumPy) or .pb (ONNX TensorProto). Inputs bind to the "
                     "model's inputs in order, or by name with NAME=FILE. Repeat for each input."),
      llvm::cl::value_desc("[NAME=]FILE"), llvm::cl::cat(category));
  llvm::cl::opt<std::string> outputDir(
      "output-dir", llvm::cl::Required,
      llvm::cl::desc("Directory for the outputs, written as <output name>.npy (created if needed)"),
      llvm::cl::value_desc("DIR"), llvm::cl::cat(category));
  llvm::cl::opt<std::string> engineName(
      "engine",
      llvm::cl::desc("The engine to run on: reference (the reference executor: plain loops, fp32 "
                     "for float ops and exact integer semantics for quantized ones; the default) "
                     "or native (a compiled model's native code)"),
      llvm::cl::value_desc("reference|native"), llvm::cl::init("reference"),
      llvm::cl::cat(category));
  llvm::cl::opt<bool> reference("reference",
                                llvm::cl::desc("Run on the reference executor (--engine=reference)"),
                                llvm::cl::cat(category));
  llvm::cl::opt<int64_t> batchSize(
      "batch-size",
      llvm::cl::desc("Rows of the leading (batch) dimension to run at a time when the model's "
                     "batch is dynamic; bounds memory on large inputs (0: all at once)"),
      llvm::cl::init(256), llvm::cl::cat(category));
  llvm::cl::opt<bool> quiet("quiet", llvm::cl::desc("Print nothing but errors"),
                            llvm::cl::cat(category));
  llvm::cl::HideUnrelatedOptions(category);
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
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(modelPath, &context);
  if (!module)
    return 1;
  std::string error;
  auto runner = engine::createEngine(*kind, *module, error);
  if (failed(runner))
    return fail(modelPath + ": " + error);
  engine::Engine &eng = **runner;

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
