// The qopt side of qopt-kernel-bench: models, compilation and timed runs through the C API.
#ifndef QOPT_BENCH_KERNELS_QOPTKERNELS_H
#define QOPT_BENCH_KERNELS_QOPTKERNELS_H

#include "KernelBench.h"

namespace mlir::qopt::kbench {

/// "fc:NAME:K:N" / "conv:NAME:C:H:W:O:KH:KW:PAD:GROUPS", as make_kernel_models.py reads them.
std::string modelSpec(const Kernel &k);

/// Writes WORKDIR/NAME.onnx and NAME.calib.npy for every kernel.
bool makeModels(const Options &opt, const std::vector<Kernel> &kernels, std::string &err);

/// qopt-compile WORKDIR/NAME.onnx --precision=P --target=host -> WORKDIR/NAME.P.fb.
bool compileModel(const Options &opt, const Kernel &k, const std::string &precision,
                  std::string &fbPath, std::string &err);

/// The int8 layer of `model` returning its u8 result (requantized in the GEMM's epilogue) instead
/// of f32: WORKDIR/NAME.int8u8.fb, through --emit=mlir and make_kernel_models.py --u8-output.
/// With `u8Input` the graph's input quantize goes too (NAME.int8u8io.fb, --u8-io): the layer
/// alone, u8 in and u8 out, as it runs inside an int8 network and as oneDNN's u8 primitive runs.
bool compileU8OutputModel(const Options &opt, const Kernel &model, bool u8Input,
                          std::string &fbPath, std::string &err);

struct QOptRun {
  bool ok = false;
  std::string note, target, inputDtype, outputDtype;
  Timing t;
};

/// Loads the compiled model once with `threads` threads and times qopt_model_run on one
/// preallocated random input (batch k.m for a fully connected layer, 1 image for a conv).
QOptRun timeCompiledModel(const std::string &fbPath, const Kernel &k, int threads,
                          const Options &opt);

} // namespace mlir::qopt::kbench

#endif
