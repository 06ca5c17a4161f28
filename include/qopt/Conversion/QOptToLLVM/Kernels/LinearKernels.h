/* The linear-op kernels of the native backend: fully_connected, conv2d and matmul, built on the
 * GEMM microkernels of UKernels.h. The calling convention of OpKernels.h (qopt_k_fn: params,
 * operands (result first), batch, scratch) plus the entry's qopt_native_env: when it has more
 * than one thread, a kernel splits its work over them with env->parallel_for (the GEMM by rows
 * or by column blocks, the gathers by disjoint ranges of the same scratch, so that no thread
 * needs scratch of its own). The runtime passes one thread when it already runs batch slices in
 * parallel.
 *
 * Every symbol exists in every target's bitcode, calling that target's microkernels (vpdpbusd or
 * exact vpmaddwd for int8, zmm or ymm FMA for float, vdpbf16ps only in avx512bf16; precompiled
 * into the target's object, see Kernels/CMakeLists.txt), so the lowering names one kernel per op and the target only decides how qopt-pack-weights lays out the
 * weights (`layout`, checked by the kernel against its own).
 */
#ifndef QOPT_CONVERSION_QOPTTOLLVM_KERNELS_LINEARKERNELS_H
#define QOPT_CONVERSION_QOPTTOLLVM_KERNELS_LINEARKERNELS_H

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"
#include "qopt/Runtime/NativeAbi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The GEMM of one linear op: out[m][n] for m < rows * batch (fully_connected) or per image
 * (conv2d), n < n, over k.
 * Quantized (x_type U8 / I8): operands after x are packed weights (layout), folded i32 bias
 * (np entries), acc scales f32 (np), and a float bias f32 (np) or null; the epilogue is
 * qopt_uk_epilogue's with out_kind U8 / I8 / I32 / F32.
 * Float (x_type F32 / F16 / BF16): packed weights, then the bias as f32 (np) or null; out_kind
 * F32 / BF16 / QOPT_K_OUT_F16. Activations of another float type than the weights' are converted
 * to f32 in scratch first. */
enum { QOPT_K_OUT_F16 = 16 };

typedef struct qopt_k_gemm_params {
  int64_t rows; /* rows per sample (fully_connected: the product of the input's middle dims) */
  int64_t n, k, np;
  int32_t layout;   /* qopt_uk_layout of the packed weights */
  int32_t x_type;   /* qopt_k_dtype */
  int32_t out_kind; /* qopt_uk_out_kind, or QOPT_K_OUT_F16 */
  int32_t has_act;
  float act_lo, act_hi;
  float out_scale;
  int32_t out_zp, qmin, qmax;
  int32_t has_float_bias;
  int32_t reserved;
} qopt_k_gemm_params;

/* fully_connected. Scratch (per sample): i8 activations shifted to u8 (rows * k bytes), or
 * float activations converted to f32 (rows * k * 4), and an f32 result for 16-bit outputs
 * (rows * np * 4), each part rounded up to 64 bytes. */
void qopt_k_fully_connected(const qopt_k_gemm_params *p, void *const *operands, int64_t batch,
                            void *scratch, const qopt_native_env *env);

/* conv2d (NCHW in, OIHW weights) as implicit GEMM per image and group: an im2col buffer
 * [out_h * out_w][k] (quantized: padded with the input zero point, i8 shifted by +128), the GEMM
 * of gemm (rows = out_h * out_w, n = channels per group), then the [pixel][channel] result
 * written to NCHW. The packed weights, bias and scales of group g start at g * group_packed_bytes
 * and g * gemm.np. Scratch (fixed): im2col (rows * k elements, f32 for float) + result (rows * np
 * * 4), each rounded up to 64 bytes. */
typedef struct qopt_k_conv2d_params {
  qopt_k_gemm_params gemm;
  int64_t channels, in_h, in_w, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w;
  int64_t groups, out_channels;
  int64_t group_packed_bytes;
  int32_t x_zp; /* quantized: the stored value of real 0 (padding) */
  /* Float only: operands[2] is the OIHW weight as the graph computes it (of x_type) and
   * operands[3] the [out_channels] bias or null, packed at run time into scratch after the
   * im2col and result parts (groups * group_packed_bytes, then groups * np f32 of bias). */
  int32_t runtime_weights;
  /* The packed weights' k runs tap-major, (kernel row, kernel column, channel), instead of OIHW's
   * (channel, kernel row, kernel column): the kernel then transposes each image group to HWC in
   * scratch (in_h * in_w * channels-per-group elements, after the result part) and gathers each
   * tap's channels with one contiguous copy. Set for constant weights. */
  int32_t tap_major;
  int32_t reserved;
} qopt_k_conv2d_params;
void qopt_k_conv2d(const qopt_k_conv2d_params *p, void *const *operands, int64_t batch,
                   void *scratch, const qopt_native_env *env);

/* A 1x1 conv with stride 1 and no padding: its im2col matrix is the image itself. */
static inline int qopt_k_conv_pointwise(const qopt_k_conv2d_params *p) {
  return p->kernel_h == 1 && p->kernel_w == 1 && p->stride_h == 1 && p->stride_w == 1 &&
         p->pad_top == 0 && p->pad_left == 0 && p->out_h == p->in_h && p->out_w == p->in_w;
}

/* The ROWS layouts of UKernels.h (avx512): conv2d as out[n][p] = sum_k w[n][k] * x[k][p] per
 * image and group, written to NCHW directly (Kernels/RowsConv.h). The [K][P] matrix (k
 * tap-major as for tap_major, P = out_h * out_w; u8 quantized, bf16 for the bf16 layout, else
 * f32) is the image itself for a pointwise conv of u8 / i8, bf16 or f32 input; otherwise it is
 * gathered into scratch. The 8- and 16-bit forms then interleave it into the GEMM's panels
 * (roundup(P, 48) pixels x roundup(K, 4) bytes, or x roundup(K, 2) bf16). */
static inline int qopt_k_conv_rows(const qopt_k_conv2d_params *p) {
  return p->gemm.layout == QOPT_UK_LAYOUT_ROWS_VNNI || p->gemm.layout == QOPT_UK_LAYOUT_ROWS_F32 ||
         p->gemm.layout == QOPT_UK_LAYOUT_ROWS_BF16;
}
static inline int qopt_k_rows_in_place(const qopt_k_conv2d_params *p) {
  int32_t x = p->gemm.x_type;
  return qopt_k_conv_pointwise(p) && (x == QOPT_K_U8 || x == QOPT_K_I8 || x == QOPT_K_F32 ||
                                      p->gemm.layout == QOPT_UK_LAYOUT_ROWS_BF16);
}
/* A direct ROWS conv (no [K][P] matrix): the image group in padded planes, one per channel group
 * of qopt_k_rows_lane_channels channels (the dword of a GEMM step: 4 u8, 2 bf16 or 1 f32) and per
 * phase of the stride that a tap reads (min(stride, kernel) per axis), each of
 * qopt_k_direct_rows rows of qopt_k_direct_pitch dwords. Tap (kh, kw) reads phase
 * (kh % stride_h, kw % stride_w) at row kh / stride_h, column kw / stride_w, so every tap of
 * output pixel (oh, ow) is the dword (oh + kh / stride_h) * pitch + ow + kw / stride_w of its
 * plane: the GEMM runs over out_h * pitch pixels, of which the last pitch - out_w of a row are
 * not outputs. The k order is the tap-major order, so the weights are the ROWS layouts as they
 * are (int8 with each tap's channels padded to 4). Scratch: the planes, then the taps' byte
 * offsets (int64 each). */
static inline int64_t qopt_k_rows_lane_channels(const qopt_k_conv2d_params *p) {
  return p->gemm.layout == QOPT_UK_LAYOUT_ROWS_VNNI ? 4
                                                    : (p->gemm.layout == QOPT_UK_LAYOUT_ROWS_BF16 ? 2 : 1);
}
/* Channel groups of a direct conv's image group: the channels rounded up to the lane channels
 * (the int8 lowering pads each tap's weights with zeros to that: gemm.k = taps x the multiple). */
static inline int64_t qopt_k_direct_groups(const qopt_k_conv2d_params *p) {
  int64_t g = qopt_k_rows_lane_channels(p);
  return (p->channels / p->groups + g - 1) / g;
}
static inline int qopt_k_rows_direct(const qopt_k_conv2d_params *p) {
  return qopt_k_conv_rows(p) && !qopt_k_rows_in_place(p) && p->dilation_h == 1 &&
         p->dilation_w == 1 &&
         p->gemm.k == p->kernel_h * p->kernel_w * qopt_k_direct_groups(p) * qopt_k_rows_lane_channels(p);
}
static inline int64_t qopt_k_direct_phases(const qopt_k_conv2d_params *p) {
  return (p->stride_h < p->kernel_h ? p->stride_h : p->kernel_h) *
         (p->stride_w < p->kernel_w ? p->stride_w : p->kernel_w);
}
static inline int64_t qopt_k_direct_pitch(const qopt_k_conv2d_params *p) {
  return p->out_w + (p->kernel_w - 1) / p->stride_w;
}
static inline int64_t qopt_k_direct_rows(const qopt_k_conv2d_params *p) {
  return p->out_h + (p->kernel_h - 1) / p->stride_h;
}
/* Bytes of one channel group's planes (all its phases). */
static inline int64_t qopt_k_direct_group_bytes(const qopt_k_conv2d_params *p) {
  return qopt_k_direct_phases(p) * qopt_k_direct_rows(p) * qopt_k_direct_pitch(p) * 4;
}
static inline int64_t qopt_k_rows_scratch_bytes(const qopt_k_conv2d_params *p) {
  int64_t P = p->out_h * p->out_w, K = p->gemm.k, panelPx = (P + 47) / 48 * 48;
  if (qopt_k_rows_direct(p)) {
    return (qopt_k_direct_groups(p) * qopt_k_direct_group_bytes(p) + 63) / 64 * 64 +
           p->kernel_h * p->kernel_w * 8 + 64;
  }
  int quant = p->gemm.layout == QOPT_UK_LAYOUT_ROWS_VNNI;
  int bf16 = p->gemm.layout == QOPT_UK_LAYOUT_ROWS_BF16;
  int64_t eb = quant ? 1 : (bf16 ? 2 : 4);
  int64_t mat = qopt_k_rows_in_place(p) ? 0 : (K * P * eb + 63) / 64 * 64;
  int64_t panels = quant ? panelPx * ((K + 3) / 4 * 4) : (bf16 ? panelPx * ((K + 1) / 2 * 4) : 0);
  return mat + panels + 64;
}

/* Depthwise conv2d (channels == groups) runs as a direct stencil instead (DepthwiseOps.h): per
 * input plane, scratch holds the plane with its padding materialized, split into stride_w phase
 * planes of qopt_k_dw_rows rows of qopt_k_dw_row_len elements (u8 quantized, f32 float). The
 * lowering sizes that scratch with qopt_k_dw_scratch_bytes (lanes = 16, the widest target). */
enum { QOPT_K_DW_MAX_TAPS = 64 }; /* larger kernels keep im2col + GEMM */
static inline int qopt_k_dw_applies(const qopt_k_conv2d_params *p) {
  return p->channels == p->groups && p->gemm.k == p->kernel_h * p->kernel_w &&
         p->gemm.k <= QOPT_K_DW_MAX_TAPS;
}
static inline int64_t qopt_k_dw_rows(const qopt_k_conv2d_params *p) {
  return (p->out_h - 1) * p->stride_h + (p->kernel_h - 1) * p->dilation_h + 1;
}
static inline int64_t qopt_k_dw_row_len(const qopt_k_conv2d_params *p, int64_t lanes) {
  /* Whole vectors over out_w, plus the farthest tap's offset within a phase row. */
  int64_t reach = (p->kernel_w - 1) * p->dilation_w / p->stride_w;
  int64_t vecs = (p->out_w + lanes - 1) / lanes * lanes;
  return (vecs + reach + 1 + lanes - 1) / lanes * lanes;
}
/* The avx512 int8 form for stride_w 1 or 2 without horizontal dilation (vpdpbusd over 4 taps of
 * a kernel row): per padded row, a dword per output column q holding the bytes of input columns
 * stride_w * q + 0..3, qopt_k_dw_quad_row_len dwords per row. */
static inline int qopt_k_dw_quads_apply(const qopt_k_conv2d_params *p) {
  return p->dilation_w == 1 && (p->stride_w == 1 || p->stride_w == 2);
}
static inline int64_t qopt_k_dw_quad_row_len(const qopt_k_conv2d_params *p) {
  int64_t reach = ((p->kernel_w + 3) / 4 - 1) * 4 / p->stride_w; /* the last tap group's offset */
  return ((p->out_w + 15) / 16 * 16 + reach + 1 + 15) / 16 * 16;
}
static inline int64_t qopt_k_dw_scratch_bytes(const qopt_k_conv2d_params *p, int64_t elemBytes) {
  int64_t planes = p->stride_w * qopt_k_dw_rows(p) * qopt_k_dw_row_len(p, 16) * elemBytes + 64;
  int64_t len = qopt_k_dw_quad_row_len(p);
  int64_t quads = qopt_k_dw_rows(p) * len * 4 + 64;
  return elemBytes == 1 && qopt_k_dw_quads_apply(p) && quads > planes ? quads : planes;
}

/* matmul of float tensors with broadcast batch dimensions, per sample: lhs [lhs_batch..., m, k],
 * rhs [rhs_batch..., k, n] -> [out_batch..., m, n]; the batch dims are given as out_batch (count
 * `batch_count`, flattened) with lhs/rhs matrix strides per flattened index (0 for a broadcast
 * operand). rhs is packed at run time into scratch (f32 layout of the target). lhs_sample_stride /
 * rhs_sample_stride: elements between samples of the model's batch, 0 when unbatched.
 * Scratch (fixed): scratch_parts parts of part_scratch_bytes each: packed rhs (roundup(n, 48) *
 * k * 4) + f32 lhs (m * k * 4) + f32 result (m * n * 4), each rounded up to 64 bytes. Matrices
 * too small to split over threads run up to scratch_parts at a time, one per part. */
typedef struct qopt_k_matmul_params {
  int64_t m, n, k;
  int64_t batch_count;
  int64_t lhs_index_stride[QOPT_K_MAX_RANK], rhs_index_stride[QOPT_K_MAX_RANK];
  int64_t out_batch_dims[QOPT_K_MAX_RANK];
  int32_t batch_rank;
  int32_t lhs_type, rhs_type, out_type;
  int64_t lhs_sample_stride, rhs_sample_stride;
  int64_t scratch_parts, part_scratch_bytes;
  /* out = out_scale * (lhs x rhs) when has_out_scale: a following multiply by a scalar constant
   * (attention's 1 / sqrt(d)) folded in, the same float32 product as that op's, applied to each
   * block of the result while it is in cache instead of in a pass of its own. f32 results only. */
  float out_scale;
  int32_t has_out_scale;
} qopt_k_matmul_params;
void qopt_k_matmul(const qopt_k_matmul_params *p, void *const *operands, int64_t batch,
                   void *scratch, const qopt_native_env *env);

#ifdef __cplusplus
}
#endif

#endif
