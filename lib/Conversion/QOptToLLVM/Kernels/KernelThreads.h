// Splitting a linear kernel's work over the threads of its qopt_native_env (NativeAbi.h): the
// runtime passes more than one thread when it does not already run batch slices in parallel (a
// batch of 1, or a model of static shapes). Every part works on disjoint rows or columns of the
// same scratch and result, so no thread needs scratch of its own. Freestanding; included by
// LinearOps.cpp after KernelSupport.h.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_KERNELTHREADS_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_KERNELTHREADS_H

#include "qopt/Runtime/NativeAbi.h"

namespace {

/// The multiply-adds below which a kernel stays on one thread, and that each thread gets at
/// least: handing a part to a (spinning) worker costs 1-2 us, and 1M multiply-adds take 3 us
/// (int8 at peak) to 30 us (f32 GEMV from L3).
constexpr int64_t kMinParallelMacs = int64_t(1) << 20;

/// How many threads a kernel of `macs` multiply-adds uses.
QOPT_UK_INLINE int64_t kernelThreads(const qopt_native_env *env, int64_t macs) {
  if (!env || env->num_threads <= 1 || macs < 2 * kMinParallelMacs)
    return 1;
  int64_t cap = macs / kMinParallelMacs;
  return env->num_threads < cap ? env->num_threads : cap;
}

/// Runs f(i) for each part i in [0, parts) on env's threads, the calling one included, and
/// returns when all have run. Give it lambdas that capture by value ([=]): the threads get a
/// copy of f, whose address escapes into the runtime, so that f itself and the kernel's locals
/// do not. An escaped local lives in memory, and every u8 store (which may alias anything)
/// forces it to be reloaded: with [&] captures the 1-thread depthwise and conv loops ran
/// 1.25-1.5x slower.
template <typename F>
QOPT_UK_INLINE void forEachPart(const qopt_native_env *env, int64_t parts, const F &f) {
  if (parts <= 1 || !env || env->num_threads <= 1) {
    for (int64_t i = 0; i < parts; ++i)
      f(i);
    return;
  }
  F copy = f;
  env->parallel_for(
      env->runtime, parts, 1,
      [](void *closure, int64_t begin, int64_t end) {
        const F &fn = *static_cast<const F *>(closure);
        for (int64_t i = begin; i < end; ++i)
          fn(i);
      },
      &copy);
}

/// Part i of `parts` near-equal pieces of [0, total) on multiples of `unit`: [begin, end).
QOPT_UK_INLINE void partRange(int64_t total, int64_t unit, int64_t parts, int64_t i,
                              int64_t &begin, int64_t &end) {
  const int64_t units = (total + unit - 1) / unit;
  begin = units * i / parts * unit;
  end = units * (i + 1) / parts * unit;
  begin = begin < total ? begin : total;
  end = end < total ? end : total;
}

/// An M x N x K GEMM split over env's threads: gemm(m0, m1, n0, n1) for each part, the rows in
/// multiples of mr or the columns in blocks of nr (the microkernels' column ranges start on
/// block boundaries). By rows when the activations outnumber the weights (each thread streams
/// all the weights once and reuses them over its rows), else by column blocks, so that each
/// thread streams only its share of the weights: a batch-1 GEMV is bound by those bytes.
template <typename G>
QOPT_UK_INLINE void splitGemm(const qopt_native_env *env, int64_t M, int64_t N, int64_t K,
                              int64_t mr, int64_t nr, const G &gemm) {
  // A GEMV of fewer than 4 rows takes the time of streaming its weights (10 us per MiB from L3,
  // the time of 3-4M multiply-adds at the int8 peak), so it counts as 4 rows: mlp1024x10's
  // 1024 x 1024 layers at batch 1 split over 2 threads.
  int64_t parts = kernelThreads(env, (M < 4 ? 4 : M) * N * K);
  const int64_t mUnits = (M + mr - 1) / mr, nUnits = (N + nr - 1) / nr;
  const bool byRows = (M >= N && mUnits >= 2) || nUnits < 2;
  const int64_t units = byRows ? mUnits : nUnits;
  parts = parts < units ? parts : units;
  if (parts <= 1) {
    gemm(int64_t(0), M, int64_t(0), N);
    return;
  }
  forEachPart(env, parts, [=](int64_t i) {
    int64_t b, e;
    partRange(byRows ? M : N, byRows ? mr : nr, parts, i, b, e);
    if (b < e) {
      if (byRows)
        gemm(b, e, int64_t(0), N);
      else
        gemm(int64_t(0), M, b, e);
    }
  });
}

} // namespace

#endif
