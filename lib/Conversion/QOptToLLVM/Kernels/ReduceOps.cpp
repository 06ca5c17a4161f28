// reduce_mean / reduce_sum / reduce_max / reduce_min over any set of axes (OpKernels.h).
//
// The dims are simplified first (size-1 dims dropped, neighbours of the same kind merged) into
// kept and reduced groups. If the innermost group is reduced, each output folds contiguous runs
// into 16 lanes (LaneSum.h order); if it is kept, 16 neighbouring outputs are folded at once,
// one per lane, over the reduced positions in row-major order. Either way the loops run over
// contiguous memory and the order is the same on every target.
//
// Accuracy against the reference (double sums): max / min exact (NaN wins; only the sign of a
// +0 / -0 tie may differ); sum / mean relative (count / 16 + 4) * 2^-24 of sum |x| plus the
// final division. An empty reduction gives 0 (sum), NaN (mean, 0 / 0), -inf (max), +inf (min).
#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "Float16.h"
#include "LaneSum.h"

namespace mlir::qopt::opk {
namespace {

struct Groups {
  int count = 0;
  int64_t size[QOPT_K_MAX_RANK], stride[QOPT_K_MAX_RANK];
};

/// Calls fn(offset) for every position of the groups (row-major, last group fastest).
template <class Fn>
QOPT_UK_INLINE void forEachOffset(const Groups &g, Fn fn) {
  int64_t idx[QOPT_K_MAX_RANK] = {};
  int64_t total = 1;
  for (int d = 0; d < g.count; ++d)
    total *= g.size[d];
  int64_t off = 0;
  for (int64_t t = 0; t < total; ++t) {
    fn(off);
    for (int d = g.count - 1; d >= 0; --d) {
      off += g.stride[d];
      if (++idx[d] < g.size[d])
        break;
      off -= g.stride[d] * g.size[d];
      idx[d] = 0;
    }
  }
}

template <int Fn>
QOPT_UK_INLINE float step(float acc, float v) {
  if constexpr (Fn == QOPT_K_REDUCE_MAX)
    return v != v || v > acc ? v : acc;
  else if constexpr (Fn == QOPT_K_REDUCE_MIN)
    return v != v || v < acc ? v : acc;
  else
    return acc + v;
}

template <int Fn>
QOPT_UK_INLINE float combineLanes(float *acc) {
  if constexpr (Fn == QOPT_K_REDUCE_MAX || Fn == QOPT_K_REDUCE_MIN) {
    float r = acc[0];
    for (int j = 1; j < kLanes; ++j)
      r = step<Fn>(r, acc[j]);
    return r;
  } else {
    for (int w = kLanes / 2; w >= 1; w /= 2)
      for (int j = 0; j < w; ++j)
        acc[j] += acc[j + w];
    return acc[0];
  }
}

template <int Fn, class I, class O>
QOPT_UK_INLINE void reduce(const qopt_k_reduce_params *p, const typename I::T *x,
                           typename O::T *y, int64_t batch) {
  constexpr float init = Fn == QOPT_K_REDUCE_MAX   ? -__builtin_inff()
                         : Fn == QOPT_K_REDUCE_MIN ? __builtin_inff()
                                                   : 0.0f;
  // Simplify the dims into alternating kept / reduced groups with their input strides.
  int64_t sizes[QOPT_K_MAX_RANK];
  bool red[QOPT_K_MAX_RANK];
  int n = 0;
  int64_t inCount = 1, count = 1, outCount = 1;
  for (int d = 0; d < p->rank; ++d) {
    int64_t s = p->in_dims[d];
    bool r = (p->reduce_mask >> d) & 1u;
    inCount *= s;
    (r ? count : outCount) *= s;
    if (s == 1)
      continue;
    if (n > 0 && red[n - 1] == r) {
      sizes[n - 1] *= s;
    } else {
      sizes[n] = s, red[n] = r;
      ++n;
    }
  }
  auto finish = [&](float acc) QOPT_UK_INLINE_LAMBDA {
    return Fn == QOPT_K_REDUCE_MEAN ? acc / (float)count : acc;
  };
  if (inCount == 0) {
    for (int64_t k = 0; k < outCount * batch; ++k)
      O::store(y, k, finish(init));
    return;
  }
  if (n == 0 || !red[n - 1]) { // an innermost kept group (or nothing at all): keep it
    if (n == 0)
      sizes[n] = 1, red[n] = false, ++n;
  }
  int64_t strides[QOPT_K_MAX_RANK];
  for (int d = n - 1, s = 1; d >= 0; --d) {
    strides[d] = s;
    s *= sizes[d];
  }
  Groups kept, reduced;
  for (int d = 0; d < n; ++d) {
    Groups &g = red[d] ? reduced : kept;
    g.size[g.count] = sizes[d], g.stride[g.count] = strides[d];
    ++g.count;
  }
  for (int64_t b = 0; b < batch; ++b) {
    const auto *xs = x + b * inCount;
    auto *ys = y + b * outCount;
    int64_t o = 0;
    if (red[n - 1]) {
      // Innermost reduced: each output folds contiguous runs of `run` elements into the lanes.
      int64_t run = reduced.size[reduced.count - 1];
      --reduced.count;
      forEachOffset(kept, [&](int64_t keptOff) QOPT_UK_INLINE_LAMBDA {
        float acc[kLanes];
        for (int j = 0; j < kLanes; ++j)
          acc[j] = init;
        forEachOffset(reduced, [&](int64_t redOff) QOPT_UK_INLINE_LAMBDA {
          const auto *r = xs + keptOff + redOff;
          int64_t k = 0;
          for (; k + kLanes <= run; k += kLanes)
            for (int j = 0; j < kLanes; ++j)
              acc[j] = step<Fn>(acc[j], I::load(r, k + j));
          for (int j = 0; k + j < run; ++j)
            acc[j] = step<Fn>(acc[j], I::load(r, k + j));
        });
        O::store(ys, o++, finish(combineLanes<Fn>(acc)));
      });
      ++reduced.count;
    } else {
      // Innermost kept: 16 neighbouring outputs at once, one per lane.
      int64_t width = kept.size[kept.count - 1];
      --kept.count;
      forEachOffset(kept, [&](int64_t keptOff) QOPT_UK_INLINE_LAMBDA {
        for (int64_t i0 = 0; i0 < width; i0 += kLanes) {
          int64_t w = width - i0 < kLanes ? width - i0 : kLanes;
          float acc[kLanes];
          for (int j = 0; j < kLanes; ++j)
            acc[j] = init;
          forEachOffset(reduced, [&](int64_t redOff) QOPT_UK_INLINE_LAMBDA {
            const auto *r = xs + keptOff + redOff + i0;
            for (int64_t j = 0; j < w; ++j)
              acc[j] = step<Fn>(acc[j], I::load(r, j));
          });
          for (int64_t j = 0; j < w; ++j)
            O::store(ys, o++, finish(acc[j]));
        }
      });
      ++kept.count;
    }
  }
}

} // namespace
} // namespace mlir::qopt::opk

using namespace mlir::qopt::opk;

QOPT_UK_ENTRY void qopt_k_reduce(const qopt_k_reduce_params *p, void *const *operands,
                                 int64_t batch, void *) {
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      const auto *x = (const typename I::T *)operands[1];
      auto *y = (typename O::T *)operands[0];
      switch (p->fn) {
      case QOPT_K_REDUCE_MEAN:
        return reduce<QOPT_K_REDUCE_MEAN, I, O>(p, x, y, batch);
      case QOPT_K_REDUCE_SUM:
        return reduce<QOPT_K_REDUCE_SUM, I, O>(p, x, y, batch);
      case QOPT_K_REDUCE_MAX:
        return reduce<QOPT_K_REDUCE_MAX, I, O>(p, x, y, batch);
      case QOPT_K_REDUCE_MIN:
        return reduce<QOPT_K_REDUCE_MIN, I, O>(p, x, y, batch);
      default:
        return;
      }
    });
  });
}
