// The float GEMM microkernels (f32 FMA, bf16 vdpbf16ps) against a double-precision reference:
// y = act(sum_k x[k] * w[k] + bias), with x and w rounded to bf16 first for the bf16 kernel.
//
// Stated tolerance: |kernel - reference| <= 1e-5 * (sum_k |x[k] * w[k]| + |bias|), the float32
// accumulation error of these K (at most 131 terms here), plus for a bf16 output the bf16
// rounding of the result, 2^-8 * |reference|.
//
// A variant the CPU cannot run is skipped with a message, never silently.
#include "qopt/Conversion/QOptToLLVM/Kernels/HostCpu.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/PackWeights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace mlir::qopt::ukernel;

namespace {

/// Bytes followed by an inaccessible page, so that a kernel reading past x faults.
class Guarded {
public:
  explicit Guarded(size_t n) : size(n) {
    long page = sysconf(_SC_PAGESIZE);
    dataPages = (n + page - 1) / page * page;
    total = dataPages + page;
    base = static_cast<uint8_t *>(
        mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(base + dataPages, page, PROT_NONE);
  }
  ~Guarded() { munmap(base, total); }
  uint8_t *data() { return base + dataPages - size; }

private:
  size_t size, dataPages, total;
  uint8_t *base;
};

struct FloatCase {
  int64_t m, n, k;
  bool bias = true;
  int act = 0; // 0 none, 1 relu, 2 relu6
  qopt_uk_out_kind kind = QOPT_UK_OUT_F32;
  uint32_t seed = 1;
};

enum class FloatKernel { f32Avx512, bf16Avx512, f32Avx2 };

void checkFloat(FloatKernel kernel, const FloatCase &c) {
  const bool bf16 = kernel == FloatKernel::bf16Avx512;
  SCOPED_TRACE(testing::Message() << (int)kernel << " M=" << c.m << " N=" << c.n
                                  << " K=" << c.k << " act=" << c.act << " kind=" << c.kind);
  std::mt19937 rng(c.seed);
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  const qopt_uk_layout layout = bf16 ? QOPT_UK_LAYOUT_BF16
                                : (kernel == FloatKernel::f32Avx2 ? QOPT_UK_LAYOUT_F32_AVX2
                                                                  : QOPT_UK_LAYOUT_F32);
  const size_t xElem = bf16 ? 2 : 4;
  Guarded xbuf(c.m * c.k * xElem);
  std::vector<double> xv(c.m * c.k);
  for (int64_t i = 0; i < c.m * c.k; ++i) {
    float f = dist(rng);
    if (bf16) {
      uint16_t b = floatToBf16(f);
      std::memcpy(xbuf.data() + 2 * i, &b, 2);
      xv[i] = bf16ToFloat(b);
    } else {
      std::memcpy(xbuf.data() + 4 * i, &f, 4);
      xv[i] = f;
    }
  }
  std::vector<float> w(c.n * c.k);
  for (auto &e : w)
    e = dist(rng);
  const int64_t np = paddedN(layout, c.n);
  std::vector<float> bias(np, 0.0f);
  for (int64_t j = 0; j < c.n; ++j)
    bias[j] = dist(rng);
  std::vector<uint8_t> packed(packedBytes(layout, c.n, c.k));
  packWeightsFloat(layout, w.data(), c.n, c.k, packed.data());

  qopt_uk_float_epilogue ep{};
  ep.bias = c.bias ? bias.data() : nullptr;
  ep.has_act = c.act != 0;
  ep.act_lo = c.act ? 0.0f : -INFINITY;
  ep.act_hi = c.act == 2 ? 6.0f : INFINITY;
  ep.out_kind = c.kind;
  const int64_t ldc = c.n + 3;
  const size_t oElem = c.kind == QOPT_UK_OUT_BF16 ? 2 : 4;
  std::vector<uint8_t> out(c.m * ldc * oElem, 0xA5);
  if (bf16)
    qopt_uk_gemm_bf16_avx512bf16(reinterpret_cast<const uint16_t *>(xbuf.data()), c.k,
                                 reinterpret_cast<const uint16_t *>(packed.data()), c.m, c.n, c.k,
                                 0, c.n, &ep, out.data(), ldc);
  else if (kernel == FloatKernel::f32Avx2)
    qopt_uk_gemm_f32_avx2(reinterpret_cast<const float *>(xbuf.data()), c.k,
                          reinterpret_cast<const float *>(packed.data()), c.m, c.n, c.k, 0, c.n,
                          &ep, reinterpret_cast<float *>(out.data()), ldc);
  else
    qopt_uk_gemm_f32_avx512(reinterpret_cast<const float *>(xbuf.data()), c.k,
                            reinterpret_cast<const float *>(packed.data()), c.m, c.n, c.k, 0, c.n,
                            &ep, reinterpret_cast<float *>(out.data()), ldc);

  int64_t bad = 0;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      const uint8_t *got = out.data() + (i * ldc + j) * oElem;
      if (j >= c.n) {
        for (size_t b = 0; b < oElem; ++b)
          if (got[b] != 0xA5 && bad++ < 5)
            ADD_FAILURE() << "wrote past N at (" << i << ", " << j << ")";
        continue;
      }
      double sum = 0, mag = 0;
      for (int64_t p = 0; p < c.k; ++p) {
        double wv = bf16 ? bf16ToFloat(floatToBf16(w[j * c.k + p])) : w[j * c.k + p];
        sum += xv[i * c.k + p] * wv;
        mag += std::fabs(xv[i * c.k + p] * wv);
      }
      if (c.bias) {
        sum += bias[j];
        mag += std::fabs(bias[j]);
      }
      double ref = sum;
      if (c.act)
        ref = ref < 0 ? 0 : (c.act == 2 && ref > 6 ? 6 : ref);
      double have;
      if (c.kind == QOPT_UK_OUT_BF16) {
        uint16_t b;
        std::memcpy(&b, got, 2);
        have = bf16ToFloat(b);
      } else {
        float f;
        std::memcpy(&f, got, 4);
        have = f;
      }
      double tol = 1e-5 * mag + (c.kind == QOPT_UK_OUT_BF16 ? std::ldexp(std::fabs(ref), -8) : 0);
      if (!(std::fabs(have - ref) <= tol) && bad++ < 5)
        ADD_FAILURE() << "at (" << i << ", " << j << "): kernel " << have << ", reference " << ref
                      << ", tolerance " << tol;
    }
  EXPECT_EQ(bad, 0);
}

void awkwardShapes(FloatKernel kernel) {
  const bool bf16 = kernel == FloatKernel::bf16Avx512;
  uint32_t seed = 0;
  for (int64_t m : {1, 3, 8, 9, 64})
    for (int64_t n : {1, 17, 48, 49, 100})
      for (int64_t k : {1, 2, 3, 64, 131}) {
        FloatCase c{m, n, k};
        c.seed = ++seed;
        c.bias = seed % 3 != 0;
        c.act = seed % 3;
        c.kind = bf16 && seed % 2 ? QOPT_UK_OUT_BF16 : QOPT_UK_OUT_F32;
        checkFloat(kernel, c);
      }
}

TEST(UKernelFloat, F32Avx512AwkwardShapes) {
  HostCpu cpu = HostCpu::detect();
  if (!cpu.avx512 || !cpu.fma)
    GTEST_SKIP() << "skipped: this CPU (or its OS) lacks avx512f / fma for the f32 microkernel";
  awkwardShapes(FloatKernel::f32Avx512);
}

TEST(UKernelFloat, Bf16Avx512Bf16AwkwardShapes) {
  HostCpu cpu = HostCpu::detect();
  if (!cpu.avx512bf16)
    GTEST_SKIP() << "skipped: this CPU (or its OS) lacks avx512_bf16 for the bf16 microkernel";
  awkwardShapes(FloatKernel::bf16Avx512);
}

TEST(UKernelFloat, F32Avx2AwkwardShapes) {
  HostCpu cpu = HostCpu::detect();
  if (!cpu.avx2 || !cpu.fma)
    GTEST_SKIP() << "skipped: this CPU (or its OS) lacks avx2 / fma for the f32 avx2 microkernel";
  awkwardShapes(FloatKernel::f32Avx2);
}

TEST(UKernelFloat, Bf16RoundsToNearestEven) {
  EXPECT_EQ(floatToBf16(1.0f), 0x3F80);
  // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties go to the even 1.0.
  EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
  EXPECT_EQ(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(NAN))));
  EXPECT_EQ(bf16ToFloat(floatToBf16(-INFINITY)), -INFINITY);
}

} // namespace
