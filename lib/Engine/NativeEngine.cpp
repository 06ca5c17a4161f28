// The native engine: a compiled model's native code run by the MLIR-free runtime, through its C
// API (qopt_runtime.h), behind the Engine interface. The ports come from the imported model's
// function, so both engines take and return the same host tensors; this file only converts them
// to and from the dense storage bytes the code reads and writes.
#include "qopt/Engine/Engine.h"

#include "qopt/Runtime/qopt_runtime.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/Format.h"

#include <cstring>

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

/// A host tensor's values as dense storage bytes of `dtype`.
void encode(const ref::Tensor &t, qopt_dtype dtype, std::vector<uint8_t> &bytes) {
  size_t n = size_t(t.numElements());
  auto put = [&](auto value) {
    size_t k = bytes.size();
    bytes.resize(k + sizeof(value));
    std::memcpy(bytes.data() + k, &value, sizeof(value));
  };
  bytes.clear();
  bytes.reserve(n * 8);
  for (size_t k = 0; k < n; ++k) {
    switch (dtype) {
    case QOPT_F32:
      put(t.f[k]);
      break;
    case QOPT_F64:
      put(double(t.f[k]));
      break;
    case QOPT_F16:
      put(toHalfBits(t.f[k], llvm::APFloat::IEEEhalf()));
      break;
    case QOPT_BF16:
      put(toHalfBits(t.f[k], llvm::APFloat::BFloat()));
      break;
    case QOPT_I8:
      put(int8_t(t.i[k]));
      break;
    case QOPT_U8:
    case QOPT_BOOL:
      put(uint8_t(t.i[k]));
      break;
    case QOPT_I16:
      put(int16_t(t.i[k]));
      break;
    case QOPT_U16:
      put(uint16_t(t.i[k]));
      break;
    case QOPT_I32:
      put(int32_t(t.i[k]));
      break;
    case QOPT_U32:
      put(uint32_t(t.i[k]));
      break;
    case QOPT_I64:
    case QOPT_U64:
      put(t.i[k]);
      break;
    }
  }
}

template <typename T> T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

/// Dense storage bytes back into a host tensor (values in f or i, as the element type says).
void decode(const uint8_t *p, size_t n, qopt_dtype dtype, ref::Tensor &t) {
  for (size_t k = 0; k < n; ++k) {
    switch (dtype) {
    case QOPT_F32:
      t.f.push_back(load<float>(p + 4 * k));
      break;
    case QOPT_F64:
      t.f.push_back(float(load<double>(p + 8 * k)));
      break;
    case QOPT_F16:
      t.f.push_back(fromHalfBits(load<uint16_t>(p + 2 * k), llvm::APFloat::IEEEhalf()));
      break;
    case QOPT_BF16:
      t.f.push_back(fromHalfBits(load<uint16_t>(p + 2 * k), llvm::APFloat::BFloat()));
      break;
    case QOPT_I8:
      t.i.push_back(load<int8_t>(p + k));
      break;
    case QOPT_U8:
      t.i.push_back(load<uint8_t>(p + k));
      break;
    case QOPT_BOOL:
      t.i.push_back(load<uint8_t>(p + k) != 0);
      break;
    case QOPT_I16:
      t.i.push_back(load<int16_t>(p + 2 * k));
      break;
    case QOPT_U16:
      t.i.push_back(load<uint16_t>(p + 2 * k));
      break;
    case QOPT_I32:
      t.i.push_back(load<int32_t>(p + 4 * k));
      break;
    case QOPT_U32:
      t.i.push_back(load<uint32_t>(p + 4 * k));
      break;
    case QOPT_I64:
    case QOPT_U64:
      t.i.push_back(load<int64_t>(p + 8 * k));
      break;
    }
  }
}

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
    if (args.size() != inputs().size()) {
      error = "expected " + std::to_string(inputs().size()) + " inputs, got " +
              std::to_string(args.size());
      return failure();
    }
    std::vector<std::vector<uint8_t>> inBytes(args.size());
    std::vector<qopt_input> in(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      encode(args[i], inputTypes[i], inBytes[i]);
      in[i] = {inputs()[i].name.c_str(), inBytes[i].data(), inBytes[i].size(),
               int32_t(args[i].shape.size()), args[i].shape.data()};
    }
    // The batch of this call: the inputs' leading dimension where the outputs' is dynamic.
    int64_t batch = !args.empty() && !args[0].shape.empty() ? args[0].shape[0] : 1;
    std::vector<std::vector<uint8_t>> outBytes(outputs().size());
    std::vector<qopt_output> out(outputs().size());
    for (size_t k = 0; k < outputs().size(); ++k) {
      qopt_tensor_info info;
      qopt_model_output_info(model, int32_t(k), &info, nullptr);
      size_t bytes = info.element_size;
      for (int32_t d = 0; d < info.rank; ++d)
        bytes *= size_t(info.shape[d] < 0 ? batch : info.shape[d]);
      outBytes[k].resize(bytes);
      out[k] = {};
      out[k].name = outputs()[k].name.c_str();
      out[k].data = outBytes[k].data();
      out[k].capacity_bytes = bytes;
    }
    qopt_error err;
    if (qopt_model_run(model, in.data(), in.size(), out.data(), out.size(), &err) != QOPT_OK) {
      error = err.message;
      return failure();
    }
    SmallVector<ref::Tensor> results;
    for (size_t k = 0; k < out.size(); ++k) {
      ref::Tensor t;
      t.shape.assign(out[k].shape, out[k].shape + out[k].rank);
      t.elementType = outputs()[k].type.getElementType();
      decode(outBytes[k].data(), size_t(t.numElements()), outputTypes[k], t);
      results.push_back(std::move(t));
    }
    return results;
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
