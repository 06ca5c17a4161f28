// Which microkernel variants this CPU (and its OS) can run, for the kernel tests and benchmarks.
// cpuid says what the core implements; xgetbv says whether the OS saves the ymm / zmm state, without
// which AVX / AVX-512 instructions fault even on a CPU that has them.
#ifndef QOPT_CONVERSION_QOPTTOLLVM_KERNELS_HOSTCPU_H
#define QOPT_CONVERSION_QOPTTOLLVM_KERNELS_HOSTCPU_H

#include <cpuid.h>
#include <cstdint>

namespace mlir::qopt::ukernel {

struct HostCpu {
  bool avx2 = false, fma = false, avx512 = false, avx512vnni = false, avx512bf16 = false;

  static HostCpu detect() {
    HostCpu c;
    unsigned a, b, cx, d;
    if (!__get_cpuid(1, &a, &b, &cx, &d))
      return c;
    bool osxsave = cx & (1u << 27), hasFma = cx & (1u << 12);
    if (!osxsave)
      return c;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    bool ymmState = (lo & 0x6) == 0x6;         // SSE + AVX state
    bool zmmState = ymmState && (lo & 0xE0) == 0xE0; // opmask, zmm0-15 high, zmm16-31
    if (!__get_cpuid_count(7, 0, &a, &b, &cx, &d))
      return c;
    c.avx2 = ymmState && (b & (1u << 5));
    c.fma = ymmState && hasFma;
    bool f = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
    c.avx512 = zmmState && f && dq && bw && vl;
    c.avx512vnni = c.avx512 && (cx & (1u << 11));
    if (__get_cpuid_count(7, 1, &a, &b, &cx, &d))
      c.avx512bf16 = c.avx512 && (a & (1u << 5));
    return c;
  }
};

} // namespace mlir::qopt::ukernel

#endif
