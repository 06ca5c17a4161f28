// The machine's own limits, measured in the process that reports against them.
//
// The VMs qopt runs on change CPU from session to session (see DESIGN.md's measured facts), so a
// figure like "op/cycle" or "% of peak" only means something next to peaks measured on the same
// box in the same run. The benchmark (bench/), the HTML report's roofline and the measured cost
// model all take their peaks from here. No LLVM or MLIR dependency: plain C++ with per-function
// target attributes, so it links into the runtime-side tools as well.
#ifndef QOPT_SUPPORT_MACHINEPEAKS_H
#define QOPT_SUPPORT_MACHINEPEAKS_H

#include <string>

namespace mlir::qopt {

struct MachinePeaks {
  // Core clock from a chain of dependent integer adds (one add per cycle on every x86 core).
  double ghz = 0;
  // Throughput per core and cycle, as "ops" the way GEMM figures count them: a multiply and an add
  // are 2 ops. 0 when the CPU lacks the instruction.
  double f32FmaOpsPerCycle = 0;   // vfmadd231ps on zmm (ymm when there is no AVX-512)
  int f32FmaVectorBits = 0;       // 512 or 256: which of the two f32FmaOpsPerCycle measured
  double f32FmaYmmOpsPerCycle = 0; // vfmadd231ps on ymm, the avx2 target's f32 peak
  double int8VnniOpsPerCycle = 0; // vpdpbusd zmm: 64 u8*s8 products + adds per instruction
  double int8Avx2OpsPerCycle = 0; // AVX2 vpmaddubsw/vpmaddwd/vpaddd sequence (ymm)
  double bf16OpsPerCycle = 0;     // vdpbf16ps zmm
  // Read bandwidth of one core, bytes per cycle, for working sets in L1, L2 and DRAM.
  double l1BytesPerCycle = 0;
  double l2BytesPerCycle = 0;
  double dramBytesPerCycle = 0;
  // Sizes of the working sets measured (bytes), for the report.
  long l1Bytes = 0, l2Bytes = 0, dramBytes = 0;
  // The L2's size as the OS reports it (bytes; 0 when unknown): what fits in L2.
  long l2CacheBytes = 0;
  // From measureMachinePeaks(quick = true): medians of 3 short timings, not of 7 long ones.
  bool quick = false;

  // {"ghz":..,"f32_fma_ops_per_cycle":..,...} with the field names above in snake_case.
  std::string toJson() const;
};

// Measures all of the above. `quick` bounds the whole measurement to about 0.2 s (for a compiler
// writing a report); otherwise each figure is the median of several repeats (about 2 s).
MachinePeaks measureMachinePeaks(bool quick);

// The CPU's brand string from cpuid ("Intel(R) Xeon(R) Processor"), or "unknown".
std::string hostCpuName();

} // namespace mlir::qopt

#endif
