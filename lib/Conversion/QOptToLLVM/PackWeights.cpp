// qopt-pack-weights: the linear ops become GEMM kernel calls on weights packed at compile time
// in the target's layout (the patterns are in LinearPatterns.cpp).
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Passes.h"

namespace mlir::qopt {
#define GEN_PASS_DEF_PACKWEIGHTSPASS
#include "qopt/Conversion/QOptToLLVM/Passes.h.inc"
} // namespace mlir::qopt

namespace mlir::qopt::lowering {
namespace {

struct PackWeightsPass : impl::PackWeightsPassBase<PackWeightsPass> {
  using Base::Base;
  void runOnOperation() override {
    std::optional<Target> t = parseTarget(target);
    if (!t) {
      getOperation().emitError("unknown native target '")
          << target << "' (targets: avx512vnni, avx512bf16, avx2)";
      return signalPassFailure();
    }
    LoweringFailures failures;
    RewritePatternSet patterns(&getContext());
    populateLinearKernelPatterns(patterns, *t, failures);
    auto isLegal = [](Operation *op) {
      return !isa<FullyConnectedOp, Conv2DOp, MatMulOp>(op);
    };
    if (failed(applyKernelLowering(getOperation(), std::move(patterns), isLegal, failures,
                                   ("native code for " + targetName(*t)).str())))
      signalPassFailure();
  }
};

} // namespace
} // namespace mlir::qopt::lowering
