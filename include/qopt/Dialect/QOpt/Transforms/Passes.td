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

#endif // QOPT_TRANSFORMS_PASSES_TD
