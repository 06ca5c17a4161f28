// The oneDNN peer of qopt-kernel-bench: matmul and convolution with weights reordered ahead of
// time into the layout oneDNN picks (format_tag::any), outside the timed loop.
#ifndef QOPT_BENCH_KERNELS_ONEDNNKERNELS_H
#define QOPT_BENCH_KERNELS_ONEDNNKERNELS_H

#include "KernelBench.h"

namespace mlir::qopt::kbench {

/// False when the benchmark was built without oneDNN (then `why` says so).
bool oneDnnAvailable(std::string &why);

/// Caps oneDNN's instruction set ("avx512_core_bf16", "avx512_core_amx", "all") before its first
/// primitive; returns the name of the ISA it will use, or an error in `err`.
std::string oneDnnSetIsa(const std::string &isa, std::string &err);

/// The oneDNN version, "2.6.3".
std::string oneDnnVersion();

struct OneDnnRun {
  bool ok = false;
  std::string note, impl; // impl: oneDNN's implementation name ("brg:avx512_core_vnni")
  Timing t;
};

/// Times one primitive for `k` at `precision` (int8: u8 x s8 with an s32 or u8 destination as
/// `variant` says, "s32" or "u8"; bf16: bf16 x bf16 -> f32; fp16: f16 -> f32; fp32) with
/// `threads` OpenMP threads.
OneDnnRun timeOneDnn(const Kernel &k, const std::string &precision, const std::string &variant,
                     int threads, const Options &opt);

} // namespace mlir::qopt::kbench

#endif
