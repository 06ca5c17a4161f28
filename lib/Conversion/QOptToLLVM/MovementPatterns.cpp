// Lowering of the data movement family (transpose, concat, slice, gather) to the kernels of
// OpKernels.h. They copy elements of any stored size; under a batch dimension they may move data
// only within a sample, so every one of them refuses to touch dimension 0 of a batched tensor.
#include "Patterns.h"

#include "qopt/Conversion/QOptToLLVM/Kernels/OpKernels.h"
#include "qopt/Dialect/QOpt/IR/ShapeInference.h"

namespace mlir::qopt::lowering {
namespace {

int64_t product(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

/// The element size the kernels copy; they move 1, 2, 4 or 8 bytes at a time.
FailureOr<int32_t> elementSize(Operation *op, PatternRewriter &rewriter,
                               LoweringFailures &failures) {
  // Quantization parameters travel in the type, so those must agree too.
  Type elt = cast<ShapedType>(op->getResult(0).getType()).getElementType();
  for (Type t : op->getOperandTypes())
    if (cast<ShapedType>(t).getElementType() != elt)
      return failures.fail(rewriter, op, "input and result element types differ");
  int64_t bytes = storageBytes(op->getResult(0).getType());
  if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8)
    return failures.fail(rewriter, op, "the native kernel moves elements of 1, 2, 4 or 8 bytes");
  return (int32_t)bytes;
}

LogicalResult rankFits(Operation *op, size_t rank, PatternRewriter &rewriter,
                       LoweringFailures &failures) {
  if (rank > QOPT_K_MAX_RANK)
    return failures.fail(rewriter, op, "rank above the kernel's maximum of 8");
  return success();
}

struct TransposeToKernel : OpRewritePattern<TransposeOp> {
  TransposeToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<TransposeOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    FailureOr<int32_t> elemSize = elementSize(op, rewriter, failures);
    if (failed(elemSize))
      return failure();
    Value in = op.getInput();
    ArrayRef<int64_t> perm = op.getPerm();
    bool batched = isBatched(in);
    if (batched != isBatched(op.getOutput()))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    if (batched && (perm.empty() || perm[0] != 0))
      return failures.fail(rewriter, op,
                           "a transpose that moves the batch dimension cannot run natively");
    SmallVector<int64_t> shape = sampleShape(in.getType());
    if (failed(rankFits(op, shape.size(), rewriter, failures)))
      return failure();
    auto p = zeroParams<qopt_k_transpose_params>();
    p.rank = (int32_t)shape.size();
    p.elem_size = *elemSize;
    for (size_t d = 0; d < shape.size(); ++d) {
      p.in_dims[d] = shape[d];
      p.perm[d] = batched ? perm[d + 1] - 1 : perm[d];
    }
    replaceWithKernel(rewriter, op, "qopt_k_transpose", p, ValueRange{in});
    return success();
  }

  LoweringFailures &failures;
};

struct ConcatToKernel : OpRewritePattern<ConcatOp> {
  ConcatToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<ConcatOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    FailureOr<int32_t> elemSize = elementSize(op, rewriter, failures);
    if (failed(elemSize))
      return failure();
    if (op.getInputs().size() > QOPT_K_MAX_CONCAT)
      return failures.fail(rewriter, op, "more than 32 inputs to the native concat");
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    std::optional<int64_t> ax = shape::normalizeAxis(op.getAxis(), outType.getRank());
    if (!ax)
      return failures.fail(rewriter, op, "axis out of range");
    bool batched = isBatched(outType);
    if (batched && *ax == 0)
      return failures.fail(rewriter, op,
                           "concat along the batch dimension cannot run natively");
    // The kernel could repeat an unbatched input for every sample, but a static leading
    // dimension next to the dynamic batch only agrees with the op's semantics at batch 1.
    for (Value v : op.getInputs())
      if (isBatched(v) != batched)
        return failures.fail(rewriter, op,
                             "concat of batched and unbatched inputs cannot run natively");
    int64_t axis = batched ? *ax - 1 : *ax;
    SmallVector<int64_t> outShape = sampleShape(outType);
    int64_t inner = product(ArrayRef<int64_t>(outShape).drop_front(axis + 1));
    auto p = zeroParams<qopt_k_concat_params>();
    p.num_inputs = (int32_t)op.getInputs().size();
    p.elem_size = *elemSize;
    p.outer = product(ArrayRef<int64_t>(outShape).take_front(axis));
    for (auto [i, v] : llvm::enumerate(op.getInputs())) {
      p.chunk[i] = sampleShape(v.getType())[axis] * inner;
      p.batched[i] = isBatched(v) ? 1 : 0;
    }
    replaceWithKernel(rewriter, op, "qopt_k_concat", p, op.getInputs());
    return success();
  }

  LoweringFailures &failures;
};

struct SliceToKernel : OpRewritePattern<SliceOp> {
  SliceToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<SliceOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    FailureOr<int32_t> elemSize = elementSize(op, rewriter, failures);
    if (failed(elemSize))
      return failure();
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    ArrayRef<int64_t> starts = op.getStarts(), ends = op.getEnds(), steps = op.getSteps();
    int64_t rank = inType.getRank();
    if ((int64_t)starts.size() != rank || (int64_t)ends.size() != rank ||
        (int64_t)steps.size() != rank || llvm::is_contained(steps, 0))
      return failures.fail(rewriter, op, "slice needs one non-zero step per dimension");
    bool batched = isBatched(inType);
    // Dimension 0 of a batched input must be taken whole: from 0 to "the end" (ONNX writes
    // INT64_MAX or INT32_MAX there), step 1.
    if (batched && !(starts[0] == 0 && steps[0] == 1 && ends[0] >= INT32_MAX))
      return failures.fail(rewriter, op, "a slice of the batch dimension cannot run natively");
    if (batched != isBatched(op.getOutput()))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    SmallVector<int64_t> inShape = sampleShape(inType);
    SmallVector<int64_t> outShape = sampleShape(op.getOutput().getType());
    if (failed(rankFits(op, inShape.size(), rewriter, failures)))
      return failure();
    int64_t first = batched ? 1 : 0;
    auto p = zeroParams<qopt_k_slice_params>();
    p.rank = (int32_t)inShape.size();
    p.elem_size = *elemSize;
    for (size_t d = 0; d < inShape.size(); ++d) {
      shape::SliceDim s = shape::sliceDim(inShape[d], starts[d + first], ends[d + first],
                                          steps[d + first]);
      if (s.size != outShape[d])
        return failures.fail(rewriter, op, "the result shape does not match the slice");
      p.in_dims[d] = inShape[d];
      p.out_dims[d] = outShape[d];
      p.starts[d] = s.start;
      p.steps[d] = steps[d + first];
    }
    replaceWithKernel(rewriter, op, "qopt_k_slice", p, ValueRange{op.getInput()});
    return success();
  }

  LoweringFailures &failures;
};

/// Whether `v` (or a reshape / flatten of it) is a result of the function: such a value needs a
/// buffer of its own, the output's.
bool reachesReturn(Value v) {
  for (Operation *user : v.getUsers()) {
    if (isa<func::ReturnOp>(user))
      return true;
    if (isa<ReshapeOp, FlattenOp>(user) && reachesReturn(user->getResult(0)))
      return true;
  }
  return false;
}

struct GatherToKernel : OpRewritePattern<GatherOp> {
  GatherToKernel(MLIRContext *ctx, LoweringFailures &failures)
      : OpRewritePattern<GatherOp>(ctx), failures(failures) {}

  LogicalResult matchAndRewrite(GatherOp op, PatternRewriter &rewriter) const override {
    if (failed(requireStaticExceptBatch(op, rewriter, failures)))
      return failure();
    FailureOr<int32_t> elemSize = elementSize(op, rewriter, failures);
    if (failed(elemSize))
      return failure();
    auto inType = cast<RankedTensorType>(op.getInput().getType());
    std::optional<int64_t> ax = shape::normalizeAxis(op.getAxis(), inType.getRank());
    if (!ax)
      return failures.fail(rewriter, op, "axis out of range");
    bool batched = isBatched(inType);
    if (batched && *ax == 0)
      return failures.fail(rewriter, op,
                           "gather along the batch dimension cannot run natively");
    if (batched != isBatched(op.getOutput()))
      return failures.fail(rewriter, op, "input and result disagree on the batch dimension");
    int64_t axis = batched ? *ax - 1 : *ax;
    SmallVector<int64_t> shape = sampleShape(inType);
    int64_t dim = shape[axis];
    SmallVector<int64_t> indices;
    for (int64_t i : op.getIndices()) {
      if (i < -dim || i >= dim)
        return failures.fail(rewriter, op, "gather index " + Twine(i) +
                                               " is out of range for a dimension of size " +
                                               Twine(dim));
      indices.push_back(i < 0 ? i + dim : i);
    }
    const int64_t outer = product(ArrayRef<int64_t>(shape).take_front(axis));
    const int64_t inner = product(ArrayRef<int64_t>(shape).drop_front(axis + 1));
    // Consecutive indices on the outermost dimension of an unbatched tensor select one
    // contiguous block: a view of the input instead of a copy (attention's q, k, v taken from one
    // [3, ...] tensor copied 25 MB at batch 64). A returned result keeps the copy.
    bool consecutive = !indices.empty();
    for (size_t j = 1; j < indices.size(); ++j)
      consecutive &= indices[j] == indices[0] + (int64_t)j;
    if (!batched && outer == 1 && consecutive && !reachesReturn(op.getOutput())) {
      const int64_t offset = indices[0] * inner * *elemSize;
      replaceWithKernel(rewriter, op, kViewCallee, offset, ValueRange{op.getInput()});
      return success();
    }
    auto p = zeroParams<qopt_k_gather_params>();
    p.elem_size = *elemSize;
    p.outer = outer;
    p.axis_len = dim;
    p.inner = inner;
    p.num_indices = (int64_t)indices.size();
    Value table = createArrayConstant<int64_t>(rewriter, op.getLoc(), indices, "qopt_k_indices");
    replaceWithKernel(rewriter, op, "qopt_k_gather", p, ValueRange{op.getInput(), table});
    return success();
  }

  LoweringFailures &failures;
};

} // namespace

void populateMovementKernelPatterns(RewritePatternSet &patterns, LoweringFailures &failures) {
  patterns.add<TransposeToKernel, ConcatToKernel, SliceToKernel, GatherToKernel>(
      patterns.getContext(), failures);
}

} // namespace mlir::qopt::lowering
