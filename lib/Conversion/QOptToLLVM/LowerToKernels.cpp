// qopt-lower-to-kernels: every compute op but the linear ones (qopt-pack-weights) becomes a call
// of its OpKernels.h kernel. The patterns are in one file per op family (Patterns.h).
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Passes.h"
#include "qopt/Dialect/QOpt/IR/ConstantUtils.h"

#include "mlir/Rewrite/PatternApplicator.h"

namespace mlir::qopt {
#define GEN_PASS_DEF_LOWERTOKERNELSPASS
#include "qopt/Conversion/QOptToLLVM/Passes.h.inc"
} // namespace mlir::qopt

namespace mlir::qopt::lowering {

LogicalResult applyKernelLowering(func::FuncOp func, FrozenRewritePatternSet patterns,
                                  function_ref<bool(Operation *)> isLegal,
                                  const LoweringFailures &failures, StringRef what) {
  // A driver of its own rather than the dialect conversion: each op is tried once, in order, and
  // every op that no pattern lowers is reported (the conversion driver stops at the first one and
  // says only "failed to legalize").
  PatternApplicator applicator(patterns);
  applicator.applyDefaultCostModel();
  PatternRewriter rewriter(func.getContext());
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (!isLegal(op))
      ops.push_back(op);
  });
  bool ok = true;
  for (Operation *op : ops) {
    rewriter.setInsertionPoint(op);
    if (succeeded(applicator.matchAndRewrite(op, rewriter)))
      continue;
    ok = false;
    std::string reason = failures.reason(op).value_or("no native kernel for this op");
    op->emitError() << "cannot compile '" << op->getName() << "' (layer '"
                    << layerName(op->getLoc(), "?") << "') to " << what << ": " << reason;
  }
  return success(ok);
}

namespace {

/// Ops that are already lowered, or that the LLVM conversion handles itself.
bool isLoweredOrAlias(Operation *op) {
  return !isa<QOptDialect>(op->getDialect()) ||
         isa<KernelCallOp, ConstantOp, ReshapeOp, FlattenOp>(op);
}

struct LowerToKernelsPass : impl::LowerToKernelsPassBase<LowerToKernelsPass> {
  void runOnOperation() override {
    LoweringFailures failures;
    RewritePatternSet patterns(&getContext());
    populateElementwiseKernelPatterns(patterns, failures);
    populateQuantKernelPatterns(patterns, failures);
    populateNormKernelPatterns(patterns, failures);
    populatePoolKernelPatterns(patterns, failures);
    populateMovementKernelPatterns(patterns, failures);
    populateReduceKernelPatterns(patterns, failures);
    if (failed(applyKernelLowering(getOperation(), std::move(patterns), isLoweredOrAlias,
                                   failures, "the native backend")))
      signalPassFailure();
  }
};

} // namespace
} // namespace mlir::qopt::lowering
