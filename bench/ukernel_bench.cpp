// Microbenchmark of the GEMM microkernels against the machine's own measured peaks.
//
// Every kernel figure is op/cycle and % of the peak measured in the same run (DESIGN.md: the VMs
// vary between sessions, so peaks are never assumed) by MachinePeaks (lib/Support). Kernels are
// timed with this thread's CPU time, as the peaks are, so that the figures do not depend on the
// frequency and are less disturbed by other processes on the same cores.
//
//   ukernel_bench            a few seconds
//   ukernel_bench --smoke    one iteration of tiny shapes (does it still build and run?)
#include "qopt/Conversion/QOptToLLVM/Kernels/HostCpu.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/PackWeights.h"
#include "qopt/Support/MachinePeaks.h"

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
  const mlir::qopt::MachinePeaks mp = mlir::qopt::measureMachinePeaks(/*quick=*/smoke);
  const double ghz = mp.ghz;
  std::printf("clock (dependent adds): %.3f GHz\n\n", ghz);

  std::printf("%-32s %12s\n", "instruction peak", "op/cycle");
  auto show = [](const char *name, double v, const char *missing) {
    if (v > 0)
      std::printf("%-32s %12.1f\n", name, v);
    else
      std::printf("%-32s %12s\n", name, missing);
  };
  const double fmaPeak = mp.f32FmaVectorBits == 512 ? mp.f32FmaOpsPerCycle : 0;
  const double vnniPeak = mp.int8VnniOpsPerCycle, bf16Peak = mp.bf16OpsPerCycle;
  const double fmaYmmPeak = mp.f32FmaYmmOpsPerCycle, maddPeak = mp.int8Avx2OpsPerCycle;
  show("vfmadd231ps zmm", fmaPeak, "skipped: no avx512f");
  show("vpdpbusd zmm", vnniPeak, "skipped: no avx512_vnni");
  show("vdpbf16ps zmm", bf16Peak, "skipped: no avx512_bf16");
  show("vfmadd231ps ymm", fmaYmmPeak, "skipped: no avx2+fma");
  // The int8 peak without VNNI (vpmaddubsw + vpmaddwd + vpaddd); qopt's exact avx2 kernel uses
  // vpmaddwd on sign-extended pairs, half the products per instruction, so it tops out near 50%.
  show("vpmaddubsw+vpmaddwd+vpaddd ymm", maddPeak, "skipped: no avx2");
  std::printf("%-32s %12.1f %12.1f %12.1f  (bytes/cycle)\n", "read bandwidth L1 L2 DRAM",
              mp.l1BytesPerCycle, mp.l2BytesPerCycle, mp.dramBytesPerCycle);

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
