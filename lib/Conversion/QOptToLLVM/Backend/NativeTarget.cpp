// The target registry: what each target lets LLVM use, and what the runtime must check for it.
#include "qopt/Conversion/QOptToLLVM/Backend.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::qopt;

namespace {

constexpr llvm::StringLiteral kAvx2Features[] = {"avx2", "fma", "f16c"};
constexpr llvm::StringLiteral kAvx512VnniFeatures[] = {
    "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512vnni"};
constexpr llvm::StringLiteral kAvx512Bf16Features[] = {
    "avx2",     "fma",      "f16c",       "avx512f",   "avx512bw",
    "avx512vl", "avx512dq", "avx512vnni", "avx512bf16"};

// The CPU is the generic x86-64 rather than x86-64-v3/v4 so that LLVM cannot use an extension the
// runtime does not check (bmi2, lzcnt, movbe, avx512cd, ...): the features below are exactly the
// checked ones (each implies only older SSE/AVX levels that every such CPU has). evex512 must be
// named since LLVM 18 splits 512-bit registers from the AVX-512 instructions. tune-cpu only steers
// scheduling: Zen 4 for the AVX-512 targets (the machines of DESIGN.md), generic for avx2, which
// also runs on Intel cores. Both AVX-512 targets prefer full 512-bit vectors: the kernels are
// written for zmm, and on Zen 4 a double-pumped zmm op still halves the instruction count.
const NativeTarget kTargets[] = {
    {"avx512bf16", "x86-64", "znver4",
     "+avx,+avx2,+fma,+f16c,+avx512f,+avx512bw,+avx512vl,+avx512dq,+avx512vnni,+avx512bf16,"
     "+evex512",
     512, kAvx512Bf16Features},
    {"avx512vnni", "x86-64", "znver4",
     "+avx,+avx2,+fma,+f16c,+avx512f,+avx512bw,+avx512vl,+avx512dq,+avx512vnni,+evex512", 512,
     kAvx512VnniFeatures},
    {"avx2", "x86-64", "generic", "+avx,+avx2,+fma,+f16c", 256, kAvx2Features},
};

std::string knownNames() {
  std::string names;
  for (const NativeTarget &t : kTargets)
    names += (t.name + ", ").str();
  return names + "host";
}

} // namespace

llvm::ArrayRef<NativeTarget> mlir::qopt::nativeTargets() { return kTargets; }

const NativeTarget &mlir::qopt::defaultNativeTarget() { return kTargets[1]; }

const NativeTarget *mlir::qopt::detectHostNativeTarget(std::string &error) {
  // LLVM's detection already consults xgetbv, so a feature whose register state the OS does not
  // save is reported as absent.
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  auto has = [&](llvm::StringRef f) {
    auto it = host.find(f);
    return it != host.end() && it->second;
  };
  for (const NativeTarget &t : kTargets)
    if (llvm::all_of(t.cpuFeatures, has))
      return &t;
  const NativeTarget &least = kTargets[std::size(kTargets) - 1];
  std::string missing;
  for (llvm::StringRef f : least.cpuFeatures)
    if (!has(f))
      missing += (missing.empty() ? "" : " ") + f.str();
  error = "this CPU cannot run any native target: the smallest, " + least.name.str() +
          ", needs " + missing;
  return nullptr;
}

const NativeTarget *mlir::qopt::lookupNativeTarget(llvm::StringRef name, std::string &error) {
  if (name == "host") {
    std::string why;
    if (const NativeTarget *t = detectHostNativeTarget(why))
      return t;
    error = "target 'host': " + why;
    return nullptr;
  }
  for (const NativeTarget &t : kTargets)
    if (t.name == name)
      return &t;
  error = "unknown native target '" + name.str() + "' (known: " + knownNames() + ")";
  return nullptr;
}

FailureOr<llvm::SmallVector<const NativeTarget *>>
mlir::qopt::parseNativeTargetList(llvm::StringRef list, std::string &error) {
  llvm::SmallVector<llvm::StringRef> items;
  list.split(items, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/true);
  llvm::SmallVector<const NativeTarget *> targets;
  for (auto [i, item] : llvm::enumerate(items)) {
    llvm::StringRef name = item.trim();
    if (name.empty()) {
      error = "target list '" + list.str() + "': item " + std::to_string(i + 1) +
              " is empty (known targets: " + knownNames() + ")";
      return failure();
    }
    const NativeTarget *t = lookupNativeTarget(name, error);
    if (!t)
      return failure();
    // "host,avx2" on an avx2 machine names one target twice; one build of it is what is meant.
    if (!llvm::is_contained(targets, t))
      targets.push_back(t);
  }
  return targets;
}
