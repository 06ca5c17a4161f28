// Storage types of the op kernels: f32, IEEE f16 and bf16 loaded to f32 and rounded to nearest
// even on store, as the reference executor rounds the results of 16-bit ops. Freestanding and
// written so that loops over them vectorise: f16 converts with F16C (vcvtph2ps / vcvtps2ph, which
// every target has), bf16 with integer shifts and a select for NaN.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_FLOAT16_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELS_FLOAT16_H

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

#include "KernelSupport.h"

#include <stdint.h>

namespace mlir::qopt::opk {

QOPT_UK_INLINE uint32_t bitsOf(float v) { return __builtin_bit_cast(uint32_t, v); }
QOPT_UK_INLINE float floatOf(uint32_t b) { return __builtin_bit_cast(float, b); }

/// f32 -> bf16 round to nearest even; a NaN keeps its sign and top payload bits and is made quiet
/// (as APFloat's conversion in the reference does) instead of rounding into an infinity.
QOPT_UK_INLINE uint16_t toBf16(float v) {
  uint32_t b = bitsOf(v);
  uint32_t rounded = (b + 0x7fffu + ((b >> 16) & 1u)) >> 16;
  uint32_t quiet = (b >> 16) | 0x40u;
  return (uint16_t)(v != v ? quiet : rounded);
}
QOPT_UK_INLINE float fromBf16(uint16_t h) { return floatOf((uint32_t)h << 16); }

struct F32 {
  using T = float;
  static QOPT_UK_INLINE float load(const T *p, int64_t i) { return p[i]; }
  static QOPT_UK_INLINE void store(T *p, int64_t i, float v) { p[i] = v; }
};
struct F16 {
  using T = _Float16;
  static QOPT_UK_INLINE float load(const T *p, int64_t i) { return (float)p[i]; }
  static QOPT_UK_INLINE void store(T *p, int64_t i, float v) { p[i] = (_Float16)v; }
};
struct BF16 {
  using T = uint16_t;
  static QOPT_UK_INLINE float load(const T *p, int64_t i) { return fromBf16(p[i]); }
  static QOPT_UK_INLINE void store(T *p, int64_t i, float v) { p[i] = toBf16(v); }
};

/// Calls fn(Tag{}) for the float storage type `t`. Inlined with a constant `t`, only one case
/// remains. Anything that is not F16 / BF16 is F32 (the lowering only passes float types here).
template <class Fn>
QOPT_UK_INLINE void withFloatType(int32_t t, Fn &&fn) {
  switch (t) {
  case QOPT_K_F16:
    fn(F16{});
    break;
  case QOPT_K_BF16:
    fn(BF16{});
    break;
  default:
    fn(F32{});
    break;
  }
}

/// Element i of a float array of type `t`, for small parameter vectors (scales, biases) whose
/// type is a run-time switch in the unspecialised kernel and a constant after inlining.
QOPT_UK_INLINE float loadFloat(int32_t t, const void *p, int64_t i) {
  switch (t) {
  case QOPT_K_F16:
    return F16::load((const _Float16 *)p, i);
  case QOPT_K_BF16:
    return BF16::load((const uint16_t *)p, i);
  default:
    return F32::load((const float *)p, i);
  }
}

} // namespace mlir::qopt::opk

#endif
