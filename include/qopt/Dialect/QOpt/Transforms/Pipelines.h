// qopt's named pass pipelines, registered for qopt-opt in one place.
#ifndef QOPT_DIALECT_QOPT_TRANSFORMS_PIPELINES_H
#define QOPT_DIALECT_QOPT_TRANSFORMS_PIPELINES_H

namespace mlir::qopt {

/// Registers `qopt-quantize-pipeline`: fold-batch-norm, fuse, calibrate, assign-precision,
/// (correct-bias,) quantize, fold-quant-dequant, fuse, canonicalize.
void registerQOptPipelines();

} // namespace mlir::qopt

#endif
