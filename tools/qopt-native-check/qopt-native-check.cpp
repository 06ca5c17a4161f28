// qopt-native-check: compiles a model natively for each target, runs the code through the
// runtime's C API on random inputs (with edge values) at several batch sizes, and compares every
// output with the reference executor: integer outputs bit for bit, float outputs within a stated
// tolerance. Also checks that the targets agree with each other bit for bit where asked.
//
//   qopt-native-check model.mlir --target=avx512vnni,avx2 --batch=1,3,64 [--run-threads=1,2]
//                     [--exact]
//
// The oracle for the backend's tests; prints one line per target, batch and output, and exits 1 on
// any mismatch.
#include "qopt/Support/ToolMemory.h"
#include "qopt/Compiler/NativeCompile.h"
#include "qopt/InitAll.h"
#include "qopt/Reference/Executor.h"
#include "qopt/Runtime/qopt_runtime.h"
#include "qopt/Target/FlatBuffer/FlatBufferExport.h"
#include "qopt/Target/ModelIO.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <map>
#include <random>

using namespace mlir;
using namespace mlir::qopt;
namespace cl = llvm::cl;

namespace {

uint16_t toHalfBits(float v, const llvm::fltSemantics &sem) {
  llvm::APFloat f(v);
  bool lost = false;
  f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  return (uint16_t)f.bitcastToAPInt().getZExtValue();
}

float fromHalfBits(uint16_t bits, const llvm::fltSemantics &sem) {
  llvm::APFloat f(sem, llvm::APInt(16, bits));
  bool lost = false;
  f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return f.convertToFloat();
}

/// A reference tensor and the same values in the storage the native code reads.
struct Sample {
  ref::Tensor tensor;
  std::vector<uint8_t> bytes;
};

/// Random values for one input: mostly spread over [-range, range], with edge values placed at
/// the start (zeros, values far beyond the range so quantization saturates, tiny values), so that
/// even a small tensor meets them.
Sample makeInput(RankedTensorType type, ArrayRef<int64_t> shape, std::mt19937 &rng, float range) {
  Sample s;
  s.tensor.shape.assign(shape.begin(), shape.end());
  s.tensor.elementType = type.getElementType();
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  Type e = type.getElementType();
  if (auto q = dyn_cast<quant::QuantizedType>(e)) {
    int64_t lo = q.getStorageTypeMin(), hi = q.getStorageTypeMax();
    std::uniform_int_distribution<int64_t> dist(lo, hi);
    int64_t bytes = (q.getStorageTypeIntegralWidth() + 7) / 8;
    s.bytes.resize(n * bytes);
    for (int64_t i = 0; i < n; ++i) {
      int64_t v = i == 0 ? lo : (i == 1 ? hi : dist(rng));
      s.tensor.i.push_back(v);
      std::memcpy(s.bytes.data() + i * bytes, &v, bytes); // little-endian truncation
    }
    return s;
  }
  std::normal_distribution<float> normal(0.0f, range / 2);
  const float edges[] = {0.0f, -0.0f, range * 8, -range * 8, 1e-6f, -1e-6f, range, -range};
  int64_t bytes = e.isF32() ? 4 : 2;
  s.bytes.resize(n * bytes);
  for (int64_t i = 0; i < n; ++i) {
    float v = i < 8 && n >= 16 ? edges[i] : normal(rng);
    if (e.isF32()) {
      std::memcpy(s.bytes.data() + i * 4, &v, 4);
    } else {
      const llvm::fltSemantics &sem =
          e.isF16() ? llvm::APFloat::IEEEhalf() : llvm::APFloat::BFloat();
      uint16_t h = toHalfBits(v, sem);
      v = fromHalfBits(h, sem);
      std::memcpy(s.bytes.data() + i * 2, &h, 2);
    }
    s.tensor.f.push_back(v);
  }
  return s;
}

/// The native output bytes as values of the reference's kind (floats or integers).
void decode(const std::vector<uint8_t> &bytes, Type e, std::vector<double> &out) {
  out.clear();
  if (auto q = dyn_cast<quant::QuantizedType>(e)) {
    int64_t w = (q.getStorageTypeIntegralWidth() + 7) / 8;
    for (size_t i = 0; i + w <= bytes.size(); i += w) {
      int64_t v = 0;
      std::memcpy(&v, bytes.data() + i, w);
      if (q.isSigned() && w < 8) // sign-extend
        v = (v << (64 - 8 * w)) >> (64 - 8 * w);
      out.push_back((double)v);
    }
    return;
  }
  if (e.isF32()) {
    for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
      float f;
      std::memcpy(&f, bytes.data() + i, 4);
      out.push_back(f);
    }
    return;
  }
  const llvm::fltSemantics &sem = e.isF16() ? llvm::APFloat::IEEEhalf() : llvm::APFloat::BFloat();
  for (size_t i = 0; i + 2 <= bytes.size(); i += 2) {
    uint16_t h;
    std::memcpy(&h, bytes.data() + i, 2);
    out.push_back(fromHalfBits(h, sem));
  }
}

struct Tolerance {
  double rtol, atol;
};

Tolerance defaultTolerance(Type e) {
  if (e.isF16())
    return {2e-3, 1e-3};
  if (e.isBF16())
    return {1.6e-2, 1e-2};
  return {1e-4, 1e-5};
}

} // namespace

/// A comma-separated list of integers >= 1 (--batch, --run-threads); false, with an error naming
/// the option and the entry, on anything else.
template <typename T>
static bool parsePositiveList(StringRef text, StringRef option, SmallVector<T> &out) {
  for (StringRef e : llvm::split(text, ',')) {
    T v;
    if (e.trim().getAsInteger(10, v) || v < 1) {
      llvm::errs() << "error: bad " << option << " entry '" << e << "'\n";
      return false;
    }
    out.push_back(v);
  }
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::qopt::keepFreedMemoryForReuse();
  cl::opt<std::string> input(cl::Positional, cl::Required, cl::desc("<model: .mlir, .fb, .onnx>"));
  cl::opt<std::string> targets("target", cl::init("avx512vnni,avx2"),
                               cl::desc("Targets to compile for and run, comma-separated"));
  cl::opt<std::string> batches("batch", cl::init("1,3,64"),
                               cl::desc("Batch sizes (a model with static shapes runs 1)"));
  cl::opt<std::string> threadCounts(
      "run-threads", cl::init("1"),
      cl::desc("Runtime thread counts to load the model with, comma-separated; every count must "
               "give the first one's bytes at batch 1 (where each linear kernel is split over "
               "the threads), and in integer outputs at any batch (run as parallel slices)"));
  cl::opt<unsigned> seed("seed", cl::init(1), cl::desc("Seed of the random inputs"));
  cl::opt<float> range("input-range", cl::init(3.0f),
                       cl::desc("Float inputs spread over about [-R, R], with edge values beyond"));
  cl::opt<double> rtol("rtol", cl::init(-1), cl::desc("Relative tolerance of float outputs "
                                                       "(default by type: f32 1e-4, f16 2e-3, "
                                                       "bf16 1.6e-2)"));
  cl::opt<double> atol("atol", cl::init(-1), cl::desc("Absolute tolerance of float outputs"));
  cl::opt<bool> exact("exact", cl::desc("Float outputs must be bit-identical to the reference too"));
  cl::opt<bool> sameAcrossTargets(
      "same-across-targets", cl::desc("Every target must give bit-identical outputs"));
  cl::ParseCommandLineOptions(argc, argv, "qopt-native-check: native code vs the reference\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = loadModel(input, &context);
  if (!module)
    return 1;
  auto funcs = llvm::to_vector(module->getOps<func::FuncOp>());
  if (funcs.size() != 1) {
    llvm::errs() << input << ": expected one function\n";
    return 1;
  }
  func::FuncOp func = funcs.front();

  bool dynamic = false;
  for (Type t : func.getArgumentTypes())
    dynamic |= cast<RankedTensorType>(t).getRank() > 0 && cast<RankedTensorType>(t).isDynamicDim(0);
  SmallVector<int64_t> batchList;
  SmallVector<int32_t> threadList;
  if (!parsePositiveList(batches, "--batch", batchList) ||
      !parsePositiveList(threadCounts, "--run-threads", threadList))
    return 1;
  if (!dynamic)
    batchList = {1};
  const bool showThreads = threadList.size() > 1 || threadList[0] != 1;

  bool ok = true;
  // First target's output bytes per (batch, output), for --same-across-targets.
  std::map<std::pair<int64_t, unsigned>, std::vector<uint8_t>> firstBytes;
  for (StringRef target : llvm::split(targets, ',')) {
    FailureOr<std::string> bytes = compileNativeModel(*module, target, /*progress=*/{});
    if (failed(bytes))
      return 1;
    // This target's output bytes per (batch, output) at the first thread count.
    std::map<std::pair<int64_t, unsigned>, std::vector<uint8_t>> firstThreadBytes;
    for (int32_t threads : threadList) {
      std::string where = target.str();
      if (showThreads)
        where += " threads=" + std::to_string(threads);
      qopt_load_options lo;
      qopt_load_options_init(&lo);
      lo.num_threads = threads;
      qopt_model *model = nullptr;
      qopt_error err;
      if (qopt_model_load_bytes(bytes->data(), bytes->size(), &lo, &model, &err) != QOPT_OK) {
        llvm::errs() << "error: loading the " << target << " code: " << err.message << "\n";
        return 1;
      }
      std::mt19937 rng(seed);
      for (int64_t batch : batchList) {
        SmallVector<ref::Tensor> refInputs;
        std::vector<Sample> samples;
        std::vector<std::vector<int64_t>> shapes;
        for (Type t : func.getArgumentTypes()) {
          auto type = cast<RankedTensorType>(t);
          std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
          if (!shape.empty() && ShapedType::isDynamic(shape[0]))
            shape[0] = batch;
          samples.push_back(makeInput(type, shape, rng, range));
          refInputs.push_back(samples.back().tensor);
          shapes.push_back(shape);
        }
        std::string refError;
        FailureOr<SmallVector<ref::Tensor>> expected =
            ref::execute(func, refInputs, ref::Options(), refError);
        if (failed(expected)) {
          llvm::errs() << "error: the reference executor: " << refError << "\n";
          return 1;
        }
        std::vector<qopt_input> ins(samples.size());
        for (size_t i = 0; i < samples.size(); ++i) {
          ins[i].name = nullptr;
          ins[i].data = samples[i].bytes.data();
          ins[i].size_bytes = samples[i].bytes.size();
          ins[i].rank = (int32_t)shapes[i].size();
          ins[i].shape = shapes[i].data();
        }
        std::vector<std::vector<uint8_t>> outBytes(expected->size());
        std::vector<qopt_output> outs(expected->size());
        for (size_t i = 0; i < expected->size(); ++i) {
          Type e = cast<ShapedType>(func.getResultTypes()[i]).getElementType();
          int64_t eb = isa<quant::QuantizedType>(e)
                           ? (cast<quant::QuantizedType>(e).getStorageTypeIntegralWidth() + 7) / 8
                           : (e.isF32() ? 4 : 2);
          outBytes[i].assign((*expected)[i].numElements() * eb, 0xA5); // poison: all get written
          std::memset(&outs[i], 0, sizeof(qopt_output));
          outs[i].data = outBytes[i].data();
          outs[i].capacity_bytes = outBytes[i].size();
        }
        if (qopt_model_run(model, ins.data(), ins.size(), outs.data(), outs.size(), &err) !=
            QOPT_OK) {
          llvm::outs() << "FAIL target=" << where << " batch=" << batch << ": " << err.message
                       << "\n";
          ok = false;
          continue;
        }
        for (size_t o = 0; o < expected->size(); ++o) {
          const ref::Tensor &want = (*expected)[o];
          Type e = cast<ShapedType>(func.getResultTypes()[o]).getElementType();
          bool integer = isa<quant::QuantizedType>(e) || !want.isFloat();
          std::vector<double> got;
          decode(outBytes[o], e, got);
          Tolerance tol = defaultTolerance(e);
          if (rtol >= 0)
            tol.rtol = rtol;
          if (atol >= 0)
            tol.atol = atol;
          int64_t bad = 0, firstBad = -1;
          double maxAbs = 0;
          for (size_t k = 0; k < got.size(); ++k) {
            double w = integer ? (double)want.i[k] : (double)want.f[k];
            double g = got[k];
            bool same = (std::isnan(w) && std::isnan(g)) || w == g;
            if (!same) {
              double d = std::fabs(w - g);
              maxAbs = std::isnan(d) ? INFINITY : std::max(maxAbs, d);
              bool within = !integer && !exact && d <= tol.atol + tol.rtol * std::fabs(w);
              if (!within) {
                ++bad;
                if (firstBad < 0)
                  firstBad = k;
              }
            }
          }
          std::string name = "output_" + std::to_string(o);
          if (auto a = func.getResultAttrOfType<StringAttr>(o, "qopt.name"))
            name = a.str();
          std::string line = llvm::formatv("target={0} batch={1} output={2} ({3} values, {4}): "
                                           "max |diff| {5:e}",
                                           where, batch, name, got.size(),
                                           integer ? "exact" : (exact ? "bit-exact" : "tolerance"),
                                           maxAbs)
                                 .str();
          if (bad) {
            double w = integer ? (double)want.i[firstBad] : (double)want.f[firstBad];
            llvm::outs() << "FAIL " << line << "; " << bad << " outside, first at " << firstBad
                         << ": native " << got[firstBad] << " vs reference " << w << "\n";
            ok = false;
          } else {
            llvm::outs() << "PASS " << line << "\n";
          }
          auto key = std::make_pair(batch, (unsigned)o);
          // Splitting a kernel over threads never changes a bit; running batch slices in
          // parallel may change float bits (a 1-row slice takes the GEMV path, whose sums run
          // in another order), so above batch 1 only integer outputs must match.
          auto tt = firstThreadBytes.find(key);
          if (tt == firstThreadBytes.end())
            firstThreadBytes[key] = outBytes[o];
          else if ((integer || batch == 1) && tt->second != outBytes[o]) {
            llvm::outs() << "FAIL target=" << where << " batch=" << batch << " output=" << name
                         << ": not bit-identical to " << threadList[0] << " thread(s)\n";
            ok = false;
          }
          auto it = firstBytes.find(key);
          if (it == firstBytes.end())
            firstBytes[key] = outBytes[o];
          else if (sameAcrossTargets && it->second != outBytes[o]) {
            llvm::outs() << "FAIL target=" << where << " batch=" << batch << " output=" << name
                         << ": not bit-identical to the first target's\n";
            ok = false;
          }
        }
      }
      qopt_model_free(model);
    }
  }
  if (sameAcrossTargets && ok)
    llvm::outs() << "targets bit-identical: yes\n";
  return ok ? 0 : 1;
}
