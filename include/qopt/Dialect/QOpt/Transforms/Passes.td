#ifndef QOPT_TRANSFORMS_PASSES_TD
#define QOPT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldBatchNormPass : Pass<"qopt-fold-batch-norm", "func::FuncOp"> {
  let summary = "Fold inference batch_norm into the preceding conv2d or fully_connected";
  let description = [{
    A batch_norm whose input is the only use of a conv2d (or a rank-2 fully_connected) without a
    fused activation, and whose parameters and the producer's weights are constants, is folded
    into new weights and bias:

      inv[c] = scale[c] / sqrt(variance[c] + epsilon)
      w'[c, ...] = w[c, ...] * inv[c]
      b'[c] = (b[c] - mean[c]) * inv[c] + bias[c]          (b = 0 without a bias)

    computed in double and rounded once to f32. Before:

    ```mlir
    %c = qopt.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
    %y = qopt.batch_norm %c, %scale, %bias, %mean, %var : (...) -> tensor<1x2x4x4xf32>
    ```

    After:

    ```mlir
    %c = qopt.conv2d %x, %w2, %b2 : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    ```

    A batch_norm that cannot be folded (an activation in between, a shared producer, non-constant
    parameters) is left in place for the backend to run.
  }];
  let dependentDialects = ["::mlir::qopt::QOptDialect"];
}

def RaiseDecomposedOpsPass : Pass<"qopt-raise-decomposed-ops", "func::FuncOp"> {
  let summary = "Recognize GELU and LayerNorm decomposed into elementwise ops and reductions";
  let description = [{
    Exporters below ONNX opset 17 (PyTorch's among them) spell GELU and LayerNorm out in pieces.
    This pass turns them back into qopt.gelu and qopt.layer_norm, which the quantization passes
    and the backend treat as one op with one precision decision.

    GELU, with the factors of the two products in any order and x / sqrt(2) also as
    x * (1 / sqrt(2)):

    ```mlir
    %d = qopt.div %x, %sqrt2      // splat 1.4142135
    %e = qopt.erf %d
    %a = qopt.add %e, %one        // splat 1.0
    %m = qopt.mul %x, %a
    %y = qopt.mul %m, %half       // splat 0.5
    ```

    becomes `%y = qopt.gelu %x`. LayerNorm over the trailing dimensions:

    ```mlir
    %mean = qopt.reduce_mean %x {axes = array<i64: -1>}
    %d = qopt.sub %x, %mean
    %p = qopt.pow %d, %two        // or qopt.mul %d, %d
    %var = qopt.reduce_mean %p {axes = array<i64: -1>}
    %s = qopt.sqrt (qopt.add %var, %eps)
    %n = qopt.div %d, %s
    %y = qopt.add (qopt.mul %n, %gamma), %beta   // both optional
    ```

    becomes `%y = qopt.layer_norm %x, %gamma, %beta {axis = -1, epsilon = eps}`. Constants must
    match within a relative 1e-5; anything else is left alone.
  }];
  let dependentDialects = ["::mlir::qopt::QOptDialect"];
}

def CalibratePass : Pass<"qopt-calibrate", "func::FuncOp"> {
  let summary = "Run the fp32 function on calibration data and record each tensor's range";
  let description = [{
    Runs the function on the reference executor over a NumPy file of calibration samples (the
    first dimension counts samples; the rest must match the function's single input), in two
    passes: min/max first, then 2048-bin histograms of |x| over [0, absmax] for each sign. Both
    only add counts and take extremes, so the result does not depend on the sample order or the
    batch size.

    Every op with a float result, and the input, gets a `qopt.calibration` record:

    ```mlir
    %0 = qopt.relu %arg0 {qopt.calibration = #qopt.calibration<lo = 0.0, hi = 2.9, min = 0.0,
                          max = 3.0, method = "percentile", samples = 512>} : ...
    ```

    `lo`/`hi` is the range the method chose (minmax | percentile[=P] | entropy | mse); `min`/`max`
    are the observed extremes. Calibration data that is empty, of the wrong shape or dtype, or
    holds NaN or Inf is rejected with the file, the expected and the actual.

    Without data, the ranges come from statistics already on the function
    (`qopt.calibration_stats`, CalibrationStats.h: what `record-stats` keeps, or what qopt-compile
    takes from a compiled model's provenance), computed with `method` exactly as from the data
    they were measured on; the records are removed unless `record-stats` is set.
  }];
  let options = [
    Option<"data", "data", "std::string", /*default=*/"\"\"",
           "calibration samples: a .npy file of float32 [N, input dims...]">,
    Option<"method", "method", "std::string", /*default=*/"\"percentile=99.99\"",
           "minmax | percentile[=P] | entropy | mse">,
    Option<"batchSize", "batch-size", "int64_t", /*default=*/"64",
           "samples per run when the input's batch dimension is dynamic">,
    Option<"recordStats", "record-stats", "bool", /*default=*/"false",
           "also keep each value's statistics as `qopt.calibration_stats` "
           "(CalibrationStats.h), for the compiled model's provenance">,
  ];
  let dependentDialects = ["::mlir::qopt::QOptDialect"];
}

def AssignPrecisionPass : Pass<"qopt-assign-precision", "func::FuncOp"> {
  let summary = "Choose f32 | f16 | bf16 | i8 for every fully_connected, conv2d and matmul";
  let description = [{
    Writes `qopt.precision` and `qopt.precision_reason` on each op, which qopt-quantize applies.
    - `mode=int8|fp16|bf16|fp32`: one precision for every layer. f16 is never chosen where a
      calibrated range (run qopt-calibrate first) or a weight exceeds 65504: that layer stays f32.
    - `mode=mixed`: measures each layer's sensitivity (only it in i8, on the calibration data:
      top-1 change and output SQNR, recorded as `qopt.sensitivity`), starts from all-i8 and raises
      the layer with the most output noise per ns of extra latency one step (i8 -> bf16 -> f16 where it fits -> f32) until the loss on the evaluation data (top-1
      accuracy points with labels, else top-1 disagreement with fp32, in percent) is within
      `budget`. A budget that cannot be met is an error naming the best assignment and its loss,
      unless `allow-over-budget`.
    Latency per layer and precision: measured where the function carries `qopt.measured_latency`
    (a dictionary of layer name -> [ns per sample for i8, bf16, f16, f32], `unit` where not
    measured; qopt-compile times each precision's native code to write it, and the pass removes
    it), else predicted by a per-`target` model (MACs over the target's MACs per cycle plus the
    weight bytes over DRAM bandwidth, at a nominal 3.5 GHz). Every op gets `qopt.latency` with
    `predicted_ns`, `measured_ns` (when measured) and which one the search `used`.
    The logits (an op whose result is returned, possibly through softmax) stay f32, and
    `override=NAME=PREC` pins a layer by its ONNX node name. Before:
    ```mlir
    %y = qopt.fully_connected %x, %w, %b : ...
    ```
    After (mode=int8, a hidden layer):
    ```mlir
    %y = qopt.fully_connected %x, %w, %b {qopt.precision = #qopt.precision<i8>, qopt.precision_reason = "uniform int8"} : ...
    ```
  }];
  let options = [
    Option<"mode", "mode", "::mlir::qopt::PrecisionMode",
           /*default=*/"::mlir::qopt::PrecisionMode::int8", "int8 | fp16 | bf16 | fp32 | mixed",
           [{::llvm::cl::values(
             clEnumValN(::mlir::qopt::PrecisionMode::int8, "int8", "i8 everywhere"),
             clEnumValN(::mlir::qopt::PrecisionMode::fp16, "fp16", "f16 where the ranges fit"),
             clEnumValN(::mlir::qopt::PrecisionMode::bf16, "bf16", "bf16 everywhere"),
             clEnumValN(::mlir::qopt::PrecisionMode::fp32, "fp32", "f32 everywhere"),
             clEnumValN(::mlir::qopt::PrecisionMode::mixed, "mixed",
                        "the cheapest assignment within the budget"))}]>,
    Option<"budget", "budget", "double", /*default=*/"0.1",
           "mixed: the accuracy loss allowed, in top-1 points">,
    Option<"data", "data", "std::string", /*default=*/"\"\"",
           "mixed: calibration samples (.npy) for the per-layer sensitivity">,
    Option<"evalData", "eval-data", "std::string", /*default=*/"\"\"",
           "mixed: samples (.npy) the budget is checked on (default: the calibration data)">,
    Option<"evalLabels", "eval-labels", "std::string", /*default=*/"\"\"",
           "mixed: labels (.npy) for eval-data; without them the budget is on agreement with fp32">,
    ListOption<"overrides", "override", "std::string",
               "NAME=f32|f16|bf16|i8: pin the layer with this ONNX node name">,
    Option<"target", "target", "::mlir::qopt::CostTarget",
           /*default=*/"::mlir::qopt::CostTarget::avx512vnni",
           "cost model: avx512vnni | avx512bf16 | avx2",
           [{::llvm::cl::values(
             clEnumValN(::mlir::qopt::CostTarget::avx512vnni, "avx512vnni", "AVX-512 VNNI"),
             clEnumValN(::mlir::qopt::CostTarget::avx512bf16, "avx512bf16", "AVX-512 BF16"),
             clEnumValN(::mlir::qopt::CostTarget::avx2, "avx2", "AVX2"))}]>,
    Option<"activations", "activations", "::mlir::qopt::ActivationStorage",
           /*default=*/"::mlir::qopt::ActivationStorage::u8",
           "mixed: activation scheme of the trial quantization (u8 | i8)",
           [{::llvm::cl::values(
             clEnumValN(::mlir::qopt::ActivationStorage::u8, "u8", "asymmetric u8"),
             clEnumValN(::mlir::qopt::ActivationStorage::i8, "i8", "symmetric i8"))}]>,
    Option<"batchSize", "batch-size", "int64_t", /*default=*/"64",
           "mixed: samples per run when the batch dimension is dynamic">,
    Option<"allowOverBudget", "allow-over-budget", "bool", /*default=*/"false",
           "mixed: keep the best assignment when the budget cannot be met (a warning)">,
    Option<"budgetConfidence", "budget-confidence", "double", /*default=*/"0",
           "mixed: check the budget against the upper bound of the loss's confidence interval "
           "at this level, e.g. 0.95 (0: against the point estimate)">,
  ];
  let dependentDialects = ["::mlir::qopt::QOptDialect", "::mlir::quant::QuantizationDialect"];
}

def CorrectBiasPass : Pass<"qopt-correct-bias", "func::FuncOp"> {
  let summary = "Remove the mean output shift that int8 weights cause, using calibration data";
  let description = [{
    For every fully_connected / conv2d assigned `qopt.precision = #qopt.precision<i8>` with
    constant f32 weights (run it after qopt-assign-precision, before qopt-quantize), the weights
    are quantized exactly as qopt-quantize will (per output channel, symmetric, [-127, 127]) and
    the bias becomes
      b'[o] = b[o] - sum_k (W_q[o, k] - W[o, k]) * E[x_k]
    with E[x] the per-channel mean of the op's input on the calibration data (conv2d: the mean over
    batch and space of each input channel; padding is ignored). The largest |shift| is recorded as
    `qopt.bias_correction`. Before:
    ```mlir
    %y = qopt.fully_connected %x, %w {qopt.precision = #qopt.precision<i8>} : ...
    ```
    After:
    ```mlir
    %y = qopt.fully_connected %x, %w, %b {qopt.bias_correction = 1.5e-03 : f64, qopt.precision = #qopt.precision<i8>} : ...
    ```
  }];
  let options = [
    Option<"dataPath", "data", "std::string", /*default=*/"\"\"",
           "calibration samples: a .npy file of float32 [N, input dims...]">,
    Option<"batchSize", "batch-size", "int64_t", /*default=*/"64",
           "samples per run when the input's batch dimension is dynamic">,
  ];
  let dependentDialects = ["::mlir::qopt::QOptDialect"];
}

def QuantizePass : Pass<"qopt-quantize", "func::FuncOp"> {
  let summary = "Quantize the inputs of fully_connected, conv2d and matmul to int8";
  let description = [{
    For every f32 fully_connected, conv2d and matmul:

    - a constant weight becomes per-output-channel symmetric i8 in [-127, 127]
      (scale = max |w_c| / 127), stored as i8 behind a qopt.dequantize;
    - each activation operand gets a qopt.quantize / qopt.dequantize pair with per-tensor
      parameters from its `qopt.calibration` range (run qopt-calibrate first): asymmetric u8
      (the default) or symmetric i8. A value feeding several ops is quantized once.

    The result is the QDQ form: the reference executor runs it with exact integer rounding and
    saturation, and qopt-fold-quant-dequant turns each dq -> op -> q into an integer op. Before:

    ```mlir
    %y = qopt.fully_connected %x, %w, %b : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    ```

    After:

    ```mlir
    %xq = qopt.quantize %x : (tensor<?x4xf32>) -> tensor<?x4x!quant.uniform<u8:f32, 0.0157:128>>
    %xd = qopt.dequantize %xq : ... -> tensor<?x4xf32>
    %wq = qopt.constant dense<...> : tensor<3x4xi8> -> tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {...}>>
    %wd = qopt.dequantize %wq : ... -> tensor<3x4xf32>
    %y = qopt.fully_connected %xd, %wd, %b {qopt.precision = #qopt.precision<i8>} : ...
    ```
  }];
  let options = [
    Option<"activations", "activations", "::mlir::qopt::ActivationStorage",
           /*default=*/"::mlir::qopt::ActivationStorage::u8",
           "activation scheme: u8 (asymmetric) or i8 (symmetric)",
           [{::llvm::cl::values(
             clEnumValN(::mlir::qopt::ActivationStorage::u8, "u8", "asymmetric u8"),
             clEnumValN(::mlir::qopt::ActivationStorage::i8, "i8", "symmetric i8"))}]>,
    Option<"mode", "mode", "::mlir::qopt::QuantizationMode",
           /*default=*/"::mlir::qopt::QuantizationMode::Static",
           "static (calibrated scales, per-channel weights) or dynamic (per-tensor weights, "
           "activation scales from the live tensor: the naive scheme, for comparison)",
           [{::llvm::cl::values(
             clEnumValN(::mlir::qopt::QuantizationMode::Static, "static", "calibrated scales"),
             clEnumValN(::mlir::qopt::QuantizationMode::Dynamic, "dynamic",
                        "scales from the live tensor"))}]>,
  ];
  let dependentDialects = ["::mlir::qopt::QOptDialect", "::mlir::quant::QuantizationDialect"];
}

def FusePass : Pass<"qopt-fuse", "func::FuncOp"> {
  let summary = "Fuse a linear op with its bias, activation and requantization into one op";
  let description = [{
    - `matmul %x, %W` with a constant 2-D `W` becomes `fully_connected %x, transpose(W)`;
    - `add(linear, c)` with a constant `c` that varies only along the output channel (the last
      dimension of fully_connected, dimension 1 of conv2d) becomes the linear op's bias;
    - relu, clamp(0, 6) / clamp(0, inf), sigmoid, tanh and exact gelu of a fully_connected or
      conv2d become its `activation`;
    - `requantize` of a quantized linear op becomes the op's result type.
    Only a linear op whose result has no other user is fused. Before:
    ```mlir
    %m = qopt.matmul %x, %W : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
    %a = qopt.add %m, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    %y = qopt.relu %a : (tensor<?x3xf32>) -> tensor<?x3xf32>
    ```
    After:
    ```mlir
    %y = qopt.fully_connected %x, %Wt, %b {activation = #qopt.activation<relu>} : ...
    ```
    Run it before qopt-calibrate so that ranges are recorded after the activation (a ReLU output
    needs no negative half of the u8 range), and again after qopt-fold-quant-dequant.
  }];
  let dependentDialects = ["::mlir::qopt::QOptDialect"];
}

def FoldQuantDequantPass : Pass<"qopt-fold-quant-dequant", "func::FuncOp"> {
  let summary = "Turn the quantize/dequantize form into integer ops";
  let description = [{
    - `q(dq(x))` becomes `x` when the types are equal and `requantize(x)` otherwise;
    - `dq -> fully_connected / conv2d / matmul -> q` becomes the linear op on the quantized
      operands with the quantized result (a float result when no quantize follows, e.g. the
      logits); a float bias becomes i32 with scale s_in * s_w[channel] and zero point 0;
    - quantize and dequantize move through reshape, flatten, transpose, max_pool2d and concat
      (exact: these ops only move or select values, and concat shares the output's scale);
    - relu / clamp of `dq(x)` is dropped when x's quantized range cannot leave the clamp.
    Before:
    ```mlir
    %xd = qopt.dequantize %xq : (tensor<1x4x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<1x4xf32>
    %wd = qopt.dequantize %wq : (tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {...}>>) -> tensor<3x4xf32>
    %y = qopt.fully_connected %xd, %wd, %b : (...) -> tensor<1x3xf32>
    %yq = qopt.quantize %y : (tensor<1x3xf32>) -> tensor<1x3x!quant.uniform<u8:f32, 0.05:0>>
    ```
    After:
    ```mlir
    %bq = qopt.constant dense<...> : tensor<3xi32> -> tensor<3x!quant.uniform<i32:f32:0, {...}>>
    %yq = qopt.fully_connected %xq, %wq, %bq : (...) -> tensor<1x3x!quant.uniform<u8:f32, 0.05:0>>
    ```
  }];
  let dependentDialects = ["::mlir::qopt::QOptDialect", "::mlir::quant::QuantizationDialect"];
}

#endif // QOPT_TRANSFORMS_PASSES_TD
