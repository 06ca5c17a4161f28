// qopt-run: runs a model on NumPy (.npy) or ONNX TensorProto (.pb) inputs and writes each output
// as DIR/<output name>.npy.
//
//   qopt-run model.onnx --input x.npy --output-dir out/
//   qopt-run model.fb --input image=x.npy --input mask=m.pb --output-dir out/ --batch-size 256
#include "qopt/Reference/Executor.h"
#include "qopt/Support/Npy.h"
#include "qopt/Target/ModelIO.h"
#include "qopt/Target/ONNX/ONNXImport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/QuantTypes.h"
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

namespace {

struct Binding {
  std::string name; // empty: bind by position
  std::string path;
};

std::string shapeStr(ArrayRef<int64_t> s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + (ShapedType::isDynamic(s[i]) ? std::string("?") : std::to_string(s[i]));
  return r + "]";
}

/// The .npy dtype that carries values of an MLIR element type (storage type for quantized ones).
std::string npyDtypeFor(Type elt) {
  if (auto q = dyn_cast<quant::QuantizedType>(elt))
    return (q.isSigned() ? "i" : "u") + std::to_string(q.getStorageTypeIntegralWidth() / 8);
  if (elt.isF32() || elt.isF16() || elt.isBF16())
    return "f4";
  if (elt.isF64())
    return "f8";
  if (elt.isInteger(1))
    return "b1";
  if (auto i = dyn_cast<IntegerType>(elt))
    return (i.isUnsigned() ? "u" : "i") + std::to_string(i.getWidth() / 8);
  return "?";
}

template <typename T>
void appendValues(const std::vector<char> &data, ref::Tensor &t, bool isFloat) {
  size_t n = data.size() / sizeof(T);
  for (size_t k = 0; k < n; ++k) {
    T v;
    std::memcpy(&v, data.data() + k * sizeof(T), sizeof(T));
    if (isFloat)
      t.f.push_back(static_cast<float>(v));
    else
      t.i.push_back(static_cast<int64_t>(v));
  }
}

/// Converts a loaded .npy to a tensor for an argument of `type`, or explains the mismatch.
FailureOr<ref::Tensor> tensorFromNpy(const NpyArray &a, RankedTensorType type,
                                     const std::string &what, std::string &error) {
  std::string want = npyDtypeFor(type.getElementType());
  if (a.dtype != want) {
    std::string elt;
    llvm::raw_string_ostream os(elt);
    os << type.getElementType();
    error = what + ": expected dtype " + want + " (the model's " + elt + " elements), got " +
            a.dtype;
    return failure();
  }
  if (failed(verifyCompatibleShape(a.shape, type.getShape()))) {
    error = what + ": expected shape " + shapeStr(type.getShape()) + ", got " + shapeStr(a.shape);
    return failure();
  }
  ref::Tensor t;
  t.shape = a.shape;
  t.elementType = type.getElementType();
  bool isFloat = isa<FloatType>(t.elementType);
  const std::string &d = a.dtype;
  if (d == "f4") appendValues<float>(a.data, t, isFloat);
  else if (d == "f8") appendValues<double>(a.data, t, isFloat);
  else if (d == "i1") appendValues<int8_t>(a.data, t, isFloat);
  else if (d == "u1" || d == "b1") appendValues<uint8_t>(a.data, t, isFloat);
  else if (d == "i2") appendValues<int16_t>(a.data, t, isFloat);
  else if (d == "u2") appendValues<uint16_t>(a.data, t, isFloat);
  else if (d == "i4") appendValues<int32_t>(a.data, t, isFloat);
  else if (d == "u4") appendValues<uint32_t>(a.data, t, isFloat);
  else if (d == "i8") appendValues<int64_t>(a.data, t, isFloat);
  else {
    error = what + ": unsupported dtype " + d;
    return failure();
  }
  return t;
}

template <typename T>
void storeValues(const ref::Tensor &t, NpyArray &a) {
  size_t n = t.numElements();
  a.data.resize(n * sizeof(T));
  for (size_t k = 0; k < n; ++k) {
    T v = t.f.empty() ? static_cast<T>(t.i[k]) : static_cast<T>(t.f[k]);
    std::memcpy(a.data.data() + k * sizeof(T), &v, sizeof(T));
  }
}

NpyArray npyFromTensor(const ref::Tensor &t) {
  NpyArray a;
  a.dtype = npyDtypeFor(t.elementType);
  a.shape = t.shape;
  const std::string &d = a.dtype;
  if (d == "f4") storeValues<float>(t, a);
  else if (d == "f8") storeValues<double>(t, a);
  else if (d == "i1") storeValues<int8_t>(t, a);
  else if (d == "u1" || d == "b1") storeValues<uint8_t>(t, a);
  else if (d == "i2") storeValues<int16_t>(t, a);
  else if (d == "u2") storeValues<uint16_t>(t, a);
  else if (d == "i4") storeValues<int32_t>(t, a);
  else if (d == "u4") storeValues<uint32_t>(t, a);
  else storeValues<int64_t>(t, a);
  return a;
}

/// Rows [begin, end) of the leading dimension.
ref::Tensor sliceRows(const ref::Tensor &t, int64_t begin, int64_t end) {
  ref::Tensor s;
  s.shape = t.shape;
  s.shape[0] = end - begin;
  s.elementType = t.elementType;
  int64_t row = t.shape[0] ? t.numElements() / t.shape[0] : 0;
  if (!t.f.empty())
    s.f.assign(t.f.begin() + begin * row, t.f.begin() + end * row);
  if (!t.i.empty())
    s.i.assign(t.i.begin() + begin * row, t.i.begin() + end * row);
  return s;
}

void appendRows(ref::Tensor &into, const ref::Tensor &part) {
  if (into.shape.empty()) {
    into = part;
    return;
  }
  into.shape[0] += part.shape[0];
  into.f.insert(into.f.end(), part.f.begin(), part.f.end());
  into.i.insert(into.i.end(), part.i.begin(), part.i.end());
}

std::string ioName(func::FuncOp func, bool input, unsigned i) {
  auto attr = input ? func.getArgAttrOfType<StringAttr>(i, "qopt.name")
                    : func.getResultAttrOfType<StringAttr>(i, "qopt.name");
  return attr ? attr.str() : (input ? "input_" : "output_") + std::to_string(i);
}

int fail(const std::string &msg) {
  llvm::errs() << "qopt-run: error: " << msg << "\n";
  return 1;
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
  llvm::cl::opt<bool> reference(
      "reference",
      llvm::cl::desc("Run on the reference executor: plain loops, fp32 for float ops and exact "
                     "integer semantics for quantized ones. The only engine so far, so the default."),
      llvm::cl::init(true), llvm::cl::cat(category));
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

  DialectRegistry registry;
  registerModelDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(modelPath, &context);
  if (!module)
    return 1;
  auto funcs = llvm::to_vector(module->getOps<func::FuncOp>());
  if (funcs.size() != 1)
    return fail(modelPath + ": expected one function, found " + std::to_string(funcs.size()));
  func::FuncOp func = funcs.front();
  unsigned numArgs = func.getNumArguments();

  // Bind inputs by name or position.
  SmallVector<std::optional<std::string>> files(numArgs);
  unsigned position = 0;
  for (const std::string &spec : inputs) {
    size_t eq = spec.find('=');
    unsigned index = numArgs;
    std::string path = spec;
    if (eq != std::string::npos && !llvm::sys::fs::exists(spec)) {
      std::string name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
      for (unsigned i = 0; i < numArgs; ++i)
        if (ioName(func, true, i) == name)
          index = i;
      if (index == numArgs) {
        std::string known;
        for (unsigned i = 0; i < numArgs; ++i)
          known += (i ? ", " : "") + ioName(func, true, i);
        return fail("the model has no input '" + name + "' (inputs: " + known + ")");
      }
    } else {
      while (position < numArgs && files[position])
        ++position;
      index = position;
      if (index >= numArgs)
        return fail("too many inputs: the model takes " + std::to_string(numArgs));
    }
    if (files[index])
      return fail("input '" + ioName(func, true, index) + "' is given twice");
    files[index] = path;
  }

  SmallVector<ref::Tensor> args;
  for (unsigned i = 0; i < numArgs; ++i) {
    std::string name = ioName(func, true, i);
    auto type = cast<RankedTensorType>(func.getArgument(i).getType());
    if (!files[i])
      return fail("missing input '" + name + "' " + shapeStr(type.getShape()) + " (give --input)");
    std::string what = "input '" + name + "' (" + *files[i] + ")";
    std::string error;
    if (llvm::StringRef(*files[i]).ends_with(".pb")) {
      std::string tensorName;
      auto value = readONNXTensorFile(*files[i], &context, tensorName, error);
      if (failed(value))
        return fail(error);
      if (failed(verifyCompatibleShape(value->getType().getShape(), type.getShape())))
        return fail(what + ": expected shape " + shapeStr(type.getShape()) + ", got " +
                    shapeStr(value->getType().getShape()));
      auto valueType = RankedTensorType::get(value->getType().getShape(),
                                             type.getElementType());
      auto t = ref::tensorFromAttr(*value, valueType, error);
      if (failed(t))
        return fail(what + ": " + error);
      args.push_back(std::move(*t));
      continue;
    }
    NpyArray array;
    if (!readNpy(*files[i], array, error))
      return fail(error);
    auto t = tensorFromNpy(array, type, what, error);
    if (failed(t))
      return fail(error);
    args.push_back(std::move(*t));
  }

  // Batch along a dynamic leading dimension shared by every input.
  int64_t rows = -1;
  bool batched = batchSize > 0 && numArgs > 0;
  for (unsigned i = 0; i < numArgs && batched; ++i) {
    auto type = cast<RankedTensorType>(func.getArgument(i).getType());
    batched = type.getRank() > 0 && type.isDynamicDim(0) &&
              (rows < 0 || rows == args[i].shape[0]);
    rows = args[i].shape.empty() ? -1 : args[i].shape[0];
  }
  if (!batched || rows <= batchSize)
    rows = -1;

  auto start = std::chrono::steady_clock::now();
  SmallVector<ref::Tensor> outputs(func.getNumResults());
  ref::Options options;
  int64_t step = rows < 0 ? 1 : batchSize;
  int64_t total = rows < 0 ? 1 : rows;
  for (int64_t begin = 0; begin < total; begin += step) {
    SmallVector<ref::Tensor> part;
    int64_t end = std::min(total, begin + step);
    for (ref::Tensor &a : args)
      part.push_back(rows < 0 ? a : sliceRows(a, begin, end));
    std::string error;
    auto results = ref::execute(func, part, options, error);
    if (failed(results))
      return fail(modelPath + ": " + error);
    for (auto [k, r] : llvm::enumerate(*results))
      appendRows(outputs[k], r);
    if (!quiet && rows >= 0)
      llvm::errs() << "\rqopt-run: " << end << " / " << rows << " rows";
  }
  if (!quiet && rows >= 0)
    llvm::errs() << "\n";
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
    return fail("cannot create '" + outputDir + "': " + ec.message());
  for (auto [k, t] : llvm::enumerate(outputs)) {
    std::string name = ioName(func, false, k);
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, name + ".npy");
    std::string error;
    if (!writeNpy(std::string(path), npyFromTensor(t), error))
      return fail(error);
    if (!quiet)
      llvm::outs() << "wrote " << path << " " << shapeStr(t.shape) << " "
                   << npyDtypeFor(t.elementType) << "\n";
  }
  if (!quiet)
    llvm::outs() << "ran " << modelPath << " on the reference executor in "
                 << llvm::format("%.2f", seconds) << " s\n";
  return 0;
}
