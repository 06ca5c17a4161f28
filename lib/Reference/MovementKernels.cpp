// reshape, flatten, transpose and concat. They move elements without looking at them, so they
// work on float, integer and quantized tensors alike (quantized parameters travel in the type).
#include "Kernels.h"

namespace mlir::qopt::ref::detail {

/// Data movement never changes the element type (a quantized type's parameters included).
static LogicalResult checkSameStorage(const Tensor &in, const Tensor &out, std::string &err) {
  if (in.elementType != out.elementType)
    return fail(err, "input element type " + typeStr(in.elementType) +
                         " differs from the result element type " + typeStr(out.elementType));
  return success();
}

/// out[k] = in[src(k)] for every result element, on whichever of `f` / `i` holds the values.
static void gather(const Tensor &in, Tensor &out, function_ref<int64_t(int64_t)> src) {
  if (out.isFloat())
    for (size_t k = 0; k < out.f.size(); ++k)
      out.f[k] = in.f[src(k)];
  else
    for (size_t k = 0; k < out.i.size(); ++k)
      out.i[k] = in.i[src(k)];
}

LogicalResult runReshape(ReshapeOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  // The result type gives the new shape; at most one dimension may be left for the element count
  // to decide (a dynamic batch that the reshape carries through).
  shape::Shape to(op.getType().getShape().begin(), op.getType().getShape().end());
  int64_t dynamicDim = -1, known = 1;
  for (size_t d = 0; d < to.size(); ++d) {
    if (!ShapedType::isDynamic(to[d])) {
      known *= to[d];
      continue;
    }
    if (dynamicDim >= 0)
      return fail(err, "result type " + typeStr(op.getType()) +
                           " has more than one dynamic dimension to resolve");
    dynamicDim = d;
  }
  int64_t count = in.numElements();
  if (dynamicDim >= 0) {
    if (known == 0 || count % known != 0)
      return fail(err, "cannot reshape " + shape::str(in.shape) + " (" + std::to_string(count) +
                           " elements) to " + shape::str(to));
    to[dynamicDim] = count / known;
  }
  if (failed(makeResult(op, shape::reshape(in.shape, to), out, err)) ||
      failed(checkSameStorage(in, out, err)))
    return failure();
  gather(in, out, [](int64_t k) { return k; });
  return success();
}

LogicalResult runFlatten(FlattenOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  if (failed(makeResult(op, shape::flatten(in.shape, op.getAxis()), out, err)) ||
      failed(checkSameStorage(in, out, err)))
    return failure();
  gather(in, out, [](int64_t k) { return k; });
  return success();
}

LogicalResult runTranspose(TransposeOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  ArrayRef<int64_t> perm = op.getPerm();
  if (failed(makeResult(op, shape::transpose(in.shape, perm), out, err)) ||
      failed(checkSameStorage(in, out, err)))
    return failure();
  SmallVector<int64_t> inStrides = stridesOf(in.shape), strides;
  for (int64_t p : perm)
    strides.push_back(inStrides[p]);
  gather(in, out, [&](int64_t k) { return offsetOf(k, out.shape, strides); });
  return success();
}

LogicalResult runConcat(ConcatOp op, Lookup get, Tensor &out, std::string &err) {
  SmallVector<const Tensor *> ins;
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value v : op.getInputs()) {
    ins.push_back(&get(v));
    shapes.push_back(ins.back()->shape);
  }
  if (failed(makeResult(op, shape::concat(shapes, op.getAxis()), out, err)))
    return failure();
  for (const Tensor *in : ins)
    if (failed(checkSameStorage(*in, out, err)))
      return failure();
  int64_t axis = *shape::normalizeAxis(op.getAxis(), out.shape.size());
  ArrayRef<int64_t> outShape = out.shape;
  int64_t outer = product(outShape.take_front(axis)), inner = product(outShape.drop_front(axis + 1));
  int64_t outChunk = outShape[axis] * inner, offset = 0;
  // Each input contributes a contiguous chunk of shape[axis] * inner elements per outer index.
  for (const Tensor *in : ins) {
    int64_t chunk = in->shape[axis] * inner;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < chunk; ++k) {
        int64_t dst = o * outChunk + offset + k, src = o * chunk + k;
        if (out.isFloat())
          out.f[dst] = in->f[src];
        else
          out.i[dst] = in->i[src];
      }
    offset += chunk;
  }
  return success();
}

} // namespace mlir::qopt::ref::detail

namespace mlir::qopt::ref::detail {

LogicalResult runSlice(SliceOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  ArrayRef<int64_t> starts = op.getStarts(), ends = op.getEnds(), steps = op.getSteps();
  if (failed(makeResult(op, shape::slice(in.shape, starts, ends, steps), out, err)) ||
      failed(checkSameStorage(in, out, err)))
    return failure();
  size_t rank = in.shape.size();
  SmallVector<int64_t> first(rank);
  for (size_t d = 0; d < rank; ++d)
    first[d] = shape::sliceDim(in.shape[d], starts[d], ends[d], steps[d]).start;
  SmallVector<int64_t> inStrides = stridesOf(in.shape);
  ArrayRef<int64_t> outShape = out.shape;
  gather(in, out, [&](int64_t k) {
    int64_t offset = 0;
    for (int64_t d = (int64_t)rank - 1; d >= 0; --d) {
      offset += (first[d] + (k % outShape[d]) * steps[d]) * inStrides[d];
      k /= outShape[d];
    }
    return offset;
  });
  return success();
}

LogicalResult runGather(GatherOp op, Lookup get, Tensor &out, std::string &err) {
  const Tensor &in = get(op.getInput());
  ArrayRef<int64_t> indices = op.getIndices();
  if (failed(makeResult(op, shape::gather(in.shape, op.getAxis(), indices, op.getIndicesShape()),
                        out, err)) ||
      failed(checkSameStorage(in, out, err)))
    return failure();
  int64_t axis = *shape::normalizeAxis(op.getAxis(), in.shape.size());
  int64_t dim = in.shape[axis];
  int64_t inner = product(ArrayRef<int64_t>(in.shape).drop_front(axis + 1));
  int64_t count = (int64_t)indices.size();
  for (int64_t i : indices)
    if (i < -dim || i >= dim) // a dynamic dimension is checked here, at run time
      return fail(err, "index " + Twine(i) + " is out of range for dimension " + Twine(axis) +
                           " of size " + Twine(dim));
  gather(in, out, [&](int64_t k) {
    int64_t j = k % inner, rest = k / inner;
    int64_t idx = indices[rest % count], outer = rest / count;
    if (idx < 0)
      idx += dim;
    return (outer * dim + idx) * inner + j;
  });
  return success();
}

} // namespace mlir::qopt::ref::detail
