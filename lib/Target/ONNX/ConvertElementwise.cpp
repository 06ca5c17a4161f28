// ONNX broadcasting arithmetic, activations and elementwise math -> qopt.
#include "GraphImporter.h"

using namespace mlir;
using namespace mlir::qopt;
using namespace mlir::qopt::onnximport;

template <typename OpT>
static LogicalResult convertBinary(NodeContext &ctx) {
  // `broadcast`/`axis` are the pre-opset-7 broadcasting attributes, outside the supported range.
  if (failed(ctx.checkAttributes({})))
    return failure();
  auto a = ctx.input(0), b = ctx.input(1);
  if (failed(a) || failed(b))
    return failure();
  auto type = inferredType(ctx, shape::broadcast(typeOf(*a).getShape(), typeOf(*b).getShape()),
                           typeOf(*a).getElementType());
  if (failed(type))
    return failure();
  return ctx.produce(ctx.create<OpT>(*type, *a, *b));
}

template <typename OpT>
static LogicalResult convertUnary(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  return ctx.produce(ctx.create<OpT>(typeOf(*x), *x));
}

/// Pow: from opset 12 the exponent may have its own type; qopt computes in one float type, so an
/// integer exponent is refused rather than silently converted.
static LogicalResult convertPow(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  auto a = ctx.input(0), b = ctx.input(1);
  if (failed(a) || failed(b))
    return failure();
  Type base = typeOf(*a).getElementType(), exponent = typeOf(*b).getElementType();
  if (!isa<FloatType>(exponent))
    return ctx.fail("exponent '" + ctx.node.input(1) + "' has element type " +
                    typeStr(exponent) +
                    "; only float exponents are supported (of the base's type)");
  if (!isa<FloatType>(base))
    return ctx.fail("base '" + ctx.node.input(0) + "' has element type " +
                    typeStr(base) + "; only float bases are supported");
  if (base != exponent)
    return ctx.fail("base and exponent have different float types (" + typeStr(base) +
                    " and " + typeStr(exponent) + "); qopt computes pow in one type");
  auto type = inferredType(ctx, shape::broadcast(typeOf(*a).getShape(), typeOf(*b).getShape()),
                           base);
  if (failed(type))
    return failure();
  return ctx.produce(ctx.create<PowOp>(*type, *a, *b));
}

static LogicalResult convertLeakyRelu(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"alpha"})))
    return failure();
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  return ctx.produce(ctx.create<LeakyReluOp>(typeOf(*x), *x, APFloat(ctx.floatAttr("alpha", 0.01f))));
}

/// Clip: bounds are attributes before opset 11 and optional constant inputs from then on.
static LogicalResult convertClip(NodeContext &ctx) {
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (ctx.opset < 11) {
    if (failed(ctx.checkAttributes({"min", "max"})))
      return failure();
    lo = ctx.floatAttr("min", lo);
    hi = ctx.floatAttr("max", hi);
  } else {
    if (failed(ctx.checkAttributes({})))
      return failure();
    for (int i = 1; i <= 2; ++i) {
      if (!ctx.hasInput(i))
        continue;
      auto c = ctx.requireConstant(i, i == 1 ? "min" : "max");
      if (failed(c))
        return failure();
      if (c->getNumElements() != 1 || !isa<FloatType>(c->getElementType()))
        return ctx.fail(Twine(i == 1 ? "min" : "max") + " must be a float scalar");
      float v = (*c).getValues<APFloat>()[0].convertToFloat();
      (i == 1 ? lo : hi) = v;
    }
  }
  auto x = ctx.input(0);
  if (failed(x))
    return failure();
  if (lo > hi)
    return ctx.fail("min " + std::to_string(lo) + " exceeds max " + std::to_string(hi));
  return ctx.produce(ctx.create<ClampOp>(typeOf(*x), *x, APFloat(lo), APFloat(hi)));
}

void onnximport::registerElementwiseConverters(llvm::StringMap<Converter> &table) {
  table["Add"] = convertBinary<AddOp>;
  table["Sub"] = convertBinary<SubOp>;
  table["Mul"] = convertBinary<MulOp>;
  table["Div"] = convertBinary<DivOp>;
  table["Pow"] = convertPow;
  table["Relu"] = convertUnary<ReluOp>;
  table["Sigmoid"] = convertUnary<SigmoidOp>;
  table["Tanh"] = convertUnary<TanhOp>;
  table["Exp"] = convertUnary<ExpOp>;
  table["Sqrt"] = convertUnary<SqrtOp>;
  table["Neg"] = convertUnary<NegOp>;
  table["Erf"] = convertUnary<ErfOp>;
  table["LeakyRelu"] = convertLeakyRelu;
  table["Clip"] = convertClip;
}
