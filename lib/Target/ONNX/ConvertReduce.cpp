// ONNX ReduceMean / ReduceSum / ReduceMax / ReduceMin -> qopt reductions.
#include "GraphImporter.h"

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::onnximport;

/// ReduceSum moved `axes` from an attribute to an optional second input in opset 13 (the other
/// reductions follow in opset 18, past the supported range).
template <typename OpT>
static bool axesIsInput(const NodeContext &ctx) {
  return std::is_same_v<OpT, ReduceSumOp> && ctx.opset >= 13;
}

template <typename OpT>
static LogicalResult convertReduce(NodeContext &ctx) {
  bool fromInput = axesIsInput<OpT>(ctx);
  if (fromInput && ctx.attr("axes"))
    return ctx.fail("the 'axes' attribute was replaced by an input in ReduceSum-13");
  if (failed(fromInput ? ctx.checkAttributes({"keepdims", "noop_with_empty_axes"})
                       : ctx.checkAttributes({"axes", "keepdims"})))
    return failure();
  SmallVector<int64_t> axes;
  bool noopWithEmptyAxes = false;
  if (fromInput) {
    int64_t noop = ctx.intAttr("noop_with_empty_axes", 0);
    if (noop != 0 && noop != 1)
      return ctx.fail("noop_with_empty_axes must be 0 or 1, got " + Twine(noop));
    noopWithEmptyAxes = noop == 1;
    if (ctx.hasInput(1)) {
      auto c = ctx.requireConstant(1, "axes");
      if (failed(c))
        return failure();
      if (!isa<IntegerType>(c->getElementType()) || c->getType().getRank() > 1)
        return ctx.fail("axes must be a 1-D integer tensor");
      axes = toInts(*c);
    }
  } else {
    axes = ctx.intsAttr("axes");
  }
  int64_t keepdims = ctx.intAttr("keepdims", 1);
  if (keepdims != 0 && keepdims != 1)
    return ctx.fail("keepdims must be 0 or 1, got " + Twine(keepdims));
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  // ONNX: with noop_with_empty_axes, empty axes reduce nothing instead of everything.
  if (axes.empty() && noopWithEmptyAxes) {
    ctx.setOutput(0, *x);
    return success();
  }
  RankedTensorType in = typeOf(*x);
  auto type = inferredType(ctx, shape::reduce(in.getShape(), axes, keepdims == 1),
                           in.getElementType());
  if (failed(type))
    return failure();
  Builder &b = ctx.builder();
  return ctx.produce(
      ctx.create<OpT>(*type, *x, b.getDenseI64ArrayAttr(axes), b.getBoolAttr(keepdims == 1)));
}

void onnximport::registerReduceConverters(llvm::StringMap<Converter> &table) {
  table["ReduceMean"] = convertReduce<ReduceMeanOp>;
  table["ReduceSum"] = convertReduce<ReduceSumOp>;
  table["ReduceMax"] = convertReduce<ReduceMaxOp>;
  table["ReduceMin"] = convertReduce<ReduceMinOp>;
}
