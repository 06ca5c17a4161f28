// Microbenchmark of the GEMM microkernels against the machine's own measured peaks.
//
// Every kernel figure is op/cycle and % of the peak measured in the same run (DESIGN.md: the VMs
// vary between sessions, so peaks are never assumed). The clock comes from a chain of dependent
// adds (1 cycle each), timed with this thread's CPU time, so that the figures do not depend on the
// frequency and are less disturbed by other processes on the same cores.
//
//   ukernel_bench            a few seconds
//   ukernel_bench --smoke    one iteration of tiny shapes (does it still build and run?)
#include "qopt/Conversion/QOptToLLVM/Kernels/HostCpu.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/PackWeights.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>
#include <vector>

using namespace mlir::qopt::ukernel;

namespace {

bool smoke = false;

double threadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/// Median seconds of `repeats` runs of `f` (after one warm-up run).
double medianSeconds(int repeats, const std::function<void()> &f) {
  f();
  std::vector<double> t;
  for (int i = 0; i < repeats; ++i) {
    double t0 = threadSeconds();
    f();
    t.push_back(threadSeconds() - t0);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

//===----------------------------------------------------------------------===//
// Clock and instruction peaks
//===----------------------------------------------------------------------===//

#define REP10(x) x x x x x x x x x x

/// 100 dependent adds per iteration: 100 cycles. The addend is a register whose value the CPU
/// cannot know at rename time: Golden Cove class cores fold chains of add-immediate in the
/// renamer, which made "add $1" chains run at 6 per cycle (a 23 GHz "clock").
volatile long unknownOne = 1;
void addChain(long iters) {
  long v = 0, one = unknownOne;
  __asm__ volatile("1:\n\t" REP10(REP10("add %2, %0\n\t")) "dec %1\n\tjnz 1b"
                   : "+r"(v), "+r"(iters)
                   : "r"(one)
                   : "cc");
}

double measureGHz() {
  long iters = smoke ? 1000 : 200000;
  double s = medianSeconds(smoke ? 1 : 7, [&] { addChain(iters); });
  return iters * 100.0 / s * 1e-9;
}

// 16 independent accumulators (zmm0-15 / ymm0-15) cover latency x ports of every instruction here.
#define CHAINS16(op, a, b, reg)                                                                   \
  op " " a ", " b ", %%" reg "0\n\t" op " " a ", " b ", %%" reg "1\n\t" op " " a ", " b           \
     ", %%" reg "2\n\t" op " " a ", " b ", %%" reg "3\n\t" op " " a ", " b ", %%" reg "4\n\t" op   \
     " " a ", " b ", %%" reg "5\n\t" op " " a ", " b ", %%" reg "6\n\t" op " " a ", " b           \
     ", %%" reg "7\n\t" op " " a ", " b ", %%" reg "8\n\t" op " " a ", " b ", %%" reg "9\n\t" op   \
     " " a ", " b ", %%" reg "10\n\t" op " " a ", " b ", %%" reg "11\n\t" op " " a ", " b          \
     ", %%" reg "12\n\t" op " " a ", " b ", %%" reg "13\n\t" op " " a ", " b ", %%" reg            \
     "14\n\t" op " " a ", " b ", %%" reg "15\n\t"

#define ZMM_CLOBBERS                                                                               \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",        \
      "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17"

void fmaLoop(long iters) {
  __asm__ volatile("vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"
                   "1:\n\t" CHAINS16("vfmadd231ps", "%%zmm16", "%%zmm17", "zmm")
                       CHAINS16("vfmadd231ps", "%%zmm16", "%%zmm17", "zmm") "dec %0\n\tjnz 1b"
                   : "+r"(iters)
                   :
                   : "cc", ZMM_CLOBBERS);
}
void fmaYmmLoop(long iters) {
  __asm__ volatile("vpxor %%ymm14, %%ymm14, %%ymm14\n\tvpxor %%ymm15, %%ymm15, %%ymm15\n\t"
                   "1:\n\t"
#define FMAY(i) "vfmadd231ps %%ymm14, %%ymm15, %%ymm" #i "\n\t"
                   FMAY(0) FMAY(1) FMAY(2) FMAY(3) FMAY(4) FMAY(5) FMAY(6) FMAY(7) FMAY(8) FMAY(9)
                       FMAY(10) FMAY(11) FMAY(12) FMAY(13)
#undef FMAY
                   "dec %0\n\tjnz 1b"
                   : "+r"(iters)
                   :
                   : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                     "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}
void vnniLoop(long iters) {
  __asm__ volatile("vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"
                   "1:\n\t" CHAINS16("vpdpbusd", "%%zmm16", "%%zmm17", "zmm")
                       CHAINS16("vpdpbusd", "%%zmm16", "%%zmm17", "zmm") "dec %0\n\tjnz 1b"
                   : "+r"(iters)
                   :
                   : "cc", ZMM_CLOBBERS);
}
void bf16Loop(long iters) {
  __asm__ volatile("vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"
                   "1:\n\t" CHAINS16("vdpbf16ps", "%%zmm16", "%%zmm17", "zmm")
                       CHAINS16("vdpbf16ps", "%%zmm16", "%%zmm17", "zmm") "dec %0\n\tjnz 1b"
                   : "+r"(iters)
                   :
                   : "cc", ZMM_CLOBBERS);
}
/// The avx2 int8 kernel's instruction pair: vpmaddwd (16 multiply-adds) + vpaddd, 8 of each.
void maddwdLoop(long iters) {
  __asm__ volatile("vpxor %%ymm14, %%ymm14, %%ymm14\n\tvpxor %%ymm15, %%ymm15, %%ymm15\n\t"
                   "1:\n\t"
#define MADD(i, t) "vpmaddwd %%ymm14, %%ymm15, %%ymm" #t "\n\tvpaddd %%ymm" #t ", %%ymm" #i ", %%ymm" #i "\n\t"
                   MADD(0, 8) MADD(1, 9) MADD(2, 10) MADD(3, 11) MADD(4, 12) MADD(5, 13) MADD(6, 8)
                       MADD(7, 9) MADD(0, 10) MADD(1, 11) MADD(2, 12) MADD(3, 13) MADD(4, 8)
                           MADD(5, 9) MADD(6, 10) MADD(7, 11)
#undef MADD
                   "dec %0\n\tjnz 1b"
                   : "+r"(iters)
                   :
                   : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                     "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

/// op/cycle of a loop doing `opsPerIter` operations per iteration.
double peak(void (*loop)(long), double opsPerIter, double ghz) {
  long iters = smoke ? 100 : 2000000;
  double s = medianSeconds(smoke ? 1 : 5, [&] { loop(iters); });
  return iters * opsPerIter / (s * ghz * 1e9);
}

//===----------------------------------------------------------------------===//
// GEMM
//===----------------------------------------------------------------------===//

struct Gemm {
  const char *name;
  qopt_uk_layout layout;
  bool available;
  double peak; // op/cycle of the instruction the kernel is built on
};

double gemmOpsPerCycle(const Gemm &g, int64_t m, int64_t n, int64_t k, qopt_uk_out_kind kind,
                       double ghz, double *secondsOut = nullptr) {
  std::mt19937 rng(7);
  std::vector<uint8_t> x(m * k);
  std::vector<int8_t> w(n * k);
  for (auto &v : x)
    v = (uint8_t)rng();
  for (auto &v : w)
    v = (int8_t)(rng() % 255 - 127);
  int64_t np = paddedN(g.layout, n);
  void *packed = std::aligned_alloc(64, (packedBytes(g.layout, n, k) + 63) / 64 * 64);
  packWeightsS8(g.layout, w.data(), n, k, packed);
  std::vector<int32_t> bias(np);
  foldBias(g.layout, w.data(), n, k, nullptr, 3, false, bias.data());
  std::vector<float> wScales(n, 0.01f), scales(np);
  accScales(g.layout, 0.02f, wScales.data(), n, scales.data());
  qopt_uk_epilogue ep{};
  ep.bias = bias.data();
  ep.acc_scale = scales.data();
  ep.has_act = 1;
  ep.act_lo = 0.0f, ep.act_hi = INFINITY;
  ep.out_scale = 0.7f, ep.out_zp = 5, ep.qmin = 0, ep.qmax = 255;
  ep.out_kind = kind;
  std::vector<int32_t> out(m * n);
  auto run = [&] {
    if (g.layout == QOPT_UK_LAYOUT_VNNI)
      qopt_uk_gemm_u8s8_avx512vnni(x.data(), k, static_cast<const int8_t *>(packed), m, n, k, 0, n,
                                   &ep, out.data(), n);
    else
      qopt_uk_gemm_u8s8_avx2(x.data(), k, static_cast<const int16_t *>(packed), m, n, k, 0, n, &ep,
                             out.data(), n);
  };
  // About 0.3 s per shape, at least 5 repeats.
  double once = medianSeconds(1, run);
  int repeats = smoke ? 1 : std::max(5, (int)(0.3 / std::max(once, 1e-6)));
  double s = medianSeconds(repeats, run);
  std::free(packed);
  if (secondsOut)
    *secondsOut = s;
  return 2.0 * m * n * k / (s * ghz * 1e9);
}

/// op/cycle of the float kernels (f32 or bf16), f32 output with bias + relu.
double floatGemmOpsPerCycle(bool bf16, bool avx2, int64_t m, int64_t n, int64_t k, double ghz) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const qopt_uk_layout layout =
      bf16 ? QOPT_UK_LAYOUT_BF16 : (avx2 ? QOPT_UK_LAYOUT_F32_AVX2 : QOPT_UK_LAYOUT_F32);
  std::vector<float> xf(m * k), w(n * k);
  for (auto &v : xf)
    v = dist(rng);
  for (auto &v : w)
    v = dist(rng);
  std::vector<uint16_t> xb(m * k);
  for (int64_t i = 0; i < m * k; ++i)
    xb[i] = floatToBf16(xf[i]);
  void *packed = std::aligned_alloc(64, (packedBytes(layout, n, k) + 63) / 64 * 64);
  packWeightsFloat(layout, w.data(), n, k, packed);
  std::vector<float> bias(paddedN(layout, n), 0.5f), out(m * n);
  qopt_uk_float_epilogue ep{bias.data(), 0.0f, INFINITY, 1, QOPT_UK_OUT_F32};
  auto run = [&] {
    if (bf16)
      qopt_uk_gemm_bf16_avx512bf16(xb.data(), k, static_cast<const uint16_t *>(packed), m, n, k, 0,
                                   n, &ep, out.data(), n);
    else if (avx2)
      qopt_uk_gemm_f32_avx2(xf.data(), k, static_cast<const float *>(packed), m, n, k, 0, n, &ep,
                            out.data(), n);
    else
      qopt_uk_gemm_f32_avx512(xf.data(), k, static_cast<const float *>(packed), m, n, k, 0, n, &ep,
                              out.data(), n);
  };
  double once = medianSeconds(1, run);
  int repeats = smoke ? 1 : std::max(5, (int)(0.3 / std::max(once, 1e-6)));
  double s = medianSeconds(repeats, run);
  std::free(packed);
  return 2.0 * m * n * k / (s * ghz * 1e9);
}

} // namespace

int main(int argc, char **argv) {
  bool peaksOnly = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--smoke"))
      smoke = true;
    else if (!std::strcmp(argv[i], "--peaks"))
      peaksOnly = true; // the clock and instruction peaks only (bench/native_bench.py reads them)
    else {
      std::fprintf(stderr, "usage: %s [--smoke] [--peaks]\n", argv[0]);
      return 2;
    }
  }
  HostCpu cpu = HostCpu::detect();
  if (FILE *f = std::fopen("/proc/loadavg", "r")) {
    char buf[128] = {0};
    if (std::fgets(buf, sizeof buf, f))
      std::printf("load average: %s", buf);
    std::fclose(f);
  }
  double ghz = measureGHz();
  std::printf("clock (dependent adds): %.3f GHz\n\n", ghz);

  std::printf("%-28s %12s\n", "instruction peak", "op/cycle");
  double fmaPeak = 0, vnniPeak = 0, bf16Peak = 0, maddPeak = 0;
  if (cpu.avx512) {
    fmaPeak = peak(fmaLoop, 32 * 32, ghz); // 32 instr x 16 lanes x 2 flop
    std::printf("%-28s %12.1f\n", "vfmadd231ps zmm", fmaPeak);
  } else {
    std::printf("%-28s %12s\n", "vfmadd231ps zmm", "skipped: no avx512f");
  }
  if (cpu.avx512vnni) {
    vnniPeak = peak(vnniLoop, 32 * 128, ghz); // 64 u8 x s8 products + adds
    std::printf("%-28s %12.1f\n", "vpdpbusd zmm", vnniPeak);
  } else {
    std::printf("%-28s %12s\n", "vpdpbusd zmm", "skipped: no avx512_vnni");
  }
  if (cpu.avx512bf16) {
    bf16Peak = peak(bf16Loop, 32 * 64, ghz); // 32 bf16 pairs
    std::printf("%-28s %12.1f\n", "vdpbf16ps zmm", bf16Peak);
  } else {
    std::printf("%-28s %12s\n", "vdpbf16ps zmm", "skipped: no avx512_bf16");
  }
  double fmaYmmPeak = 0;
  if (cpu.avx2 && cpu.fma) {
    fmaYmmPeak = peak(fmaYmmLoop, 14 * 16, ghz); // 14 instr x 8 lanes x 2 flop
    std::printf("%-28s %12.1f\n", "vfmadd231ps ymm", fmaYmmPeak);
  }
  if (cpu.avx2) {
    maddPeak = peak(maddwdLoop, 16 * 32, ghz); // 16 x (8 lanes x 2 products x 2 op)
    std::printf("%-28s %12.1f\n", "vpmaddwd+vpaddd ymm", maddPeak);
  }

  if (peaksOnly)
    return 0;
  const Gemm gemms[] = {{"int8 avx512vnni", QOPT_UK_LAYOUT_VNNI, cpu.avx512vnni, vnniPeak},
                        {"int8 avx2", QOPT_UK_LAYOUT_AVX2_I16, cpu.avx2 && cpu.fma, maddPeak}};
  struct Shape {
    int64_t m, n, k;
  };
  const Shape shapes[] = {{256, 1024, 1024}, {32, 1024, 1024}, {1, 1024, 1024}};
  const Shape tiny[] = {{3, 50, 37}};
  std::printf("\n%-18s %-16s %5s %10s %10s  (median; u8 output with relu + requantize)\n", "kernel",
              "M x N x K", "", "op/cycle", "% of peak");
  for (const Gemm &g : gemms) {
    if (!g.available) {
      std::printf("%-18s skipped: the CPU lacks its features\n", g.name);
      continue;
    }
    for (const Shape &s : smoke ? std::vector<Shape>(std::begin(tiny), std::end(tiny))
                                : std::vector<Shape>(std::begin(shapes), std::end(shapes))) {
      char dims[48];
      std::snprintf(dims, sizeof dims, "%ldx%ldx%ld", (long)s.m, (long)s.n, (long)s.k);
      double u8s, i32s;
      double opc = gemmOpsPerCycle(g, s.m, s.n, s.k, QOPT_UK_OUT_U8, ghz, &u8s);
      gemmOpsPerCycle(g, s.m, s.n, s.k, QOPT_UK_OUT_I32, ghz, &i32s);
      std::printf("%-18s %-16s %5s %10.1f %9.1f%%   epilogue (u8 vs i32 store): %+.1f%%\n", g.name,
                  dims, "", opc, 100.0 * opc / g.peak, 100.0 * (u8s - i32s) / u8s);
    }
  }
  const struct {
    const char *name;
    bool bf16, avx2, available;
    double peak;
  } floats[] = {{"fp32 avx512 fma", false, false, cpu.avx512 && cpu.fma, fmaPeak},
                {"bf16 avx512bf16", true, false, cpu.avx512bf16, bf16Peak},
                {"fp32 avx2 fma", false, true, cpu.avx2 && cpu.fma, fmaYmmPeak}};
  for (const auto &f : floats) {
    if (!f.available) {
      std::printf("%-18s skipped: the CPU lacks its features\n", f.name);
      continue;
    }
    for (const Shape &s : smoke ? std::vector<Shape>(std::begin(tiny), std::end(tiny))
                                : std::vector<Shape>(std::begin(shapes), std::end(shapes))) {
      char dims[48];
      std::snprintf(dims, sizeof dims, "%ldx%ldx%ld", (long)s.m, (long)s.n, (long)s.k);
      double opc = floatGemmOpsPerCycle(f.bf16, f.avx2, s.m, s.n, s.k, ghz);
      std::printf("%-18s %-16s %5s %10.1f %9.1f%%   (f32 output, bias + relu)\n", f.name, dims, "",
                  opc, 100.0 * opc / f.peak);
    }
  }
  return 0;
}
