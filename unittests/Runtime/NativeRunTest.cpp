// Running the hand-written native code through the C API: results against the formula computed
// here (bit for bit), batch slicing across threads, concurrent runs on one model, and every way a
// run is refused. Also the thread pool's parallel_for on its own.
#include "NativeTestSupport.h"
#include "NativeModel.h"
#include "ThreadPool.h"

#include "qopt/Runtime/NativeAbi.h"

#include <atomic>
#include <cstring>
#include <thread>

using namespace qopt::rt;
using namespace qopt::rt::test;

namespace {

void expectAffineRelu(const std::vector<float> &x, const std::vector<float> &y) {
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    float want = affineReluExpected(x[i], int(i % 4));
    ASSERT_EQ(std::memcmp(&y[i], &want, 4), 0)
        << "element " << i << ": got " << y[i] << ", expected " << want;
  }
}

class NativeRun : public ::testing::Test {
protected:
  CpuMaskScope noMask;
};

TEST_F(NativeRun, Batches1And3And64) {
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err);
  ASSERT_TRUE(m) << err.message;
  for (int64_t batch : {1, 3, 64}) {
    std::vector<float> x = testInput(batch, uint32_t(batch)), y;
    ASSERT_EQ(runModel(m.get(), x, y, err), QOPT_OK) << err.message;
    expectAffineRelu(x, y);
  }
}

TEST_F(NativeRun, OutputShapeIsReported) {
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err);
  ASSERT_TRUE(m) << err.message;
  std::vector<float> x = testInput(7), y(28);
  int64_t shape[2] = {7, 4};
  qopt_input in{"x", x.data(), x.size() * 4, 2, shape};
  qopt_output out{"y", y.data(), y.size() * 4, 0, {}};
  ASSERT_EQ(qopt_model_run(m.get(), &in, 1, &out, 1, &err), QOPT_OK) << err.message;
  EXPECT_EQ(out.rank, 2);
  EXPECT_EQ(out.shape[0], 7);
  EXPECT_EQ(out.shape[1], 4);
  // Positional binding (NULL names), and no outputs at all (computed into scratch).
  in.name = nullptr;
  out.name = nullptr;
  ASSERT_EQ(qopt_model_run(m.get(), &in, 1, &out, 1, &err), QOPT_OK) << err.message;
  expectAffineRelu(x, y);
  ASSERT_EQ(qopt_model_run(m.get(), &in, 1, nullptr, 0, &err), QOPT_OK) << err.message;
}

TEST_F(NativeRun, StaticModelRunsBatch1Only) {
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(false, true), err);
  ASSERT_TRUE(m) << err.message;
  std::vector<float> x = testInput(1), y;
  ASSERT_EQ(runModel(m.get(), x, y, err), QOPT_OK) << err.message;
  expectAffineRelu(x, y);
  x = testInput(3);
  EXPECT_EQ(runModel(m.get(), x, y, err), QOPT_ERR_SHAPE);
  EXPECT_STREQ(err.message, "input 'x': expected shape [1,4], got [3,4] (the model's shapes are "
                            "static: it runs exactly this shape, batch 1 only)");
}

TEST_F(NativeRun, ParallelForWithoutSlicing) {
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(false), err, 2); // the code calls parallel_for itself
  ASSERT_TRUE(m) << err.message;
  for (int64_t batch : {1, 2, 3, 64}) {
    std::vector<float> x = testInput(batch, 7), y;
    ASSERT_EQ(runModel(m.get(), x, y, err), QOPT_OK) << err.message;
    expectAffineRelu(x, y);
  }
}

TEST_F(NativeRun, BatchSplitOverTwoThreadsGivesTheSameBytes) {
  qopt_error err;
  ModelPtr one = loadModel(defaultModel(true), err, 1);
  ASSERT_TRUE(one) << err.message;
  ModelPtr two = loadModel(defaultModel(true), err, 2);
  ASSERT_TRUE(two) << err.message;
  for (int64_t batch : {1, 2, 3, 64, 65}) {
    std::vector<float> x = testInput(batch, 11), y1, y2;
    ASSERT_EQ(runModel(one.get(), x, y1, err), QOPT_OK) << err.message;
    ASSERT_EQ(runModel(two.get(), x, y2, err), QOPT_OK) << err.message;
    ASSERT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * 4), 0) << "batch " << batch;
    expectAffineRelu(x, y2);
  }
}

/// What the code saw: with batch_parallel and 2 threads a batch of 5 arrives as slices of 3 and 2
/// rows, each on one thread; without batch_parallel as one call that may use both threads.
TEST_F(NativeRun, HowABatchIsSliced) {
  auto seen = [](bool batchParallel, int threads, int64_t batch) {
    ModelSpec spec;
    spec.code = defaultCodeSpecs(batchParallel);
    for (CodeSpec &c : spec.code)
      c.entry = "qopt_test_report_batch";
    qopt_error err;
    ModelPtr m = loadModel(buildAffineReluModel(spec, testCode()), err, threads);
    EXPECT_TRUE(m) << err.message;
    std::vector<float> x(size_t(batch) * 4), y;
    EXPECT_EQ(runModel(m.get(), x, y, err), QOPT_OK) << err.message;
    return y;
  };
  std::vector<float> y = seen(true, 2, 5);
  std::vector<float> want = {3, 0, 1, 1, 3, 1, 1, 1, 3, 2, 1, 1, 2, 0, 1, 1, 2, 1, 1, 1};
  EXPECT_EQ(y, want);
  y = seen(false, 2, 5);
  want = {5, 0, 2, 1, 5, 1, 2, 1, 5, 2, 2, 1, 5, 3, 2, 1, 5, 4, 2, 1};
  EXPECT_EQ(y, want);
  y = seen(true, 1, 3);
  want = {3, 0, 1, 1, 3, 1, 1, 1, 3, 2, 1, 1};
  EXPECT_EQ(y, want);
  y = seen(true, 4, 2); // never more slices than rows
  want = {1, 0, 1, 1, 1, 0, 1, 1};
  EXPECT_EQ(y, want);
}

/// Two models alive at once run their own code, even when the second one's memfd could reuse the
/// first one's descriptor number (the dynamic loader matches already-loaded objects by path).
TEST_F(NativeRun, TwoLoadedModelsKeepTheirOwnCode) {
  std::vector<uint8_t> code2;
  ASSERT_TRUE(readFileBytes(QOPT_TEST_NATIVE_SO2, code2));
  auto build = [](const std::vector<uint8_t> &code) {
    ModelSpec spec;
    spec.code = defaultCodeSpecs();
    for (CodeSpec &c : spec.code)
      c.entry = "qopt_test_report_batch";
    return buildAffineReluModel(spec, code);
  };
  qopt_error err;
  ModelPtr first = loadModel(build(testCode()), err);
  ASSERT_TRUE(first) << err.message;
  ModelPtr second = loadModel(build(code2), err);
  ASSERT_TRUE(second) << err.message;
  std::vector<float> x(4), y;
  ASSERT_EQ(runModel(first.get(), x, y, err), QOPT_OK) << err.message;
  EXPECT_EQ(y[3], 1.0f);
  ASSERT_EQ(runModel(second.get(), x, y, err), QOPT_OK) << err.message;
  EXPECT_EQ(y[3], 2.0f);
  first.reset(); // the second model's code outlives the first one's
  ASSERT_EQ(runModel(second.get(), x, y, err), QOPT_OK) << err.message;
  EXPECT_EQ(y[3], 2.0f);
}

TEST_F(NativeRun, ConcurrentRunsOnOneModel) {
  for (bool batchParallel : {false, true}) {
    qopt_error err;
    ModelPtr m = loadModel(defaultModel(batchParallel), err, 2);
    ASSERT_TRUE(m) << err.message;
    std::atomic<int> failures{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t)
      callers.emplace_back([&, t] {
        for (int iter = 0; iter < 40; ++iter) {
          int64_t batch = 1 + (t * 41 + iter * 13) % 70;
          std::vector<float> x = testInput(batch, uint32_t(t * 1000 + iter)), y;
          qopt_error e;
          if (runModel(m.get(), x, y, e) != QOPT_OK) {
            ++failures;
            continue;
          }
          for (size_t i = 0; i < x.size(); ++i) {
            float want = affineReluExpected(x[i], int(i % 4));
            if (std::memcmp(&y[i], &want, 4) != 0) {
              ++failures;
              break;
            }
          }
        }
      });
    for (std::thread &c : callers)
      c.join();
    EXPECT_EQ(failures.load(), 0) << "batch_parallel " << batchParallel;
  }
}

TEST_F(NativeRun, BindingErrors) {
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err);
  ASSERT_TRUE(m) << err.message;
  std::vector<float> x = testInput(3), y(12);
  int64_t shape[2] = {3, 4};
  qopt_input in{"image", x.data(), 48, 2, shape};
  qopt_output out{"y", y.data(), 48, 0, {}};
  EXPECT_EQ(qopt_model_run(m.get(), &in, 1, &out, 1, &err), QOPT_ERR_BINDING);
  EXPECT_STREQ(err.message, "the model has no input 'image' (its inputs: 'x')");
  EXPECT_EQ(err.status, QOPT_ERR_BINDING);

  EXPECT_EQ(qopt_model_run(m.get(), nullptr, 0, &out, 1, &err), QOPT_ERR_BINDING);
  EXPECT_STREQ(err.message, "missing input 'x' [?,4]");

  in.name = "x";
  qopt_input twice[2] = {in, in};
  EXPECT_EQ(qopt_model_run(m.get(), twice, 2, &out, 1, &err), QOPT_ERR_BINDING);
  EXPECT_STREQ(err.message, "input 'x' is given twice");

  twice[0].name = nullptr;
  twice[1].name = nullptr;
  EXPECT_EQ(qopt_model_run(m.get(), twice, 2, &out, 1, &err), QOPT_ERR_BINDING);
  EXPECT_STREQ(err.message, "input #1 has no name and the model has only 1 inputs");

  out.name = "probabilities";
  EXPECT_EQ(qopt_model_run(m.get(), &in, 1, &out, 1, &err), QOPT_ERR_BINDING);
  EXPECT_STREQ(err.message, "the model has no output 'probabilities' (its outputs: 'y')");

  EXPECT_EQ(qopt_model_run(nullptr, &in, 1, &out, 1, &err), QOPT_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(err.message, "model is NULL");
}

TEST_F(NativeRun, ShapeErrors) {
  qopt_error err;
  ModelPtr m = loadModel(defaultModel(), err);
  ASSERT_TRUE(m) << err.message;
  std::vector<float> x(20), y(20);
  auto run = [&](std::vector<int64_t> shape, size_t inBytes, size_t outBytes) {
    qopt_input in{"x", x.data(), inBytes, int32_t(shape.size()), shape.data()};
    qopt_output out{"y", y.data(), outBytes, 0, {}};
    return qopt_model_run(m.get(), &in, 1, &out, 1, &err);
  };
  EXPECT_EQ(run({3}, 12, 80), QOPT_ERR_SHAPE);
  EXPECT_STREQ(err.message, "input 'x': expected shape [?,4], got [3]");
  EXPECT_EQ(run({3, 5}, 60, 80), QOPT_ERR_SHAPE);
  EXPECT_STREQ(err.message, "input 'x': expected shape [?,4], got [3,5]");
  EXPECT_EQ(run({0, 4}, 0, 80), QOPT_ERR_SHAPE);
  EXPECT_STREQ(err.message, "input 'x': expected shape [?,4], got [0,4] (the batch must be at "
                            "least 1)");
  EXPECT_EQ(run({3, 4}, 44, 80), QOPT_ERR_SHAPE);
  EXPECT_STREQ(err.message, "input 'x': shape [3,4] f32 is 48 bytes, got 44");
  EXPECT_EQ(run({5, 4}, 80, 16), QOPT_ERR_SHAPE);
  EXPECT_STREQ(err.message, "output 'y' needs 80 bytes at batch 5, capacity is 16");
  EXPECT_EQ(run({int64_t(1) << 60, 4}, 80, 80), QOPT_ERR_SHAPE);
  EXPECT_STREQ(err.message, "input 'x': batch too large");
  EXPECT_EQ(run({5, 4}, 80, 80), QOPT_OK) << err.message;
}

TEST_F(NativeRun, CodeErrorsComeBackAsStatus) {
  // Dynamic shapes but the static entry: the code itself refuses batch 3.
  ModelSpec spec;
  spec.code = defaultCodeSpecs();
  for (CodeSpec &c : spec.code)
    c.entry = "qopt_test_static";
  qopt_error err;
  ModelPtr m = loadModel(buildAffineReluModel(spec, testCode()), err);
  ASSERT_TRUE(m) << err.message;
  std::vector<float> x = testInput(3), y;
  EXPECT_EQ(runModel(m.get(), x, y, err), QOPT_ERR_EXECUTION);
  EXPECT_EQ(std::string(err.message), std::string("the native code (target '") +
                                          qopt_model_target(m.get()) +
                                          "') failed with code 1 (QOPT_NATIVE_ERR_BATCH) at "
                                          "batch 3");
}

TEST(ThreadPool, CoversEveryIndexOnceInChunksOfAtLeastGrain) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.numThreads(), threads);
    for (int64_t n : {0, 1, 5, 100, 1001}) {
      for (int64_t grain : {0, 1, 7, 2000}) {
        std::vector<std::atomic<int>> hits(size_t(n + 1));
        std::atomic<int64_t> smallest{INT64_MAX}, chunks{0};
        struct Closure {
          std::vector<std::atomic<int>> *hits;
          std::atomic<int64_t> *smallest, *chunks;
        } c{&hits, &smallest, &chunks};
        pool.parallelFor(
            n, grain,
            [](void *p, int64_t b, int64_t e) {
              auto *c = static_cast<Closure *>(p);
              for (int64_t i = b; i < e; ++i)
                ++(*c->hits)[size_t(i)];
              int64_t size = e - b, cur = c->smallest->load();
              while (size < cur && !c->smallest->compare_exchange_weak(cur, size)) {
              }
              ++*c->chunks;
            },
            &c);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(hits[size_t(i)].load(), 1) << "n " << n << " index " << i;
        if (n > 0) {
          EXPECT_LE(chunks.load(), threads);
          if (n >= grain)
            EXPECT_GE(smallest.load(), grain);
        }
      }
    }
  }
}

TEST(ThreadPool, NestedAndConcurrentParallelForsFinish) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  struct Ctx {
    ThreadPool *pool;
    std::atomic<int64_t> *total;
  } ctx{&pool, &total};
  auto outer = [](void *p, int64_t b, int64_t e) {
    auto *c = static_cast<Ctx *>(p);
    for (int64_t i = b; i < e; ++i)
      ThreadPool::envParallelFor(
          c->pool, 10, 1,
          [](void *q, int64_t bb, int64_t ee) { *static_cast<Ctx *>(q)->total += ee - bb; }, c);
  };
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t)
    callers.emplace_back([&] {
      for (int k = 0; k < 20; ++k)
        pool.parallelFor(8, 1, outer, &ctx);
    });
  for (std::thread &c : callers)
    c.join();
  EXPECT_EQ(total.load(), 3 * 20 * 8 * 10);
}

} // namespace

// Run memory is kept for later runs (no fresh, page-faulting allocation per run), handed to one
// run at a time, and bounded.
TEST(RunMemoryCache, ReusesBlocksOneRunAtATimeAndKeepsFew) {
  qopt::rt::RunMemoryCache cache;
  size_t s1 = 0, s2 = 0, s3 = 0;
  void *a = cache.take(1000, s1);
  ASSERT_NE(a, nullptr);
  EXPECT_GE(s1, 1000u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  void *b = cache.take(1000, s2); // a is in use: another block
  EXPECT_NE(a, b);
  size_t sb = s2;
  cache.give(a, s1);
  EXPECT_EQ(cache.take(500, s3), a); // the kept block that fits
  void *big = cache.take(1 << 20, s2 = 0);
  EXPECT_NE(big, a);
  cache.give(a, s1);
  cache.give(big, 1 << 20);
  EXPECT_EQ(cache.take(4096, s3), big); // a is too small for this one
  cache.give(big, s3);
  for (int i = 0; i < 10; ++i) { // more than kKeep blocks given back: the rest are freed
    size_t s = 0;
    void *p = cache.take(64, s);
    void *q = cache.take(64, s);
    cache.give(p, 64);
    cache.give(q, 64);
  }
  cache.give(b, sb); // every block goes back: the cache frees what it does not keep
}
