// ONNX Gemm, MatMul, Conv, normalization, pooling and softmax -> qopt.
#include "GraphImporter.h"

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::onnximport;

FailureOr<SmallVector<int64_t>> onnximport::resolvePads(NodeContext &ctx,
                                                        ArrayRef<int64_t> inputShape,
                                                        ArrayRef<int64_t> kernel,
                                                        ArrayRef<int64_t> strides,
                                                        ArrayRef<int64_t> dilations) {
  std::string autoPad = ctx.stringAttr("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    SmallVector<int64_t> pads = ctx.intsAttr("pads", {0, 0, 0, 0});
    if (pads.size() != 4) {
      (void)ctx.fail("pads must have 4 values for a 2-D window, got " + Twine(pads.size()));
      return failure();
    }
    return pads;
  }
  if (autoPad == "VALID")
    return SmallVector<int64_t>{0, 0, 0, 0};
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    (void)ctx.fail("unknown auto_pad '" + autoPad + "'");
    return failure();
  }
  SmallVector<int64_t> pads(4, 0);
  for (int i = 0; i < 2; ++i) {
    int64_t in = inputShape[2 + i];
    if (ShapedType::isDynamic(in)) {
      (void)ctx.fail("auto_pad " + autoPad + " needs static spatial dimensions");
      return failure();
    }
    int64_t out = (in + strides[i] - 1) / strides[i];
    int64_t total =
        std::max<int64_t>(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in);
    int64_t small = total / 2, large = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : large;
    pads[2 + i] = autoPad == "SAME_UPPER" ? large : small;
  }
  return pads;
}

/// Common checks of a 2-D window op: a 4-D input and kernel/stride/dilation attributes.
static LogicalResult windowAttrs(NodeContext &ctx, RankedTensorType in, SmallVector<int64_t> &kernel,
                                 SmallVector<int64_t> &strides, SmallVector<int64_t> &dilations) {
  if (in.getRank() != 4)
    return ctx.fail("only 2-D windows over 4-D (NCHW) inputs are supported, got rank " +
                    Twine(in.getRank()));
  strides = ctx.intsAttr("strides", {1, 1});
  dilations = ctx.intsAttr("dilations", {1, 1});
  if (strides.size() != 2 || dilations.size() != 2 || kernel.size() != 2)
    return ctx.fail("kernel_shape, strides and dilations must have 2 values");
  return success();
}

static LogicalResult convertConv(NodeContext &ctx) {
  if (failed(ctx.checkAttributes(
          {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"})))
    return failure();
  auto x = ctx.input(0), w = ctx.input(1);
  if (failed(x) || failed(w))
    return failure();
  auto bias = ctx.optionalInput(2);
  if (failed(bias))
    return failure();
  RankedTensorType in = typeOf(*x), wt = typeOf(*w);
  if (wt.getRank() != 4)
    return ctx.fail("only 2-D convolutions are supported, weight has rank " + Twine(wt.getRank()));
  SmallVector<int64_t> kernel = ctx.intsAttr("kernel_shape", wt.getShape().drop_front(2));
  SmallVector<int64_t> strides, dilations;
  if (failed(windowAttrs(ctx, in, kernel, strides, dilations)))
    return failure();
  if (kernel != SmallVector<int64_t>(wt.getShape().drop_front(2)))
    return ctx.fail("kernel_shape " + shape::str(kernel) + " does not match the weight " +
                    shape::str(wt.getShape()));
  auto pads = resolvePads(ctx, in.getShape(), kernel, strides, dilations);
  if (failed(pads))
    return failure();
  int64_t groups = ctx.intAttr("group", 1);
  ArrayRef<int64_t> biasShape;
  if (*bias)
    biasShape = typeOf(*bias).getShape();
  auto type = inferredType(ctx,
                           shape::conv2d(in.getShape(), wt.getShape(), *bias ? &biasShape : nullptr,
                                         strides, *pads, dilations, groups),
                           in.getElementType());
  if (failed(type))
    return failure();
  return ctx.produce(ctx.create<Conv2DOp>(*type, *x, *w, *bias, strides, *pads, dilations, groups));
}

/// numpy.matmul semantics for any rank: rank-1 operands are promoted to matrices and the added
/// dimension is dropped again from the result.
static FailureOr<Value> buildMatMul(NodeContext &ctx, Value a, Value b) {
  RankedTensorType at = typeOf(a), bt = typeOf(b);
  Type elt = at.getElementType();
  auto reshape = [&](Value v, ArrayRef<int64_t> s) {
    return ctx.create<ReshapeOp>(RankedTensorType::get(s, elt), v);
  };
  bool aVec = at.getRank() == 1, bVec = bt.getRank() == 1;
  if (aVec) {
    auto r = reshape(a, {1, at.getDimSize(0)});
    if (failed(r))
      return failure();
    a = *r;
  }
  if (bVec) {
    auto r = reshape(b, {bt.getDimSize(0), 1});
    if (failed(r))
      return failure();
    b = *r;
  }
  auto type = inferredType(ctx, shape::matmul(typeOf(a).getShape(), typeOf(b).getShape()), elt);
  if (failed(type))
    return failure();
  auto y = ctx.create<MatMulOp>(*type, a, b);
  if (failed(y) || (!aVec && !bVec))
    return y;
  SmallVector<int64_t> s(type->getShape());
  if (bVec)
    s.pop_back();
  if (aVec)
    s.erase(s.end() - (bVec ? 1 : 2));
  return reshape(*y, s);
}

static LogicalResult convertMatMul(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  auto a = ctx.input(0), b = ctx.input(1);
  if (failed(a) || failed(b))
    return failure();
  auto y = buildMatMul(ctx, *a, *b);
  if (failed(y))
    return failure();
  ctx.setOutput(0, *y);
  return success();
}

/// A float constant scaled by `factor` (alpha/beta folding).
static DenseElementsAttr scaled(DenseElementsAttr c, float factor) {
  if (factor == 1.0f)
    return c;
  return c.mapValues(c.getElementType(), [&](const APFloat &v) {
    APFloat r = v;
    bool lost;
    APFloat f(factor);
    f.convert(v.getSemantics(), APFloat::rmNearestTiesToEven, &lost);
    r.multiply(f, APFloat::rmNearestTiesToEven);
    return r.bitcastToAPInt();
  });
}

static DenseElementsAttr transposed2D(DenseElementsAttr c) {
  auto type = cast<RankedTensorType>(c.getType());
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  auto values = llvm::to_vector(c.getValues<Attribute>());
  SmallVector<Attribute> out(values.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < cols; ++k)
      out[k * rows + r] = values[r * cols + k];
  return DenseElementsAttr::get(RankedTensorType::get({cols, rows}, type.getElementType()), out);
}

/// x * factor, or x itself when factor is 1.
static FailureOr<Value> scaledBy(NodeContext &ctx, Value x, float factor) {
  if (factor == 1.0f)
    return x;
  Type elt = typeOf(x).getElementType();
  Value f = ctx.constantValue(
      DenseElementsAttr::get(RankedTensorType::get({}, elt), FloatAttr::get(elt, factor)), "");
  return ctx.create<MulOp>(typeOf(x), x, f);
}

/// Gemm's "+ beta * C" when C is present and beta is not 0.
static FailureOr<Value> addScaledC(NodeContext &ctx, Value y, float beta) {
  if (!ctx.hasInput(2) || beta == 0.0f)
    return y;
  auto c = ctx.input(2);
  if (failed(c))
    return failure();
  auto cv = scaledBy(ctx, *c, beta);
  if (failed(cv))
    return failure();
  auto sumType = inferredType(ctx, shape::broadcast(typeOf(y).getShape(), typeOf(*cv).getShape()),
                              typeOf(y).getElementType());
  if (failed(sumType))
    return failure();
  return ctx.create<AddOp>(*sumType, y, *cv);
}

/// The transpose of a 2-D value.
static FailureOr<Value> transposed(NodeContext &ctx, Value m) {
  RankedTensorType t = typeOf(m);
  return ctx.create<TransposeOp>(
      RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)}, t.getElementType()), m,
      ArrayRef<int64_t>{1, 0});
}

/// Gemm: Y = alpha * A' * B' + beta * C. With a constant B it becomes fully_connected (weights
/// [N, K], alpha folded in); otherwise matmul, mul and add.
static LogicalResult convertGemm(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"alpha", "beta", "transA", "transB", "broadcast"})))
    return failure();
  float alpha = ctx.floatAttr("alpha", 1.0f), beta = ctx.floatAttr("beta", 1.0f);
  bool transA = ctx.intAttr("transA", 0), transB = ctx.intAttr("transB", 0);
  auto a = ctx.input(0);
  if (failed(a))
    return failure();
  RankedTensorType at = typeOf(*a);
  if (at.getRank() != 2)
    return ctx.fail("A must be 2-D, got " + shape::str(at.getShape()));
  Type elt = at.getElementType();
  Value lhs = *a;
  if (transA) {
    auto t = transposed(ctx, lhs);
    if (failed(t))
      return failure();
    lhs = *t;
  }
  DenseElementsAttr bConst = ctx.constantInput(1);
  DenseElementsAttr cConst = ctx.constantInput(2);
  if (bConst && isa<FloatType>(bConst.getElementType()) &&
      cast<RankedTensorType>(bConst.getType()).getRank() == 2) {
    DenseElementsAttr w = scaled(transB ? bConst : transposed2D(bConst), alpha);
    int64_t n = cast<RankedTensorType>(w.getType()).getDimSize(0);
    Value weight = ctx.constantValue(w, ctx.node.input(1));
    Value bias;
    // A C that broadcasts as a row vector folds into the bias; anything else stays an add.
    bool cIsRow = cConst && cConst.getNumElements() == n &&
                  cast<RankedTensorType>(cConst.getType()).getRank() <= 2 &&
                  (cast<RankedTensorType>(cConst.getType()).getRank() < 2 ||
                   cast<RankedTensorType>(cConst.getType()).getDimSize(0) == 1);
    bool cIsScalar = cConst && cConst.getNumElements() == 1;
    if (cIsRow || cIsScalar) {
      DenseElementsAttr c = scaled(cConst, beta);
      auto biasType = RankedTensorType::get({n}, c.getElementType());
      c = cIsScalar ? DenseElementsAttr::get(biasType, c.getValues<Attribute>()[0])
                    : c.reshape(biasType);
      bias = ctx.constantValue(c, ctx.node.input(2));
    }
    auto type = inferredType(ctx, shape::fullyConnected(typeOf(lhs).getShape(),
                                                        typeOf(weight).getShape(), nullptr),
                             elt);
    if (failed(type))
      return failure();
    auto y = ctx.create<FullyConnectedOp>(*type, lhs, weight, bias);
    if (failed(y))
      return failure();
    return ctx.produce(bias ? *y : addScaledC(ctx, *y, beta));
  }

  auto b = ctx.input(1);
  if (failed(b))
    return failure();
  Value rhs = *b;
  RankedTensorType bt = typeOf(rhs);
  if (bt.getRank() != 2)
    return ctx.fail("B must be 2-D, got " + shape::str(bt.getShape()));
  if (transB) {
    auto t = transposed(ctx, rhs);
    if (failed(t))
      return failure();
    rhs = *t;
  }
  auto y = buildMatMul(ctx, lhs, rhs);
  if (failed(y))
    return failure();
  auto scaledY = scaledBy(ctx, *y, alpha);
  if (failed(scaledY))
    return failure();
  return ctx.produce(addScaledC(ctx, *scaledY, beta));
}

static LogicalResult convertBatchNorm(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"epsilon", "momentum", "spatial", "training_mode",
                                  "is_test", "consumed_inputs"})))
    return failure();
  if (ctx.intAttr("training_mode", 0) != 0)
    return ctx.fail("training_mode=1 is not supported (qopt imports inference graphs)");
  if (ctx.intAttr("spatial", 1) != 1)
    return ctx.fail("spatial=0 is not supported");
  for (int i = 1; i < ctx.node.output_size(); ++i)
    if (ctx.outputUsed(i))
      return ctx.fail("the running statistics outputs are not supported");
  SmallVector<Value> in;
  for (int i = 0; i < 5; ++i) {
    auto v = ctx.input(i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  return ctx.produce(ctx.create<BatchNormOp>(typeOf(in[0]), in[0], in[1], in[2], in[3], in[4],
                                   APFloat(ctx.floatAttr("epsilon", 1e-5f))));
}

static LogicalResult convertLayerNorm(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis", "epsilon", "stash_type"})))
    return failure();
  if (ctx.outputUsed(1) || ctx.outputUsed(2))
    return ctx.fail("the Mean and InvStdDev outputs are not supported");
  auto x = ctx.input(0), scale = ctx.input(1);
  if (failed(x) || failed(scale))
    return failure();
  auto bias = ctx.optionalInput(2);
  if (failed(bias))
    return failure();
  return ctx.produce(ctx.create<LayerNormOp>(typeOf(*x), *x, *scale, *bias, ctx.intAttr("axis", -1),
                                   APFloat(ctx.floatAttr("epsilon", 1e-5f))));
}

template <bool IsMax>
static LogicalResult convertPool(NodeContext &ctx) {
  SmallVector<StringRef> known = {"auto_pad", "ceil_mode", "kernel_shape", "pads", "strides"};
  known.push_back(IsMax ? "dilations" : "count_include_pad");
  if (IsMax)
    known.push_back("storage_order");
  if (failed(ctx.checkAttributes(known)))
    return failure();
  if (IsMax && (ctx.intAttr("storage_order", 0) != 0 || ctx.outputUsed(1)))
    return ctx.fail("the Indices output and storage_order are not supported");
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  RankedTensorType in = typeOf(*x);
  SmallVector<int64_t> kernel = ctx.intsAttr("kernel_shape");
  SmallVector<int64_t> strides, dilations;
  if (failed(windowAttrs(ctx, in, kernel, strides, dilations)))
    return failure();
  auto pads = resolvePads(ctx, in.getShape(), kernel, strides, dilations);
  if (failed(pads))
    return failure();
  bool ceil = ctx.intAttr("ceil_mode", 0);
  auto type = inferredType(
      ctx, shape::pool2d(in.getShape(), kernel, strides, *pads, dilations, ceil),
      in.getElementType());
  if (failed(type))
    return failure();
  FailureOr<Value> y;
  if constexpr (IsMax)
    y = ctx.create<MaxPool2DOp>(*type, *x, kernel, strides, *pads, dilations, ceil);
  else
    y = ctx.create<AvgPool2DOp>(*type, *x, kernel, strides, *pads, ceil,
                                ctx.intAttr("count_include_pad", 0) != 0);
  if (failed(y))
    return failure();
  ctx.setOutput(0, *y);
  return success();
}

static LogicalResult convertGlobalAveragePool(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  auto type =
      inferredType(ctx, shape::globalAvgPool(typeOf(*x).getShape()), typeOf(*x).getElementType());
  if (failed(type))
    return failure();
  return ctx.produce(ctx.create<GlobalAvgPoolOp>(*type, *x));
}

/// Softmax and LogSoftmax. Before opset 13 the op flattens the input to 2-D at `axis` and
/// normalizes each row; that is a reshape around a last-axis softmax unless axis is already last.
template <typename OpT>
static LogicalResult convertSoftmax(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  RankedTensorType t = typeOf(*x);
  int64_t rank = t.getRank();
  int64_t axis = ctx.intAttr("axis", ctx.opset < 13 ? 1 : -1);
  auto norm = shape::normalizeAxis(axis, rank);
  if (!norm)
    return ctx.fail("axis " + Twine(axis) + " out of range for rank " + Twine(rank));
  if (ctx.opset >= 13 || *norm == rank - 1) {
    return ctx.produce(ctx.create<OpT>(t, *x, *norm == rank - 1 ? -1 : *norm));
  }
  auto flat = shape::flatten(t.getShape(), *norm);
  auto flatType = inferredType(ctx, flat, t.getElementType());
  if (failed(flatType))
    return failure();
  auto f = ctx.create<ReshapeOp>(*flatType, *x);
  if (failed(f))
    return failure();
  auto s = ctx.create<OpT>(*flatType, *f, -1);
  if (failed(s))
    return failure();
  return ctx.produce(ctx.create<ReshapeOp>(t, *s));
}

void onnximport::registerNNConverters(llvm::StringMap<Converter> &table) {
  table["Conv"] = convertConv;
  table["MatMul"] = convertMatMul;
  table["Gemm"] = convertGemm;
  table["BatchNormalization"] = convertBatchNorm;
  table["LayerNormalization"] = convertLayerNorm;
  table["MaxPool"] = convertPool<true>;
  table["AveragePool"] = convertPool<false>;
  table["GlobalAveragePool"] = convertGlobalAveragePool;
  table["Softmax"] = convertSoftmax<SoftmaxOp>;
  table["LogSoftmax"] = convertSoftmax<LogSoftmaxOp>;
}
