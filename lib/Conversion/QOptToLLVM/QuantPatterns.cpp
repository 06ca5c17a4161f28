// Lowering of the quant family (quantize, dequantize, requantize, fake_quant_dynamic) to the kernels of OpKernels.h.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"

namespace mlir::qopt::lowering {

void populateQuantKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  (void)patterns;
  (void)failures;
}

} // namespace mlir::qopt::lowering
