// softmax / log_softmax, layer_norm and batch_norm (OpKernels.h). Freestanding.
//
// Accuracy against the reference executor (which sums in double):
//   softmax       relative 2^-20 + len * 2^-24 (f32 lane sums, expApprox, one division or a
//                 reciprocal and a multiply)
//   log_softmax   absolute 2^-20 * (1 + |y|)   (logApprox of the f32 sum)
//   layer_norm    absolute 2^-19 * (|normalised| + 1) * |scale| + ulp(bias): f32 mean and variance
//   batch_norm    bit-exact (the reference's f32 formula, divisions included)
// Sums use LaneSum.h's fixed order, so results are identical on every target.
#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "Float16.h"
#include "KernelSupport.h"
#include "KernelThreads.h"
#include "LaneSum.h"
#include "MathApprox.h"

namespace mlir::qopt::opk {
namespace {

QOPT_UK_INLINE float maxIgnoringNaN(float acc, float v) { return acc < v ? v : acc; }

/// One softmax row with contiguous elements (inner == 1).
template <class I, class O>
QOPT_UK_INLINE void softmaxContiguous(const typename I::T *x, typename O::T *y, int64_t len,
                                      bool log) {
  float max = laneFold(
      len, -__builtin_inff(), [&](int64_t k) QOPT_UK_INLINE_LAMBDA { return I::load(x, k); }, maxIgnoringNaN);
  float sum = laneSum(len, [&](int64_t k) QOPT_UK_INLINE_LAMBDA { return expApprox(I::load(x, k) - max); });
  if (log) {
    float logSum = logApprox(sum);
    for (int64_t k = 0; k < len; ++k)
      O::store(y, k, I::load(x, k) - max - logSum);
  } else {
    for (int64_t k = 0; k < len; ++k)
      O::store(y, k, expApprox(I::load(x, k) - max) / sum);
  }
}

/// softmaxContiguous with an f32 result: each exp is computed once, kept in y, and multiplied by
/// the sum's reciprocal in a second pass (the exp is most of a row's time, and attention's rows
/// are 128 long; a vdivps per 16 elements was a fifth of it). The reciprocal adds at most an ulp
/// to the one division's rounding.
template <class I>
QOPT_UK_INLINE void softmaxContiguousF32(const typename I::T *x, float *y, int64_t len) {
  float max = laneFold(
      len, -__builtin_inff(), [&](int64_t k) QOPT_UK_INLINE_LAMBDA { return I::load(x, k); }, maxIgnoringNaN);
  float sum = laneSum(len, [&](int64_t k) QOPT_UK_INLINE_LAMBDA {
    float e = expApprox(I::load(x, k) - max);
    y[k] = e;
    return e;
  });
  const float inv = 1.0f / sum;
  for (int64_t k = 0; k < len; ++k)
    y[k] = y[k] * inv;
}

/// Softmax along a strided axis: 16 neighbouring positions of `inner` at once, one lane each, so
/// the loops run over contiguous memory.
template <class I, class O>
QOPT_UK_INLINE void softmaxStrided(const typename I::T *x, typename O::T *y, int64_t len,
                                   int64_t inner, bool log) {
  for (int64_t i0 = 0; i0 < inner; i0 += kLanes) {
    int64_t w = inner - i0 < kLanes ? inner - i0 : kLanes;
    float m[kLanes], s[kLanes];
    for (int j = 0; j < kLanes; ++j)
      m[j] = -__builtin_inff(), s[j] = 0.0f;
    for (int64_t k = 0; k < len; ++k)
      for (int64_t j = 0; j < w; ++j)
        m[j] = maxIgnoringNaN(m[j], I::load(x, k * inner + i0 + j));
    for (int64_t k = 0; k < len; ++k)
      for (int64_t j = 0; j < w; ++j)
        s[j] += expApprox(I::load(x, k * inner + i0 + j) - m[j]);
    if (log) {
      for (int64_t j = 0; j < w; ++j)
        s[j] = logApprox(s[j]);
      for (int64_t k = 0; k < len; ++k)
        for (int64_t j = 0; j < w; ++j)
          O::store(y, k * inner + i0 + j, I::load(x, k * inner + i0 + j) - m[j] - s[j]);
    } else {
      for (int64_t k = 0; k < len; ++k)
        for (int64_t j = 0; j < w; ++j)
          O::store(y, k * inner + i0 + j,
                   expApprox(I::load(x, k * inner + i0 + j) - m[j]) / s[j]);
    }
  }
}

} // namespace
} // namespace mlir::qopt::opk

using namespace mlir::qopt::opk;

/// The threads for `rows` rows of `rowWork` elements each, weighted by an element's cost in
/// multiply-adds at the int8 peak (kernelThreads' unit).
QOPT_UK_INLINE int64_t rowThreads(const qopt_native_env *env, int64_t rows, int64_t rowWork,
                                  int64_t weight) {
  int64_t parts = kernelThreads(env, rows * rowWork * weight);
  return parts < rows ? parts : rows;
}

QOPT_UK_ENTRY void qopt_k_softmax(const qopt_k_softmax_params *p, void *const *operands,
                                  int64_t batch, void *, const qopt_native_env *env) {
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      const auto *x = (const typename I::T *)operands[1];
      auto *y = (typename O::T *)operands[0];
      const int64_t rows = batch * p->outer, block = p->len * p->inner;
      // An element costs about an exp (0.35 ns, ~64 multiply-adds at the int8 peak): the b64
      // transformer's 4M-element softmax ran serially between two parallel matmuls.
      const int64_t parts = rowThreads(env, rows, block, 64);
      forEachPart(env, parts, [=](int64_t part) QOPT_UK_INLINE_LAMBDA {
        int64_t r0, r1;
        partRange(rows, 1, parts, part, r0, r1);
        for (int64_t r = r0; r < r1; ++r) {
          if (p->inner == 1 && !p->log && sizeof(typename O::T) == 4)
            softmaxContiguousF32<I>(x + r * block, reinterpret_cast<float *>(y) + r * block,
                                    p->len);
          else if (p->inner == 1)
            softmaxContiguous<I, O>(x + r * block, y + r * block, p->len, p->log);
          else
            softmaxStrided<I, O>(x + r * block, y + r * block, p->len, p->inner, p->log);
        }
      });
    });
  });
}

QOPT_UK_ENTRY void qopt_k_layer_norm(const qopt_k_layer_norm_params *p, void *const *operands,
                                     int64_t batch, void *, const qopt_native_env *env) {
  const int64_t n = p->inner, rows = batch * p->outer;
  if (n <= 0)
    return;
  // Three passes over a row: an element costs about 0.14 ns (~32 multiply-adds).
  const int64_t parts = rowThreads(env, rows, n, 32);
  // Every type is resolved here, outside the part: a worker's part runs on params it cannot
  // fold, and a per-element switch on the scale's type made it 3x slower than one thread.
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      withFloatType(p->scale_type, [&](auto sc) QOPT_UK_INLINE_LAMBDA {
        withFloatType(p->bias_type, [&](auto bi) QOPT_UK_INLINE_LAMBDA {
          using I = decltype(i);
          using O = decltype(o);
          using S = decltype(sc);
          using B = decltype(bi);
          const auto *x = (const typename I::T *)operands[1];
          auto *y = (typename O::T *)operands[0];
          const auto *scale = (const typename S::T *)operands[2];
          const auto *bias = (const typename B::T *)operands[3];
          const float epsilon = p->epsilon;
          forEachPart(env, parts, [=](int64_t part) QOPT_UK_INLINE_LAMBDA {
            int64_t r0, r1;
            partRange(rows, 1, parts, part, r0, r1);
            for (int64_t r = r0; r < r1; ++r) {
              const auto *xr = x + r * n;
              auto *yr = y + r * n;
              float mean =
                  laneSum(n, [&](int64_t k) QOPT_UK_INLINE_LAMBDA { return I::load(xr, k); }) /
                  (float)n;
              // Two passes, as the reference: E[(x - mean)^2] does not cancel like E[x^2] -
              // mean^2.
              float var = laneSum(n, [&](int64_t k) QOPT_UK_INLINE_LAMBDA {
                            float d = I::load(xr, k) - mean;
                            return d * d;
                          }) /
                          (float)n;
              float rstd = 1.0f / __builtin_sqrtf(var + epsilon);
              if (bias) {
                for (int64_t k = 0; k < n; ++k)
                  O::store(yr, k,
                           (I::load(xr, k) - mean) * rstd * S::load(scale, k) + B::load(bias, k));
              } else {
                for (int64_t k = 0; k < n; ++k)
                  O::store(yr, k, (I::load(xr, k) - mean) * rstd * S::load(scale, k) + 0.0f);
              }
            }
          });
        });
      });
    });
  });
}

QOPT_UK_ENTRY void qopt_k_batch_norm(const qopt_k_batch_norm_params *p, void *const *operands,
                                     int64_t batch, void *) {
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      const auto *x = (const typename I::T *)operands[1];
      auto *y = (typename O::T *)operands[0];
      int32_t pt = p->param_type;
      int64_t sp = p->spatial;
      int64_t blocks = batch * (p->blocks > 1 ? p->blocks : 1);
      for (int64_t s = 0; s < blocks; ++s)
        for (int64_t c = 0; c < p->channels; ++c) {
          float scale = loadFloat(pt, operands[2], c), bias = loadFloat(pt, operands[3], c);
          float mean = loadFloat(pt, operands[4], c);
          float stddev = __builtin_sqrtf(loadFloat(pt, operands[5], c) + p->epsilon);
          int64_t base = (s * p->channels + c) * sp;
          for (int64_t k = 0; k < sp; ++k)
            O::store(y, base + k, (I::load(x, base + k) - mean) / stddev * scale + bias);
        }
    });
  });
}
