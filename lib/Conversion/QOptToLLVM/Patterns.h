// The lowering patterns of the native backend, one file per op family. Each pattern replaces an
// op by a qopt.kernel_call (KernelCall.h) or records in `failures` why it cannot.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_PATTERNS_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_PATTERNS_H

#include "KernelCall.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"

namespace mlir::qopt::lowering {

// qopt-pack-weights (LinearPatterns.cpp): fully_connected, matmul, conv2d.
void populateLinearKernelPatterns(RewritePatternSet &patterns, Target target,
                                  LoweringFailures &failures);

// qopt-lower-to-kernels:
// ElementwisePatterns.cpp: the binary arithmetic ops, the unary ops and activations, cast.
void populateElementwiseKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures);
// QuantPatterns.cpp: quantize, dequantize, requantize, fake_quant_dynamic.
void populateQuantKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures);
// NormPatterns.cpp: softmax, log_softmax, layer_norm, batch_norm.
void populateNormKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures);
// PoolPatterns.cpp: max_pool2d, avg_pool2d, global_avg_pool.
void populatePoolKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures);
// MovementPatterns.cpp: transpose, concat, slice, gather.
void populateMovementKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures);
// ReducePatterns.cpp: reduce_mean, reduce_sum, reduce_max, reduce_min.
void populateReduceKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures);

/// Runs `patterns` over `func` as a partial conversion in which `isLegal` ops may stay; every op
/// that stays illegal is reported as an error naming it, its layer and the pattern's reason.
LogicalResult applyKernelLowering(func::FuncOp func, FrozenRewritePatternSet patterns,
                                  function_ref<bool(Operation *)> isLegal,
                                  const LoweringFailures &failures, StringRef what);

} // namespace mlir::qopt::lowering

#endif
