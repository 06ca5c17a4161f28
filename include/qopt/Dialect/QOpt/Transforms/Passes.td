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

#endif // QOPT_TRANSFORMS_PASSES_TD
