// A loaded compiled model: the verified FlatBuffer, the chosen native code section loaded into
// memory, its constant table resolved to the buffers' bytes, and the worker threads. The C API
// (qopt_runtime.h) is a thin layer over this class.
#ifndef QOPT_LIB_RUNTIME_NATIVEMODEL_H
#define QOPT_LIB_RUNTIME_NATIVEMODEL_H

#include "CodeLoader.h"
#include "CpuFeatures.h"
#include "ThreadPool.h"

#include "qopt/Runtime/qopt_runtime.h"
#include "qopt/Schema/qopt_model_generated.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace qopt::rt {

struct Status {
  qopt_status code = QOPT_OK;
  std::string message;

  bool ok() const { return code == QOPT_OK; }
  static Status success() { return {}; }
};

inline Status makeError(qopt_status code, std::string message) { return {code, std::move(message)}; }

/// A model input or output.
struct Port {
  std::string name;
  qopt_dtype dtype = QOPT_F32;
  size_t elementSize = 0;
  std::vector<int64_t> shape; // -1 only as the leading (batch) dimension
  bool batched = false;       // shape[0] == -1
  /// Bytes of one batch row when batched, else of the whole tensor.
  size_t unitBytes = 0;
  bool quantized = false;
  double scale = 0;
  int64_t zeroPoint = 0;

  size_t bytesAt(int64_t batch) const { return batched ? unitBytes * size_t(batch) : unitBytes; }
};

/// A kernel call of the code, as NativeCode.steps records it.
struct Step {
  std::string name, kernel;
  int64_t opsPerSample = 0, weightBytes = 0, activationBytesPerSample = 0;
};

/// "[?,4]".
std::string shapeString(const std::vector<int64_t> &shape);

/// Index of the code section to run on a CPU with `host` features, the best among those it can
/// run: avx512bf16, then avx512vnni, then avx2, then any other target. -1 with `error` naming the
/// missing features of every section when none fits (`masked` marks the features hidden by
/// QOPT_CPU_MASK, so the message can say so).
int selectNativeCode(const qopt::fb::Model &model, const CpuFeatureSet &host,
                     const CpuFeatureSet &masked, std::string &error);

/// The memory of finished runs, kept for the next ones: a fresh multi-megabyte allocation per
/// run comes from mmap, and its first touch page-faults and zero-fills every page (on ResNet-18 at
/// batch 1 that cost more than its largest conv). Thread-safe: concurrent runs each take their own
/// block. At most kKeep blocks are kept; they are freed with the model.
class RunMemoryCache {
public:
  static constexpr size_t kKeep = 4;
  RunMemoryCache() = default;
  RunMemoryCache(const RunMemoryCache &) = delete;
  RunMemoryCache &operator=(const RunMemoryCache &) = delete;
  ~RunMemoryCache();
  /// A block of at least `bytes` (64-byte aligned; its size in `size`), or null when out of memory.
  void *take(size_t bytes, size_t &size);
  /// Returns a block from take() for later runs.
  void give(void *block, size_t size);

private:
  std::mutex mutex;
  std::vector<std::pair<size_t, void *>> blocks;
};

class NativeModel {
public:
  /// `data` must stay valid while the model lives and be 64-byte aligned (the loaders below see
  /// to both). `keepAlive` owns it (a mapping or a copy), or is null for borrowed bytes.
  static Status load(const uint8_t *data, size_t size, std::shared_ptr<void> keepAlive,
                     int numThreads, std::unique_ptr<NativeModel> &out);
  static Status loadFile(const std::string &path, int numThreads,
                         std::unique_ptr<NativeModel> &out);
  /// Copies `data` unless `borrow` is set and it is 64-byte aligned.
  static Status loadBytes(const uint8_t *data, size_t size, bool borrow, int numThreads,
                          std::unique_ptr<NativeModel> &out);

  Status setNumThreads(int numThreads);
  int numThreads() const { return pool->numThreads(); }

  const std::string &target() const { return targetName; }
  const std::string &cpuFeatures() const { return requiredFeatures; }
  bool dynamicBatch() const { return dynamic; }
  const std::vector<Port> &inputs() const { return inputPorts; }
  const std::vector<Port> &outputs() const { return outputPorts; }

  const std::vector<Step> &steps() const { return stepList; }
  /// Runs once; safe to call concurrently (NativeRun.cpp). With `stepNs` (steps().size()
  /// entries) the batch runs on the calling thread, one slice, and each step's wall time in
  /// nanoseconds is added to its entry.
  Status run(const qopt_input *inputs, size_t numInputs, qopt_output *outputs,
             size_t numOutputs, double *stepNs = nullptr) const;

private:
  NativeModel() = default;
  Status readPorts();
  Status loadCode(int index);

  std::shared_ptr<void> storage;
  const qopt::fb::Model *model = nullptr;
  std::vector<Port> inputPorts, outputPorts;
  bool dynamic = false;

  std::string targetName, requiredFeatures;
  LoadedCode code;
  std::vector<const void *> constants;
  uint64_t arenaPerSample = 0, arenaFixed = 0;
  uint64_t weightBytes = 0; // read by one run: the steps' weight_bytes
  bool batchParallel = false;
  std::vector<Step> stepList;
  std::unique_ptr<ThreadPool> pool;
  mutable RunMemoryCache runMemory;
};

} // namespace qopt::rt

#endif
