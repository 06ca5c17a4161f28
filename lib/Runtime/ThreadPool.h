// The runtime's worker threads and the parallel_for that native code receives in its
// qopt_native_env (NativeAbi.h).
//
// One pool serves every run of a model, including runs started concurrently from several user
// threads: each parallel_for is a job of its own, and its caller works on it too. A caller waiting
// for the rest of its job only waits for chunks other threads are already running, and never picks
// up new work while waiting, so a parallel_for called from inside a chunk (a batch slice whose code
// parallelizes again) cannot deadlock.
//
// Threads spin for a short while before they sleep: a worker that has just finished a chunk polls
// for the next job, and a caller polls for its job's last chunk, for up to kSpinCycles, before
// falling back to the condition variables. The native code calls parallel_for once per linear
// layer, a few microseconds apart; waking a sleeping thread through the kernel costs 10-30 us on
// a VM, more than a small layer's whole work, so without the spin a second thread made small
// models slower.
#ifndef QOPT_LIB_RUNTIME_THREADPOOL_H
#define QOPT_LIB_RUNTIME_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace qopt::rt {

class ThreadPool {
public:
  using Task = void (*)(void *closure, int64_t begin, int64_t end);

  /// `numThreads` counts the calling thread: 1 runs everything inline, n starts n - 1 workers.
  explicit ThreadPool(int numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int numThreads() const { return int(workers.size()) + 1; }

  /// Runs fn over [0, n) in at most min(maxThreads, numThreads()) chunks of at least `grain`
  /// items each (fewer when n < grain: then one chunk), and returns when all have run.
  void parallelFor(int64_t n, int64_t grain, Task fn, void *closure, int maxThreads = 0);

  /// The qopt_native_env.parallel_for trampoline: `runtime` is the ThreadPool.
  static void envParallelFor(void *runtime, int64_t n, int64_t grain, Task fn, void *closure);

  /// Threads in this machine's affinity mask (at least 1).
  static int hardwareThreads();

private:
  struct Job;
  void workerLoop();
  /// Runs chunks of `job` until none is left unclaimed. Returns with the pool lock held.
  void runChunks(Job &job, std::unique_lock<std::mutex> &lock);

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable workAvailable;
  std::deque<Job *> jobs; // jobs with unclaimed chunks
  bool stopping = false;
  // Mirrors of jobs.size() and `stopping` that spinning threads poll without the lock.
  std::atomic<int64_t> queued{0};
  std::atomic<bool> stopFlag{false};
  int sleepers = 0; // workers blocked on workAvailable, guarded by mutex
};

} // namespace qopt::rt

#endif
