// A layer as the lowering will emit it: a call of a microkernel with every shape constant. The
// bitcode check (check-bitcode-inlines.sh) links this with the kernel bitcode and expects the
// call to be inlined and specialized.
#include "qopt/Conversion/QOptToLLVM/Kernels/UKernels.h"

void layer(const uint8_t *x, const int8_t *w, const qopt_uk_epilogue *ep, uint8_t *y) {
  qopt_uk_gemm_u8s8_avx512vnni(x, 784, w, 64, 512, 784, 0, 512, ep, y, 512);
}
