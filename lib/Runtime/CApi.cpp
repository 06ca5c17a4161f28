// The C API of qopt_runtime.h over NativeModel. Every entry point catches what C++ could throw
// (only std::bad_alloc in practice), so no exception crosses into C and nothing aborts.
#include "qopt/Runtime/qopt_runtime.h"

#include "CpuFeatures.h"
#include "NativeModel.h"

#include "qopt/Runtime/NativeAbi.h"

#include <cstdio>
#include <cstring>
#include <new>

using qopt::rt::NativeModel;
using qopt::rt::Status;

struct qopt_model {
  std::unique_ptr<NativeModel> impl;
};

namespace {

qopt_status report(const Status &s, qopt_error *err) {
  if (err) {
    err->status = s.code;
    std::snprintf(err->message, sizeof(err->message), "%s", s.message.c_str());
  }
  return s.code;
}

qopt_status invalid(const char *message, qopt_error *err) {
  return report({QOPT_ERR_INVALID_ARGUMENT, message}, err);
}

template <typename F> qopt_status guarded(qopt_error *err, F &&body) {
  try {
    return report(body(), err);
  } catch (const std::bad_alloc &) {
    return report({QOPT_ERR_OUT_OF_MEMORY, "out of memory"}, err);
  } catch (...) {
    return report({QOPT_ERR_EXECUTION, "unexpected internal error"}, err);
  }
}

qopt_status portInfo(const qopt_model *model, int32_t index, bool input, qopt_tensor_info *info,
                     qopt_error *err) {
  if (!model || !info)
    return invalid("model or info is NULL", err);
  const auto &ports = input ? model->impl->inputs() : model->impl->outputs();
  if (index < 0 || size_t(index) >= ports.size())
    return report({QOPT_ERR_INVALID_ARGUMENT, std::string(input ? "input" : "output") +
                                                  " index " + std::to_string(index) +
                                                  " out of range (the model has " +
                                                  std::to_string(ports.size()) + ")"},
                  err);
  const qopt::rt::Port &p = ports[size_t(index)];
  info->name = p.name.c_str();
  info->dtype = p.dtype;
  info->element_size = p.elementSize;
  info->rank = int32_t(p.shape.size());
  info->shape = p.shape.data();
  info->quantized = p.quantized;
  info->scale = p.scale;
  info->zero_point = p.zeroPoint;
  return report({}, err);
}

} // namespace

extern "C" {

void qopt_load_options_init(qopt_load_options *options) {
  if (options)
    *options = qopt_load_options{0, 0};
}

qopt_status qopt_model_load_file(const char *path, const qopt_load_options *options,
                                 qopt_model **model, qopt_error *err) {
  if (!model)
    return invalid("model is NULL", err);
  *model = nullptr;
  if (!path)
    return invalid("path is NULL", err);
  return guarded(err, [&] {
    std::unique_ptr<NativeModel> impl;
    Status s = NativeModel::loadFile(path, options ? options->num_threads : 0, impl);
    if (s.ok())
      *model = new qopt_model{std::move(impl)};
    return s;
  });
}

qopt_status qopt_model_load_bytes(const void *data, size_t size, const qopt_load_options *options,
                                  qopt_model **model, qopt_error *err) {
  if (!model)
    return invalid("model is NULL", err);
  *model = nullptr;
  return guarded(err, [&] {
    std::unique_ptr<NativeModel> impl;
    bool borrow = options && (options->flags & QOPT_LOAD_BORROW_BYTES);
    Status s = NativeModel::loadBytes(static_cast<const uint8_t *>(data), size, borrow,
                                      options ? options->num_threads : 0, impl);
    if (s.ok())
      *model = new qopt_model{std::move(impl)};
    return s;
  });
}

void qopt_model_free(qopt_model *model) { delete model; }

qopt_status qopt_model_set_num_threads(qopt_model *model, int32_t num_threads, qopt_error *err) {
  if (!model)
    return invalid("model is NULL", err);
  return guarded(err, [&] { return model->impl->setNumThreads(num_threads); });
}

int32_t qopt_model_num_threads(const qopt_model *model) {
  return model ? model->impl->numThreads() : 0;
}

const char *qopt_model_target(const qopt_model *model) {
  return model ? model->impl->target().c_str() : "";
}

const char *qopt_model_cpu_features(const qopt_model *model) {
  return model ? model->impl->cpuFeatures().c_str() : "";
}

int32_t qopt_model_has_dynamic_batch(const qopt_model *model) {
  return model && model->impl->dynamicBatch();
}

int32_t qopt_model_num_inputs(const qopt_model *model) {
  return model ? int32_t(model->impl->inputs().size()) : 0;
}

int32_t qopt_model_num_outputs(const qopt_model *model) {
  return model ? int32_t(model->impl->outputs().size()) : 0;
}

qopt_status qopt_model_input_info(const qopt_model *model, int32_t index, qopt_tensor_info *info,
                                  qopt_error *err) {
  return portInfo(model, index, true, info, err);
}

qopt_status qopt_model_output_info(const qopt_model *model, int32_t index, qopt_tensor_info *info,
                                   qopt_error *err) {
  return portInfo(model, index, false, info, err);
}

qopt_status qopt_model_run(const qopt_model *model, const qopt_input *inputs, size_t num_inputs,
                           qopt_output *outputs, size_t num_outputs, qopt_error *err) {
  if (!model)
    return invalid("model is NULL", err);
  return guarded(err,
                 [&] { return model->impl->run(inputs, num_inputs, outputs, num_outputs); });
}

int32_t qopt_model_num_steps(const qopt_model *model) {
  return model ? int32_t(model->impl->steps().size()) : 0;
}

qopt_status qopt_model_step_info(const qopt_model *model, int32_t index, qopt_step_info *info,
                                 qopt_error *err) {
  if (!model || !info)
    return invalid("model or info is NULL", err);
  const auto &steps = model->impl->steps();
  if (index < 0 || size_t(index) >= steps.size())
    return report({QOPT_ERR_INVALID_ARGUMENT, "step index " + std::to_string(index) +
                                                  " out of range (the code has " +
                                                  std::to_string(steps.size()) + " steps)"},
                  err);
  const qopt::rt::Step &s = steps[size_t(index)];
  info->name = s.name.c_str();
  info->kernel = s.kernel.c_str();
  info->ops_per_sample = s.opsPerSample;
  info->weight_bytes = s.weightBytes;
  info->activation_bytes_per_sample = s.activationBytesPerSample;
  return report(Status{}, err);
}

qopt_status qopt_model_run_profiled(const qopt_model *model, const qopt_input *inputs,
                                    size_t num_inputs, qopt_output *outputs, size_t num_outputs,
                                    double *step_ns, qopt_error *err) {
  if (!model)
    return invalid("model is NULL", err);
  if (!step_ns && !model->impl->steps().empty())
    return invalid("step_ns is NULL", err);
  return guarded(err, [&] {
    return model->impl->run(inputs, num_inputs, outputs, num_outputs, step_ns);
  });
}

qopt_status qopt_host_cpu_features(char *buffer, size_t size, qopt_error *err) {
  if (!buffer || size == 0)
    return invalid("buffer is NULL or empty", err);
  return guarded(err, [&] {
    qopt::rt::HostCpu host;
    std::string error;
    if (!qopt::rt::hostCpu(host, error))
      return Status{QOPT_ERR_INVALID_ARGUMENT, error};
    std::string names = host.features.str();
    if (names.size() >= size)
      return Status{QOPT_ERR_INVALID_ARGUMENT, "buffer too small for the feature list"};
    std::memcpy(buffer, names.c_str(), names.size() + 1);
    return Status{};
  });
}

/// The value a C caller passed as an enum, read as its bytes: a C program may pass any int, and
/// loading a value outside the enum's range through the enum type is undefined in C++.
static int enumValue(const qopt_status &e) {
  int v;
  static_assert(sizeof(e) == sizeof(v), "C enums are int-sized here");
  std::memcpy(&v, &e, sizeof v);
  return v;
}
static int enumValue(const qopt_dtype &e) {
  int v;
  static_assert(sizeof(e) == sizeof(v), "C enums are int-sized here");
  std::memcpy(&v, &e, sizeof v);
  return v;
}

const char *qopt_status_name(qopt_status status) {
  switch (enumValue(status)) {
  case QOPT_OK:
    return "QOPT_OK";
  case QOPT_ERR_INVALID_ARGUMENT:
    return "QOPT_ERR_INVALID_ARGUMENT";
  case QOPT_ERR_IO:
    return "QOPT_ERR_IO";
  case QOPT_ERR_INVALID_MODEL:
    return "QOPT_ERR_INVALID_MODEL";
  case QOPT_ERR_NO_NATIVE_CODE:
    return "QOPT_ERR_NO_NATIVE_CODE";
  case QOPT_ERR_UNSUPPORTED_CPU:
    return "QOPT_ERR_UNSUPPORTED_CPU";
  case QOPT_ERR_CODE_HASH:
    return "QOPT_ERR_CODE_HASH";
  case QOPT_ERR_ABI_VERSION:
    return "QOPT_ERR_ABI_VERSION";
  case QOPT_ERR_CODE_LOAD:
    return "QOPT_ERR_CODE_LOAD";
  case QOPT_ERR_BINDING:
    return "QOPT_ERR_BINDING";
  case QOPT_ERR_SHAPE:
    return "QOPT_ERR_SHAPE";
  case QOPT_ERR_OUT_OF_MEMORY:
    return "QOPT_ERR_OUT_OF_MEMORY";
  case QOPT_ERR_EXECUTION:
    return "QOPT_ERR_EXECUTION";
  }
  return "unknown status";
}

const char *qopt_dtype_name(qopt_dtype dtype) {
  static const char *const kNames[] = {"f32", "f16", "bf16", "f64", "i8",   "u8",  "i16",
                                       "u16", "i32", "u32",  "i64", "u64", "bool"};
  unsigned i = unsigned(enumValue(dtype));
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "unknown";
}

uint32_t qopt_runtime_abi_version(void) { return QOPT_NATIVE_ABI_VERSION; }

} // extern "C"
