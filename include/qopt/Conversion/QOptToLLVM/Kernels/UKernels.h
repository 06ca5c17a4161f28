// GEMM microkernels of the native backend (IREE-style ukernels).
//
// The kernels are C++ with intrinsics, freestanding (no libc, no allocation, no exceptions), and
// are built twice: to native objects for the tests and benchmarks, and to one relocatable object
// per target that the backend links into every model's shared object as it is (the linear-op
// drivers of LinearKernels.h, inlined into the model with compile-time shapes, call them).
// This header is the contract between the weight packer (`qopt-pack-weights`, PackWeights.h), the
// lowering and the kernels. It is plain C so that the symbols are unmangled.
//
// Semantics: bit-exact with the reference executor (lib/Reference/LinearKernels.cpp, QuantMath.h)
// for  y[m][n] = epilogue(sum_k (x[m][k] - x_zp) * w[n][k] + bias[n])  with
//   real = (float)acc * acc_scale[n]                 float32, acc_scale = x_scale * w_scale[n]
//   real = real + float_bias[n]                      only when the bias is float (optional)
//   real = act_lo <= ... clamp ... <= act_hi         relu / relu6 / clamp, as x<lo?lo:(x>hi?hi:x)
//   q    = clamp(round_half_to_even(real / out_scale) + out_zp, qmin, qmax)     (u8 / i8 outputs)
// The division is a real IEEE division, not a multiplication by a precomputed 1/out_scale or a
// folded s_in*s_w/s_out: only the division rounds like the reference does.
// Weights are symmetric (zero point 0), as DESIGN.md prescribes; the activation's zero point and,
// for i8 activations, the +128 shift are folded into the packed i32 bias at compile time.
// The kernels assume the default MXCSR (round to nearest even, no FTZ/DAZ), as the reference does.
// i32 accumulation wraps like vpdpbusd: it equals the reference's int64 sum while the sum fits in
// i32, which holds for u8 x i8 products up to K = 66,000 terms.
#ifndef QOPT_CONVERSION_QOPTTOLLVM_KERNELS_UKERNELS_H
#define QOPT_CONVERSION_QOPTTOLLVM_KERNELS_UKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//===----------------------------------------------------------------------===//
// Packed int8 weight layouts (what qopt-pack-weights writes; the lowering addresses them so)
//===----------------------------------------------------------------------===//
//
// The int8 layouts start from s8 weights w[N][K] (row n = output channel n, per-channel scale) and
// pad K up to K4 = roundup(K, 4) and N up to Np = roundup(N, NR) with zeros, so that a kernel
// never needs a scalar tail on the weight side. Column block b covers columns [b*NR, b*NR+NR).
//
// QOPT_UK_LAYOUT_VNNI (avx512vnni, NR = 48 = 3 zmm of 16 i32 lanes), s8 elements:
//   packed[((b * (K4/4) + g) * NR + j) * 4 + t] = w[b*NR + j][4*g + t]
//   i.e. per block, per group of 4 k: 48 columns x 4 consecutive k bytes = 192 bytes, the three
//   64-byte zmm operands of vpdpbusd. Size: Np * K4 bytes.
//
// QOPT_UK_LAYOUT_AVX2_I16 (avx2, NR = 16 = 2 ymm of 8 i32 lanes), s16 elements (sign-extended
// at pack time so that vpmaddwd multiplies exactly; vpmaddubsw would saturate):
//   packed[(((b * (K4/4) + g) * 2 + h) * NR + j) * 2 + t] = w[b*NR + j][4*g + h + 2*t]
//   i.e. per block, per group of 4 k: two halves, h = 0 holding the k pair (4g, 4g+2) and h = 1
//   the pair (4g+1, 4g+3) (the even and odd bytes of the broadcast activation dword), each
//   16 columns x 2 k as i16 = 64 bytes. Size: Np * K4 * 2 bytes.
//
// Folded bias (both int8 layouts), i32 per column, padded to Np with zeros:
//   bias_folded[n] = bias_i32[n] - (x_zp + (x is i8 ? 128 : 0)) * sum_k w[n][k]
// The kernels take u8 activations; i8 activations are shifted by +128 first
// (qopt_uk_shift_s8_to_u8), which the folded bias compensates exactly.
enum { QOPT_UK_VNNI_NR = 48, QOPT_UK_VNNI_MR = 8, QOPT_UK_AVX2_NR = 16, QOPT_UK_AVX2_MR = 4 };

// QOPT_UK_LAYOUT_F32 (avx512, NR = 48), f32 weights w[N][K], no K padding:
//   packed[(b * K + k) * NR + j] = w[b*NR + j][k]          (3 zmm of weights per k)
//
// QOPT_UK_LAYOUT_BF16 (avx512bf16, NR = 48), weights rounded to bf16 (nearest even), K padded to
// K2 = roundup(K, 2) in pairs for vdpbf16ps:
//   packed[((b * (K2/2) + g) * NR + j) * 2 + t] = bf16(w[b*NR + j][2*g + t])
//
// QOPT_UK_LAYOUT_F32_AVX2 (avx2, NR = 16 = 2 ymm), f32, no K padding:
//   packed[(b * K + k) * NR + j] = w[b*NR + j][k]
//
// The avx512 float layouts have the same 192 bytes per (block, group) as the VNNI layout: each step of the K loop
// broadcasts 4 bytes of activations per row (one f32, a pair of bf16, or 4 u8).
//
// The ROWS layouts (avx512 conv2d, "weights as rows": the GEMM out[n][p] = sum_k w[n][k] * x[k][p]
// that writes an NCHW result directly, pixels p in the vector lanes) are the three avx512 formulas
// above with NR = 8 (QOPT_UK_ROWS_MR): per block of 8 output channels and per step of K, the
// 8 x 4 bytes that the kernel broadcasts, one dword per channel:
//   QOPT_UK_LAYOUT_ROWS_VNNI  packed[((b * (K4/4) + g) * 8 + j) * 4 + t] = w[b*8 + j][4*g + t]
//   QOPT_UK_LAYOUT_ROWS_F32   packed[(b * K + k) * 8 + j] = w[b*8 + j][k]
//   QOPT_UK_LAYOUT_ROWS_BF16  packed[((b * (K2/2) + g) * 8 + j) * 2 + t] = bf16(w[b*8 + j][2*g + t])
// The per-channel epilogue arrays are padded to Np = roundup(N, 8).
enum qopt_uk_layout {
  QOPT_UK_LAYOUT_VNNI = 0,
  QOPT_UK_LAYOUT_AVX2_I16 = 1,
  QOPT_UK_LAYOUT_F32 = 2,
  QOPT_UK_LAYOUT_BF16 = 3,
  QOPT_UK_LAYOUT_F32_AVX2 = 4,
  QOPT_UK_LAYOUT_ROWS_VNNI = 5,
  QOPT_UK_LAYOUT_ROWS_F32 = 6,
  QOPT_UK_LAYOUT_ROWS_BF16 = 7,
};
enum { QOPT_UK_ROWS_MR = 8, QOPT_UK_ROWS_PANEL = 48 };
enum { QOPT_UK_FLOAT_NR = 48, QOPT_UK_FLOAT_MR = 8, QOPT_UK_AVX2_FLOAT_NR = 16, QOPT_UK_AVX2_FLOAT_MR = 6 };

//===----------------------------------------------------------------------===//
// Epilogue
//===----------------------------------------------------------------------===//

enum qopt_uk_out_kind {
  QOPT_UK_OUT_U8 = 0,  // quantized u8
  QOPT_UK_OUT_I8 = 1,  // quantized i8
  QOPT_UK_OUT_I32 = 2, // the exact accumulator acc (bias included), no scaling
  QOPT_UK_OUT_F32 = 3, // real after the activation, for a float consumer
  QOPT_UK_OUT_BF16 = 4, // float kernels only: bf16, rounded to nearest even
  QOPT_UK_OUT_F16 = 16, // the ROWS float kernels only: f16, rounded to nearest even
};

/// Everything the fused epilogue needs. Per-column arrays have Np (padded) entries so that the
/// kernels load them with full vectors.
typedef struct qopt_uk_epilogue {
  const int32_t *bias;       // folded bias, Np entries (required)
  const float *acc_scale;    // x_scale * w_scale[n] in float32, Np entries (unused for I32)
  const float *float_bias;   // optional float bias added after the scale, Np entries, or null
  float act_lo, act_hi;      // activation clamp on the real value; -inf / +inf for none
  int32_t has_act;           // 0: no clamp at all (keeps NaN and -0 exactly like "none")
  float out_scale;           // U8 / I8 only
  int32_t out_zp, qmin, qmax; // U8 / I8 only; qmin..qmax within the storage type
  int32_t out_kind;          // enum qopt_uk_out_kind
} qopt_uk_epilogue;

/// The epilogue of the float kernels: y = act(acc + bias[n]) in float32 (the reference sums in
/// double, so float kernels match it within a tolerance, not bit for bit).
typedef struct qopt_uk_float_epilogue {
  const float *bias;     // Np entries, or null
  float act_lo, act_hi;  // as in qopt_uk_epilogue
  int32_t has_act;
  int32_t out_kind;      // QOPT_UK_OUT_F32 or QOPT_UK_OUT_BF16
} qopt_uk_float_epilogue;

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//
//
// out[m][n] for m in [0, M), n in [n_begin, n_end) with n_begin a multiple of NR (so a thread split
// over output columns stays on block boundaries) and n_end <= N. x is u8 [M][K] with row stride
// lda bytes; it is never read past x[m*lda + K - 1]. out has row stride ldc elements of the output
// kind. packed is the layout of the variant (above), for the full N and K.

void qopt_uk_gemm_u8s8_avx512vnni(const uint8_t *x, int64_t lda, const int8_t *packed, int64_t M,
                                  int64_t N, int64_t K, int64_t n_begin, int64_t n_end,
                                  const qopt_uk_epilogue *ep, void *out, int64_t ldc);

void qopt_uk_gemm_u8s8_avx2(const uint8_t *x, int64_t lda, const int16_t *packed, int64_t M,
                            int64_t N, int64_t K, int64_t n_begin, int64_t n_end,
                            const qopt_uk_epilogue *ep, void *out, int64_t ldc);

/// f32 GEMM with zmm FMA; x is f32 [M][K], lda and ldc in elements; out is f32.
void qopt_uk_gemm_f32_avx512(const float *x, int64_t lda, const float *packed, int64_t M,
                             int64_t N, int64_t K, int64_t n_begin, int64_t n_end,
                             const qopt_uk_float_epilogue *ep, float *out, int64_t ldc);

/// f32 GEMM with ymm FMA (avx2 target), weights in QOPT_UK_LAYOUT_F32_AVX2; out is f32.
void qopt_uk_gemm_f32_avx2(const float *x, int64_t lda, const float *packed, int64_t M, int64_t N,
                           int64_t K, int64_t n_begin, int64_t n_end,
                           const qopt_uk_float_epilogue *ep, float *out, int64_t ldc);

/// bf16 GEMM with vdpbf16ps (f32 accumulation); x is bf16 [M][K], lda and ldc in elements; out is
/// f32 or bf16 as ep->out_kind says.
void qopt_uk_gemm_bf16_avx512bf16(const uint16_t *x, int64_t lda, const uint16_t *packed,
                                  int64_t M, int64_t N, int64_t K, int64_t n_begin, int64_t n_end,
                                  const qopt_uk_float_epilogue *ep, void *out, int64_t ldc);

/// Where a ROWS GEMM reads its activations and how it maps pixels to the result. The element of
/// step s (one k for f32, a dword of 2 bf16 or 4 u8 of consecutive k) and pixel p is the dword at
///   x + (p / 48) * panel_bytes + tap_bytes[s / per_tap] + (s % per_tap) * step_bytes + (p % 48) * 4
/// with per_tap = steps / taps. One tap (tap_bytes = {0}) reads a [K][P] f32 matrix in place
/// (panel_bytes = 192, step_bytes = 4 * row stride) or panels packed by the caller (step_bytes =
/// 192, panel_bytes = steps * 192). A direct conv (qopt_k_rows_direct) has one tap per kernel
/// position over padded channel-group planes (panel_bytes = 192): its pixel p is output row
/// p / pitch, column p % pitch, and the columns from `width` on are not outputs: they are
/// computed but not stored, and the stored pixels are renumbered row * width + column (out is
/// then the result's first pixel, whatever pixel0 is).
typedef struct qopt_uk_rows_src {
  const uint8_t *x;
  int64_t panel_bytes, step_bytes;
  int64_t taps;             /* >= 1, dividing the steps */
  const int64_t *tap_bytes; /* taps entries */
  int64_t pitch;            /* 0: every pixel is an output, stored at p */
  int64_t width;            /* the output columns of a padded row (pitch != 0) */
  int64_t pixel0;           /* the padded pixel index of x's first pixel (pitch != 0) */
} qopt_uk_rows_src;

/// The "weights as rows" GEMMs (ROWS layouts): out[n * ldc + p] = epilogue_n(sum_k w[n][k] *
/// x[k][p]) for n < N, p < P, the epilogue's arrays indexed by the output channel n; x as `src`
/// says. Only the P pixels of a panel are read, and only the output pixels written.
void qopt_uk_rows_u8s8_avx512vnni(const int8_t *packed, const qopt_uk_rows_src *src, int64_t N,
                                  int64_t P, int64_t K, const qopt_uk_epilogue *ep, void *out,
                                  int64_t ldc);
/// out_kind QOPT_UK_OUT_F32, QOPT_UK_OUT_BF16 or QOPT_UK_OUT_F16 (= QOPT_K_OUT_F16, 16).
void qopt_uk_rows_f32_avx512(const float *packed, const qopt_uk_rows_src *src, int64_t N,
                             int64_t P, int64_t K, const qopt_uk_float_epilogue *ep, void *out,
                             int64_t ldc);
void qopt_uk_rows_bf16_avx512bf16(const uint16_t *packed, const qopt_uk_rows_src *src, int64_t N,
                                  int64_t P, int64_t K, const qopt_uk_float_epilogue *ep,
                                  void *out, int64_t ldc);

/// dst[i] = src[i] + 128 as u8 (the i8 -> u8 shift whose compensation is in the folded bias).
void qopt_uk_shift_s8_to_u8_avx512(const int8_t *src, uint8_t *dst, int64_t n);
void qopt_uk_shift_s8_to_u8_avx2(const int8_t *src, uint8_t *dst, int64_t n);

#ifdef __cplusplus
}
#endif

#endif
