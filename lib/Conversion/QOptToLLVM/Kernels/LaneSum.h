// Deterministic f32 reductions for the op kernels: 16 partial results, element k going to lane
// k % 16, combined by a fixed pairwise tree. The order of operations is therefore the same
// whatever vector width the target has (one zmm or two ymm), so avx512 and avx2 builds agree
// bit for bit. Error of a sum of n terms: at most (n / 16 + 4) ulp-ish relative to sum |terms|.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_LANESUM_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_LANESUM_H

#include "KernelSupport.h"

#include <stdint.h>

namespace mlir::qopt::opk {

constexpr int kLanes = 16;

/// sum over k in [0, n) of term(k).
template <class Term>
QOPT_UK_INLINE float laneSum(int64_t n, Term term) {
  float acc[kLanes];
  for (int j = 0; j < kLanes; ++j)
    acc[j] = 0.0f;
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    // The terms first (one vector loop of constant trip count), then one add per lane with
    // constant indices.
    float t[kLanes];
    for (int j = 0; j < kLanes; ++j)
      t[j] = term(k + j);
#pragma clang loop unroll(full)
    for (int j = 0; j < kLanes; ++j)
      acc[j] += t[j];
  }
  // The tail with constant lane indices (unrolled), so that acc stays in registers: a loop up to
  // n indexed acc at run time, which kept it in memory, and the main loop then added through a
  // store and a load per vector (a third of a 128-long softmax row's time).
#pragma clang loop unroll(full)
  for (int j = 0; j < kLanes; ++j)
    if (k + j < n)
      acc[j] += term(k + j);
  for (int w = kLanes / 2; w >= 1; w /= 2)
    for (int j = 0; j < w; ++j)
      acc[j] += acc[j + w];
  return acc[0];
}

/// The fold of value(k) over k in [0, n) with step(acc, v), starting from init in every lane and
/// combining the lanes in index order with the same step (for max / min, whose result with the
/// reference's NaN rules does not depend on the order except for the sign of a zero tie).
template <class Value, class Step>
QOPT_UK_INLINE float laneFold(int64_t n, float init, Value value, Step step) {
  float acc[kLanes];
  for (int j = 0; j < kLanes; ++j)
    acc[j] = init;
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int j = 0; j < kLanes; ++j)
      acc[j] = step(acc[j], value(k + j));
#pragma clang loop unroll(full)
  for (int j = 0; j < kLanes; ++j) // as in laneSum
    if (k + j < n)
      acc[j] = step(acc[j], value(k + j));
  float r = acc[0];
  for (int j = 1; j < kLanes; ++j)
    r = step(r, acc[j]);
  return r;
}

} // namespace mlir::qopt::opk

#endif
