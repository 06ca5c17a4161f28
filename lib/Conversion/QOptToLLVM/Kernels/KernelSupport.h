// Helpers shared by the freestanding microkernel sources: nothing here may call libc, allocate or
// throw, because the kernels are linked (as bitcode, or the microkernels as a precompiled object)
// into generated code that calls no library.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_KERNELSUPPORT_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_KERNELSUPPORT_H

#include <stdint.h>

#define QOPT_UK_INLINE __attribute__((always_inline)) inline
#define QOPT_UK_INLINE_LAMBDA __attribute__((always_inline))
// The C entry points. always_inline is for the op kernels' and drivers' bitcode: linked into a
// model's module, each call (with the layer's constant params) is inlined and specialized, so only
// the case the params select remains. The GEMM microkernels are compiled to an object instead
// (Kernels/CMakeLists.txt), and native callers (tests, benchmarks) get the ordinary out-of-line
// definitions.
#define QOPT_UK_ENTRY extern "C" __attribute__((always_inline))

namespace mlir::qopt::ukernel::detail {

/// A compile-time int as a type, to pass template arguments through generic lambdas.
template <int N>
struct IntConst {
  static constexpr int value = N;
};

/// An unaligned 4-byte load of activation bytes (the broadcast operand of vpdpbusd / vpmaddwd).
QOPT_UK_INLINE int32_t load4(const uint8_t *p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4); // folds to one mov; never a libc call
  return v;
}

/// The last 1-3 bytes of a row, zero-extended into 4 bytes without reading past them.
QOPT_UK_INLINE int32_t loadTail(const uint8_t *p, int64_t n) {
  uint32_t v = 0;
  for (int64_t t = 0; t < n; ++t)
    v |= (uint32_t)p[t] << (8 * t);
  return (int32_t)v;
}

} // namespace mlir::qopt::ukernel::detail

#endif
