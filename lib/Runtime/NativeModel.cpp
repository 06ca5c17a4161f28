// Loading a compiled model: verification, the choice of code section, loading the code and
// resolving its constants. Everything a run needs is computed here once, so runs share only
// read-only state.
#include "NativeModel.h"

#include "qopt/Runtime/ModelCheck.h"
#include "qopt/Runtime/NativeAbi.h"
#include "qopt/Runtime/Sha256.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qopt::rt {
namespace fb = qopt::fb;

namespace {

constexpr int kMaxThreads = 1024;

/// The preference among targets this CPU can run; higher is better.
int targetRank(const std::string &target) {
  if (target == "avx512bf16")
    return 3;
  if (target == "avx512vnni")
    return 2;
  if (target == "avx2")
    return 1;
  return 0;
}

std::string describeSection(const fb::NativeCode &nc, size_t index) {
  return "native code #" + std::to_string(index) + " (target '" + nc.target()->str() + "')";
}

/// A mapping of a model file, unmapped when the last owner goes.
struct Mapping {
  void *base = MAP_FAILED;
  size_t size = 0;
  ~Mapping() {
    if (base != MAP_FAILED)
      munmap(base, size);
  }
};

struct AlignedFree {
  void operator()(void *p) const { std::free(p); }
};

bool checkedMul(uint64_t a, uint64_t b, uint64_t &out) { return !__builtin_mul_overflow(a, b, &out); }

} // namespace

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + "]";
}

int selectNativeCode(const fb::Model &model, const CpuFeatureSet &host,
                     const CpuFeatureSet &masked, std::string &error) {
  const auto *sections = model.native_code();
  int best = -1, bestRank = -1;
  std::string why;
  for (size_t i = 0; sections && i < sections->size(); ++i) {
    const fb::NativeCode &nc = *sections->Get(i);
    std::string missing;
    bool anyMasked = false;
    if (nc.cpu_features())
      for (const flatbuffers::String *name : *nc.cpu_features()) {
        std::optional<CpuFeature> f = parseCpuFeature(name->string_view());
        if (f && host.has(*f))
          continue;
        missing += (missing.empty() ? "" : ", ") + name->str();
        if (!f)
          missing += " (unknown to this runtime)";
        else if (masked.has(*f))
          anyMasked = true;
      }
    if (missing.empty()) {
      int rank = targetRank(nc.target()->str());
      if (rank > bestRank) {
        best = int(i);
        bestRank = rank;
      }
      continue;
    }
    why += (why.empty() ? "" : "; ") + std::string("target '") + nc.target()->str() +
           "' needs " + missing + (anyMasked ? " (hidden by QOPT_CPU_MASK)" : "");
  }
  if (best < 0)
    error = "no native code in the model runs on this CPU (it has: " + host.str() + "): " + why;
  return best;
}

Status NativeModel::readPorts() {
  const fb::Graph &graph = *model->graph();
  auto readSide = [&](const flatbuffers::Vector<flatbuffers::Offset<fb::TensorMap>> &maps,
                      const char *what, std::vector<Port> &ports) -> Status {
    for (const fb::TensorMap *map : maps) {
      const fb::Tensor &t = *graph.tensors()->Get(map->tensor());
      Port p;
      p.name = map->name()->str();
      p.dtype = qopt_dtype(t.dtype());
      p.elementSize = fb::dtypeSize(t.dtype());
      std::string where = std::string(what) + " '" + p.name + "'";
      if (p.elementSize == 0)
        return makeError(QOPT_ERR_INVALID_MODEL, where + ": unsupported element type");
      for (int64_t d : *t.shape())
        p.shape.push_back(d < 0 ? -1 : d);
      if (p.shape.size() > QOPT_MAX_RANK)
        return makeError(QOPT_ERR_INVALID_MODEL,
                         where + ": rank " + std::to_string(p.shape.size()) +
                             " exceeds the runtime's maximum of " + std::to_string(QOPT_MAX_RANK));
      p.batched = !p.shape.empty() && p.shape[0] < 0;
      uint64_t bytes = p.elementSize;
      for (size_t k = p.batched ? 1 : 0; k < p.shape.size(); ++k) {
        if (p.shape[k] < 0)
          return makeError(QOPT_ERR_INVALID_MODEL,
                           where + ": shape " + shapeString(p.shape) +
                               " has a dynamic dimension other than the leading (batch) one");
        if (!checkedMul(bytes, uint64_t(p.shape[k]), bytes) || bytes > (uint64_t(1) << 48))
          return makeError(QOPT_ERR_INVALID_MODEL, where + ": shape " + shapeString(p.shape) +
                                                       " is too large");
      }
      p.unitBytes = size_t(bytes);
      if (const fb::Quantization *q = t.quantization())
        if (q->scales()->size() == 1 && q->zero_points()->size() == 1) {
          p.quantized = true;
          p.scale = q->scales()->Get(0);
          p.zeroPoint = q->zero_points()->Get(0);
        }
      ports.push_back(std::move(p));
    }
    return Status::success();
  };
  Status s = readSide(*graph.inputs(), "input", inputPorts);
  if (!s.ok())
    return s;
  s = readSide(*graph.outputs(), "output", outputPorts);
  if (!s.ok())
    return s;

  size_t batchedInputs = 0;
  for (const Port &p : inputPorts)
    batchedInputs += p.batched;
  if (batchedInputs != 0 && batchedInputs != inputPorts.size())
    return makeError(QOPT_ERR_INVALID_MODEL,
                     "the inputs mix a dynamic and a static leading dimension; native code needs "
                     "all inputs batched or none");
  dynamic = batchedInputs != 0;
  for (const Port &p : outputPorts)
    if (p.batched && !dynamic)
      return makeError(QOPT_ERR_INVALID_MODEL,
                       "output '" + p.name + "' has a dynamic leading dimension but no input has");
  return Status::success();
}

Status NativeModel::loadCode(int index) {
  const fb::NativeCode &nc = *model->native_code()->Get(index);
  std::string where = describeSection(nc, size_t(index));
  if (!nc.code() || nc.code()->size() == 0)
    return makeError(QOPT_ERR_INVALID_MODEL, where + ": the code section is empty");
  if (!nc.code_sha256() || nc.code_sha256()->size() == 0)
    return makeError(QOPT_ERR_CODE_HASH, where + ": no code_sha256 recorded for the code");
  std::string actual = sha256Hex(nc.code()->data(), nc.code()->size());
  if (actual != nc.code_sha256()->str())
    return makeError(QOPT_ERR_CODE_HASH,
                     where + ": the code does not match its SHA-256 (recorded " +
                         nc.code_sha256()->str() + ", computed " + actual +
                         "): the code section is corrupted");
  if (nc.abi_version() != QOPT_NATIVE_ABI_VERSION)
    return makeError(QOPT_ERR_ABI_VERSION,
                     where + ": built for native ABI version " + std::to_string(nc.abi_version()) +
                         ", this runtime implements version " +
                         std::to_string(QOPT_NATIVE_ABI_VERSION) + "; recompile the model");

  const auto *buffers = model->buffers();
  if (nc.constants())
    for (size_t k = 0; k < nc.constants()->size(); ++k) {
      uint32_t b = nc.constants()->Get(k);
      if (b >= buffers->size())
        return makeError(QOPT_ERR_INVALID_MODEL,
                         where + ": constant #" + std::to_string(k) + ": buffer index " +
                             std::to_string(b) + " out of range (model has " +
                             std::to_string(buffers->size()) + " buffers)");
      const auto *data = buffers->Get(b)->data();
      // In place: the code reads weights straight from the mapped file.
      constants.push_back(data && data->size() ? data->data() : nullptr);
    }
  uint64_t probe;
  if (!checkedMul(nc.arena_bytes_per_sample(), 1u << 20, probe) ||
      nc.arena_bytes_fixed() > (uint64_t(1) << 48))
    return makeError(QOPT_ERR_INVALID_MODEL, where + ": implausible arena size");
  arenaPerSample = nc.arena_bytes_per_sample();
  arenaFixed = nc.arena_bytes_fixed();
  batchParallel = nc.batch_parallel();
  if (nc.steps())
    for (const qopt::fb::NativeStep *st : *nc.steps()) {
      Step step;
      step.name = st->name() ? st->name()->str() : std::string();
      step.kernel = st->kernel() ? st->kernel()->str() : std::string();
      step.opsPerSample = st->ops_per_sample();
      step.weightBytes = st->weight_bytes();
      weightBytes += uint64_t(std::max<int64_t>(step.weightBytes, 0));
      step.activationBytesPerSample = st->activation_bytes_per_sample();
      stepList.push_back(std::move(step));
    }

  std::string error;
  if (!code.load(nc.code()->data(), nc.code()->size(), nc.entry_symbol()->str(), error))
    return makeError(QOPT_ERR_CODE_LOAD, where + ": " + error);
  targetName = nc.target()->str();
  if (nc.cpu_features())
    for (const flatbuffers::String *f : *nc.cpu_features())
      requiredFeatures += (requiredFeatures.empty() ? "" : " ") + f->str();
  return Status::success();
}

Status NativeModel::setNumThreads(int numThreads) {
  if (numThreads < 0 || numThreads > kMaxThreads)
    return makeError(QOPT_ERR_INVALID_ARGUMENT, "thread count " + std::to_string(numThreads) +
                                                    " out of range [0, " +
                                                    std::to_string(kMaxThreads) + "]");
  int n = numThreads == 0 ? ThreadPool::hardwareThreads() : numThreads;
  pool.reset();
  pool = std::make_unique<ThreadPool>(n);
  return Status::success();
}

Status NativeModel::load(const uint8_t *data, size_t size, std::shared_ptr<void> keepAlive,
                         int numThreads, std::unique_ptr<NativeModel> &out) {
  out.reset();
  std::unique_ptr<NativeModel> m(new NativeModel());
  m->storage = std::move(keepAlive);
  Status s = m->setNumThreads(numThreads);
  if (!s.ok())
    return s;
  std::string error;
  m->model = fb::checkModel(data, size, error);
  if (!m->model)
    return makeError(QOPT_ERR_INVALID_MODEL, "invalid model: " + error);
  s = m->readPorts();
  if (!s.ok())
    return s;
  if (!m->model->native_code() || m->model->native_code()->size() == 0)
    return makeError(QOPT_ERR_NO_NATIVE_CODE,
                     "the model has no native code (a graph-only model; compile it with "
                     "qopt-compile to add code)");
  HostCpu host;
  if (!hostCpu(host, error))
    return makeError(QOPT_ERR_INVALID_ARGUMENT, error);
  int index = selectNativeCode(*m->model, host.features, host.masked, error);
  if (index < 0)
    return makeError(QOPT_ERR_UNSUPPORTED_CPU, error);
  s = m->loadCode(index);
  if (!s.ok())
    return s;
  out = std::move(m);
  return Status::success();
}

Status NativeModel::loadFile(const std::string &path, int numThreads,
                             std::unique_ptr<NativeModel> &out) {
  out.reset();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return makeError(QOPT_ERR_IO, "cannot open '" + path + "': " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(QOPT_ERR_IO, "'" + path + "' is not a regular file");
  }
  if (st.st_size == 0) {
    ::close(fd);
    return makeError(QOPT_ERR_INVALID_MODEL, "invalid model: '" + path + "' is empty");
  }
  auto mapping = std::make_shared<Mapping>();
  mapping->size = size_t(st.st_size);
  // Read-only and private: the code reads the weights from these pages, and nothing may change
  // them after the checks.
  mapping->base = mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErrno = errno;
  ::close(fd);
  if (mapping->base == MAP_FAILED)
    return makeError(QOPT_ERR_IO, "cannot map '" + path + "': " + std::strerror(mapErrno));
  const auto *data = static_cast<const uint8_t *>(mapping->base);
  return load(data, mapping->size, std::move(mapping), numThreads, out);
}

Status NativeModel::loadBytes(const uint8_t *data, size_t size, bool borrow, int numThreads,
                              std::unique_ptr<NativeModel> &out) {
  out.reset();
  if (!data && size)
    return makeError(QOPT_ERR_INVALID_ARGUMENT, "model bytes are NULL");
  if (size == 0)
    return makeError(QOPT_ERR_INVALID_MODEL, "invalid model: no bytes");
  // Buffers are 64-byte aligned relative to the start of the file; the code reads them with
  // aligned vector loads, so the file start must be 64-byte aligned in memory too.
  if (borrow && reinterpret_cast<uintptr_t>(data) % 64 == 0)
    return load(data, size, nullptr, numThreads, out);
  size_t rounded = (size + 63) / 64 * 64;
  std::shared_ptr<void> copy(std::aligned_alloc(64, rounded), AlignedFree());
  if (!copy)
    return makeError(QOPT_ERR_OUT_OF_MEMORY,
                     "cannot allocate " + std::to_string(size) + " bytes for the model");
  std::memcpy(copy.get(), data, size);
  const auto *aligned = static_cast<const uint8_t *>(copy.get());
  return load(aligned, size, std::move(copy), numThreads, out);
}

} // namespace qopt::rt
