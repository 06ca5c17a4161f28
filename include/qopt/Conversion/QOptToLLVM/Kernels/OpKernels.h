/* The op kernels of the native backend: everything that is not a GEMM (UKernels.h has those).
 *
 * Like the GEMM microkernels these are freestanding C++ (no libc, no libm, no allocation, no
 * exceptions), built to native objects for the unit tests and to LLVM bitcode per target, which
 * the lowering links into the model's module. The lowering calls a kernel with a pointer to a
 * constant params struct that it fills at compile time (so after inlining every shape is a
 * constant and LLVM specialises and vectorises the loops); only `batch` is a run-time value.
 *
 * One signature for all (qopt_k_fn):
 *   void qopt_k_<name>(const qopt_k_<name>_params *p, void *const *operands, int64_t batch,
 *                      void *scratch);
 *   operands[0] is the output, operands[1..] the inputs in the op's order (an absent optional
 *   input is null). `scratch` is the kernel's own scratch space of the size its comment states
 *   (64-byte aligned), or null when it needs none.
 *
 * Batch convention: a tensor is "batched" when its leading dimension is the model's dynamic batch
 * dimension. The params give the shapes of ONE sample (batched tensors without their leading
 * dimension); a batched operand holds `batch` such samples back to back; an unbatched operand
 * (a constant, say) is the same for every sample. For a model with static shapes batch is 1 and the
 * params give whole tensors. Kernels never reduce or mix across samples, except the one documented
 * below (fake_quant_dynamic).
 *
 * Semantics: the reference executor (lib/Reference) is the oracle. Integer results are bit-exact
 * with it (QuantMath.h's functions, round half to even, saturating). Float results compute in f32
 * (16-bit storage is converted on load and rounded to nearest even on store) and stay within the
 * tolerance each kernel states against the reference, which accumulates in double.
 * Kernels assume the default MXCSR (round to nearest even, no FTZ/DAZ).
 *
 * No kernel needs scratch (pass null) or aligned operands. The output may be the same buffer as
 * an input (exactly the same pointer, same element size) for unary, binary, cast, quantize,
 * dequantize, requantize, fake_quant_dynamic, softmax, layer_norm and batch_norm; never for the
 * pools, reduce or the movement kernels. Float results do not depend on the target (avx2 and
 * avx512 builds agree bit for bit) as long as the module they are inlined into gets no fast-math
 * flags and no fp contraction; the bitcode calls llvm.fma, llvm.rint and llvm.sqrt and converts
 * f16, so the target machine needs +fma, +sse4.1 and +f16c (all targets have them) or these
 * become libm calls.
 */
#ifndef QOPT_CONVERSION_QOPTTOLLVM_KERNELS_OPKERNELS_H
#define QOPT_CONVERSION_QOPTTOLLVM_KERNELS_OPKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { QOPT_K_MAX_RANK = 8, QOPT_K_MAX_CONCAT = 32 };

/* Storage element types. f16 is IEEE binary16, bf16 the upper half of an f32. */
enum qopt_k_dtype {
  QOPT_K_F32 = 0,
  QOPT_K_F16 = 1,
  QOPT_K_BF16 = 2,
  QOPT_K_U8 = 3,
  QOPT_K_I8 = 4,
  QOPT_K_I32 = 5,
  QOPT_K_I64 = 6,
  QOPT_K_F64 = 7, /* qopt_k_cast only, computed through f32 like the reference's f64 */
};

/*===------------------------------------------------------------------------------------------===*
 * Elementwise
 *===------------------------------------------------------------------------------------------===*/

enum qopt_k_unary_fn {
  QOPT_K_RELU = 0,
  QOPT_K_CLAMP = 1,      /* a = min, b = max: x < a ? a : (x > b ? b : x) */
  QOPT_K_LEAKY_RELU = 2, /* a = alpha */
  QOPT_K_SIGMOID = 3,
  QOPT_K_TANH = 4,
  QOPT_K_GELU_ERF = 5,
  QOPT_K_GELU_TANH = 6,
  QOPT_K_EXP = 7,
  QOPT_K_SQRT = 8,
  QOPT_K_NEG = 9,
  QOPT_K_ERF = 10,
};

/* out[i] = fn(in[i]) for i in [0, n * batch) (both operands batched, or a static model).
 * Float types only (in_type, out_type in F32 / F16 / BF16). exp, sigmoid, tanh, erf and gelu use
 * vectorisable approximations; the header of their implementation states the measured maximum
 * error, and the tests hold them to it. */
typedef struct qopt_k_unary_params {
  int64_t n; /* elements per sample */
  int32_t fn, in_type, out_type, reserved;
  float a, b;
} qopt_k_unary_params;
void qopt_k_unary(const qopt_k_unary_params *p, void *const *operands, int64_t batch,
                  void *scratch);

enum qopt_k_binary_fn { QOPT_K_ADD = 0, QOPT_K_SUB = 1, QOPT_K_MUL = 2, QOPT_K_DIV = 3,
                        QOPT_K_POW = 4 };

/* out = a (fn) b with numpy broadcasting, float types. Per sample, out has `rank` dims
 * out_dims; element (i_0 .. i_{rank-1}) of a is at sum_d i_d * a_strides[d] (elements; 0 on a
 * broadcast dimension), likewise b. Sample s of a starts at s * a_sample_stride (0 when a is
 * unbatched), likewise b; out's samples are dense. rank 0 means one element per sample. */
typedef struct qopt_k_binary_params {
  int32_t fn, a_type, b_type, out_type;
  int32_t rank, reserved;
  int64_t out_dims[QOPT_K_MAX_RANK];
  int64_t a_strides[QOPT_K_MAX_RANK], b_strides[QOPT_K_MAX_RANK];
  int64_t a_sample_stride, b_sample_stride;
} qopt_k_binary_params;
void qopt_k_binary(const qopt_k_binary_params *p, void *const *operands, int64_t batch,
                   void *scratch);

/* Conversion between float types (qopt.cast): round to nearest even on narrowing. Exact. F64 is
 * allowed on either side and goes through f32, as the reference executor computes f64. */
typedef struct qopt_k_cast_params {
  int64_t n; /* elements per sample */
  int32_t in_type, out_type;
} qopt_k_cast_params;
void qopt_k_cast(const qopt_k_cast_params *p, void *const *operands, int64_t batch,
                 void *scratch);

/*===------------------------------------------------------------------------------------------===*
 * Quantization (bit-exact with QuantMath.h)
 *===------------------------------------------------------------------------------------------===*/

/* Per-tensor when axis_len == 0: one scale / zero point in the params. Per-axis otherwise: the
 * per-sample tensor is viewed as [outer, axis_len, inner] and element (o, c, i) uses scales[c] and
 * zero_points[c], read from the operands after the data operand (f32 and i32 arrays of axis_len). */
typedef struct qopt_k_qparams {
  float scale;
  int32_t zero_point;
  int64_t outer, axis_len, inner;
} qopt_k_qparams;

/* out = quantize(in, scale, zp, qmin, qmax) (QuantMath quantize: x / scale in f32, round half to
 * even, +zp, saturate; NaN -> zp). in: F32/F16/BF16; out: U8/I8/I32.
 * operands: out, in [, scales, zero_points]. */
typedef struct qopt_k_quantize_params {
  int64_t n; /* elements per sample */
  int32_t in_type, out_type;
  int32_t qmin, qmax;
  qopt_k_qparams q;
} qopt_k_quantize_params;
void qopt_k_quantize(const qopt_k_quantize_params *p, void *const *operands, int64_t batch,
                     void *scratch);

/* out = (float)(in - zp) * scale (QuantMath dequantize). in: U8/I8/I32; out: F32/F16/BF16.
 * operands: out, in [, scales, zero_points]. */
typedef struct qopt_k_dequantize_params {
  int64_t n;
  int32_t in_type, out_type;
  qopt_k_qparams q;
} qopt_k_dequantize_params;
void qopt_k_dequantize(const qopt_k_dequantize_params *p, void *const *operands, int64_t batch,
                       void *scratch);

/* out = QuantMath requantize(in, in_scale, in_zp, out_scale, out_zp, qmin, qmax), per tensor.
 * in and out: U8/I8/I32. */
typedef struct qopt_k_requantize_params {
  int64_t n;
  int32_t in_type, out_type;
  float in_scale, out_scale;
  int32_t in_zp, out_zp, qmin, qmax;
} qopt_k_requantize_params;
void qopt_k_requantize(const qopt_k_requantize_params *p, void *const *operands, int64_t batch,
                       void *scratch);

/* qopt.fake_quant_dynamic: the reference's per-tensor dynamic fake quantization, with the range
 * taken over the WHOLE tensor, all `batch` samples together (so this op is not batch-parallel).
 * Float in and out. */
typedef struct qopt_k_fake_quant_params {
  int64_t n; /* elements per sample */
  int32_t in_type, out_type;
  int32_t signed_storage;
  int32_t reserved;
} qopt_k_fake_quant_params;
void qopt_k_fake_quant_dynamic(const qopt_k_fake_quant_params *p, void *const *operands,
                               int64_t batch, void *scratch);

/*===------------------------------------------------------------------------------------------===*
 * Normalization, softmax, reductions (float types; sums in f32 with a stated tolerance)
 *===------------------------------------------------------------------------------------------===*/

/* Per sample the input is [outer, len, inner]; softmax (or log_softmax) along len. */
typedef struct qopt_k_softmax_params {
  int64_t outer, len, inner;
  int32_t in_type, out_type;
  int32_t log;
  int32_t reserved;
} qopt_k_softmax_params;
/* softmax and layer_norm take the qopt_native_env (NativeAbi.h) as a fifth argument, as
 * max_pool2d does, and split their rows over the runtime's threads when there are enough; env
 * may be null (one thread). */
struct qopt_native_env;
void qopt_k_softmax(const qopt_k_softmax_params *p, void *const *operands, int64_t batch,
                    void *scratch, const struct qopt_native_env *env);

/* layer_norm: per sample [outer, inner], normalised over inner (biased variance, two passes),
 * y = (x - mean) / sqrt(var + eps) * scale[k] + bias[k]. operands: out, x, scale, bias (or null). */
typedef struct qopt_k_layer_norm_params {
  int64_t outer, inner;
  float epsilon;
  int32_t in_type, out_type, scale_type, bias_type;
  int32_t reserved;
} qopt_k_layer_norm_params;
void qopt_k_layer_norm(const qopt_k_layer_norm_params *p, void *const *operands, int64_t batch,
                       void *scratch, const struct qopt_native_env *env);

/* batch_norm (inference): per sample [channels, spatial]. operands: out, x, scale, bias, mean,
 * variance (each `channels` elements of param_type). Same formula as the reference. A static
 * input [N, C, ...] is one sample of N [channels, spatial] blocks: `blocks` is N (0 means 1). */
typedef struct qopt_k_batch_norm_params {
  int64_t channels, spatial;
  float epsilon;
  int32_t in_type, out_type, param_type;
  int64_t blocks; /* appended: a static batch N > 1 (ONNX's BatchNormalization cases) */
} qopt_k_batch_norm_params;
void qopt_k_batch_norm(const qopt_k_batch_norm_params *p, void *const *operands, int64_t batch,
                       void *scratch);

enum qopt_k_reduce_fn { QOPT_K_REDUCE_MEAN = 0, QOPT_K_REDUCE_SUM = 1, QOPT_K_REDUCE_MAX = 2,
                        QOPT_K_REDUCE_MIN = 3 };

/* Per sample the input has `rank` dims in_dims; the dims whose bit is set in reduce_mask are
 * reduced; the output (per sample) holds the remaining dims in order (keepdims does not change the
 * data). */
typedef struct qopt_k_reduce_params {
  int32_t fn, in_type, out_type, rank;
  int64_t in_dims[QOPT_K_MAX_RANK];
  uint32_t reduce_mask;
  int32_t reserved;
} qopt_k_reduce_params;
void qopt_k_reduce(const qopt_k_reduce_params *p, void *const *operands, int64_t batch,
                   void *scratch);

/*===------------------------------------------------------------------------------------------===*
 * Pools (NCHW; per sample [channels, in_h, in_w] -> [channels, out_h, out_w])
 *===------------------------------------------------------------------------------------------===*/

/* max_pool2d: float types, or U8 / I8 (exact; out has the input's type and quantization).
 * avg_pool2d: float types; count_include_pad as the reference, whose divisor is the window
 * clipped to the padded input (hence pad_bottom / pad_right); avg_pool2d ignores the dilations
 * (the reference pools avg with unit dilation). Padding never wins a max; a window entirely in
 * the padding gives -inf (float) or the storage type's minimum (U8 / I8). */
typedef struct qopt_k_pool2d_params {
  int64_t channels, in_h, in_w, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
  int32_t in_type, out_type;
  int32_t count_include_pad;
  int32_t reserved;
  int64_t pad_bottom, pad_right; /* appended: needed by avg_pool2d's count_include_pad divisor */
} qopt_k_pool2d_params;
/* max_pool2d takes the qopt_native_env (NativeAbi.h) as a fifth argument, as the linear kernels
 * do, and splits its planes over the runtime's threads when it reads 2 MiB or more; env may be
 * null (one thread). */
struct qopt_native_env;
void qopt_k_max_pool2d(const qopt_k_pool2d_params *p, void *const *operands, int64_t batch,
                       void *scratch, const struct qopt_native_env *env);
void qopt_k_avg_pool2d(const qopt_k_pool2d_params *p, void *const *operands, int64_t batch,
                       void *scratch);

/* global_avg_pool: per sample [channels, spatial] -> [channels]. Float types. */
typedef struct qopt_k_global_avg_pool_params {
  int64_t channels, spatial;
  int32_t in_type, out_type;
} qopt_k_global_avg_pool_params;
void qopt_k_global_avg_pool(const qopt_k_global_avg_pool_params *p, void *const *operands,
                            int64_t batch, void *scratch);

/*===------------------------------------------------------------------------------------------===*
 * Data movement (any element type: they copy elem_size-byte elements, 1, 2, 4 or 8)
 *===------------------------------------------------------------------------------------------===*/

/* Per sample: out dim d = in dim perm[d]. */
typedef struct qopt_k_transpose_params {
  int32_t rank, elem_size;
  int64_t in_dims[QOPT_K_MAX_RANK];
  int64_t perm[QOPT_K_MAX_RANK];
} qopt_k_transpose_params;
void qopt_k_transpose(const qopt_k_transpose_params *p, void *const *operands, int64_t batch,
                      void *scratch);

/* Per sample each input i is [outer, chunk[i]] (chunk = its axis dim times the inner size, in
 * elements) and the output [outer, sum of chunks]. Input i is unbatched (the same for every
 * sample) when batched[i] is 0. */
typedef struct qopt_k_concat_params {
  int32_t num_inputs, elem_size;
  int64_t outer;
  int64_t chunk[QOPT_K_MAX_CONCAT];
  int32_t batched[QOPT_K_MAX_CONCAT];
} qopt_k_concat_params;
void qopt_k_concat(const qopt_k_concat_params *p, void *const *operands, int64_t batch,
                   void *scratch);

/* Per sample: out[i_0..] = in[starts[d] + i_d * steps[d] ...] (starts already normalised into
 * range, steps non-zero, possibly negative). */
typedef struct qopt_k_slice_params {
  int32_t rank, elem_size;
  int64_t in_dims[QOPT_K_MAX_RANK];
  int64_t out_dims[QOPT_K_MAX_RANK];
  int64_t starts[QOPT_K_MAX_RANK];
  int64_t steps[QOPT_K_MAX_RANK];
} qopt_k_slice_params;
void qopt_k_slice(const qopt_k_slice_params *p, void *const *operands, int64_t batch,
                  void *scratch);

/* Per sample the input is [outer, axis_len, inner] and the output [outer, num_indices, inner];
 * operands: out, in, indices (num_indices i64, already normalised into [0, axis_len)). */
typedef struct qopt_k_gather_params {
  int32_t elem_size, reserved;
  int64_t outer, axis_len, inner, num_indices;
} qopt_k_gather_params;
void qopt_k_gather(const qopt_k_gather_params *p, void *const *operands, int64_t batch,
                   void *scratch);

#ifdef __cplusplus
}
#endif

#endif
