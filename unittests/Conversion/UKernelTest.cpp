// The GEMM microkernels against a scalar implementation of the reference executor's semantics
// (lib/Reference/LinearKernels.cpp: int64 sum of centered products plus the i32 bias, float32
// scale, activation, QuantMath quantize). Every output kind must be bit-identical, floats included,
// since the kernels perform the very same float32 operations in the same order.
//
// A variant the CPU cannot run is skipped with a message (GTEST_SKIP), never silently.
#include "qopt/Conversion/QOptToLLVM/Kernels/HostCpu.h"
#include "qopt/Conversion/QOptToLLVM/Kernels/PackWeights.h"
#include "qopt/Quant/QuantMath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace mlir::qopt;
using namespace mlir::qopt::ukernel;

namespace {

enum class Act { none, relu, relu6, clip }; // clip: [clipLo, clipHi]

struct Case {
  int64_t m, n, k;
  bool signedInput = false; // i8 activations (shifted by +128 before the kernel)
  int32_t xZp = 0;
  float xScale = 0.02f, outScale = 0.05f;
  int32_t outZp = 0;
  qopt_uk_out_kind kind = QOPT_UK_OUT_U8;
  Act act = Act::none;
  float clipLo = 0.0f, clipHi = 0.0f;
  bool specialBias = false; // float bias NaN, +inf, -inf in the first three columns
  bool hasBias = true, floatBias = false;
  int xLo = 0, xHi = 255; // activation value range (storage values)
  int wLo = -127, wHi = 127;
  uint32_t seed = 1;
};

/// A buffer whose last byte is followed by an inaccessible page: reading past it faults.
class GuardedBytes {
public:
  explicit GuardedBytes(size_t n) : size(n) {
    long page = sysconf(_SC_PAGESIZE);
    dataPages = (n + page - 1) / page * page;
    base = static_cast<uint8_t *>(
        mmap(nullptr, dataPages + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    mprotect(base + dataPages, page, PROT_NONE);
    total = dataPages + page;
  }
  ~GuardedBytes() { munmap(base, total); }
  uint8_t *data() { return base + dataPages - size; }

private:
  size_t size, dataPages, total;
  uint8_t *base;
};

using Kernel = void (*)(const uint8_t *, int64_t, const void *, int64_t, int64_t, int64_t, int64_t,
                        int64_t, const qopt_uk_epilogue *, void *, int64_t);

void vnni(const uint8_t *x, int64_t lda, const void *p, int64_t m, int64_t n, int64_t k, int64_t b,
          int64_t e, const qopt_uk_epilogue *ep, void *out, int64_t ldc) {
  qopt_uk_gemm_u8s8_avx512vnni(x, lda, static_cast<const int8_t *>(p), m, n, k, b, e, ep, out, ldc);
}
void avx2(const uint8_t *x, int64_t lda, const void *p, int64_t m, int64_t n, int64_t k, int64_t b,
          int64_t e, const qopt_uk_epilogue *ep, void *out, int64_t ldc) {
  qopt_uk_gemm_u8s8_avx2(x, lda, static_cast<const int16_t *>(p), m, n, k, b, e, ep, out, ldc);
}

struct Variant {
  const char *name;
  qopt_uk_layout layout;
  Kernel kernel;
  void (*shift)(const int8_t *, uint8_t *, int64_t);
  bool available;
};

Variant variant(qopt_uk_layout layout) {
  HostCpu cpu = HostCpu::detect();
  if (layout == QOPT_UK_LAYOUT_VNNI)
    return {"avx512vnni", layout, vnni, qopt_uk_shift_s8_to_u8_avx512, cpu.avx512vnni};
  return {"avx2", layout, avx2, qopt_uk_shift_s8_to_u8_avx2, cpu.avx2 && cpu.fma};
}

size_t elementSize(qopt_uk_out_kind kind) {
  return kind == QOPT_UK_OUT_U8 || kind == QOPT_UK_OUT_I8 ? 1 : 4;
}

/// Runs one case on `v` and compares every output element, and that nothing outside the
/// requested columns [nBegin, nEnd) was written.
void check(const Variant &v, const Case &c, int64_t nBegin = 0, int64_t nEnd = -1) {
  if (nEnd < 0)
    nEnd = c.n;
  SCOPED_TRACE(testing::Message() << v.name << " M=" << c.m << " N=" << c.n << " K=" << c.k
                                  << " kind=" << c.kind << " act=" << (int)c.act << " signed="
                                  << c.signedInput << " xZp=" << c.xZp << " outZp=" << c.outZp
                                  << " seed=" << c.seed);
  std::mt19937 rng(c.seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  // Activations as storage values (u8, or i8 for signedInput), in a guarded buffer, lda = K.
  GuardedBytes xs(c.m * c.k), xu(c.m * c.k);
  std::vector<int64_t> xq(c.m * c.k);
  for (int64_t i = 0; i < c.m * c.k; ++i) {
    xq[i] = uniform(c.xLo, c.xHi);
    xs.data()[i] = (uint8_t)(int8_t)xq[i];
  }
  const uint8_t *xKernel = xs.data();
  if (c.signedInput) {
    v.shift(reinterpret_cast<const int8_t *>(xs.data()), xu.data(), c.m * c.k);
    xKernel = xu.data();
  }

  std::vector<int8_t> w(c.n * c.k);
  for (auto &e : w)
    e = (int8_t)uniform(c.wLo, c.wHi);
  std::vector<float> wScales(c.n), fbias(c.n);
  std::vector<int32_t> bias(c.n);
  for (int64_t j = 0; j < c.n; ++j) {
    wScales[j] = std::ldexp(1.0f + uniform(0, 1000) / 1000.0f, -uniform(5, 9));
    bias[j] = c.hasBias ? uniform(-20000, 20000) : 0;
    fbias[j] = uniform(-100, 100) / 37.0f;
  }
  if (c.specialBias && c.n >= 3)
    fbias[0] = NAN, fbias[1] = INFINITY, fbias[2] = -INFINITY;

  // Pack (the compile-time side).
  const int64_t np = paddedN(v.layout, c.n);
  std::vector<uint8_t> packed(packedBytes(v.layout, c.n, c.k) + 64);
  void *pw = packed.data() + (64 - (uintptr_t)packed.data() % 64) % 64;
  packWeightsS8(v.layout, w.data(), c.n, c.k, pw);
  std::vector<int32_t> folded(np);
  ASSERT_TRUE(foldBias(v.layout, w.data(), c.n, c.k, c.floatBias ? nullptr : bias.data(), c.xZp,
                       c.signedInput, folded.data()));
  std::vector<float> scales(np), fb(np, 0.0f);
  accScales(v.layout, c.xScale, wScales.data(), c.n, scales.data());
  std::copy(fbias.begin(), fbias.end(), fb.begin());

  qopt_uk_epilogue ep{};
  ep.bias = folded.data();
  ep.acc_scale = scales.data();
  ep.float_bias = c.floatBias ? fb.data() : nullptr;
  ep.has_act = c.act != Act::none;
  ep.act_lo = c.act == Act::none ? -INFINITY : (c.act == Act::clip ? c.clipLo : 0.0f);
  ep.act_hi = c.act == Act::relu6 ? 6.0f : (c.act == Act::clip ? c.clipHi : INFINITY);
  ep.out_scale = c.outScale;
  ep.out_zp = c.outZp;
  ep.qmin = c.kind == QOPT_UK_OUT_I8 ? -128 : 0;
  ep.qmax = c.kind == QOPT_UK_OUT_I8 ? 127 : 255;
  ep.out_kind = c.kind;

  const int64_t ldc = c.n + 5; // a row stride wider than N: the gap must stay untouched
  const size_t es = elementSize(c.kind);
  std::vector<uint8_t> out(c.m * ldc * es, 0xA5);
  v.kernel(xKernel, c.k, pw, c.m, c.n, c.k, nBegin, nEnd, &ep, out.data(), ldc);

  int64_t mismatches = 0;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      const uint8_t *got = out.data() + (i * ldc + j) * es;
      if (j < nBegin || j >= nEnd) {
        for (size_t b = 0; b < es; ++b)
          if (got[b] != 0xA5 && mismatches++ < 5)
            ADD_FAILURE() << "wrote outside the columns at (" << i << ", " << j << ")";
        continue;
      }
      // The reference executor's LinearEpilogue::store, written out.
      int64_t acc = 0;
      for (int64_t p = 0; p < c.k; ++p)
        acc += (xq[i * c.k + p] - c.xZp) * (int64_t)w[j * c.k + p];
      float accScale = quant_math::accScale(c.xScale, wScales[j]);
      float real;
      if (!c.floatBias) {
        acc += bias[j];
        real = (float)acc * accScale;
      } else {
        real = (float)acc * accScale + fbias[j];
      }
      if (c.act == Act::relu)
        real = real < 0.0f ? 0.0f : real;
      else if (c.act == Act::relu6)
        real = real < 0.0f ? 0.0f : (real > 6.0f ? 6.0f : real);
      else if (c.act == Act::clip)
        real = real < c.clipLo ? c.clipLo : (real > c.clipHi ? c.clipHi : real);
      bool same;
      int64_t want = 0, have = 0;
      switch (c.kind) {
      case QOPT_UK_OUT_I32: {
        int32_t g;
        std::memcpy(&g, got, 4);
        want = acc, have = g;
        same = want == have;
        break;
      }
      case QOPT_UK_OUT_F32: {
        uint32_t gb, wb;
        std::memcpy(&gb, got, 4);
        std::memcpy(&wb, &real, 4);
        want = wb, have = gb;
        same = gb == wb;
        break;
      }
      default:
        want = quant_math::quantize(real, c.outScale, c.outZp, ep.qmin, ep.qmax);
        have = c.kind == QOPT_UK_OUT_I8 ? (int64_t)(int8_t)*got : (int64_t)*got;
        same = want == have;
      }
      if (!same && mismatches++ < 5)
        ADD_FAILURE() << "at (" << i << ", " << j << "): kernel " << have << ", reference " << want;
    }
  EXPECT_EQ(mismatches, 0);
}

class UKernel : public testing::TestWithParam<qopt_uk_layout> {
protected:
  void SetUp() override {
    v = variant(GetParam());
    if (!v.available)
      GTEST_SKIP() << "skipped: this CPU (or its OS) lacks the features of the " << v.name
                   << " microkernel";
  }
  Variant v;
};

TEST_P(UKernel, AwkwardShapesEveryKind) {
  const int64_t ms[] = {1, 3, 8, 9, 64};
  const int64_t ns[] = {1, 15, 16, 17, 47, 48, 49, 100};
  const int64_t ks[] = {1, 3, 4, 5, 63, 130};
  const qopt_uk_out_kind kinds[] = {QOPT_UK_OUT_U8, QOPT_UK_OUT_I8, QOPT_UK_OUT_I32,
                                    QOPT_UK_OUT_F32};
  uint32_t seed = 0;
  for (int64_t m : ms)
    for (int64_t n : ns)
      for (int64_t k : ks) {
        Case c{m, n, k};
        c.seed = ++seed;
        c.kind = kinds[seed % 4];
        c.act = Act(seed % 3);
        c.signedInput = seed % 5 == 0;
        if (c.signedInput)
          c.xLo = -128, c.xHi = 127, c.xZp = (int32_t)(seed % 7) - 3;
        else
          c.xZp = (int32_t)(seed % 200);
        c.outZp = c.kind == QOPT_UK_OUT_I8 ? (int32_t)(seed % 11) - 5 : (int32_t)(seed % 128);
        c.floatBias = seed % 7 == 0;
        c.hasBias = seed % 9 != 0;
        check(v, c);
      }
}

TEST_P(UKernel, EdgeValuesSaturateExactly) {
  uint32_t seed = 100;
  for (bool signedInput : {false, true})
    for (qopt_uk_out_kind kind :
         {QOPT_UK_OUT_U8, QOPT_UK_OUT_I8, QOPT_UK_OUT_I32, QOPT_UK_OUT_F32})
      for (int extreme = 0; extreme < 4; ++extreme) {
        Case c{13, 53, 67};
        c.seed = ++seed;
        c.kind = kind;
        c.signedInput = signedInput;
        // Activations only at the ends of their range, weights only at +-127.
        c.xLo = signedInput ? -128 : 0;
        c.xHi = signedInput ? 127 : 255;
        c.wLo = extreme % 2 ? 127 : -127;
        c.wHi = 127;
        // Extreme input zero points.
        c.xZp = signedInput ? (extreme < 2 ? -128 : 127) : (extreme < 2 ? 0 : 255);
        c.outZp = kind == QOPT_UK_OUT_I8 ? (extreme % 2 ? -128 : 127) : (extreme % 2 ? 0 : 255);
        c.outScale = 1e-3f; // almost everything saturates
        c.act = Act(extreme % 3);
        check(v, c);
      }
}

TEST_P(UKernel, ClipRangesAndZeroPointsBeyondTheStorage) {
  // The epilogue folds the activation's clamp into quantize's (RequantizeAvx512.h) when the
  // activation's range holds 0, and clamps first otherwise; zero points outside the storage
  // range make the two ranges disjoint.
  struct Clip {
    float lo, hi;
    int32_t outZp;
  };
  const Clip clips[] = {{0.5f, 2.0f, 128}, {-3.0f, -1.0f, 128}, {-1.0f, 0.0f, 200},
                        {-INFINITY, 0.001f, -10}, {-0.001f, INFINITY, 300},
                        {0.0f, 6.0f, -300},       {-6.0f, 6.0f, 400},   {0.0f, 0.0f, 7}};
  uint32_t seed = 300;
  for (const Clip &k : clips)
    for (qopt_uk_out_kind kind : {QOPT_UK_OUT_U8, QOPT_UK_OUT_I8, QOPT_UK_OUT_F32}) {
      Case c{9, 37, 21};
      c.seed = ++seed;
      c.kind = kind;
      c.act = Act::clip;
      c.clipLo = k.lo, c.clipHi = k.hi;
      c.outZp = kind == QOPT_UK_OUT_I8 ? k.outZp - 128 : k.outZp;
      c.outScale = 0.01f;
      c.floatBias = seed % 2 == 0;
      check(v, c);
      // A NaN real quantizes to the zero point whatever the activation's range.
      c.floatBias = c.specialBias = true;
      check(v, c);
    }
}

TEST_P(UKernel, ExtremeValuesAtBlockEdge) {
  // Every activation 255 (or -128 shifted), every weight 127, so the compensation terms and
  // the i32 sums are at their largest for this K.
  for (bool signedInput : {false, true}) {
    Case c{9, 49, 1023};
    c.signedInput = signedInput;
    c.xLo = c.xHi = signedInput ? -128 : 255;
    c.wLo = c.wHi = 127;
    c.xZp = signedInput ? 127 : 0;
    c.kind = QOPT_UK_OUT_I32;
    check(v, c);
    c.kind = QOPT_UK_OUT_U8;
    c.outScale = 0.5f;
    check(v, c);
  }
}

TEST_P(UKernel, TiesRoundToEven) {
  // Scales that are powers of two make real / out_scale land on exact halves often.
  for (qopt_uk_out_kind kind : {QOPT_UK_OUT_U8, QOPT_UK_OUT_I8}) {
    Case c{16, 48, 8};
    c.kind = kind;
    c.xScale = 0.25f;
    c.outScale = 1.0f;
    c.xLo = 0, c.xHi = 3, c.wLo = -2, c.wHi = 2;
    c.outZp = kind == QOPT_UK_OUT_I8 ? 0 : 128;
    c.hasBias = false;
    check(v, c);
  }
}

TEST_P(UKernel, DividesLikeTheReference) {
  // real / out_scale and real * (1 / out_scale) round to different integers for a few reals. The
  // kernel multiplies by the reciprocal and divides only near rounding boundaries, so these reals
  // are exactly the ones its shortcut must catch. For several scales (down to the float range's
  // ends), find accumulators whose real = acc * accScale lands on such a value with the quotient
  // inside the u8 range around zero point 128, and feed them through the bias with a zero
  // activation.
  for (float outScale : {3000.7f, 0.37f, 1.0f / 3.0f, 7.1e-3f, 12345.678f, 1e-30f, 3e30f}) {
    SCOPED_TRACE(outScale);
    const float recip = 1.0f / outScale;
    // real / out_scale is about acc / 1000: every acc = 500 * odd lands next to a half-integer.
    const float accScale = outScale / 1000.0f;
    std::vector<int32_t> accs;
    for (int32_t a = 0; a < 127000 && accs.size() < 96; ++a)
      for (int32_t v : {a, -a}) {
        float real = (float)v * accScale;
        if (accs.size() < 96 && std::nearbyint(real / outScale) != std::nearbyint(real * recip))
          accs.push_back(v);
      }
    EXPECT_GE(accs.size(), 8u) << "no accumulator distinguishes division from the reciprocal";
    for (int32_t a = -48; a < 48; ++a) // and ordinary values
      accs.push_back(a * 4001);
    const int64_t n = (int64_t)accs.size(), k = 1, np = paddedN(v.layout, n);
    std::vector<int8_t> w(n, 1);
    std::vector<uint8_t> packed(packedBytes(v.layout, n, k));
    packWeightsS8(v.layout, w.data(), n, k, packed.data());
    std::vector<int32_t> folded(np);
    ASSERT_TRUE(foldBias(v.layout, w.data(), n, k, accs.data(), 0, false, folded.data()));
    std::vector<float> scales(np, accScale);
    qopt_uk_epilogue ep{};
    ep.bias = folded.data();
    ep.acc_scale = scales.data();
    ep.act_lo = -INFINITY, ep.act_hi = INFINITY;
    ep.out_scale = outScale;
    ep.out_zp = 128;
    ep.qmin = 0, ep.qmax = 255;
    ep.out_kind = QOPT_UK_OUT_U8;
    GuardedBytes x(1);
    x.data()[0] = 0;
    std::vector<uint8_t> out(n);
    v.kernel(x.data(), 1, packed.data(), 1, n, k, 0, n, &ep, out.data(), n);
    for (int64_t j = 0; j < n; ++j)
      EXPECT_EQ((int64_t)out[j],
                quant_math::quantize((float)accs[j] * accScale, outScale, 128, 0, 255))
          << "acc " << accs[j];
  }
}

TEST_P(UKernel, ColumnRangeForAThreadSplit) {
  const int64_t nr = blockWidth(v.layout);
  Case c{11, 3 * nr + 7, 37};
  c.xZp = 3;
  check(v, c, 0, nr);
  check(v, c, nr, 3 * nr);
  check(v, c, 3 * nr, c.n);
}

TEST_P(UKernel, ShiftToUnsigned) {
  for (int64_t n : {0, 1, 31, 32, 33, 64, 65, 200}) {
    GuardedBytes src(n), dst(n);
    for (int64_t i = 0; i < n; ++i)
      src.data()[i] = (uint8_t)(i * 37 - 128);
    v.shift(reinterpret_cast<const int8_t *>(src.data()), dst.data(), n);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ((int)dst.data()[i], (int)(int8_t)src.data()[i] + 128) << "n=" << n << " i=" << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, UKernel,
                         testing::Values(QOPT_UK_LAYOUT_VNNI, QOPT_UK_LAYOUT_AVX2_I16),
                         [](const testing::TestParamInfo<qopt_uk_layout> &info) {
                           return std::string(info.param == QOPT_UK_LAYOUT_VNNI ? "avx512vnni"
                                                                                : "avx2");
                         });

TEST(UKernelPacking, VnniLayoutIsTheDocumentedOne) {
  const int64_t n = 50, k = 6;
  std::vector<int8_t> w(n * k);
  for (int64_t i = 0; i < n * k; ++i)
    w[i] = (int8_t)(i % 251 - 125);
  std::vector<int8_t> p(packedBytes(QOPT_UK_LAYOUT_VNNI, n, k));
  ASSERT_EQ((int64_t)p.size(), 96 * 8);
  packWeightsS8(QOPT_UK_LAYOUT_VNNI, w.data(), n, k, p.data());
  // Block 1, group 1, column 1 = global column 49, k = 4..7 (6, 7 are padding).
  const int8_t *e = &p[((1 * 2 + 1) * 48 + 1) * 4];
  EXPECT_EQ(e[0], w[49 * k + 4]);
  EXPECT_EQ(e[1], w[49 * k + 5]);
  EXPECT_EQ(e[2], 0);
  EXPECT_EQ(e[3], 0);
  // Column 50 (padding) is zero.
  EXPECT_EQ(p[((1 * 2 + 0) * 48 + 2) * 4], 0);
}

TEST(UKernelPacking, FoldedBiasCompensatesZeroPointAndShift) {
  const int8_t w[] = {1, -2, 3, 127, -127, 5};
  const int32_t bias[] = {10, -10};
  int32_t out[48];
  ASSERT_TRUE(foldBias(QOPT_UK_LAYOUT_VNNI, w, 2, 3, bias, 7, /*signedInput=*/true, out));
  EXPECT_EQ(out[0], 10 - (7 + 128) * 2);
  EXPECT_EQ(out[1], -10 - (7 + 128) * 5);
  EXPECT_EQ(out[2], 0);
  int32_t big[16];
  const int32_t huge[] = {std::numeric_limits<int32_t>::max()};
  EXPECT_FALSE(foldBias(QOPT_UK_LAYOUT_AVX2_I16, w, 1, 3, huge, -100, false, big));
}

} // namespace
