#include "CpuFeatures.h"

#include <cpuid.h>
#include <cstdlib>

namespace qopt::rt {
namespace {

constexpr const char *kNames[kNumCpuFeatures] = {
    "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512vnni", "avx512bf16"};

bool isAvx512(CpuFeature f) { return std::string_view(cpuFeatureName(f)).substr(0, 6) == "avx512"; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// XCR0 bits: 1 SSE, 2 AVX (upper ymm halves), 5 opmask, 6 upper zmm halves of zmm0-15,
// 7 zmm16-31.
constexpr uint64_t kYmmState = 0x6;
constexpr uint64_t kZmmState = 0xE0 | kYmmState;

} // namespace

const char *cpuFeatureName(CpuFeature f) {
  unsigned i = unsigned(f);
  return i < kNumCpuFeatures ? kNames[i] : "unknown";
}

std::optional<CpuFeature> parseCpuFeature(std::string_view name) {
  for (unsigned i = 0; i < kNumCpuFeatures; ++i)
    if (name == kNames[i])
      return CpuFeature(i);
  return std::nullopt;
}

std::string allCpuFeatureNames() {
  std::string s;
  for (unsigned i = 0; i < kNumCpuFeatures; ++i)
    s += (i ? " " : "") + std::string(kNames[i]);
  return s;
}

void CpuFeatureSet::closeOverPrerequisites() {
  if (has(CpuFeature::avx512f))
    return;
  for (unsigned i = 0; i < kNumCpuFeatures; ++i)
    if (isAvx512(CpuFeature(i)))
      remove(CpuFeature(i));
}

std::string CpuFeatureSet::str() const {
  std::string s;
  for (unsigned i = 0; i < kNumCpuFeatures; ++i)
    if (has(CpuFeature(i)))
      s += (s.empty() ? "" : " ") + std::string(kNames[i]);
  return s.empty() ? "none" : s;
}

CpuidWords readCpuid() {
  CpuidWords w;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return w;
  w.leaf1Ecx = c;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    w.leaf7Ebx = b;
    w.leaf7Ecx = c;
    unsigned maxSubleaf = a;
    if (maxSubleaf >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d))
      w.leaf7s1Eax = a;
  }
  if (w.leaf1Ecx & bit_OSXSAVE) {
    // xgetbv by opcode-free inline asm: the _xgetbv intrinsic needs -mxsave on the whole file.
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    w.xcr0 = uint64_t(hi) << 32 | lo;
  }
  return w;
}

CpuFeatureSet decodeCpuid(const CpuidWords &w) {
  CpuFeatureSet s;
  bool osxsave = w.leaf1Ecx & bit_OSXSAVE;
  bool ymm = osxsave && (w.xcr0 & kYmmState) == kYmmState && (w.leaf1Ecx & bit_AVX);
  bool zmm = ymm && (w.xcr0 & kZmmState) == kZmmState;
  if (!ymm)
    return s;
  if (w.leaf7Ebx & bit_AVX2)
    s.add(CpuFeature::avx2);
  if (w.leaf1Ecx & bit_FMA)
    s.add(CpuFeature::fma);
  if (w.leaf1Ecx & bit_F16C)
    s.add(CpuFeature::f16c);
  if (!zmm)
    return s;
  if (w.leaf7Ebx & bit_AVX512F)
    s.add(CpuFeature::avx512f);
  if (w.leaf7Ebx & bit_AVX512BW)
    s.add(CpuFeature::avx512bw);
  if (w.leaf7Ebx & bit_AVX512VL)
    s.add(CpuFeature::avx512vl);
  if (w.leaf7Ebx & bit_AVX512DQ)
    s.add(CpuFeature::avx512dq);
  if (w.leaf7Ecx & bit_AVX512VNNI)
    s.add(CpuFeature::avx512vnni);
  if (w.leaf7s1Eax & bit_AVX512BF16)
    s.add(CpuFeature::avx512bf16);
  s.closeOverPrerequisites();
  return s;
}

bool applyCpuMask(CpuFeatureSet &features, std::string_view mask, std::string &error) {
  while (!mask.empty()) {
    size_t comma = mask.find(',');
    std::string_view name = trim(mask.substr(0, comma));
    mask = comma == std::string_view::npos ? std::string_view() : mask.substr(comma + 1);
    if (name.empty())
      continue;
    std::optional<CpuFeature> f = parseCpuFeature(name);
    if (!f) {
      error = "QOPT_CPU_MASK: unknown CPU feature '" + std::string(name) + "' (known: " +
              allCpuFeatureNames() + ")";
      return false;
    }
    features.remove(*f);
  }
  features.closeOverPrerequisites();
  return true;
}

bool hostCpu(HostCpu &host, std::string &error) {
  CpuFeatureSet detected = decodeCpuid(readCpuid());
  host.features = detected;
  host.masked = CpuFeatureSet();
  const char *mask = std::getenv("QOPT_CPU_MASK");
  if (mask && !applyCpuMask(host.features, mask, error))
    return false;
  for (unsigned i = 0; i < kNumCpuFeatures; ++i)
    if (detected.has(CpuFeature(i)) && !host.features.has(CpuFeature(i)))
      host.masked.add(CpuFeature(i));
  return true;
}

} // namespace qopt::rt
