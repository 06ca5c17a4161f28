#include "ThreadPool.h"

#include <algorithm>
#include <sched.h>
#include <x86intrin.h>

namespace qopt::rt {
namespace {

/// How long a thread polls before it blocks: about 90 us at 3.4 GHz (the TSC's rate), which
/// covers most serial steps between two parallel layers (waking a sleeping worker costs ~25 us
/// per layer on these VMs). Not longer: on these VMs a vCPU that spins slows the other one (a
/// pause loop on the second vCPU took MobileNetV2 int8 at batch 1 on one thread from 6.1 to
/// 10.4 ms, though GEMMs reach 1.7-1.8x on two threads, so it is not shared FP units). 30k to
/// 1M cycles measured within noise on MobileNetV2, ResNet-18 and the transformer at 2 threads.
constexpr uint64_t kSpinCycles = 300000;

/// Polls `ready` until it returns true or kSpinCycles have passed; returns its last answer.
template <typename Ready> bool spinUntil(const Ready &ready) {
  uint64_t start = __rdtsc();
  while (!ready()) {
    if (__rdtsc() - start > kSpinCycles)
      return false;
    _mm_pause();
  }
  return true;
}

} // namespace

struct ThreadPool::Job {
  Task fn;
  void *closure;
  int64_t n;
  int64_t chunks;
  int64_t nextChunk = 0;          // guarded by the pool mutex
  int64_t running = 0;            // claimed and not finished, guarded by the pool mutex
  std::atomic<bool> done{false};  // every chunk has run; set under the pool mutex
  std::condition_variable finished;

  Job(Task fn, void *closure, int64_t n, int64_t chunks)
      : fn(fn), closure(closure), n(n), chunks(chunks) {}

  /// Chunk i of `chunks` near-equal pieces: each has at least n / chunks >= grain items.
  void range(int64_t i, int64_t &begin, int64_t &end) const {
    begin = n * i / chunks;
    end = n * (i + 1) / chunks;
  }
};

ThreadPool::ThreadPool(int numThreads) {
  for (int i = 1; i < numThreads; ++i)
    workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
    stopFlag.store(true, std::memory_order_release);
  }
  workAvailable.notify_all();
  for (std::thread &t : workers)
    t.join();
}

int ThreadPool::hardwareThreads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

void ThreadPool::runChunks(Job &job, std::unique_lock<std::mutex> &lock) {
  while (job.nextChunk < job.chunks) {
    int64_t i = job.nextChunk++;
    if (job.nextChunk == job.chunks) {
      jobs.erase(std::find(jobs.begin(), jobs.end(), &job));
      queued.store(int64_t(jobs.size()), std::memory_order_relaxed);
    }
    ++job.running;
    lock.unlock();
    int64_t begin, end;
    job.range(i, begin, end);
    job.fn(job.closure, begin, end);
    lock.lock();
    if (--job.running == 0 && job.nextChunk == job.chunks) {
      job.done.store(true, std::memory_order_release);
      job.finished.notify_all();
    }
  }
}

void ThreadPool::workerLoop() {
  for (;;) {
    spinUntil([&] {
      return queued.load(std::memory_order_acquire) > 0 ||
             stopFlag.load(std::memory_order_acquire);
    });
    std::unique_lock<std::mutex> lock(mutex);
    if (!stopping && jobs.empty()) {
      ++sleepers;
      workAvailable.wait(lock, [&] { return stopping || !jobs.empty(); });
      --sleepers;
    }
    if (stopping)
      return;
    runChunks(*jobs.front(), lock);
  }
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, Task fn, void *closure, int maxThreads) {
  if (n <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t threads = maxThreads > 0 ? std::min(maxThreads, numThreads()) : numThreads();
  int64_t chunks = std::max<int64_t>(1, std::min(threads, n / grain));
  if (chunks == 1) {
    fn(closure, 0, n);
    return;
  }
  Job job(fn, closure, n, chunks);
  std::unique_lock<std::mutex> lock(mutex);
  jobs.push_back(&job);
  queued.store(int64_t(jobs.size()), std::memory_order_release);
  // Spinning workers see `queued`; only sleeping ones need the (slow) notification.
  bool wake = sleepers > 0;
  lock.unlock();
  if (wake)
    workAvailable.notify_all();
  lock.lock();
  runChunks(job, lock);
  if (job.running == 0)
    return;
  lock.unlock();
  bool done = spinUntil([&] { return job.done.load(std::memory_order_acquire); });
  lock.lock();
  // Taking the lock after `done` was seen also waits for the finishing thread to leave
  // notify_all, so that `job` (on this stack) outlives every use.
  if (!done)
    job.finished.wait(lock, [&] { return job.running == 0; });
}

void ThreadPool::envParallelFor(void *runtime, int64_t n, int64_t grain, Task fn, void *closure) {
  static_cast<ThreadPool *>(runtime)->parallelFor(n, grain, fn, closure);
}

} // namespace qopt::rt
