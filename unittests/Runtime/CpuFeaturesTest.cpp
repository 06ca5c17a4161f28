// Decoding cpuid/xgetbv words into features (including the OS-state requirement), and the
// QOPT_CPU_MASK syntax.
#include "CpuFeatures.h"

#include <gtest/gtest.h>

#include <cpuid.h>
#include <cstdlib>

using namespace qopt::rt;

namespace {

/// A Zen-4-like CPU with every feature qopt knows, and an OS that saves the zmm state.
CpuidWords fullCpu() {
  CpuidWords w;
  w.leaf1Ecx = bit_OSXSAVE | bit_AVX | bit_FMA | bit_F16C;
  w.leaf7Ebx = bit_AVX2 | bit_AVX512F | bit_AVX512DQ | bit_AVX512BW | bit_AVX512VL;
  w.leaf7Ecx = bit_AVX512VNNI;
  w.leaf7s1Eax = bit_AVX512BF16;
  w.xcr0 = 0xE7;
  return w;
}

TEST(CpuFeatures, NamesRoundTrip) {
  for (unsigned i = 0; i < kNumCpuFeatures; ++i) {
    auto f = parseCpuFeature(cpuFeatureName(CpuFeature(i)));
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(unsigned(*f), i);
  }
  EXPECT_FALSE(parseCpuFeature("avx512_vnni").has_value());
  EXPECT_FALSE(parseCpuFeature("").has_value());
  EXPECT_EQ(allCpuFeatureNames(),
            "avx2 fma f16c avx512f avx512bw avx512vl avx512dq avx512vnni avx512bf16");
}

TEST(CpuFeatures, DecodesEverything) {
  EXPECT_EQ(decodeCpuid(fullCpu()).str(),
            "avx2 fma f16c avx512f avx512bw avx512vl avx512dq avx512vnni avx512bf16");
}

TEST(CpuFeatures, NeedsOsZmmStateForAvx512) {
  CpuidWords w = fullCpu();
  w.xcr0 = 0x7; // ymm saved, opmask/zmm not: AVX-512 must not be used
  EXPECT_EQ(decodeCpuid(w).str(), "avx2 fma f16c");
  w.xcr0 = 0xA7; // zmm16-31 state missing
  EXPECT_EQ(decodeCpuid(w).str(), "avx2 fma f16c");
}

TEST(CpuFeatures, NeedsOsYmmStateForAvx) {
  CpuidWords w = fullCpu();
  w.xcr0 = 0x3; // only x87 and SSE state
  EXPECT_EQ(decodeCpuid(w).str(), "none");
  w = fullCpu();
  w.leaf1Ecx &= ~bit_OSXSAVE; // xgetbv unusable: nothing can be trusted
  EXPECT_EQ(decodeCpuid(w).str(), "none");
}

TEST(CpuFeatures, Avx512ExtensionsNeedFoundation) {
  CpuidWords w = fullCpu();
  w.leaf7Ebx &= ~bit_AVX512F;
  EXPECT_EQ(decodeCpuid(w).str(), "avx2 fma f16c");
}

TEST(CpuFeatures, Mask) {
  CpuFeatureSet s = decodeCpuid(fullCpu());
  std::string error;
  ASSERT_TRUE(applyCpuMask(s, " avx512vnni , avx512bf16,", error)) << error;
  EXPECT_EQ(s.str(), "avx2 fma f16c avx512f avx512bw avx512vl avx512dq");
  ASSERT_TRUE(applyCpuMask(s, "avx512f", error));
  EXPECT_EQ(s.str(), "avx2 fma f16c");
  ASSERT_TRUE(applyCpuMask(s, "", error));
  EXPECT_EQ(s.str(), "avx2 fma f16c");
  EXPECT_FALSE(applyCpuMask(s, "avx2,sse9", error));
  EXPECT_EQ(error, "QOPT_CPU_MASK: unknown CPU feature 'sse9' (known: avx2 fma f16c avx512f "
                   "avx512bw avx512vl avx512dq avx512vnni avx512bf16)");
}

TEST(CpuFeatures, HostReadsTheEnvironment) {
  ::setenv("QOPT_CPU_MASK", "avx512vnni,avx512bf16", 1);
  HostCpu host;
  std::string error;
  ASSERT_TRUE(hostCpu(host, error)) << error;
  EXPECT_FALSE(host.features.has(CpuFeature::avx512vnni));
  EXPECT_FALSE(host.features.has(CpuFeature::avx512bf16));
  CpuFeatureSet detected = decodeCpuid(readCpuid());
  EXPECT_EQ(host.masked.has(CpuFeature::avx512vnni), detected.has(CpuFeature::avx512vnni));
  EXPECT_EQ(host.features.has(CpuFeature::avx2), detected.has(CpuFeature::avx2));
  ::setenv("QOPT_CPU_MASK", "bogus", 1);
  EXPECT_FALSE(hostCpu(host, error));
  EXPECT_NE(error.find("unknown CPU feature 'bogus'"), std::string::npos);
  ::unsetenv("QOPT_CPU_MASK");
  ASSERT_TRUE(hostCpu(host, error));
  EXPECT_EQ(host.features, detected);
  EXPECT_EQ(host.masked.str(), "none");
}

} // namespace
