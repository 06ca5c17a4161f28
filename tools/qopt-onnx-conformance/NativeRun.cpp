#include "NativeRun.h"

#include "qopt/Compiler/NativeCompile.h"
#include "qopt/Runtime/qopt_runtime.h"
#include "qopt/Target/FlatBuffer/FlatBufferExport.h"
#include "qopt/Target/FlatBuffer/NativeSection.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/APFloat.h"

#include <chrono>
#include <cstring>
#include <memory>

namespace mlir::qopt::conformance {
namespace {

bool isFloatDtype(qopt_dtype d) {
  return d == QOPT_F32 || d == QOPT_F16 || d == QOPT_BF16 || d == QOPT_F64;
}

const llvm::fltSemantics &halfSemantics(qopt_dtype d) {
  return d == QOPT_F16 ? llvm::APFloat::IEEEhalf() : llvm::APFloat::BFloat();
}

/// A reference tensor's values in the storage the runtime reads for `info`.
bool encode(const ref::Tensor &t, const qopt_tensor_info &info, std::vector<uint8_t> &out,
            std::string &error) {
  size_t n = t.numElements(), w = info.element_size;
  out.assign(n * w, 0);
  if (isFloatDtype(info.dtype) != t.isFloat()) {
    error = std::string("the runtime expects ") + qopt_dtype_name(info.dtype) + " for input '" +
            info.name + "'";
    return false;
  }
  for (size_t k = 0; k < n; ++k) {
    uint8_t *p = out.data() + k * w;
    switch (info.dtype) {
    case QOPT_F32: {
      float v = t.f[k];
      std::memcpy(p, &v, 4);
      break;
    }
    case QOPT_F64: {
      double v = t.f[k];
      std::memcpy(p, &v, 8);
      break;
    }
    case QOPT_F16:
    case QOPT_BF16: {
      llvm::APFloat f(t.f[k]);
      bool lost = false;
      f.convert(halfSemantics(info.dtype), llvm::APFloat::rmNearestTiesToEven, &lost);
      uint16_t bits = (uint16_t)f.bitcastToAPInt().getZExtValue();
      std::memcpy(p, &bits, 2);
      break;
    }
    default: {
      int64_t v = t.i[k];
      std::memcpy(p, &v, w); // little-endian truncation to the storage width
      break;
    }
    }
  }
  return true;
}

/// The runtime's output bytes as a reference tensor of the model's result type.
ref::Tensor decode(const std::vector<uint8_t> &bytes, const qopt_output &out,
                   const qopt_tensor_info &info, Type elementType) {
  ref::Tensor t;
  t.shape.assign(out.shape, out.shape + out.rank);
  t.elementType = elementType;
  size_t w = info.element_size, n = t.numElements();
  for (size_t k = 0; k < n && (k + 1) * w <= bytes.size(); ++k) {
    const uint8_t *p = bytes.data() + k * w;
    switch (info.dtype) {
    case QOPT_F32: {
      float v;
      std::memcpy(&v, p, 4);
      t.f.push_back(v);
      break;
    }
    case QOPT_F64: {
      double v;
      std::memcpy(&v, p, 8);
      t.f.push_back((float)v);
      break;
    }
    case QOPT_F16:
    case QOPT_BF16: {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      llvm::APFloat f(halfSemantics(info.dtype), llvm::APInt(16, bits));
      bool lost = false;
      f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
      t.f.push_back(f.convertToFloat());
      break;
    }
    default: {
      int64_t v = 0;
      std::memcpy(&v, p, w);
      bool isSigned = info.dtype == QOPT_I8 || info.dtype == QOPT_I16 || info.dtype == QOPT_I32;
      if (isSigned && w < 8)
        v = (v << (64 - 8 * w)) >> (64 - 8 * w);
      t.i.push_back(v);
      break;
    }
    }
  }
  return t;
}

struct ModelDeleter {
  void operator()(qopt_model *m) const { qopt_model_free(m); }
};

} // namespace

NativeResult runNative(ModuleOp module, StringRef target, const std::vector<DataSet> &sets,
                       const CompareFn &compare) {
  std::string firstError;
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
    if (firstError.empty() && d.getSeverity() == DiagnosticSeverity::Error)
      firstError = d.str();
    return success();
  });
  auto notCompiled = [&](const std::string &fallback) {
    return NativeResult{NativeOutcome::NotCompiled, firstError.empty() ? fallback : firstError};
  };
  auto start = std::chrono::steady_clock::now();
  FailureOr<std::string> graph = exportFlatBuffer(module);
  if (failed(graph))
    return notCompiled("exporting the graph failed");
  FailureOr<std::vector<NativeSection>> sections =
      compileNativeCode(module, target, /*progress=*/{});
  if (failed(sections))
    return notCompiled("compileNativeCode failed");
  std::string bytes, error;
  if (!attachNativeCode(*graph, *sections, bytes, error))
    return notCompiled("attaching native code: " + error);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto fail = [&](const std::string &why) {
    return NativeResult{NativeOutcome::Failed, why, seconds};
  };

  qopt_load_options lo;
  qopt_load_options_init(&lo);
  lo.num_threads = 1;
  qopt_model *raw = nullptr;
  qopt_error err;
  if (qopt_model_load_bytes(bytes.data(), bytes.size(), &lo, &raw, &err) != QOPT_OK)
    return fail(std::string("loading: ") + err.message);
  std::unique_ptr<qopt_model, ModelDeleter> model(raw);

  func::FuncOp func = *module.getOps<func::FuncOp>().begin();
  size_t numIn = qopt_model_num_inputs(raw), numOut = qopt_model_num_outputs(raw);
  if (numIn != func.getNumArguments() || numOut != func.getNumResults())
    return fail("the loaded model has " + std::to_string(numIn) + " inputs and " +
                std::to_string(numOut) + " outputs, the graph " +
                std::to_string(func.getNumArguments()) + " and " +
                std::to_string(func.getNumResults()));
  std::vector<qopt_tensor_info> inInfo(numIn), outInfo(numOut);
  for (size_t i = 0; i < numIn; ++i)
    if (qopt_model_input_info(raw, (int32_t)i, &inInfo[i], &err) != QOPT_OK)
      return fail(err.message);
  for (size_t i = 0; i < numOut; ++i)
    if (qopt_model_output_info(raw, (int32_t)i, &outInfo[i], &err) != QOPT_OK)
      return fail(err.message);

  for (const DataSet &set : sets) {
    std::vector<std::vector<uint8_t>> inBytes(numIn);
    std::vector<qopt_input> ins(numIn);
    for (size_t i = 0; i < numIn; ++i) {
      const ref::Tensor &t = set.inputs[i];
      if (!encode(t, inInfo[i], inBytes[i], error))
        return fail(set.name + ": " + error);
      ins[i] = {nullptr, inBytes[i].data(), inBytes[i].size(), (int32_t)t.shape.size(),
                t.shape.data()};
    }
    std::vector<std::vector<uint8_t>> outBytes(numOut);
    std::vector<qopt_output> outs(numOut);
    for (size_t o = 0; o < numOut; ++o) {
      // Poison, so that an element the code never writes cannot match by chance.
      outBytes[o].assign(set.expected[o].getNumElements() * outInfo[o].element_size + 1, 0xA5);
      std::memset(&outs[o], 0, sizeof(qopt_output));
      outs[o].data = outBytes[o].data();
      outs[o].capacity_bytes = outBytes[o].size();
    }
    if (qopt_model_run(raw, ins.data(), numIn, outs.data(), numOut, &err) != QOPT_OK)
      return fail(set.name + ": run: " + err.message);
    for (size_t o = 0; o < numOut; ++o) {
      Type elt = cast<ShapedType>(func.getResultTypes()[o]).getElementType();
      ref::Tensor got = decode(outBytes[o], outs[o], outInfo[o], elt);
      std::string diff = compare(got, set.expected[o]);
      if (!diff.empty())
        return fail(set.name + " output " + std::to_string(o) + ": " + diff);
    }
  }
  return {NativeOutcome::Passed, "", seconds};
}

} // namespace mlir::qopt::conformance
