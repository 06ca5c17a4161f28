// qopt-kernel-bench: one layer at a time, through qopt's compiled code and through oneDNN, as
// op/cycle and % of the instruction peak measured in the same run (MachinePeaks).
#ifndef QOPT_BENCH_KERNELS_KERNELBENCH_H
#define QOPT_BENCH_KERNELS_KERNELBENCH_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mlir::qopt::kbench {

/// One layer shape: a fully connected layer (M x K -> N) or a 2-D convolution on one image
/// (C x H x W -> O, KH x KW, stride 1, symmetric padding, `groups` groups; depthwise when
/// groups == C == O).
struct Kernel {
  std::string name;
  bool conv = false;
  int64_t m = 0, k = 0, n = 0;                                // fc
  int64_t c = 0, h = 0, w = 0, o = 0, kh = 0, kw = 0, pad = 0, groups = 1; // conv

  int64_t outH() const { return h + 2 * pad - kh + 1; }
  int64_t outW() const { return w + 2 * pad - kw + 1; }
  /// A multiply and an add are 2 ops, as the peaks count them.
  double ops() const {
    return conv ? 2.0 * outH() * outW() * o * (c / groups) * kh * kw : 2.0 * m * n * k;
  }
  /// Bytes of the weights at one byte per element (int8); the GEMV figure scales by precision.
  int64_t weightElements() const { return conv ? o * (c / groups) * kh * kw : n * k; }
  /// "256x1024->1024", "64x56x56 3x3 -> 64, pad 1".
  std::string shape() const;
  /// The rows of the GEMM a conv is (output pixels): the threads rule and the table use it.
  int64_t gemmRows() const { return conv ? outH() * outW() : m; }
};

struct Timing {
  double medianMs = 0, minMs = 0, maxMs = 0;
  // The calling thread's CPU time per run (median): on a loaded machine it leaves out the time
  // the thread was preempted, which wall time counts. Only meaningful for 1-thread runs, where
  // all the work happens on the calling thread.
  double medianCpuMs = 0;
  int runs = 0;
};

/// Wall-clock times of `f` (after `warmUp` runs): at least `minRuns` runs and, past that, until
/// `budgetSeconds` are spent (at most `maxRuns`).
Timing timeRuns(const std::function<bool()> &f, int warmUp, int minRuns, int maxRuns,
                double budgetSeconds, bool *ok);

/// One measured row of the JSON's "kernels" list.
struct Result {
  std::string name, shape, precision, tool, variant, peakName, note, impl;
  int threads = 1;
  bool ok = false;         // false: `note` says why there is no figure
  Timing t;
  double opPerCycle = 0, pctOfPeak = 0;
  double opPerCycleCpu = 0, pctOfPeakCpu = 0; // from medianCpuMs; threads == 1 only
  double vsOneDnn = 0; // qopt rows: qopt / oneDNN throughput (0: no oneDNN figure)
};

struct Options {
  bool smoke = false;
  std::string workDir, qoptCompile, python, modelScript, filter;
  bool onednn = true;
  std::string onednnIsa = "avx512_core_bf16";
  double budgetSeconds = 0.3; // per timed configuration
};

/// Runs `cmd` (argv), its output to `logPath`; false with a message in `err` when it fails.
bool runCommand(const std::vector<std::string> &cmd, const std::string &logPath, std::string &err);

} // namespace mlir::qopt::kbench

#endif
