// Lowering of the linear family (fully_connected, conv2d, matmul) to LinearKernels.h.
#include "Patterns.h"

namespace mlir::qopt::lowering {
void populateLinearKernelPatterns(RewritePatternSet &patterns, Target target,
                                  LoweringFailures &failures) {
  (void)patterns;
  (void)target;
  (void)failures;
}
} // namespace mlir::qopt::lowering
