// Layers as the lowering emits them: op kernel calls with constant params. check-opkernel-bitcode.sh
// links this with each target's kernel bitcode and expects every call inlined, vectorised and
// free of library calls (no fmaf / rintf / sqrtf / f16 conversion helpers).
#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

static const qopt_k_unary_params kGelu = {4096, QOPT_K_GELU_ERF, QOPT_K_F32, QOPT_K_F32, 0, 0, 0};
void layer_gelu(void *const *ops, int64_t batch) { qopt_k_unary(&kGelu, ops, batch, 0); }

static const qopt_k_unary_params kTanhF16 = {1000, QOPT_K_TANH, QOPT_K_F16, QOPT_K_F16, 0, 0, 0};
void layer_tanh_f16(void *const *ops, int64_t batch) { qopt_k_unary(&kTanhF16, ops, batch, 0); }

static const qopt_k_softmax_params kSoftmax = {1, 1000, 1, QOPT_K_F32, QOPT_K_F32, 0, 0};
void layer_softmax(void *const *ops, int64_t batch) { qopt_k_softmax(&kSoftmax, ops, batch, 0, 0); }

static const qopt_k_quantize_params kQuant = {784, QOPT_K_F32, QOPT_K_U8, 0, 255,
                                               {0.0123f, 128, 0, 0, 0}};
void layer_quantize(void *const *ops, int64_t batch) { qopt_k_quantize(&kQuant, ops, batch, 0); }

static const qopt_k_binary_params kAdd = {QOPT_K_ADD, QOPT_K_BF16, QOPT_K_BF16, QOPT_K_BF16, 2, 0,
                                          {64, 512}, {512, 1}, {0, 1}, 64 * 512, 0};
void layer_add_bf16(void *const *ops, int64_t batch) { qopt_k_binary(&kAdd, ops, batch, 0); }
