// transpose, concat, slice and gather (OpKernels.h): they move elem_size-byte elements (1, 2, 4
// or 8) without looking at them, so any storage type works and the results are exact. The
// innermost output dimension is one loop (contiguous or with a constant stride) that LLVM turns
// into vector copies or gathers once the params are constants.
#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "KernelSupport.h"

namespace mlir::qopt::opk {
namespace {

template <class Fn>
QOPT_UK_INLINE void withElemSize(int32_t size, Fn &&fn) {
  switch (size) {
  case 1:
    fn((uint8_t)0);
    break;
  case 2:
    fn((uint16_t)0);
    break;
  case 8:
    fn((uint64_t)0);
    break;
  default:
    fn((uint32_t)0);
    break;
  }
}

template <class T>
QOPT_UK_INLINE void copyRun(T *__restrict out, const T *__restrict in, int64_t n, int64_t stride) {
  if (stride == 1) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = in[i];
  } else {
    for (int64_t i = 0; i < n; ++i)
      out[i] = in[i * stride];
  }
}

/// out (dense, `rank` dims `dims`) [i...] = in[sum_d i_d * strides[d]] for one sample.
template <class T>
QOPT_UK_INLINE void stridedCopy(T *__restrict out, const T *__restrict in, int rank,
                                const int64_t *dims, const int64_t *strides) {
  if (rank == 0) {
    out[0] = in[0];
    return;
  }
  int64_t inner = dims[rank - 1], innerStride = strides[rank - 1], rows = 1;
  for (int d = 0; d + 1 < rank; ++d)
    rows *= dims[d];
  if (inner == 0)
    return;
  int64_t idx[QOPT_K_MAX_RANK] = {};
  int64_t off = 0;
  for (int64_t r = 0; r < rows; ++r) {
    copyRun(out + r * inner, in + off, inner, innerStride);
    for (int d = rank - 2; d >= 0; --d) {
      off += strides[d];
      if (++idx[d] < dims[d])
        break;
      off -= strides[d] * dims[d];
      idx[d] = 0;
    }
  }
}

} // namespace
} // namespace mlir::qopt::opk

using namespace mlir::qopt::opk;

QOPT_UK_ENTRY void qopt_k_transpose(const qopt_k_transpose_params *p, void *const *operands,
                                    int64_t batch, void *) {
  int rank = p->rank;
  int64_t inStrides[QOPT_K_MAX_RANK], outDims[QOPT_K_MAX_RANK], strides[QOPT_K_MAX_RANK];
  int64_t count = 1;
  for (int d = rank - 1; d >= 0; --d) {
    inStrides[d] = count;
    count *= p->in_dims[d];
  }
  for (int d = 0; d < rank; ++d) {
    outDims[d] = p->in_dims[p->perm[d]];
    strides[d] = inStrides[p->perm[d]];
  }
  withElemSize(p->elem_size, [&](auto tag) QOPT_UK_INLINE_LAMBDA {
    using T = decltype(tag);
    const T *in = (const T *)operands[1];
    T *out = (T *)operands[0];
    for (int64_t s = 0; s < batch; ++s)
      stridedCopy(out + s * count, in + s * count, rank, outDims, strides);
  });
}

QOPT_UK_ENTRY void qopt_k_concat(const qopt_k_concat_params *p, void *const *operands,
                                 int64_t batch, void *) {
  int64_t total = 0;
  for (int i = 0; i < p->num_inputs; ++i)
    total += p->chunk[i];
  withElemSize(p->elem_size, [&](auto tag) QOPT_UK_INLINE_LAMBDA {
    using T = decltype(tag);
    T *out = (T *)operands[0];
    for (int64_t s = 0; s < batch; ++s) {
      int64_t offset = 0;
      for (int i = 0; i < p->num_inputs; ++i) {
        int64_t chunk = p->chunk[i];
        const T *in = (const T *)operands[1 + i] + (p->batched[i] ? s * p->outer * chunk : 0);
        T *dst = out + s * p->outer * total + offset;
        for (int64_t o = 0; o < p->outer; ++o)
          copyRun(dst + o * total, in + o * chunk, chunk, 1);
        offset += chunk;
      }
    }
  });
}

QOPT_UK_ENTRY void qopt_k_slice(const qopt_k_slice_params *p, void *const *operands,
                                int64_t batch, void *) {
  int rank = p->rank;
  int64_t inStrides[QOPT_K_MAX_RANK], strides[QOPT_K_MAX_RANK];
  int64_t inCount = 1, outCount = 1, start = 0;
  for (int d = rank - 1; d >= 0; --d) {
    inStrides[d] = inCount;
    inCount *= p->in_dims[d];
    outCount *= p->out_dims[d];
  }
  for (int d = 0; d < rank; ++d) {
    strides[d] = p->steps[d] * inStrides[d];
    start += p->starts[d] * inStrides[d];
  }
  if (outCount == 0)
    return;
  withElemSize(p->elem_size, [&](auto tag) QOPT_UK_INLINE_LAMBDA {
    using T = decltype(tag);
    const T *in = (const T *)operands[1];
    T *out = (T *)operands[0];
    for (int64_t s = 0; s < batch; ++s)
      stridedCopy(out + s * outCount, in + s * inCount + start, rank, p->out_dims, strides);
  });
}

QOPT_UK_ENTRY void qopt_k_gather(const qopt_k_gather_params *p, void *const *operands,
                                 int64_t batch, void *) {
  const int64_t *indices = (const int64_t *)operands[2];
  int64_t inner = p->inner, inSample = p->outer * p->axis_len * inner;
  int64_t outSample = p->outer * p->num_indices * inner;
  withElemSize(p->elem_size, [&](auto tag) QOPT_UK_INLINE_LAMBDA {
    using T = decltype(tag);
    const T *in = (const T *)operands[1];
    T *out = (T *)operands[0];
    for (int64_t s = 0; s < batch; ++s)
      for (int64_t o = 0; o < p->outer; ++o)
        for (int64_t j = 0; j < p->num_indices; ++j)
          copyRun(out + s * outSample + (o * p->num_indices + j) * inner,
                  in + s * inSample + (o * p->axis_len + indices[j]) * inner, inner, 1);
  });
}
