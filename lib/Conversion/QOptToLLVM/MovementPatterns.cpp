// Lowering of the movement family (transpose, concat, slice, gather) to the kernels of OpKernels.h.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

namespace mlir::qopt::lowering {

void populateMovementKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  (void)patterns;
  (void)failures;
}

} // namespace mlir::qopt::lowering
