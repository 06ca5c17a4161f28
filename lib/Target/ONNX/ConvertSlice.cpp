// ONNX Slice, Split and Gather -> qopt.slice / qopt.gather. On constant data (shape arithmetic
// PyTorch emits below opset 17) they are folded at import time instead.
#include "GraphImporter.h"

#include "qopt/Dialect/QOpt/IR/ShapeInference.h"

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::onnximport;

/// A constant moved element by element: result element k is data element src(k).
static DenseElementsAttr foldMovement(DenseElementsAttr data, ArrayRef<int64_t> shape,
                                      function_ref<int64_t(int64_t)> src) {
  auto values = llvm::to_vector(data.getValues<Attribute>());
  auto type = RankedTensorType::get(shape, data.getElementType());
  SmallVector<Attribute> out;
  for (int64_t k = 0; k < type.getNumElements(); ++k)
    out.push_back(values[src(k)]);
  return DenseElementsAttr::get(type, out);
}

static SmallVector<int64_t> rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Emits (or folds) a slice of input 0 into output `out`.
static LogicalResult emitSlice(NodeContext &ctx, int out, RankedTensorType t,
                               ArrayRef<int64_t> starts, ArrayRef<int64_t> ends,
                               ArrayRef<int64_t> steps) {
  shape::Result r = shape::slice(t.getShape(), starts, ends, steps);
  if (!r)
    return ctx.fail(r.error);
  if (DenseElementsAttr c = ctx.constantInput(0)) {
    SmallVector<int64_t> first, strides = rowMajorStrides(t.getShape());
    for (int64_t d = 0; d < t.getRank(); ++d)
      first.push_back(shape::sliceDim(t.getDimSize(d), starts[d], ends[d], steps[d]).start);
    ArrayRef<int64_t> outShape = *r.shape;
    ctx.setOutputConstant(out, foldMovement(c, outShape, [&](int64_t k) {
                            int64_t offset = 0;
                            for (int64_t d = t.getRank() - 1; d >= 0; --d) {
                              offset += (first[d] + (k % outShape[d]) * steps[d]) * strides[d];
                              k /= outShape[d];
                            }
                            return offset;
                          }));
    return success();
  }
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  auto v = ctx.create<SliceOp>(RankedTensorType::get(*r.shape, t.getElementType()), *x, starts,
                               ends, steps);
  if (failed(v))
    return failure();
  ctx.setOutput(out, *v);
  return success();
}

/// Slice: starts / ends / axes as attributes before opset 10, as constant inputs (plus steps)
/// from opset 10 on.
static LogicalResult convertSlice(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"starts", "ends", "axes"})))
    return failure();
  RankedTensorType t = inputType(ctx, 0);
  if (!t)
    return failure();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    starts = ctx.intsAttr("starts");
    ends = ctx.intsAttr("ends");
    axes = ctx.intsAttr("axes");
  } else {
    auto s = ctx.requireIntConstant(1, "starts");
    auto e = ctx.requireIntConstant(2, "ends");
    if (failed(s) || failed(e))
      return failure();
    starts = toInts(*s);
    ends = toInts(*e);
    for (int i : {3, 4}) {
      if (!ctx.hasInput(i))
        continue;
      auto c = ctx.requireIntConstant(i, i == 3 ? "axes" : "steps");
      if (failed(c))
        return failure();
      (i == 3 ? axes : steps) = toInts(*c);
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return ctx.fail("starts, ends, axes and steps have different lengths (" +
                    Twine(starts.size()) + ", " + Twine(ends.size()) + ", " + Twine(axes.size()) +
                    ", " + Twine(steps.size()) + ")");
  int64_t rank = t.getRank();
  SmallVector<int64_t> fullStarts(rank, 0), fullEnds(rank, std::numeric_limits<int64_t>::max()),
      fullSteps(rank, 1);
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto ax = shape::normalizeAxis(axes[i], rank);
    if (!ax || seen[*ax])
      return ctx.fail("axis " + Twine(axes[i]) + " is out of range for rank " + Twine(rank) +
                      " or repeated");
    seen[*ax] = true;
    fullStarts[*ax] = starts[i];
    fullEnds[*ax] = ends[i];
    fullSteps[*ax] = steps[i];
  }
  return emitSlice(ctx, 0, t, fullStarts, fullEnds, fullSteps);
}

/// Split: sizes from the `split` attribute (before opset 13), a constant input (from 13), or
/// equal parts (`num_outputs` from opset 18; the last part may be smaller).
static LogicalResult convertSplit(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis", "split", "num_outputs"})))
    return failure();
  RankedTensorType t = inputType(ctx, 0);
  if (!t)
    return failure();
  int64_t rank = t.getRank();
  auto axis = shape::normalizeAxis(ctx.intAttr("axis", 0), rank);
  if (!axis)
    return ctx.fail("axis " + Twine(ctx.intAttr("axis", 0)) + " is out of range for rank " +
                    Twine(rank));
  int64_t dim = t.getDimSize(*axis);
  if (ShapedType::isDynamic(dim))
    return ctx.fail("cannot split the dynamic dimension " + Twine(*axis));
  SmallVector<int64_t> sizes;
  if (ctx.opset < 13) {
    sizes = ctx.intsAttr("split");
  } else if (ctx.hasInput(1)) {
    auto c = ctx.requireIntConstant(1, "split");
    if (failed(c))
      return failure();
    sizes = toInts(*c);
  }
  int64_t parts = ctx.node.output_size();
  if (sizes.empty()) {
    parts = ctx.intAttr("num_outputs", parts);
    if (parts < 1 || parts != ctx.node.output_size())
      return ctx.fail("num_outputs " + Twine(parts) + " does not match the node's " +
                      Twine(ctx.node.output_size()) + " outputs");
    int64_t each = dim / parts + (dim % parts != 0);
    for (int64_t p = 0, left = dim; p < parts; ++p, left -= each)
      sizes.push_back(std::max<int64_t>(0, std::min(each, left)));
  }
  // Sizes come from the file: negative ones, or ones whose sum overflows, divide nothing.
  int64_t total = 0;
  bool valid = true;
  for (int64_t s : sizes)
    valid = valid && s >= 0 && !__builtin_add_overflow(total, s, &total);
  if (!valid || (int64_t)sizes.size() != ctx.node.output_size() || total != dim)
    return ctx.fail("split sizes " + shape::str(sizes) + " do not divide dimension " +
                    Twine(*axis) + " of size " + Twine(dim) + " into " +
                    Twine(ctx.node.output_size()) + " outputs");
  SmallVector<int64_t> starts(rank, 0), ends(rank, std::numeric_limits<int64_t>::max()),
      steps(rank, 1);
  int64_t offset = 0;
  for (int i = 0; i < (int)sizes.size(); ++i) {
    starts[*axis] = offset;
    ends[*axis] = offset + sizes[i];
    offset += sizes[i];
    if (ctx.outputUsed(i) && failed(emitSlice(ctx, i, t, starts, ends, steps)))
      return failure();
  }
  return success();
}

/// Gather with constant indices; folded when the data is constant too.
static LogicalResult convertGather(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  RankedTensorType t = inputType(ctx, 0);
  auto indices = ctx.requireIntConstant(1, "indices");
  if (!t || failed(indices))
    return failure();
  SmallVector<int64_t> idx = toInts(*indices);
  auto indicesShape = cast<RankedTensorType>(indices->getType()).getShape();
  int64_t axis = ctx.intAttr("axis", 0);
  shape::Result r = shape::gather(t.getShape(), axis, idx, indicesShape);
  if (!r)
    return ctx.fail(r.error);
  if (DenseElementsAttr c = ctx.constantInput(0)) {
    int64_t ax = *shape::normalizeAxis(axis, t.getRank());
    int64_t dim = t.getDimSize(ax), inner = 1, count = idx.size();
    for (int64_t d = ax + 1; d < t.getRank(); ++d)
      inner *= t.getDimSize(d);
    ctx.setOutputConstant(0, foldMovement(c, *r.shape, [&](int64_t k) {
                            int64_t j = k % inner, rest = k / inner;
                            int64_t i = idx[rest % count];
                            return ((rest / count) * dim + (i < 0 ? i + dim : i)) * inner + j;
                          }));
    return success();
  }
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  return ctx.produce(ctx.create<GatherOp>(RankedTensorType::get(*r.shape, t.getElementType()), *x,
                                          axis, idx, indicesShape));
}

void onnximport::registerSliceConverters(llvm::StringMap<Converter> &table) {
  table["Slice"] = convertSlice;
  table["Split"] = convertSplit;
  table["Gather"] = convertGather;
}
