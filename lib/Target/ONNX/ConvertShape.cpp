// ONNX data movement, constants and shape arithmetic -> qopt. Shape computations on constants
// (Shape, Gather, Unsqueeze, Concat, Cast on the way to a Reshape) are folded at import time.
#include "GraphImporter.h"

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::onnximport;

static constexpr int64_t kDyn = ShapedType::kDynamic;

/// Reshape of a value or of a constant (folded) to `shape`.
static LogicalResult reshapeTo(NodeContext &ctx, ArrayRef<int64_t> resultShape) {
  if (DenseElementsAttr c = ctx.constantInput(0)) {
    ctx.setOutputConstant(0, c.reshape(RankedTensorType::get(resultShape, c.getElementType())));
    return success();
  }
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  auto type = RankedTensorType::get(resultShape, typeOf(*x).getElementType());
  if (type == typeOf(*x)) {
    ctx.setOutput(0, *x);
    return success();
  }
  return ctx.produce(ctx.create<ReshapeOp>(type, *x));
}

RankedTensorType onnximport::inputType(NodeContext &ctx, int i) {
  if (DenseElementsAttr c = ctx.constantInput(i))
    return cast<RankedTensorType>(c.getType());
  auto v = ctx.input(i);
  return failed(v) ? RankedTensorType() : typeOf(*v);
}

static LogicalResult convertFlatten(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  RankedTensorType t = inputType(ctx, 0);
  if (!t)
    return failure();
  int64_t axis = ctx.intAttr("axis", 1);
  shape::Result r = shape::flatten(t.getShape(), axis);
  if (!r)
    return ctx.fail(r.error);
  if (!ctx.constantInput(0)) {
    // Keep qopt.flatten (not a reshape) so a dynamic batch stays dynamic and readable.
    auto x = ctx.input(0);
    if (failed(x))
      return failure();
    return ctx.produce(ctx.create<FlattenOp>(RankedTensorType::get(*r.shape, t.getElementType()), *x,
                                   axis < 0 ? axis + t.getRank() : axis));
  }
  return reshapeTo(ctx, *r.shape);
}

/// ONNX Reshape's shape semantics: 0 copies the input dimension (unless allowzero), one -1 takes
/// the rest. A dynamic input dimension copied by 0 stays dynamic and does not block the -1.
static LogicalResult convertReshape(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"allowzero", "shape"})))
    return failure();
  RankedTensorType t = inputType(ctx, 0);
  if (!t)
    return failure();
  SmallVector<int64_t> target;
  if (ctx.opset < 5) {
    target = ctx.intsAttr("shape");
  } else {
    auto s = ctx.requireIntConstant(1, "the target shape");
    if (failed(s))
      return failure();
    target = toInts(*s);
  }
  bool allowZero = ctx.intAttr("allowzero", 0);
  ArrayRef<int64_t> in = t.getShape();
  SmallVector<bool> copied(in.size(), false);
  int64_t inferAt = -1;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == 0 && !allowZero) {
      if (i >= in.size())
        return ctx.fail("shape " + shape::str(target) + " copies dimension " + Twine(i) +
                        " that the input " + shape::str(in) + " does not have");
      d = in[i];
      copied[i] = true;
    } else if (d == -1) {
      if (inferAt >= 0)
        return ctx.fail("shape " + shape::str(target) + " has more than one -1");
      inferAt = i;
    } else if (d < 0) {
      return ctx.fail("invalid dimension " + Twine(d) + " in shape " + shape::str(target));
    }
  }
  if (inferAt >= 0) {
    int64_t inRest = 1, outRest = 1;
    bool known = true;
    for (auto [i, d] : llvm::enumerate(in)) {
      if (copied.size() > i && copied[i])
        continue;
      if (ShapedType::isDynamic(d))
        known = false;
      else
        inRest *= d;
    }
    for (auto [i, d] : llvm::enumerate(target))
      if ((int64_t)i != inferAt && !(copied[i]))
        outRest *= d;
    if (!known)
      target[inferAt] = kDyn;
    else if (outRest == 0 || inRest % outRest != 0)
      return ctx.fail("cannot reshape " + shape::str(in) + " to " + shape::str(target));
    else
      target[inferAt] = inRest / outRest;
  }
  shape::Result r = shape::reshape(in, target);
  if (!r)
    return ctx.fail(r.error);
  return reshapeTo(ctx, target);
}

static LogicalResult convertTranspose(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"perm"})))
    return failure();
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  SmallVector<int64_t> perm;
  for (int64_t i = t.getRank() - 1; i >= 0; --i)
    perm.push_back(i);
  perm = ctx.intsAttr("perm", perm);
  auto type = inferredType(ctx, shape::transpose(t.getShape(), perm), t.getElementType());
  if (failed(type))
    return failure();
  return ctx.produce(ctx.create<TransposeOp>(*type, *x, perm));
}

static LogicalResult convertConcat(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  const onnx::AttributeProto *axisAttr = ctx.attr("axis");
  if (!axisAttr)
    return ctx.fail("missing required attribute 'axis'");
  int64_t axis = axisAttr->i();
  // All-constant 1-D integer inputs: a shape being assembled for a Reshape.
  bool allConst = true;
  for (int i = 0; i < ctx.numInputs(); ++i)
    allConst &= ctx.constantInput(i) && ctx.constantInput(i).getElementType().isInteger(64) &&
                cast<RankedTensorType>(ctx.constantInput(i).getType()).getRank() == 1;
  if (allConst) {
    SmallVector<int64_t> joined;
    for (int i = 0; i < ctx.numInputs(); ++i)
      llvm::append_range(joined, toInts(ctx.constantInput(i)));
    auto type = RankedTensorType::get({(int64_t)joined.size()}, ctx.builder().getI64Type());
    ctx.setOutputConstant(0, DenseElementsAttr::get(type, ArrayRef<int64_t>(joined)));
    return success();
  }
  SmallVector<Value> inputs;
  SmallVector<ArrayRef<int64_t>> shapes;
  for (int i = 0; i < ctx.numInputs(); ++i) {
    auto v = ctx.input(i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  for (Value v : inputs)
    shapes.push_back(typeOf(v).getShape());
  auto type = inferredType(ctx, shape::concat(shapes, axis), typeOf(inputs[0]).getElementType());
  if (failed(type))
    return failure();
  return ctx.produce(ctx.create<ConcatOp>(*type, inputs, axis));
}

/// Axes of Squeeze/Unsqueeze: an attribute before opset 13, an optional constant input after.
static FailureOr<SmallVector<int64_t>> axesOf(NodeContext &ctx, bool required) {
  if (ctx.opset < 13)
    return ctx.intsAttr("axes");
  if (!ctx.hasInput(1)) {
    if (required) {
      (void)ctx.fail("missing the axes input");
      return failure();
    }
    return SmallVector<int64_t>();
  }
  auto c = ctx.requireIntConstant(1, "axes");
  if (failed(c))
    return failure();
  return toInts(*c);
}

static LogicalResult convertSqueeze(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axes"})))
    return failure();
  RankedTensorType t = inputType(ctx, 0);
  auto axes = axesOf(ctx, false);
  if (!t || failed(axes))
    return failure();
  int64_t rank = t.getRank();
  SmallVector<bool> drop(rank, false);
  for (int64_t a : *axes) {
    auto n = shape::normalizeAxis(a, rank);
    if (!n)
      return ctx.fail("axis " + Twine(a) + " out of range for rank " + Twine(rank));
    if (t.getDimSize(*n) != 1)
      return ctx.fail("cannot squeeze dimension " + Twine(*n) + " of size " +
                      Twine(t.getDimSize(*n)));
    drop[*n] = true;
  }
  SmallVector<int64_t> out;
  for (int64_t i = 0; i < rank; ++i)
    if (!(axes->empty() ? t.getDimSize(i) == 1 : drop[i]))
      out.push_back(t.getDimSize(i));
  return reshapeTo(ctx, out);
}

static LogicalResult convertUnsqueeze(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axes"})))
    return failure();
  RankedTensorType t = inputType(ctx, 0);
  auto axes = axesOf(ctx, true);
  if (!t || failed(axes))
    return failure();
  int64_t rank = t.getRank() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    auto n = shape::normalizeAxis(a, rank);
    if (!n || inserted[*n])
      return ctx.fail("invalid axes " + shape::str(*axes) + " for output rank " + Twine(rank));
    inserted[*n] = true;
  }
  SmallVector<int64_t> out;
  ArrayRef<int64_t> in = t.getShape();
  for (int64_t i = 0, j = 0; i < rank; ++i)
    out.push_back(inserted[i] ? 1 : in[j++]);
  return reshapeTo(ctx, out);
}

/// Identity and inference-mode Dropout forward their input.
static LogicalResult convertIdentity(NodeContext &ctx) {
  if (ctx.node.op_type() == "Dropout") {
    if (failed(ctx.checkAttributes({"ratio", "is_test", "seed"})))
      return failure();
    if (ctx.outputUsed(1))
      return ctx.fail("the mask output is not supported");
    if (ctx.hasInput(2)) {
      DenseElementsAttr training = ctx.constantInput(2);
      if (!training || training.getValues<bool>()[0])
        return ctx.fail("training_mode must be a constant false");
    }
  } else if (failed(ctx.checkAttributes({}))) {
    return failure();
  }
  if (DenseElementsAttr c = ctx.constantInput(0)) {
    ctx.setOutputConstant(0, c);
    return success();
  }
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  ctx.setOutput(0, *x);
  return success();
}

static LogicalResult convertConstant(NodeContext &ctx) {
  if (ctx.node.attribute_size() != 1)
    return ctx.fail("expects exactly one value attribute");
  const onnx::AttributeProto &a = ctx.node.attribute(0);
  MLIRContext *mctx = ctx.importer.ctx;
  Builder b(mctx);
  DenseElementsAttr value;
  if (a.name() == "value") {
    std::string error;
    auto v = convertTensorProto(mctx, a.t(), error);
    if (failed(v))
      return ctx.fail(error);
    value = *v;
  } else if (a.name() == "value_float") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()), a.f());
  } else if (a.name() == "value_floats") {
    SmallVector<float> fs(a.floats().begin(), a.floats().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)fs.size()}, b.getF32Type()), ArrayRef<float>(fs));
  } else if (a.name() == "value_int") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()), (int64_t)a.i());
  } else if (a.name() == "value_ints") {
    SmallVector<int64_t> is(a.ints().begin(), a.ints().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)is.size()}, b.getI64Type()), ArrayRef<int64_t>(is));
  } else {
    return ctx.fail("unsupported attribute '" + a.name() + "'");
  }
  ctx.setOutputConstant(0, value);
  return success();
}

static LogicalResult convertShape(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"start", "end"})))
    return failure();
  RankedTensorType t = inputType(ctx, 0);
  if (!t)
    return failure();
  int64_t rank = t.getRank();
  int64_t start = ctx.intAttr("start", 0), end = ctx.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<int64_t> dims(t.getShape().begin() + start,
                            t.getShape().begin() + std::max(start, end));
  if (llvm::any_of(dims, ShapedType::isDynamic))
    return ctx.fail("Shape of a tensor with a dynamic dimension " + shape::str(t.getShape()) +
                    " cannot be folded to a constant");
  auto type = RankedTensorType::get({(int64_t)dims.size()}, ctx.builder().getI64Type());
  ctx.setOutputConstant(0, DenseElementsAttr::get(type, ArrayRef<int64_t>(dims)));
  return success();
}

/// Cast: folded on constants; between float types on computed values.
static LogicalResult convertCast(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"to", "saturate"})))
    return failure();
  Type to = convertElementType(ctx.importer.ctx, ctx.intAttr("to", 0));
  if (!to)
    return ctx.fail("unsupported target type " + Twine(ctx.intAttr("to", 0)));
  if (DenseElementsAttr c = ctx.constantInput(0)) {
    Type from = c.getElementType();
    auto type = RankedTensorType::get(cast<RankedTensorType>(c.getType()).getShape(), to);
    if (from == to) {
      ctx.setOutputConstant(0, c);
    } else if (isa<IntegerType>(from) && isa<IntegerType>(to)) {
      SmallVector<APInt> vals;
      for (int64_t v : toInts(c))
        vals.push_back(APInt(to.getIntOrFloatBitWidth(), v, /*isSigned=*/true));
      ctx.setOutputConstant(0, DenseElementsAttr::get(type, vals));
    } else if (isa<IntegerType>(from) && isa<FloatType>(to)) {
      SmallVector<Attribute> vals;
      for (int64_t v : toInts(c))
        vals.push_back(FloatAttr::get(to, (double)v));
      ctx.setOutputConstant(0, DenseElementsAttr::get(type, vals));
    } else {
      return ctx.fail("casting a constant from " + Twine(ctx.intAttr("to", 0)) +
                      " is not supported");
    }
    return success();
  }
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  Type from = typeOf(*x).getElementType();
  if (from == to) {
    ctx.setOutput(0, *x);
    return success();
  }
  if (!isa<FloatType>(from) || !isa<FloatType>(to))
    return ctx.fail("casting a computed tensor is supported between float types only, not to " +
                    Twine(ctx.intAttr("to", 0)));
  auto type = RankedTensorType::get(typeOf(*x).getShape(), to);
  auto cast = ctx.create<CastOp>(type, *x);
  if (failed(cast))
    return failure();
  ctx.setOutput(0, *cast);
  return success();
}

void onnximport::registerShapeConverters(llvm::StringMap<Converter> &table) {
  table["Flatten"] = convertFlatten;
  table["Reshape"] = convertReshape;
  table["Transpose"] = convertTranspose;
  table["Concat"] = convertConcat;
  table["Squeeze"] = convertSqueeze;
  table["Unsqueeze"] = convertUnsqueeze;
  table["Identity"] = convertIdentity;
  table["Dropout"] = convertIdentity;
  table["Constant"] = convertConstant;
  table["Shape"] = convertShape;
  table["Cast"] = convertCast;
}
