// qopt-runtime-check: reliability checks of the runtime on a compiled model, through the C API.
// A test utility, not a user-facing tool.
//
//   qopt-runtime-check bitflip MODEL.fb [FLIPS [SEED]]
//       Flips FLIPS (default 200) random single bits of the file, one at a time (fixed seed), and
//       loads and runs each copy on a fixed input. Each must be refused with a message (at load
//       or at run) or give outputs bit-identical to the unflipped model's. Prints
//       "bitflip: N flips: R refused, I identical, C changed" and exits 1 if any changed or was
//       refused without a message.
//   qopt-runtime-check bitflip-resealed MODEL.fb [FLIPS [SEED]]
//       The same, but each flipped copy that is still a well-formed FlatBuffer gets its whole-file
//       checksum re-sealed: what the loader would see without that checksum. This shows that the
//       check above can see a changed output (it is expected to fail).
//   qopt-runtime-check threads MODEL.fb [THREADS [RUNS]]
//       Runs one loaded model from THREADS (default 2) threads, RUNS (default 1000) runs each, on
//       a few inputs (and batch sizes, for a dynamic batch), and compares every output with the
//       same input's sequential run. Exits 1 on any difference or failure.
//
// Exit status: 0 all good; 1 a check failed or the model does not load; 2 bad arguments.
#include "qopt/Runtime/ModelDigest.h"
#include "qopt/Runtime/qopt_runtime.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;

bool readFile(const char *path, Bytes &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

/// One run's inputs, made deterministically from a seed for the model's input signature.
struct Inputs {
  std::vector<Bytes> data;
  std::vector<std::vector<int64_t>> shapes;
  int64_t batch = 1;
};

/// Float inputs get values in [-1, 1) (random bit patterns would be mostly NaN and huge values,
/// which exercise little); integer inputs get random bytes.
Inputs makeInputs(const qopt_model *model, uint64_t seed, int64_t batch) {
  Inputs in;
  in.batch = batch;
  std::mt19937_64 rng(seed);
  for (int32_t i = 0; i < qopt_model_num_inputs(model); ++i) {
    qopt_tensor_info info;
    qopt_model_input_info(model, i, &info, nullptr);
    std::vector<int64_t> shape(info.shape, info.shape + info.rank);
    size_t elements = 1;
    for (int64_t &d : shape) {
      if (d < 0)
        d = batch;
      elements *= static_cast<size_t>(d);
    }
    Bytes bytes(elements * info.element_size);
    if (info.dtype == QOPT_F32) {
      std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
      for (size_t e = 0; e < elements; ++e) {
        float v = dist(rng);
        std::memcpy(bytes.data() + e * 4, &v, 4);
      }
    } else {
      for (uint8_t &b : bytes)
        b = static_cast<uint8_t>(rng());
    }
    in.data.push_back(std::move(bytes));
    in.shapes.push_back(std::move(shape));
  }
  return in;
}

/// The outputs' sizes at `batch`, from the reference model's signature.
std::vector<size_t> outputSizes(const qopt_model *model, int64_t batch) {
  std::vector<size_t> sizes;
  for (int32_t i = 0; i < qopt_model_num_outputs(model); ++i) {
    qopt_tensor_info info;
    qopt_model_output_info(model, i, &info, nullptr);
    size_t n = info.element_size;
    for (int32_t d = 0; d < info.rank; ++d)
      n *= static_cast<size_t>(info.shape[d] < 0 ? batch : info.shape[d]);
    sizes.push_back(n);
  }
  return sizes;
}

/// Runs `model` on `in`; the outputs are concatenated in `out`. Inputs and outputs bind by
/// position, so a model whose signature a flip changed is refused by its own checks.
qopt_status run(const qopt_model *model, const Inputs &in, const std::vector<size_t> &outSizes,
                Bytes &out, qopt_error &err) {
  std::vector<qopt_input> inputs;
  for (size_t i = 0; i < in.data.size(); ++i)
    inputs.push_back({nullptr, in.data[i].data(), in.data[i].size(),
                      static_cast<int32_t>(in.shapes[i].size()), in.shapes[i].data()});
  size_t total = 0;
  for (size_t s : outSizes)
    total += s;
  out.assign(total, 0);
  std::vector<qopt_output> outputs(outSizes.size());
  size_t at = 0;
  for (size_t i = 0; i < outSizes.size(); ++i) {
    outputs[i].name = nullptr;
    outputs[i].data = out.data() + at;
    outputs[i].capacity_bytes = outSizes[i];
    at += outSizes[i];
  }
  return qopt_model_run(model, inputs.data(), inputs.size(), outputs.data(), outputs.size(), &err);
}

int64_t defaultBatch(const qopt_model *model) {
  return qopt_model_has_dynamic_batch(model) ? 3 : 1;
}

int bitflip(const Bytes &file, unsigned flips, uint64_t seed, bool reseal) {
  qopt_model *ref = nullptr;
  qopt_error err;
  if (qopt_model_load_bytes(file.data(), file.size(), nullptr, &ref, &err) != QOPT_OK) {
    std::fprintf(stderr, "bitflip: the unflipped model does not load: %s\n", err.message);
    return 1;
  }
  int64_t batch = defaultBatch(ref);
  Inputs in = makeInputs(ref, 1, batch);
  std::vector<size_t> outSizes = outputSizes(ref, batch);
  Bytes expected;
  if (run(ref, in, outSizes, expected, err) != QOPT_OK) {
    std::fprintf(stderr, "bitflip: the unflipped model does not run: %s\n", err.message);
    return 1;
  }
  qopt_model_free(ref);

  std::mt19937_64 rng(seed);
  unsigned refusedAtLoad = 0, refusedAtRun = 0, identical = 0, changed = 0, silent = 0;
  for (unsigned k = 0; k < flips; ++k) {
    uint64_t bit = rng() % (static_cast<uint64_t>(file.size()) * 8);
    Bytes bytes = file;
    bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    if (reseal) {
      flatbuffers::Verifier verifier(bytes.data(), bytes.size());
      if (verifier.VerifyBuffer<qopt::fb::Model>(nullptr))
        qopt::fb::sealModel(bytes);
    }
    qopt_model *model = nullptr;
    std::memset(&err, 0, sizeof(err));
    if (qopt_model_load_bytes(bytes.data(), bytes.size(), nullptr, &model, &err) != QOPT_OK) {
      if (err.message[0] == '\0' || model) {
        std::printf("bitflip: byte %llu bit %u refused without a message\n",
                    static_cast<unsigned long long>(bit / 8), static_cast<unsigned>(bit % 8));
        ++silent;
      }
      ++refusedAtLoad;
      continue;
    }
    Bytes got;
    std::memset(&err, 0, sizeof(err));
    if (run(model, in, outSizes, got, err) != QOPT_OK) {
      if (err.message[0] == '\0')
        ++silent;
      ++refusedAtRun;
    } else if (got == expected) {
      ++identical;
    } else {
      std::printf("bitflip: byte %llu bit %u loads and changes the outputs\n",
                  static_cast<unsigned long long>(bit / 8), static_cast<unsigned>(bit % 8));
      ++changed;
    }
    qopt_model_free(model);
  }
  std::printf("bitflip: %u flips: %u refused (%u at load, %u at run), %u identical, %u changed\n",
              flips, refusedAtLoad + refusedAtRun, refusedAtLoad, refusedAtRun, identical, changed);
  if (silent)
    std::printf("bitflip: %u refused without a message\n", silent);
  return changed || silent ? 1 : 0;
}

int threads(const Bytes &file, unsigned numThreads, unsigned runs) {
  qopt_model *model = nullptr;
  qopt_error err;
  qopt_load_options options;
  qopt_load_options_init(&options);
  options.num_threads = 2; // the runs also share the model's worker threads
  if (qopt_model_load_bytes(file.data(), file.size(), &options, &model, &err) != QOPT_OK) {
    std::fprintf(stderr, "threads: the model does not load: %s\n", err.message);
    return 1;
  }
  // A few inputs, and batch sizes 1..4 with a dynamic batch (a batch-parallel model then splits
  // some runs across the worker threads and not others).
  constexpr unsigned kCases = 8;
  bool dynamic = qopt_model_has_dynamic_batch(model);
  std::vector<Inputs> inputs;
  std::vector<std::vector<size_t>> sizes;
  std::vector<Bytes> expected(kCases);
  for (unsigned c = 0; c < kCases; ++c) {
    int64_t batch = dynamic ? 1 + c % 4 : 1;
    inputs.push_back(makeInputs(model, 100 + c, batch));
    sizes.push_back(outputSizes(model, batch));
    if (run(model, inputs[c], sizes[c], expected[c], err) != QOPT_OK) {
      std::fprintf(stderr, "threads: sequential run %u fails: %s\n", c, err.message);
      return 1;
    }
  }
  std::atomic<unsigned> failures{0}, differences{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < numThreads; ++t)
    pool.emplace_back([&, t] {
      Bytes got;
      qopt_error e;
      for (unsigned r = 0; r < runs; ++r) {
        unsigned c = (r + t * 3) % kCases; // the threads run different cases at the same time
        if (run(model, inputs[c], sizes[c], got, e) != QOPT_OK)
          ++failures;
        else if (got != expected[c])
          ++differences;
      }
    });
  for (std::thread &t : pool)
    t.join();
  qopt_model_free(model);
  std::printf("threads: %u threads x %u runs: %u failed, %u differ from the sequential outputs\n",
              numThreads, runs, failures.load(), differences.load());
  return failures || differences ? 1 : 0;
}

unsigned parse(const char *s, unsigned fallback) {
  if (!s)
    return fallback;
  char *end = nullptr;
  unsigned long v = std::strtoul(s, &end, 10);
  return *end == '\0' && v > 0 ? static_cast<unsigned>(v) : 0;
}

} // namespace

int main(int argc, char **argv) {
  bool resealed = argc > 1 && std::strcmp(argv[1], "bitflip-resealed") == 0;
  if (argc < 3 || argc > 5 ||
      (std::strcmp(argv[1], "bitflip") != 0 && !resealed && std::strcmp(argv[1], "threads") != 0)) {
    std::fprintf(stderr, "usage: qopt-runtime-check bitflip MODEL.fb [FLIPS [SEED]]\n"
                         "       qopt-runtime-check bitflip-resealed MODEL.fb [FLIPS [SEED]]\n"
                         "       qopt-runtime-check threads MODEL.fb [THREADS [RUNS]]\n");
    return 2;
  }
  Bytes file;
  if (!readFile(argv[2], file) || file.empty()) {
    std::fprintf(stderr, "qopt-runtime-check: cannot read '%s'\n", argv[2]);
    return 1;
  }
  bool flip = resealed || std::strcmp(argv[1], "bitflip") == 0;
  unsigned a = parse(argc > 3 ? argv[3] : nullptr, flip ? 200 : 2);
  unsigned b = parse(argc > 4 ? argv[4] : nullptr, flip ? 1 : 1000);
  if (!a || !b) {
    std::fprintf(stderr, "qopt-runtime-check: counts must be positive integers\n");
    return 2;
  }
  return flip ? bitflip(file, a, b, resealed) : threads(file, a, b);
}
