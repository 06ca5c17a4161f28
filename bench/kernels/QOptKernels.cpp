// The qopt side: one-layer ONNX models (bench/kernels/make_kernel_models.py), compiled with
// qopt-compile for this host, loaded once through the runtime's C API and timed on preallocated
// inputs and outputs, so that what is timed is the generated code plus the runtime's per-call cost
// (binding checks, the arena), exactly as an embedding program sees it.
#include "QOptKernels.h"

#include "qopt/Runtime/qopt_runtime.h"

#include <cstring>
#include <memory>
#include <random>
#include <sys/stat.h>

namespace mlir::qopt::kbench {

std::string modelSpec(const Kernel &k) {
  auto s = [](int64_t v) { return std::to_string(v); };
  if (!k.conv)
    return "fc:" + k.name + ":" + s(k.k) + ":" + s(k.n);
  return "conv:" + k.name + ":" + s(k.c) + ":" + s(k.h) + ":" + s(k.w) + ":" + s(k.o) + ":" +
         s(k.kh) + ":" + s(k.kw) + ":" + s(k.pad) + ":" + s(k.groups);
}

bool makeModels(const Options &opt, const std::vector<Kernel> &kernels, std::string &err) {
  std::vector<std::string> cmd = {opt.python, opt.modelScript, opt.workDir};
  for (const Kernel &k : kernels)
    cmd.push_back(modelSpec(k));
  return runCommand(cmd, opt.workDir + "/make_kernel_models.log", err);
}

/// The --precision-override value that pins the layer to `precision`: qopt keeps a model's last
/// layer ("the logits") in f32 unless told otherwise, and each model here is one last layer.
static std::string layerPrecision(const std::string &precision) {
  return precision == "int8" ? "i8" : precision == "fp16" ? "f16" : precision == "bf16" ? "bf16"
                                                                                        : "f32";
}

static std::vector<std::string> compileCommand(const Options &opt, const Kernel &model,
                                               const std::string &precision) {
  const std::string base = opt.workDir + "/" + model.name;
  std::vector<std::string> cmd = {opt.qoptCompile, base + ".onnx", "--precision=" + precision,
                                  "--target=host", "--quiet"};
  if (precision != "fp32") {
    cmd.push_back("--precision-override=" + model.name + "=" + layerPrecision(precision));
    // Calibration (and the error measurement after it) runs the reference executor on these
    // few samples; int8 needs the ranges, fp16 checks them for overflow.
    cmd.push_back("--calibration-data");
    cmd.push_back(base + ".calib.npy");
  }
  return cmd;
}

bool compileModel(const Options &opt, const Kernel &k, const std::string &precision,
                  std::string &fbPath, std::string &err) {
  fbPath = opt.workDir + "/" + k.name + "." + precision + ".fb";
  std::vector<std::string> cmd = compileCommand(opt, k, precision);
  cmd.insert(cmd.end(), {"-o", fbPath});
  return runCommand(cmd, fbPath + ".log", err);
}

bool compileU8OutputModel(const Options &opt, const Kernel &model, bool u8Input,
                          std::string &fbPath, std::string &err) {
  const std::string base = opt.workDir + "/" + model.name;
  const std::string tag = u8Input ? ".int8u8io" : ".int8u8";
  std::vector<std::string> emit = compileCommand(opt, model, "int8");
  emit.insert(emit.end(), {"--emit=mlir", "-o", base + ".int8.mlir"});
  if (!runCommand(emit, base + ".int8.mlir.log", err) ||
      !runCommand({opt.python, opt.modelScript, u8Input ? "--u8-io" : "--u8-output",
                   base + ".int8.mlir", base + tag + ".mlir"},
                  base + tag + ".mlir.log", err))
    return false;
  fbPath = base + tag + ".fb";
  // A compiled graph: qopt-compile only builds its native code.
  return runCommand({opt.qoptCompile, base + tag + ".mlir", "--target=host", "--quiet", "-o",
                     fbPath},
                    fbPath + ".log", err);
}

namespace {

uint16_t floatToHalf(float f) {
  // Inputs are in [-1, 1]: normal halves or zero, so no overflow or subnormal handling is needed
  // beyond flushing tiny values.
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint32_t sign = (u >> 16) & 0x8000;
  int32_t exp = (int32_t)((u >> 23) & 0xff) - 127 + 15;
  if (exp <= 0)
    return (uint16_t)sign;
  return (uint16_t)(sign | (exp << 10) | ((u >> 13) & 0x3ff));
}

/// Random contents for a tensor of `dtype`, values in [-1, 1] for the float types.
void fillRandom(qopt_dtype dtype, void *data, size_t elements, size_t elementSize,
                std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  switch (dtype) {
  case QOPT_F32:
    for (size_t i = 0; i < elements; ++i)
      static_cast<float *>(data)[i] = dist(rng);
    return;
  case QOPT_F16:
    for (size_t i = 0; i < elements; ++i)
      static_cast<uint16_t *>(data)[i] = floatToHalf(dist(rng));
    return;
  case QOPT_BF16:
    for (size_t i = 0; i < elements; ++i) {
      float f = dist(rng);
      uint32_t u;
      std::memcpy(&u, &f, 4);
      static_cast<uint16_t *>(data)[i] = (uint16_t)(u >> 16);
    }
    return;
  default: {
    auto *bytes = static_cast<uint8_t *>(data);
    // Integer inputs: any byte pattern is a valid value; small bytes keep a quantized input
    // near its zero point.
    for (size_t i = 0; i < elements * elementSize; ++i)
      bytes[i] = (uint8_t)(rng() & 0x3f);
    return;
  }
  }
}

struct ModelDeleter {
  void operator()(qopt_model *m) const { qopt_model_free(m); }
};

} // namespace

QOptRun timeCompiledModel(const std::string &fbPath, const Kernel &k, int threads,
                          const Options &opt) {
  QOptRun r;
  qopt_load_options lo;
  qopt_load_options_init(&lo);
  lo.num_threads = threads;
  qopt_model *raw = nullptr;
  qopt_error err;
  if (qopt_model_load_file(fbPath.c_str(), &lo, &raw, &err) != QOPT_OK) {
    r.note = std::string("load: ") + err.message;
    return r;
  }
  std::unique_ptr<qopt_model, ModelDeleter> model(raw);
  r.target = qopt_model_target(raw);
  if (qopt_model_num_inputs(raw) != 1 || qopt_model_num_outputs(raw) != 1) {
    r.note = "expected a model with one input and one output";
    return r;
  }
  qopt_tensor_info in, out;
  if (qopt_model_input_info(raw, 0, &in, &err) != QOPT_OK ||
      qopt_model_output_info(raw, 0, &out, &err) != QOPT_OK) {
    r.note = err.message;
    return r;
  }
  const int64_t batch = k.conv ? 1 : k.m;
  auto dims = [&](const qopt_tensor_info &t, std::vector<int64_t> &shape) {
    size_t n = 1;
    shape.assign(t.shape, t.shape + t.rank);
    for (int64_t &d : shape) {
      if (d < 0)
        d = batch;
      n *= (size_t)d;
    }
    return n;
  };
  std::vector<int64_t> inShape, outShape;
  size_t inElems = dims(in, inShape), outElems = dims(out, outShape);
  r.inputDtype = qopt_dtype_name(in.dtype);
  r.outputDtype = qopt_dtype_name(out.dtype);
  // 64-byte aligned, as a careful caller would pass them.
  auto alloc = [](size_t bytes) {
    return std::unique_ptr<void, decltype(&std::free)>(
        std::aligned_alloc(64, (bytes + 63) / 64 * 64), &std::free);
  };
  auto inBuf = alloc(inElems * in.element_size), outBuf = alloc(outElems * out.element_size);
  if (!inBuf || !outBuf) {
    r.note = "out of memory";
    return r;
  }
  std::mt19937 rng(11);
  fillRandom(in.dtype, inBuf.get(), inElems, in.element_size, rng);
  qopt_input input = {nullptr, inBuf.get(), inElems * in.element_size, (int32_t)inShape.size(),
                      inShape.data()};
  qopt_output output = {};
  output.data = outBuf.get();
  output.capacity_bytes = outElems * out.element_size;
  std::string runError;
  auto run = [&] {
    if (qopt_model_run(raw, &input, 1, &output, 1, &err) == QOPT_OK)
      return true;
    runError = err.message;
    return false;
  };
  bool ok = false;
  r.t = opt.smoke ? timeRuns(run, 1, 1, 1, 0, &ok)
                  : timeRuns(run, 2, 5, 2000, opt.budgetSeconds, &ok);
  if (!ok) {
    r.note = "run: " + runError;
    return r;
  }
  r.ok = true;
  return r;
}

} // namespace mlir::qopt::kbench
