// The reference executor's driver: binds inputs, walks the function body op by op, dispatches to
// the kernels, reports errors with the op's name, and frees values after their last use so that
// calibration over a large model does not hold every intermediate.
#include "Kernels.h"

#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/raw_ostream.h"
#include <cmath>
#include <cstring>

namespace mlir::qopt::ref {

using namespace detail;

static bool isFloatStorage(Type t) { return isa<FloatType>(t); }

int64_t Tensor::numElements() const { return detail::product(shape); }
bool Tensor::isFloat() const { return elementType && isFloatStorage(elementType); }

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

namespace detail {

LogicalResult fail(std::string &err, const Twine &msg) {
  err = msg.str();
  return failure();
}

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

int64_t product(ArrayRef<int64_t> shape) {
  int64_t p = 1;
  for (int64_t d : shape)
    p *= d;
  return p;
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> in, ArrayRef<int64_t> out) {
  SmallVector<int64_t> inStrides = stridesOf(in);
  SmallVector<int64_t> strides(out.size(), 0);
  size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    strides[lead + i] = in[i] == 1 ? 0 : inStrides[i];
  return strides;
}

int64_t offsetOf(int64_t linear, ArrayRef<int64_t> shape, ArrayRef<int64_t> strides) {
  int64_t offset = 0;
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    offset += (linear % shape[d]) * strides[d];
    linear /= shape[d];
  }
  return offset;
}

LogicalResult requireFloat(const Tensor &t, StringRef what, std::string &err) {
  if (t.isFloat())
    return success();
  if (isa_and_nonnull<quant::QuantizedType>(t.elementType))
    return fail(err, Twine(what) + " is quantized (" + typeStr(t.elementType) +
                         "): quantized compute ops are not supported by the reference executor "
                         "yet; dequantize first");
  return fail(err, Twine(what) + " has element type " +
                       (t.elementType ? typeStr(t.elementType) : std::string("<null>")) +
                       ", expected a float type");
}

LogicalResult makeResult(Operation *op, const shape::Result &inferred, Tensor &out,
                         std::string &err) {
  if (!inferred)
    return fail(err, inferred.error);
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type)
    return fail(err, "result type " + typeStr(op->getResult(0).getType()) +
                         " is not a ranked tensor");
  const shape::Shape &s = *inferred.shape;
  bool matches = type.getRank() == (int64_t)s.size();
  for (size_t d = 0; matches && d < s.size(); ++d)
    matches = type.isDynamicDim(d) || type.getDimSize(d) == s[d];
  if (!matches || llvm::any_of(s, [](int64_t d) { return d < 0; }))
    return fail(err, "computed result shape " + shape::str(s) + " does not match the result type " +
                         typeStr(type));
  out.shape.assign(s.begin(), s.end());
  out.elementType = type.getElementType();
  out.f.clear();
  out.i.clear();
  if (isFloatStorage(out.elementType))
    out.f.assign(out.numElements(), 0.0f);
  else
    out.i.assign(out.numElements(), 0);
  return success();
}

// applyActivation and gelu are the runtime core's (QuantKernels.cpp forwards to them).

} // namespace detail

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// Reads element `k` of a little-endian blob of `type` elements as float32.
static float blobFloat(const char *data, int64_t k, FloatType type) {
  unsigned width = type.getWidth();
  if (width == 32) {
    float v;
    std::memcpy(&v, data + 4 * k, 4);
    return v;
  }
  if (width == 64) {
    double v;
    std::memcpy(&v, data + 8 * k, 8);
    return (float)v;
  }
  uint16_t bits;
  std::memcpy(&bits, data + 2 * k, 2);
  llvm::APFloat v(type.getFloatSemantics(), llvm::APInt(16, bits));
  bool lost;
  v.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return v.convertToFloat();
}

static int64_t blobInt(const char *data, int64_t k, unsigned bytes, bool isSigned) {
  uint64_t raw = 0;
  std::memcpy(&raw, data + bytes * k, bytes); // little-endian host
  if (isSigned && bytes < 8) {
    unsigned shift = 64 - 8 * bytes;
    return (int64_t)(raw << shift) >> shift;
  }
  return (int64_t)raw;
}

FailureOr<Tensor> tensorFromAttr(ElementsAttr value, RankedTensorType resultType,
                                 std::string &error) {
  if (!resultType.hasStaticShape())
    return fail(error, "constant result type " + typeStr(resultType) + " is not static");
  auto attrType = cast<ShapedType>(value.getType());
  if (attrType.getShape() != resultType.getShape())
    return fail(error, "constant value shape " + shape::str(attrType.getShape()) +
                           " does not match the result type " + typeStr(resultType));
  Type elt = resultType.getElementType(), storage = elt;
  bool isSigned = true;
  if (auto q = dyn_cast<quant::QuantizedType>(elt)) {
    storage = q.getStorageType();
    isSigned = q.isSigned();
  } else if (auto it = dyn_cast<IntegerType>(elt)) {
    isSigned = !it.isUnsigned() && it.getWidth() != 1;
  }
  if (attrType.getElementType() != storage)
    return fail(error, "constant value element type " + typeStr(attrType.getElementType()) +
                           " is neither " + typeStr(elt) + " nor its storage type");
  if (!isa<FloatType, IntegerType, IndexType>(storage))
    return fail(error, "constant element type " + typeStr(storage) + " is not supported");

  Tensor t;
  t.shape.assign(resultType.getShape().begin(), resultType.getShape().end());
  t.elementType = elt;
  int64_t n = t.numElements();
  auto floatType = dyn_cast<FloatType>(storage);
  unsigned width = floatType ? floatType.getWidth()
                             : (isa<IndexType>(storage) ? 64 : storage.getIntOrFloatBitWidth());

  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return fail(error, "dense_resource constant has no data");
    ArrayRef<char> data = blob->getData();
    // Sub-byte integers (i1) take one byte each in a blob.
    unsigned bytes = (width + 7) / 8;
    if (floatType && width != 16 && width != 32 && width != 64)
      return fail(error, "constant element type " + typeStr(storage) + " is not supported");
    if (width > 64 || (int64_t)data.size() != n * (int64_t)bytes)
      return fail(error, "dense_resource blob holds " + std::to_string(data.size()) +
                             " bytes, " + typeStr(resultType) + " needs " +
                             std::to_string(n * (int64_t)bytes));
    // f32 and 8-bit blobs (the weights, every run) are read directly, not element by element
    // through the type.
    if (floatType && floatType.isF32()) {
      t.f.resize(n);
      std::memcpy(t.f.data(), data.data(), n * sizeof(float));
    } else if (floatType) {
      t.f.resize(n);
      for (int64_t k = 0; k < n; ++k)
        t.f[k] = blobFloat(data.data(), k, floatType);
    } else if (bytes == 1) {
      t.i.resize(n);
      const char *b = data.data();
      for (int64_t k = 0; k < n; ++k)
        t.i[k] = isSigned ? (int64_t)(int8_t)b[k] : (int64_t)(uint8_t)b[k];
    } else {
      t.i.resize(n);
      for (int64_t k = 0; k < n; ++k)
        t.i[k] = blobInt(data.data(), k, bytes, isSigned);
    }
    return t;
  }

  if (floatType) {
    auto values = value.tryGetValues<APFloat>();
    if (!values)
      return fail(error, "cannot read the float values of the constant");
    t.f.reserve(n);
    for (APFloat v : *values) {
      bool lost;
      v.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
      t.f.push_back(v.convertToFloat());
    }
  } else {
    auto values = value.tryGetValues<APInt>();
    if (!values)
      return fail(error, "cannot read the integer values of the constant");
    t.i.reserve(n);
    for (const APInt &v : *values)
      t.i.push_back(isSigned ? v.getSExtValue() : (int64_t)v.getZExtValue());
  }
  if ((int64_t)(t.f.size() + t.i.size()) != n)
    return fail(error, "constant holds " + std::to_string(t.f.size() + t.i.size()) +
                           " values, " + typeStr(resultType) + " needs " + std::to_string(n));
  return t;
}

//===----------------------------------------------------------------------===//
// The driver
//===----------------------------------------------------------------------===//

/// The op's user-facing name for messages: its layer name (NameLoc) if it has one, else the op
/// name with its source position.
static std::string describe(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto name = op->getLoc()->findInstanceOf<NameLoc>()) {
    os << "'" << name.getName().getValue() << "' (" << op->getName() << ")";
    return s;
  }
  os << op->getName();
  if (auto file = op->getLoc()->findInstanceOf<FileLineColLoc>())
    os << " at " << file.getFilename().getValue() << ":" << file.getLine() << ":"
       << file.getColumn();
  return s;
}

/// Rounds float32 results of f16 / bf16 ops to their 16-bit type: the reference for "storage in
/// 16 bits, arithmetic in float32".
static void roundToStorage(Tensor &t) {
  auto ft = dyn_cast_or_null<FloatType>(t.elementType);
  if (!ft || (!ft.isF16() && !ft.isBF16()))
    return;
  for (float &x : t.f) {
    llvm::APFloat v(x);
    bool lost;
    v.convert(ft.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven, &lost);
    v.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
    x = v.convertToFloat();
  }
}

LogicalResult detail::runConstant(ConstantOp op, Lookup get, Tensor &out, std::string &err) {
  FailureOr<Tensor> t = tensorFromAttr(op.getValue(), op.getType(), err);
  if (failed(t))
    return failure();
  out = std::move(*t);
  return success();
}

/// Dispatches on the op class to the kernel the op table names.
static LogicalResult runOp(Operation *op, Lookup get, Tensor &out, std::string &err) {
#define QOPT_OP(Class, OPCODE, MinIn, MaxIn, OptionalIn, OPTIONS, Rule, Results, Data, Kind,      \
                Kernel)                                                                            \
  if (auto o = dyn_cast<Class>(op))                                                                \
    return Kernel(o, get, out, err);
#include "qopt/Runtime/OpTable.def"
  return fail(err, "op is not supported by the reference executor");
}

/// Checks an input against its argument type; dynamic dimensions take the input's size.
static LogicalResult bindInput(func::FuncOp func, unsigned idx, const Tensor &in, Tensor &bound,
                               std::string &error) {
  std::string name = "input #" + std::to_string(idx);
  if (auto attr = func.getArgAttrOfType<StringAttr>(idx, "qopt.name"))
    name += " ('" + attr.getValue().str() + "')";
  auto type = dyn_cast<RankedTensorType>(func.getArgument(idx).getType());
  if (!type)
    return fail(error, name + ": argument type " + typeStr(func.getArgument(idx).getType()) +
                           " is not a ranked tensor");
  bool matches = type.getRank() == (int64_t)in.shape.size();
  for (size_t d = 0; matches && d < in.shape.size(); ++d)
    matches = in.shape[d] >= 0 && (type.isDynamicDim(d) || type.getDimSize(d) == in.shape[d]);
  if (!matches)
    return fail(error, name + ": shape " + shape::str(in.shape) +
                           " does not match the argument type " + typeStr(type));
  Type elt = in.elementType ? in.elementType : type.getElementType();
  if (elt != type.getElementType())
    return fail(error, name + ": element type " + typeStr(elt) +
                           " does not match the argument type " + typeStr(type));
  int64_t n = 1;
  for (int64_t d : in.shape)
    if (__builtin_mul_overflow(n, d, &n))
      return fail(error, name + ": shape " + shape::str(in.shape) + " is too large");
  bool isFloat = isFloatStorage(elt);
  size_t have = isFloat ? in.f.size() : in.i.size();
  if ((int64_t)have != n || (isFloat ? !in.i.empty() : !in.f.empty()))
    return fail(error, name + ": holds " + std::to_string(have) + " values in `" +
                           (isFloat ? "f" : "i") + "`, shape " + shape::str(in.shape) +
                           " needs " + std::to_string(n));
  bound = in;
  bound.elementType = elt;
  roundToStorage(bound); // an f16 argument holds f16 values, whatever the caller passed
  return success();
}

FailureOr<SmallVector<Tensor>> execute(func::FuncOp func, ArrayRef<Tensor> inputs,
                                       const Options &options, std::string &error) {
  std::string fname = "@" + func.getSymName().str();
  if (func.isExternal() || !func.getBody().hasOneBlock())
    return fail(error, fname + ": the reference executor needs a body of exactly one block");
  Block &block = func.front();
  if (inputs.size() != block.getNumArguments())
    return fail(error, fname + " takes " + std::to_string(block.getNumArguments()) +
                           " inputs, got " + std::to_string(inputs.size()));

  DenseMap<Value, Tensor> values;
  for (unsigned k = 0; k < inputs.size(); ++k)
    if (failed(bindInput(func, k, inputs[k], values[block.getArgument(k)], error)))
      return failure();

  // Only called for values the loop below has checked are bound.
  auto get = [&](Value v) -> const Tensor & { return values.find(v)->second; };

  for (Operation &op : block) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      SmallVector<Tensor> results;
      for (Value v : ret.getOperands()) {
        auto it = values.find(v);
        if (it == values.end())
          return fail(error, fname + ": a returned value is not computed in the function");
        results.push_back(it->second);
      }
      return results;
    }
    if (options.precomputed) {
      if (std::optional<const Tensor *> known = options.precomputed(&op)) {
        if (*known && !op.getResult(0).use_empty())
          values[op.getResult(0)] = **known;
        if (options.stopAfter && options.stopAfter(&op))
          return SmallVector<Tensor>();
        continue;
      }
    }
    std::string err;
    if (op.getNumResults() != 1 || op.getNumRegions() != 0) {
      err = "op is not supported by the reference executor";
    } else {
      for (Value v : op.getOperands())
        if (!values.count(v))
          err = "an operand is not computed in the function";
    }
    Tensor out;
    if (!err.empty() || failed(runOp(&op, get, out, err))) {
      error = describe(&op) + ": " + err;
      return failure();
    }
    roundToStorage(out);
    if (options.observe)
      options.observe(&op, out);
    if (options.stopAfter && options.stopAfter(&op))
      return SmallVector<Tensor>();
    if (!op.getResult(0).use_empty())
      values[op.getResult(0)] = std::move(out);

    // Free operands this op was the last user of.
    for (Value v : op.getOperands()) {
      bool dead = llvm::all_of(v.getUsers(), [&](Operation *user) {
        return user->getBlock() == &block && (user == &op || user->isBeforeInBlock(&op));
      });
      if (dead)
        values.erase(v);
    }
  }
  return fail(error, fname + ": the function has no func.return");
}

} // namespace mlir::qopt::ref
