// One run of a loaded model: bind the caller's tensors by name, check their shapes, allocate this
// run's arena, and call the entry point, once or once per batch slice on the worker threads.
// A run touches the model only to read it, so runs may proceed concurrently.
#include "NativeModel.h"

#include "qopt/Runtime/NativeAbi.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

namespace qopt::rt {
namespace {

constexpr uint64_t kAlign = 64;

uint64_t roundUp(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

std::string givenShape(int32_t rank, const int64_t *shape) {
  std::vector<int64_t> dims(shape, shape + rank);
  return shapeString(dims);
}

std::string portNames(const std::vector<Port> &ports) {
  std::string s;
  for (const Port &p : ports)
    s += (s.empty() ? "'" : ", '") + p.name + "'";
  return s.empty() ? "none" : s;
}

/// Binds entries with a name (or NULL: their position) to ports; slot[i] = entry for port i.
template <typename Entry>
Status bind(Entry *entries, size_t count, const std::vector<Port> &ports, const char *what,
            std::vector<Entry *> &slot) {
  slot.assign(ports.size(), nullptr);
  for (size_t k = 0; k < count; ++k) {
    size_t index = ports.size();
    if (!entries[k].name) {
      index = k;
      if (index >= ports.size())
        return makeError(QOPT_ERR_BINDING, std::string(what) + " #" + std::to_string(k) +
                                               " has no name and the model has only " +
                                               std::to_string(ports.size()) + " " + what + "s");
    } else {
      for (size_t i = 0; i < ports.size(); ++i)
        if (ports[i].name == entries[k].name)
          index = i;
      if (index == ports.size())
        return makeError(QOPT_ERR_BINDING, std::string("the model has no ") + what + " '" +
                                               entries[k].name + "' (its " + what +
                                               "s: " + portNames(ports) + ")");
    }
    if (slot[index])
      return makeError(QOPT_ERR_BINDING,
                       std::string(what) + " '" + ports[index].name + "' is given twice");
    slot[index] = &entries[k];
  }
  return Status::success();
}

/// What a batch slice needs to call the entry point: its rows, run `chunk` rows per call.
struct Slice {
  qopt_native_args args;
  std::vector<const void *> inputs;
  std::vector<void *> outputs;
  int64_t rows = 1, chunk = 1;
  int32_t result = 0;
};

struct SliceJob {
  qopt_native_entry_fn entry;
  Slice *slices;
  const std::vector<Port> *inputPorts, *outputPorts;
};

/// Calls the entry point over a slice's rows, `chunk` rows at a time: each call's activations
/// then stay in the caches between one step and the next, where the whole slice's would stream
/// through memory at every step (ResNet-18 at batch 64: 3 MiB per image at its largest).
int32_t runSlice(const SliceJob &job, Slice &sl) {
  if (sl.chunk >= sl.rows) // one call: the common case, with nothing to copy
    return job.entry(&sl.args);
  std::vector<const void *> in = sl.inputs;
  std::vector<void *> out = sl.outputs;
  qopt_native_args args = sl.args;
  args.inputs = in.data();
  args.outputs = out.data();
  for (int64_t row = 0; row < sl.rows; row += sl.chunk) {
    args.batch = std::min(sl.chunk, sl.rows - row);
    for (size_t i = 0; i < in.size(); ++i)
      if (const Port &p = (*job.inputPorts)[i]; p.batched)
        in[i] = static_cast<const uint8_t *>(sl.inputs[i]) + p.unitBytes * size_t(row);
    for (size_t i = 0; i < out.size(); ++i)
      if (const Port &p = (*job.outputPorts)[i]; p.batched)
        out[i] = static_cast<uint8_t *>(sl.outputs[i]) + p.unitBytes * size_t(row);
    if (int32_t r = job.entry(&args))
      return r;
  }
  return QOPT_NATIVE_OK;
}

void runSlices(void *closure, int64_t begin, int64_t end) {
  auto *job = static_cast<SliceJob *>(closure);
  for (int64_t i = begin; i < end; ++i)
    job->slices[i].result = runSlice(*job, job->slices[i]);
}

/// The bytes of the largest cache that CPU 0 reports in sysfs (the L3 of its core complex), or
/// 0. Not sysconf's: glibc reports AMD's L3 as the whole package's (384 MiB on a 32 MiB VM).
uint64_t lastLevelCacheBytes() {
  static const uint64_t bytes = [] {
    uint64_t best = 0;
    for (int i = 0; i < 8; ++i) {
      std::string path = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/size";
      FILE *f = std::fopen(path.c_str(), "r");
      if (!f)
        continue;
      unsigned long long v = 0;
      char unit = 0;
      if (std::fscanf(f, "%llu%c", &v, &unit) >= 1)
        best = std::max<uint64_t>(best, v << (unit == 'K' ? 10 : unit == 'M' ? 20 : 0));
      std::fclose(f);
    }
    return best;
  }();
  return bytes;
}

/// Rows per call of a slice of `rows` rows, one of `slices` running at once: as many as keep
/// the calls' arenas, with the weights, within 3/4 of the last-level cache, at least one.
/// Models with small activations per sample (MLPs) keep their whole batch in one call, so that
/// their GEMMs still read each weight once per batch; convolutional nets trade that for
/// activations that stay in cache from one step to the next (ResNet-18 int8 at batch 64: 1.08x
/// faster on one thread, 1.19x on two). Weights count for at most half of that: past it they
/// stream from memory anyway, each layer's once per chunk, while activations that spill go out
/// and back in at every step. (MobileNetV2 fp32, 27 MB of packed weights and 6.8 MB of
/// activations per sample, ran 1.3x faster at batch 64 in chunks of one row than unchunked,
/// interleaved.)
/// QOPT_BATCH_CHUNK_BYTES sets the arena budget per call instead (0: unchunked).
int64_t chunkRows(int64_t rows, int64_t slices, uint64_t arenaPerSample, uint64_t weightBytes) {
  // The override, read once per process like the cache size.
  static const char *const overrideBytes = std::getenv("QOPT_BATCH_CHUNK_BYTES");
  uint64_t usable = lastLevelCacheBytes() / 4 * 3;
  uint64_t budget = (usable - std::min(weightBytes, usable / 2)) / uint64_t(slices);
  if (overrideBytes)
    budget = std::strtoull(overrideBytes, nullptr, 10);
  if (budget == 0)
    return rows;
  return std::clamp<int64_t>(int64_t(budget / std::max<uint64_t>(arenaPerSample, 1)), 1, rows);
}

/// The profile hook's state for one run: the start of the step in flight.
struct Profile {
  double *stepNs;
  size_t numSteps;
  std::chrono::steady_clock::time_point start;
};

void profileHook(void *data, int32_t step, int32_t phase) {
  auto *p = static_cast<Profile *>(data);
  auto now = std::chrono::steady_clock::now();
  if (phase == 0) {
    p->start = now;
    return;
  }
  // The code numbers steps as NativeCode.steps lists them; ignore any it does not list.
  if (step >= 0 && size_t(step) < p->numSteps)
    p->stepNs[step] += std::chrono::duration<double, std::nano>(now - p->start).count();
}

/// A block of RunMemoryCache, handed back when the run ends.
struct RunMemoryLease {
  RunMemoryCache &cache;
  void *block;
  size_t size;
  RunMemoryLease(RunMemoryCache &c, size_t bytes) : cache(c), size(0) {
    block = cache.take(bytes, size);
  }
  ~RunMemoryLease() {
    if (block)
      cache.give(block, size);
  }
};

const char *nativeErrorName(int32_t code) {
  return code == QOPT_NATIVE_ERR_BATCH ? "QOPT_NATIVE_ERR_BATCH" : "unknown error";
}

} // namespace

RunMemoryCache::~RunMemoryCache() {
  for (auto &b : blocks)
    std::free(b.second);
}

void *RunMemoryCache::take(size_t bytes, size_t &size) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    // The smallest kept block that fits.
    size_t best = blocks.size();
    for (size_t i = 0; i < blocks.size(); ++i)
      if (blocks[i].first >= bytes && (best == blocks.size() || blocks[i].first < blocks[best].first))
        best = i;
    if (best < blocks.size()) {
      size = blocks[best].first;
      void *p = blocks[best].second;
      blocks.erase(blocks.begin() + long(best));
      return p;
    }
  }
  size = (bytes + 63) / 64 * 64;
  return std::aligned_alloc(64, size);
}

void RunMemoryCache::give(void *block, size_t size) {
  std::lock_guard<std::mutex> lock(mutex);
  if (blocks.size() >= kKeep) {
    // Keep the larger blocks: drop the smallest if this one is larger, else this one.
    auto smallest = std::min_element(blocks.begin(), blocks.end());
    if (smallest->first >= size) {
      std::free(block);
      return;
    }
    std::free(smallest->second);
    blocks.erase(smallest);
  }
  blocks.emplace_back(size, block);
}

Status NativeModel::run(const qopt_input *inputs, size_t numInputs, qopt_output *outputs,
                        size_t numOutputs, double *stepNs) const {
  if ((numInputs && !inputs) || (numOutputs && !outputs))
    return makeError(QOPT_ERR_INVALID_ARGUMENT, "inputs or outputs array is NULL");
  std::vector<const qopt_input *> in;
  Status s = bind(inputs, numInputs, inputPorts, "input", in);
  if (!s.ok())
    return s;
  std::vector<qopt_output *> out;
  s = bind(outputs, numOutputs, outputPorts, "output", out);
  if (!s.ok())
    return s;

  // The batch: the leading dimension every input shares (dynamic), or 1 (static shapes).
  int64_t batch = 1;
  std::string batchFrom;
  for (size_t i = 0; i < inputPorts.size(); ++i) {
    const Port &p = inputPorts[i];
    const qopt_input *x = in[i];
    std::string where = "input '" + p.name + "'";
    if (!x)
      return makeError(QOPT_ERR_BINDING, "missing " + where + " " + shapeString(p.shape));
    if (x->rank < 0 || x->rank > QOPT_MAX_RANK || (x->rank && !x->shape))
      return makeError(QOPT_ERR_INVALID_ARGUMENT, where + ": bad rank or NULL shape");
    bool match = size_t(x->rank) == p.shape.size();
    for (size_t k = 0; match && k < p.shape.size(); ++k)
      match = p.shape[k] < 0 ? x->shape[k] >= 1 : x->shape[k] == p.shape[k];
    if (!match) {
      std::string msg = where + ": expected shape " + shapeString(p.shape) + ", got " +
                        givenShape(x->rank, x->shape);
      if (!dynamic && !p.shape.empty() && size_t(x->rank) == p.shape.size())
        msg += " (the model's shapes are static: it runs exactly this shape, batch " +
               std::to_string(p.shape[0]) + " only)";
      else if (p.batched && size_t(x->rank) == p.shape.size() && x->shape[0] < 1)
        msg += " (the batch must be at least 1)";
      return makeError(QOPT_ERR_SHAPE, msg);
    }
    if (p.batched) {
      if (batchFrom.empty()) {
        batch = x->shape[0];
        batchFrom = p.name;
      } else if (x->shape[0] != batch) {
        return makeError(QOPT_ERR_SHAPE, where + ": batch " + std::to_string(x->shape[0]) +
                                             " differs from input '" + batchFrom + "''s batch " +
                                             std::to_string(batch));
      }
    }
  }
  // Byte counts, with overflow checks: the batch comes from the caller.
  for (size_t i = 0; i < inputPorts.size(); ++i) {
    const Port &p = inputPorts[i];
    uint64_t bytes;
    if (__builtin_mul_overflow(uint64_t(p.unitBytes), uint64_t(p.batched ? batch : 1), &bytes))
      return makeError(QOPT_ERR_SHAPE, "input '" + p.name + "': batch too large");
    if (in[i]->size_bytes != bytes)
      return makeError(QOPT_ERR_SHAPE, "input '" + p.name + "': shape " +
                                           givenShape(in[i]->rank, in[i]->shape) + " " +
                                           qopt_dtype_name(p.dtype) + " is " +
                                           std::to_string(bytes) + " bytes, got " +
                                           std::to_string(in[i]->size_bytes));
    if (bytes && !in[i]->data)
      return makeError(QOPT_ERR_INVALID_ARGUMENT, "input '" + p.name + "': data is NULL");
  }

  // One allocation per run: scratch for the outputs nobody asked for, then the arena, in one
  // 64-byte aligned piece per batch slice.
  int threads = numThreads();
  bool allOutputsBatched = true;
  for (const Port &p : outputPorts)
    allOutputsBatched &= p.batched;
  // A profiled run is one slice (its steps' times add up over its chunks).
  int64_t numSlices = batchParallel && dynamic && allOutputsBatched && threads > 1 && !stepNs
                          ? std::min<int64_t>(threads, batch)
                          : 1;
  uint64_t total = 0;
  std::vector<uint64_t> scratchOffset(outputPorts.size(), UINT64_MAX);
  for (size_t i = 0; i < outputPorts.size(); ++i) {
    const Port &p = outputPorts[i];
    uint64_t bytes;
    if (__builtin_mul_overflow(uint64_t(p.unitBytes), uint64_t(p.batched ? batch : 1), &bytes))
      return makeError(QOPT_ERR_SHAPE, "output '" + p.name + "': batch too large");
    if (const qopt_output *o = out[i]) {
      if (o->capacity_bytes < bytes)
        return makeError(QOPT_ERR_SHAPE, "output '" + p.name + "' needs " +
                                             std::to_string(bytes) + " bytes at batch " +
                                             std::to_string(batch) + ", capacity is " +
                                             std::to_string(o->capacity_bytes));
      if (bytes && !o->data)
        return makeError(QOPT_ERR_INVALID_ARGUMENT, "output '" + p.name + "': data is NULL");
    } else {
      scratchOffset[i] = total;
      total += roundUp(bytes);
    }
  }
  std::vector<uint64_t> arenaOffset(static_cast<size_t>(numSlices));
  std::vector<int64_t> sliceChunk(static_cast<size_t>(numSlices));
  for (int64_t k = 0; k < numSlices; ++k) {
    int64_t rows = dynamic ? batch / numSlices + (k < batch % numSlices) : 1;
    // Chunks are sequential slices: the same condition as for slicing.
    int64_t chunk = batchParallel && dynamic && allOutputsBatched
                        ? chunkRows(rows, numSlices, arenaPerSample, weightBytes)
                        : rows;
    sliceChunk[size_t(k)] = chunk;
    uint64_t bytes; // the arena of one call: `chunk` rows
    if (__builtin_mul_overflow(arenaPerSample, uint64_t(chunk), &bytes) ||
        __builtin_add_overflow(bytes, arenaFixed, &bytes) || bytes > (uint64_t(1) << 52))
      return makeError(QOPT_ERR_OUT_OF_MEMORY,
                       "the arena for batch " + std::to_string(batch) + " is too large");
    arenaOffset[size_t(k)] = total;
    total += roundUp(bytes);
  }
  RunMemoryLease memory(runMemory, std::max<uint64_t>(total, kAlign));
  if (!memory.block)
    return makeError(QOPT_ERR_OUT_OF_MEMORY,
                     "cannot allocate " + std::to_string(total) + " bytes for this run");
  auto *base = static_cast<uint8_t *>(memory.block);

  std::vector<void *> outData(outputPorts.size());
  for (size_t i = 0; i < outputPorts.size(); ++i)
    outData[i] = out[i] ? out[i]->data : base + scratchOffset[i];

  Profile profile{stepNs, stepList.size(), {}};
  qopt_native_env env{&ThreadPool::envParallelFor, pool.get(), threads, 0,
                      stepNs ? &profileHook : nullptr, stepNs ? &profile : nullptr};
  // A slice's code runs on one thread: the slices already occupy them all.
  qopt_native_env sliceEnv{&ThreadPool::envParallelFor, pool.get(), 1, 0, nullptr, nullptr};
  std::vector<Slice> slices(static_cast<size_t>(numSlices));
  int64_t row = 0;
  for (int64_t k = 0; k < numSlices; ++k) {
    Slice &sl = slices[size_t(k)];
    int64_t rows = dynamic ? batch / numSlices + (k < batch % numSlices) : 1;
    for (size_t i = 0; i < inputPorts.size(); ++i)
      sl.inputs.push_back(static_cast<const uint8_t *>(in[i]->data) +
                          (inputPorts[i].batched ? inputPorts[i].unitBytes * size_t(row) : 0));
    for (size_t i = 0; i < outputPorts.size(); ++i)
      sl.outputs.push_back(static_cast<uint8_t *>(outData[i]) +
                           (outputPorts[i].batched ? outputPorts[i].unitBytes * size_t(row) : 0));
    sl.args.batch = rows;
    sl.rows = rows;
    sl.chunk = sliceChunk[size_t(k)];
    sl.args.inputs = sl.inputs.data();
    sl.args.outputs = sl.outputs.data();
    sl.args.constants = constants.data();
    sl.args.arena = base + arenaOffset[size_t(k)];
    sl.args.env = numSlices > 1 ? &sliceEnv : &env;
    row += rows;
  }
  auto entry = reinterpret_cast<qopt_native_entry_fn>(code.entry());
  SliceJob job{entry, slices.data(), &inputPorts, &outputPorts};
  if (numSlices == 1)
    slices[0].result = runSlice(job, slices[0]);
  else
    pool->parallelFor(numSlices, 1, &runSlices, &job);
  for (const Slice &sl : slices)
    if (sl.result != QOPT_NATIVE_OK)
      return makeError(QOPT_ERR_EXECUTION,
                       "the native code (target '" + targetName + "') failed with code " +
                           std::to_string(sl.result) + " (" + nativeErrorName(sl.result) +
                           ") at batch " + std::to_string(sl.args.batch));

  for (size_t i = 0; i < outputPorts.size(); ++i)
    if (qopt_output *o = out[i]) {
      const Port &p = outputPorts[i];
      o->rank = int32_t(p.shape.size());
      for (size_t k = 0; k < p.shape.size(); ++k)
        o->shape[k] = p.batched && k == 0 ? batch : p.shape[k];
    }
  return Status::success();
}

} // namespace qopt::rt
