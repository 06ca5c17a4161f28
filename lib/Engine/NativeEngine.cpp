// The native engine: a compiled model's native code run by the MLIR-free runtime, through its C
// API (qopt_runtime.h), behind the Engine interface. The ports come from the imported model's
// function, so both engines take and return the same host tensors; this file only converts them
// to and from the dense storage bytes the code reads and writes.
#include "qopt/Engine/Engine.h"

#include "qopt/Runtime/qopt_runtime.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/Format.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

namespace mlir::qopt::engine {
namespace {

std::vector<Port> portsOf(func::FuncOp func, bool input) {
  std::vector<Port> ports;
  unsigned n = input ? func.getNumArguments() : func.getNumResults();
  for (unsigned i = 0; i < n; ++i) {
    Type t = input ? func.getArgument(i).getType() : func.getResultTypes()[i];
    ports.push_back({portName(func, input, i), dyn_cast<RankedTensorType>(t)});
  }
  return ports;
}

/// The runtime's storage type for an MLIR element type, if it has one.
std::optional<qopt_dtype> storageDType(Type elt) {
  if (auto q = dyn_cast<quant::QuantizedType>(elt)) {
    unsigned w = q.getStorageTypeIntegralWidth();
    bool s = q.isSigned();
    if (w == 8)
      return s ? QOPT_I8 : QOPT_U8;
    if (w == 16)
      return s ? QOPT_I16 : QOPT_U16;
    if (w == 32)
      return s ? QOPT_I32 : QOPT_U32;
    return std::nullopt;
  }
  if (elt.isF32())
    return QOPT_F32;
  if (elt.isF16())
    return QOPT_F16;
  if (elt.isBF16())
    return QOPT_BF16;
  if (elt.isF64())
    return QOPT_F64;
  if (elt.isInteger(1))
    return QOPT_BOOL;
  if (auto i = dyn_cast<IntegerType>(elt)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 8:
      return u ? QOPT_U8 : QOPT_I8;
    case 16:
      return u ? QOPT_U16 : QOPT_I16;
    case 32:
      return u ? QOPT_U32 : QOPT_I32;
    case 64:
      return u ? QOPT_U64 : QOPT_I64;
    default:
      return std::nullopt;
    }
  }
  return std::nullopt;
}

uint16_t toHalfBits(float v, const llvm::fltSemantics &sem) {
  llvm::APFloat f(v);
  bool lost;
  f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  return uint16_t(f.bitcastToAPInt().getZExtValue());
}

float fromHalfBits(uint16_t bits, const llvm::fltSemantics &sem) {
  llvm::APFloat f(sem, llvm::APInt(16, bits));
  bool lost;
  f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return f.convertToFloat();
}

/// A host tensor's values as dense storage bytes of `dtype`. Typed loops over a buffer sized
/// once: evaluation pushes whole test sets through here, so per-element appends would cost more
/// than the native code they feed.
void encode(const ref::Tensor &t, qopt_dtype dtype, std::vector<uint8_t> &bytes) {
  size_t n = size_t(t.numElements());
  auto fill = [&](auto zero, auto convert) {
    using T = decltype(zero);
    bytes.resize(n * sizeof(T));
    T *dst = reinterpret_cast<T *>(bytes.data());
    for (size_t k = 0; k < n; ++k)
      dst[k] = convert(k);
  };
  switch (dtype) {
  case QOPT_F32:
    bytes.resize(n * 4);
    if (n)
      std::memcpy(bytes.data(), t.f.data(), n * 4);
    return;
  case QOPT_F64:
    return fill(double(0), [&](size_t k) { return double(t.f[k]); });
  case QOPT_F16:
    return fill(uint16_t(0),
                [&](size_t k) { return toHalfBits(t.f[k], llvm::APFloat::IEEEhalf()); });
  case QOPT_BF16:
    return fill(uint16_t(0), [&](size_t k) { return toHalfBits(t.f[k], llvm::APFloat::BFloat()); });
  case QOPT_I8:
    return fill(int8_t(0), [&](size_t k) { return int8_t(t.i[k]); });
  case QOPT_U8:
  case QOPT_BOOL:
    return fill(uint8_t(0), [&](size_t k) { return uint8_t(t.i[k]); });
  case QOPT_I16:
    return fill(int16_t(0), [&](size_t k) { return int16_t(t.i[k]); });
  case QOPT_U16:
    return fill(uint16_t(0), [&](size_t k) { return uint16_t(t.i[k]); });
  case QOPT_I32:
    return fill(int32_t(0), [&](size_t k) { return int32_t(t.i[k]); });
  case QOPT_U32:
    return fill(uint32_t(0), [&](size_t k) { return uint32_t(t.i[k]); });
  case QOPT_I64:
  case QOPT_U64:
    return fill(int64_t(0), [&](size_t k) { return t.i[k]; });
  }
}

template <typename T> T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

/// Dense storage bytes back into a host tensor (values in f or i, as the element type says).
void decode(const uint8_t *p, size_t n, qopt_dtype dtype, ref::Tensor &t) {
  auto floats = [&](auto convert) {
    t.f.resize(n);
    for (size_t k = 0; k < n; ++k)
      t.f[k] = convert(k);
  };
  auto ints = [&](auto convert) {
    t.i.resize(n);
    for (size_t k = 0; k < n; ++k)
      t.i[k] = convert(k);
  };
  switch (dtype) {
  case QOPT_F32:
    t.f.resize(n);
    if (n)
      std::memcpy(t.f.data(), p, n * 4);
    return;
  case QOPT_F64:
    return floats([&](size_t k) { return float(load<double>(p + 8 * k)); });
  case QOPT_F16:
    return floats([&](size_t k) {
      return fromHalfBits(load<uint16_t>(p + 2 * k), llvm::APFloat::IEEEhalf());
    });
  case QOPT_BF16:
    return floats([&](size_t k) {
      return fromHalfBits(load<uint16_t>(p + 2 * k), llvm::APFloat::BFloat());
    });
  case QOPT_I8:
    return ints([&](size_t k) { return int64_t(load<int8_t>(p + k)); });
  case QOPT_U8:
    return ints([&](size_t k) { return int64_t(p[k]); });
  case QOPT_BOOL:
    return ints([&](size_t k) { return int64_t(p[k] != 0); });
  case QOPT_I16:
    return ints([&](size_t k) { return int64_t(load<int16_t>(p + 2 * k)); });
  case QOPT_U16:
    return ints([&](size_t k) { return int64_t(load<uint16_t>(p + 2 * k)); });
  case QOPT_I32:
    return ints([&](size_t k) { return int64_t(load<int32_t>(p + 4 * k)); });
  case QOPT_U32:
    return ints([&](size_t k) { return int64_t(load<uint32_t>(p + 4 * k)); });
  case QOPT_I64:
  case QOPT_U64:
    return ints([&](size_t k) { return load<int64_t>(p + 8 * k); });
  }
}

/// One call's runtime arguments: encoded inputs and allocated outputs.
struct Bound {
  std::vector<std::vector<uint8_t>> inBytes, outBytes;
  std::vector<qopt_input> in;
  std::vector<qopt_output> out;
  std::vector<std::vector<int64_t>> shapes;
};

class NativeEngine : public Engine {
public:
  NativeEngine(func::FuncOp func, qopt_model *model)
      : Engine(portsOf(func, true), portsOf(func, false)), model(model) {
    int threads = qopt_model_num_threads(model);
    text = "native code (" + std::string(qopt_model_target(model)) + ", " +
           std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
  }
  ~NativeEngine() override { qopt_model_free(model); }

  Kind kind() const override { return Kind::native; }
  StringRef description() const override { return text; }

  /// The ports' storage types, checked against the model's own (the same file, imported).
  LogicalResult bindPorts(std::string &error) {
    auto check = [&](const std::vector<Port> &ports, bool input, std::vector<qopt_dtype> &types) {
      int32_t n = input ? qopt_model_num_inputs(model) : qopt_model_num_outputs(model);
      const char *what = input ? "input" : "output";
      if (size_t(n) != ports.size()) {
        error = "the native model has " + std::to_string(n) + " " + what + "s, the graph " +
                std::to_string(ports.size());
        return false;
      }
      for (int32_t i = 0; i < n; ++i) {
        qopt_tensor_info info;
        qopt_error err;
        if ((input ? qopt_model_input_info : qopt_model_output_info)(model, i, &info, &err)) {
          error = err.message;
          return false;
        }
        const Port &p = ports[size_t(i)];
        std::optional<qopt_dtype> want = p.type ? storageDType(p.type.getElementType())
                                                : std::nullopt;
        if (p.name != info.name || !want || *want != info.dtype ||
            p.type.getRank() != info.rank) {
          error = std::string(what) + " #" + std::to_string(i) + " ('" + p.name +
                  "'): the graph and the native code disagree on its name or type";
          return false;
        }
        types.push_back(info.dtype);
      }
      return true;
    };
    return success(check(inputs(), true, inputTypes) && check(outputs(), false, outputTypes));
  }

protected:
  FailureOr<SmallVector<ref::Tensor>> runBatch(ArrayRef<ref::Tensor> args,
                                               const RunOptions &options,
                                               std::string &error) override {
    (void)options;
    auto bound = bind(args, error);
    if (!bound)
      return failure();
    if (!call(*bound, error))
      return failure();
    SmallVector<ref::Tensor> results;
    for (size_t k = 0; k < bound->out.size(); ++k) {
      ref::Tensor t;
      const qopt_output &o = bound->out[k];
      t.shape.assign(o.shape, o.shape + o.rank);
      t.elementType = outputs()[k].type.getElementType();
      decode(bound->outBytes[k].data(), size_t(t.numElements()), outputTypes[k], t);
      results.push_back(std::move(t));
    }
    return results;
  }

public:
  std::function<bool(std::string &)> prepareRun(ArrayRef<ref::Tensor> args,
                                                std::string &error) override {
    auto bound = bind(args, error);
    if (!bound)
      return {};
    auto shared = std::make_shared<Bound>(std::move(*bound));
    return [this, shared](std::string &err) { return call(*shared, err); };
  }

  FailureOr<std::vector<StepProfile>> profileSteps(ArrayRef<ref::Tensor> args, unsigned runs,
                                                   std::string &error) override {
    auto bound = bind(args, error);
    if (!bound)
      return failure();
    int32_t n = qopt_model_num_steps(model);
    if (n == 0) {
      error = "the native code records no steps (compiled before profiling existed: recompile)";
      return failure();
    }
    std::vector<std::vector<double>> samples(static_cast<size_t>(n));
    for (unsigned r = 0; r <= runs; ++r) {
      std::vector<double> ns(size_t(n), 0.0);
      qopt_error err;
      if (qopt_model_run_profiled(model, bound->in.data(), bound->in.size(), bound->out.data(),
                                  bound->out.size(), ns.data(), &err) != QOPT_OK) {
        error = err.message;
        return failure();
      }
      if (r == 0)
        continue; // warm-up
      for (int32_t i = 0; i < n; ++i)
        samples[size_t(i)].push_back(ns[size_t(i)]);
    }
    std::vector<StepProfile> steps;
    for (int32_t i = 0; i < n; ++i) {
      qopt_step_info info;
      qopt_model_step_info(model, i, &info, nullptr);
      std::vector<double> &v = samples[size_t(i)];
      std::sort(v.begin(), v.end());
      double median = v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2]
                                                     : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2);
      steps.push_back({info.name, info.kernel, info.ops_per_sample, info.weight_bytes,
                       info.activation_bytes_per_sample, median});
    }
    return steps;
  }

private:
  /// The inputs encoded and the outputs sized for one run of `args`.
  std::optional<Bound> bind(ArrayRef<ref::Tensor> args, std::string &error) {
    if (args.size() != inputs().size()) {
      error = "expected " + std::to_string(inputs().size()) + " inputs, got " +
              std::to_string(args.size());
      return std::nullopt;
    }
    Bound b;
    b.inBytes.resize(args.size());
    b.shapes.resize(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      encode(args[i], inputTypes[i], b.inBytes[i]);
      b.shapes[i] = args[i].shape;
      b.in.push_back({inputs()[i].name.c_str(), b.inBytes[i].data(), b.inBytes[i].size(),
                      int32_t(b.shapes[i].size()), b.shapes[i].data()});
    }
    // The batch of this call: the inputs' leading dimension where the outputs' is dynamic.
    int64_t batch = !args.empty() && !args[0].shape.empty() ? args[0].shape[0] : 1;
    b.outBytes.resize(outputs().size());
    b.out.resize(outputs().size());
    for (size_t k = 0; k < outputs().size(); ++k) {
      qopt_tensor_info info;
      qopt_model_output_info(model, int32_t(k), &info, nullptr);
      size_t bytes = info.element_size;
      for (int32_t d = 0; d < info.rank; ++d)
        bytes *= size_t(info.shape[d] < 0 ? batch : info.shape[d]);
      b.outBytes[k].resize(bytes);
      b.out[k] = {};
      b.out[k].name = outputs()[k].name.c_str();
      b.out[k].data = b.outBytes[k].data();
      b.out[k].capacity_bytes = bytes;
    }
    return b;
  }

  bool call(Bound &b, std::string &error) {
    qopt_error err;
    if (qopt_model_run(model, b.in.data(), b.in.size(), b.out.data(), b.out.size(), &err) !=
        QOPT_OK) {
      error = err.message;
      return false;
    }
    return true;
  }

private:
  qopt_model *model;
  std::string text;
  std::vector<qopt_dtype> inputTypes, outputTypes;
};

FailureOr<std::unique_ptr<Engine>> finish(func::FuncOp func, qopt_status status, qopt_model *model,
                                          const qopt_error &err, std::string &error,
                                          NativeLoadFailure *why) {
  if (why)
    *why = status == QOPT_ERR_NO_NATIVE_CODE    ? NativeLoadFailure::noNativeCode
           : status == QOPT_ERR_UNSUPPORTED_CPU ? NativeLoadFailure::unsupportedCpu
                                                : NativeLoadFailure::other;
  if (status != QOPT_OK) {
    error = err.message;
    return failure();
  }
  auto engine = std::make_unique<NativeEngine>(func, model);
  if (failed(engine->bindPorts(error)))
    return failure();
  return std::unique_ptr<Engine>(std::move(engine));
}

} // namespace

FailureOr<std::unique_ptr<Engine>> createNativeEngine(func::FuncOp func, StringRef modelPath,
                                                      const NativeEngineOptions &options,
                                                      std::string &error,
                                                      NativeLoadFailure *why) {
  qopt_load_options load;
  qopt_load_options_init(&load);
  load.num_threads = options.numThreads;
  qopt_model *model = nullptr;
  qopt_error err;
  qopt_status s = qopt_model_load_file(modelPath.str().c_str(), &load, &model, &err);
  return finish(func, s, model, err, error, why);
}

FailureOr<std::unique_ptr<Engine>> createNativeEngine(func::FuncOp func,
                                                      ArrayRef<uint8_t> modelBytes,
                                                      const NativeEngineOptions &options,
                                                      std::string &error,
                                                      NativeLoadFailure *why) {
  qopt_load_options load;
  qopt_load_options_init(&load);
  load.num_threads = options.numThreads;
  qopt_model *model = nullptr;
  qopt_error err;
  qopt_status s =
      qopt_model_load_bytes(modelBytes.data(), modelBytes.size(), &load, &model, &err);
  return finish(func, s, model, err, error, why);
}

} // namespace mlir::qopt::engine
