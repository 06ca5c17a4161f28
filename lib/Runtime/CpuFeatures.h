// The CPU features native code may require (NativeCode.cpu_features), detected with cpuid and
// xgetbv. A feature counts as present only when the CPU has it and the OS saves the register
// state it needs (ymm for avx2/fma/f16c, opmask + zmm for avx512*): a kernel that enables the
// instructions but not the state saving would corrupt registers on every context switch.
//
// The environment variable QOPT_CPU_MASK="avx512vnni,avx512bf16" hides features, so that the
// missing-feature path can be tested on any machine.
#ifndef QOPT_LIB_RUNTIME_CPUFEATURES_H
#define QOPT_LIB_RUNTIME_CPUFEATURES_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qopt::rt {

enum class CpuFeature : unsigned {
  avx2,
  fma,
  f16c,
  avx512f,
  avx512bw,
  avx512vl,
  avx512dq,
  avx512vnni,
  avx512bf16,
};
inline constexpr unsigned kNumCpuFeatures = 9;

/// The spelling used in NativeCode.cpu_features and QOPT_CPU_MASK ("avx512vnni").
const char *cpuFeatureName(CpuFeature f);
std::optional<CpuFeature> parseCpuFeature(std::string_view name);
/// Every feature name, space separated, for messages.
std::string allCpuFeatureNames();

class CpuFeatureSet {
public:
  bool has(CpuFeature f) const { return bits >> unsigned(f) & 1; }
  void add(CpuFeature f) { bits |= 1u << unsigned(f); }
  void remove(CpuFeature f) { bits &= ~(1u << unsigned(f)); }
  /// Drops the features whose prerequisites are absent (every avx512* needs avx512f).
  void closeOverPrerequisites();
  /// "avx2 fma f16c", in enum order; "none" when empty.
  std::string str() const;
  bool operator==(const CpuFeatureSet &o) const { return bits == o.bits; }

private:
  uint32_t bits = 0;
};

/// The registers that describe the CPU and OS, so that decoding is testable without the hardware.
struct CpuidWords {
  uint32_t leaf1Ecx = 0;    // cpuid(1).ecx: fma, osxsave, avx, f16c
  uint32_t leaf7Ebx = 0;    // cpuid(7, 0).ebx: avx2, avx512f/dq/bw/vl
  uint32_t leaf7Ecx = 0;    // cpuid(7, 0).ecx: avx512_vnni
  uint32_t leaf7s1Eax = 0;  // cpuid(7, 1).eax: avx512_bf16
  uint64_t xcr0 = 0;        // xgetbv(0), read only when osxsave is set
};

/// Reads cpuid and xgetbv on this machine.
CpuidWords readCpuid();
/// The features the words announce and the OS has enabled.
CpuFeatureSet decodeCpuid(const CpuidWords &words);

/// Removes the features named in `mask` (comma separated; spaces ignored; masking avx512f hides
/// every avx512 feature). Returns false with `error` naming an unknown feature.
bool applyCpuMask(CpuFeatureSet &features, std::string_view mask, std::string &error);

struct HostCpu {
  CpuFeatureSet features; // after QOPT_CPU_MASK
  CpuFeatureSet masked;   // what QOPT_CPU_MASK removed from the detected features
};
/// This machine's features with QOPT_CPU_MASK applied (read on every call, so tests may set it).
/// False with `error` when QOPT_CPU_MASK names an unknown feature.
bool hostCpu(HostCpu &host, std::string &error);

} // namespace qopt::rt

#endif
