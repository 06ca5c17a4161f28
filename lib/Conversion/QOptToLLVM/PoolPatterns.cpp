// Lowering of the pool family (max_pool2d, avg_pool2d, global_avg_pool) to the kernels of OpKernels.h.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

namespace mlir::qopt::lowering {

void populatePoolKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  (void)patterns;
  (void)failures;
}

} // namespace mlir::qopt::lowering
