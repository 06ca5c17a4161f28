// Elementwise op kernels: unary activations / math, broadcasting binary arithmetic and float
// casts (OpKernels.h). Freestanding; each loop is a plain indexed loop over one contiguous run so
// that, once the params are constants, LLVM vectorises it and drops the unused type cases.
//
// Accuracy against the reference executor (which uses libm in f32):
//   relu, clamp, leaky_relu, neg, sqrt, add, sub, mul, div, cast   bit-exact
//   exp, sigmoid, tanh, erf, gelu, pow                             MathApprox.h's bounds
// Results are the same on every target (no reassociation, fma only where written explicitly).
// Output and input may be the same buffer when their element sizes match (no __restrict: the
// vectoriser's overlap check keeps that correct).
#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "Float16.h"
#include "MathApprox.h"

namespace mlir::qopt::opk {
namespace {

template <class I, class O, class Fn>
QOPT_UK_INLINE void mapUnary(const typename I::T *in, typename O::T *out, int64_t n, Fn fn) {
  for (int64_t i = 0; i < n; ++i)
    O::store(out, i, fn(I::load(in, i)));
}

template <class I, class O>
QOPT_UK_INLINE void unary(const qopt_k_unary_params *p, const typename I::T *in,
                          typename O::T *out, int64_t n) {
  float a = p->a, b = p->b;
  switch (p->fn) {
  case QOPT_K_RELU:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return x < 0.0f ? 0.0f : x; });
  case QOPT_K_CLAMP:
    return mapUnary<I, O>(in, out, n, [=](float x) QOPT_UK_INLINE_LAMBDA { return x < a ? a : (x > b ? b : x); });
  case QOPT_K_LEAKY_RELU:
    return mapUnary<I, O>(in, out, n, [=](float x) QOPT_UK_INLINE_LAMBDA { return x >= 0.0f ? x : a * x; });
  case QOPT_K_SIGMOID:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return sigmoidApprox(x); });
  case QOPT_K_TANH:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return tanhApprox(x); });
  case QOPT_K_GELU_ERF:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return geluErf(x); });
  case QOPT_K_GELU_TANH:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return geluTanh(x); });
  case QOPT_K_EXP:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return expApprox(x); });
  case QOPT_K_SQRT:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return __builtin_sqrtf(x); });
  case QOPT_K_NEG:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return -x; });
  case QOPT_K_ERF:
    return mapUnary<I, O>(in, out, n, [](float x) QOPT_UK_INLINE_LAMBDA { return erfApprox(x); });
  default:
    return;
  }
}

/// One contiguous output run of a broadcasting binary op; a and b advance by as / bs elements.
/// The common stride patterns get loops of their own so that they vectorise without gathers.
template <class A, class B, class O, class Fn>
QOPT_UK_INLINE void binaryRun(const typename A::T *a, int64_t as, const typename B::T *b,
                              int64_t bs, typename O::T *out, int64_t n, Fn fn) {
  if (as == 1 && bs == 1) {
    for (int64_t i = 0; i < n; ++i)
      O::store(out, i, fn(A::load(a, i), B::load(b, i)));
  } else if (as == 1 && bs == 0) {
    float y = B::load(b, 0);
    for (int64_t i = 0; i < n; ++i)
      O::store(out, i, fn(A::load(a, i), y));
  } else if (as == 0 && bs == 1) {
    float x = A::load(a, 0);
    for (int64_t i = 0; i < n; ++i)
      O::store(out, i, fn(x, B::load(b, i)));
  } else {
    for (int64_t i = 0; i < n; ++i)
      O::store(out, i, fn(A::load(a, i * as), B::load(b, i * bs)));
  }
}

template <class A, class B, class O, class Fn>
QOPT_UK_INLINE void binaryFn(const qopt_k_binary_params *p, void *const *operands, int64_t batch,
                             Fn fn) {
  int rank = p->rank;
  int64_t inner = rank > 0 ? p->out_dims[rank - 1] : 1;
  int64_t as = rank > 0 ? p->a_strides[rank - 1] : 0, bs = rank > 0 ? p->b_strides[rank - 1] : 0;
  int64_t rows = 1;
  for (int d = 0; d + 1 < rank; ++d)
    rows *= p->out_dims[d];
  int64_t sampleSize = rows * inner;
  auto *out = (typename O::T *)operands[0];
  const auto *a = (const typename A::T *)operands[1];
  const auto *b = (const typename B::T *)operands[2];
  for (int64_t s = 0; s < batch; ++s) {
    const auto *as0 = a + s * p->a_sample_stride;
    const auto *bs0 = b + s * p->b_sample_stride;
    auto *os0 = out + s * sampleSize;
    int64_t idx[QOPT_K_MAX_RANK] = {};
    int64_t offA = 0, offB = 0;
    for (int64_t r = 0; r < rows; ++r) {
      binaryRun<A, B, O>(as0 + offA, as, bs0 + offB, bs, os0 + r * inner, inner, fn);
      // Odometer over the outer dimensions, innermost first.
      for (int d = rank - 2; d >= 0; --d) {
        offA += p->a_strides[d];
        offB += p->b_strides[d];
        if (++idx[d] < p->out_dims[d])
          break;
        offA -= p->a_strides[d] * p->out_dims[d];
        offB -= p->b_strides[d] * p->out_dims[d];
        idx[d] = 0;
      }
    }
  }
}

template <class A, class B, class O>
QOPT_UK_INLINE void binary(const qopt_k_binary_params *p, void *const *operands, int64_t batch) {
  switch (p->fn) {
  case QOPT_K_ADD:
    return binaryFn<A, B, O>(p, operands, batch, [](float x, float y) QOPT_UK_INLINE_LAMBDA { return x + y; });
  case QOPT_K_SUB:
    return binaryFn<A, B, O>(p, operands, batch, [](float x, float y) QOPT_UK_INLINE_LAMBDA { return x - y; });
  case QOPT_K_MUL:
    return binaryFn<A, B, O>(p, operands, batch, [](float x, float y) QOPT_UK_INLINE_LAMBDA { return x * y; });
  case QOPT_K_DIV:
    return binaryFn<A, B, O>(p, operands, batch, [](float x, float y) QOPT_UK_INLINE_LAMBDA { return x / y; });
  case QOPT_K_POW:
    return binaryFn<A, B, O>(p, operands, batch, [](float x, float y) QOPT_UK_INLINE_LAMBDA { return powApprox(x, y); });
  default:
    return;
  }
}

} // namespace
} // namespace mlir::qopt::opk

using namespace mlir::qopt::opk;

QOPT_UK_ENTRY void qopt_k_unary(const qopt_k_unary_params *p, void *const *operands,
                                int64_t batch, void *) {
  int64_t n = p->n * batch;
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      unary<I, O>(p, (const typename I::T *)operands[1], (typename O::T *)operands[0], n);
    });
  });
}

QOPT_UK_ENTRY void qopt_k_binary(const qopt_k_binary_params *p, void *const *operands,
                                 int64_t batch, void *) {
  withFloatType(p->a_type, [&](auto a) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->b_type, [&](auto b) QOPT_UK_INLINE_LAMBDA {
      withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
        binary<decltype(a), decltype(b), decltype(o)>(p, operands, batch);
      });
    });
  });
}

QOPT_UK_ENTRY void qopt_k_cast(const qopt_k_cast_params *p, void *const *operands, int64_t batch,
                               void *) {
  int64_t n = p->n * batch;
  if (p->in_type == QOPT_K_F64 || p->out_type == QOPT_K_F64) {
    // Through f32, as the reference holds f64 values: f64 -> f32 rounds to nearest even.
    bool inF64 = p->in_type == QOPT_K_F64, outF64 = p->out_type == QOPT_K_F64;
    const void *src = operands[1];
    void *dst = operands[0];
    for (int64_t k = 0; k < n; ++k) {
      float v = 0.0f;
      if (inF64)
        v = (float)((const double *)src)[k];
      else
        withFloatType(p->in_type, [&](auto i) {
          using I = decltype(i);
          v = I::load((const typename I::T *)src, k);
        });
      if (outF64)
        ((double *)dst)[k] = (double)v;
      else
        withFloatType(p->out_type, [&](auto o) {
          using O = decltype(o);
          O::store((typename O::T *)dst, k, v);
        });
    }
    return;
  }
  withFloatType(p->in_type, [&](auto i) QOPT_UK_INLINE_LAMBDA {
    withFloatType(p->out_type, [&](auto o) QOPT_UK_INLINE_LAMBDA {
      using I = decltype(i);
      using O = decltype(o);
      mapUnary<I, O>((const typename I::T *)operands[1], (typename O::T *)operands[0], n,
                     [](float x) QOPT_UK_INLINE_LAMBDA { return x; });
    });
  });
}
