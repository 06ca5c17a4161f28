// Validation of untrusted qopt model files: the FlatBuffers verifier, then qopt's semantic checks.
//
// Each section below checks one part of the model and relies only on what earlier sections proved,
// so the order of the calls in checkModel matters: e.g. the operator checks may read the shape of
// an input tensor because the tensor section and the index checks ran first. The first problem
// found is reported; one precise message is more useful than a cascade of follow-on errors.
#include "qopt/Runtime/ModelCheck.h"

#include "qopt/Runtime/ModelDigest.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

namespace qopt::fb {

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::I8:
  case DType::U8:
  case DType::BOOL:
    return 1;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
  case DType::U16:
    return 2;
  case DType::F32:
  case DType::I32:
  case DType::U32:
    return 4;
  case DType::F64:
  case DType::I64:
  case DType::U64:
    return 8;
  }
  return 0; // a value outside the enum, read from an untrusted file
}

const char *opcodeName(OpCode c) {
  // The generated EnumNameOpCode returns "" out of range; diagnostics want a visible word.
  if (c < OpCode::MIN || c > OpCode::MAX)
    return "UNKNOWN";
  return EnumNameOpCode(c);
}

namespace {

using flatbuffers::Offset;
using flatbuffers::Vector;

//===------------------------------------------------------------------------------------------===//
// Message helpers
//===------------------------------------------------------------------------------------------===//

/// Bytes from the file may be anything; keep messages on one printable line. Bytes >= 0x80 pass
/// through unless `asciiOnly`, so UTF-8 names stay readable.
std::string escape(const char *p, size_t n, bool asciiOnly = false) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f || (asciiOnly && c >= 0x80)) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

/// " ('name')", or "" when the name is absent or empty. Long names are cut: they only locate.
std::string nameSuffix(const flatbuffers::String *name) {
  constexpr size_t kMaxNameBytes = 120;
  if (!name || name->size() == 0)
    return "";
  size_t n = std::min<size_t>(name->size(), kMaxNameBytes);
  return " ('" + escape(name->c_str(), n) + (n < name->size() ? "..." : "") + "')";
}

std::string dtypeName(DType t) {
  if (dtypeSize(t) == 0)
    return "dtype " + std::to_string(static_cast<int>(t));
  return EnumNameDType(t);
}

std::string optionsName(OpOptions o) {
  if (o > OpOptions::MAX)
    return "unknown options type " + std::to_string(static_cast<unsigned>(o));
  return EnumNameOpOptions(o);
}

/// "[2,3]", with very long shapes abbreviated.
std::string shapeString(const Vector<int64_t> &shape) {
  constexpr uint32_t kMaxDims = 16;
  std::string s = "[";
  for (uint32_t d = 0; d < shape.size(); ++d) {
    if (d == kMaxDims) {
      s += ",...";
      break;
    }
    s += (d ? "," : "") + std::to_string(shape.Get(d));
  }
  return s + "]";
}

/// Everything a section needs; the vectors are the verified, required fields of the model.
struct Context {
  const Model &model;
  const Graph &graph;
  const Vector<Offset<Tensor>> &tensors;
  const Vector<Offset<Operator>> &operators;
  const Vector<Offset<Buffer>> &buffers;
  std::string &error;

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  /// "tensor #3 ('conv1.weight')". `i` must be in range.
  std::string tensorRef(uint32_t i) const {
    return "tensor #" + std::to_string(i) + nameSuffix(tensors.Get(i)->name());
  }

  /// "operator #2 ('fc1', FULLY_CONNECTED)"; an unknown opcode is left out rather than misnamed.
  std::string operatorRef(uint32_t i) const {
    const Operator &op = *operators.Get(i);
    const flatbuffers::String *name = op.name();
    bool hasName = name && name->size() != 0;
    bool known = op.opcode() <= OpCode::MAX;
    std::string s = "operator #" + std::to_string(i);
    if (!hasName && !known)
      return s;
    s += " (";
    if (hasName) {
      std::string named = nameSuffix(name); // " ('x')"
      s += named.substr(2, named.size() - 3);
      if (known)
        s += ", ";
    }
    if (known)
      s += opcodeName(op.opcode());
    return s + ")";
  }

  std::string tensorCount() const {
    return "graph has " + std::to_string(tensors.size()) + " tensors";
  }
};

//===------------------------------------------------------------------------------------------===//
// File envelope and header (checks a-d)
//===------------------------------------------------------------------------------------------===//

/// True if the elements of `v` sit at a multiple of 8 from the file start. Absent and empty vectors
/// pass: nothing is read from them, and the builder does not align empty vectors (a scalar's
/// shape).
template <typename T> bool aligned8(const Vector<T> *v, const uint8_t *base) {
  return !v || v->size() == 0 || (reinterpret_cast<const uint8_t *>(v->Data()) - base) % 8 == 0;
}

bool optionsAligned(const Operator &op, const uint8_t *base) {
  if (const auto *conv = op.options_as_Conv2DOptions())
    return aligned8(conv->strides(), base) && aligned8(conv->pads(), base) &&
           aligned8(conv->dilations(), base);
  if (const auto *pool = op.options_as_Pool2DOptions())
    return aligned8(pool->kernel(), base) && aligned8(pool->strides(), base) &&
           aligned8(pool->pads(), base) && aligned8(pool->dilations(), base);
  if (const auto *transpose = op.options_as_TransposeOptions())
    return aligned8(transpose->perm(), base);
  if (const auto *reduce = op.options_as_ReduceOptions())
    return aligned8(reduce->axes(), base);
  if (const auto *slice = op.options_as_SliceOptions())
    return aligned8(slice->starts(), base) && aligned8(slice->ends(), base) &&
           aligned8(slice->steps(), base);
  if (const auto *gather = op.options_as_GatherOptions())
    return aligned8(gather->indices(), base) && aligned8(gather->indices_shape(), base);
  return true;
}

/// The FlatBuffers 2.0.8 verifier checks the alignment of a vector's length word but not of its
/// elements, so a corrupted offset can leave an int64/double vector 4 bytes off, and reading it is
/// undefined behaviour. Walks every such vector in the schema; call only after the verifier.
bool wideVectorsAligned(const Model &model, const uint8_t *base) {
  for (const Tensor *t : *model.graph()->tensors()) {
    const Quantization *q = t->quantization();
    if (!aligned8(t->shape(), base) ||
        (q && !(aligned8(q->scales(), base) && aligned8(q->zero_points(), base))))
      return false;
  }
  for (const Operator *op : *model.graph()->operators())
    if (!optionsAligned(*op, base))
      return false;
  return true;
}

const Model *checkEnvelope(const uint8_t *data, size_t size, std::string &error) {
  if (!data || size < 8) {
    error = "file too small to be a qopt model (" + std::to_string(data ? size : 0) + " bytes)";
    return nullptr;
  }
  // The verifier asserts on larger buffers instead of failing, so refuse them first.
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    error = "file too large to be a qopt model (" + std::to_string(size) +
            " bytes; FlatBuffers files are limited to 2 GiB)";
    return nullptr;
  }
  if (!flatbuffers::BufferHasIdentifier(data, ModelIdentifier())) {
    error = "wrong file identifier '" +
            escape(reinterpret_cast<const char *>(data) + sizeof(flatbuffers::uoffset_t),
                   flatbuffers::kFileIdentifierLength, /*asciiOnly=*/true) +
            "' (expected '" + ModelIdentifier() + "'): not a qopt model";
    return nullptr;
  }
  flatbuffers::Verifier::Options options;
  options.max_depth = 64;       // the schema nests at most ~6 deep; more is an attack or garbage
  options.max_tables = 4000000; // bounds work on files whose offsets share tables many times
  flatbuffers::Verifier verifier(data, size, options);
  if (!VerifyModelBuffer(verifier) || !wideVectorsAligned(*GetModel(data), data)) {
    error = "FlatBuffers verification failed: the file is truncated or corrupted";
    return nullptr;
  }
  return GetModel(data);
}

bool checkVersion(Context &ctx) {
  uint32_t v = ctx.model.version();
  if (v < kOldestSchemaVersion || v > kSchemaVersion)
    return ctx.fail("unsupported schema version " + std::to_string(v) + " (this qopt reads versions " +
                    std::to_string(kOldestSchemaVersion) + " to " + std::to_string(kSchemaVersion) +
                    ")");
  return true;
}

/// The whole-file checksum (ModelDigest.h). It runs right after the version check so that a
/// corrupted file gets this one message rather than whatever the flipped byte happens to break.
/// A field that is present is checked whatever the version says, so a flip that turns version 2
/// into 1 cannot switch the check off.
bool checkDigest(Context &ctx, const uint8_t *data, size_t size) {
  const flatbuffers::String *field = ctx.model.sha256();
  if (!field) {
    if (ctx.model.version() >= 2)
      return ctx.fail("model checksum missing: schema version " +
                      std::to_string(ctx.model.version()) + " files carry Model.sha256 (the " +
                      "file is corrupted or was not written by qopt)");
    return true;
  }
  if (field->size() != kModelDigestChars)
    return ctx.fail("model checksum mismatch: the file is corrupted (Model.sha256 has " +
                    std::to_string(field->size()) + " characters, expected " +
                    std::to_string(kModelDigestChars) + ")");
  // The verifier proved the string lies inside the file.
  size_t offset = reinterpret_cast<const uint8_t *>(field->data()) - data;
  std::string actual = computeModelDigest(data, size, offset);
  if (field->string_view() != actual)
    return ctx.fail("model checksum mismatch: the file is corrupted (Model.sha256 is '" +
                    escape(field->data(), field->size(), /*asciiOnly=*/true) +
                    "', the file's bytes hash to '" + actual + "')");
  return true;
}

//===------------------------------------------------------------------------------------------===//
// Buffers (check e)
//===------------------------------------------------------------------------------------------===//

bool checkBuffers(Context &ctx) {
  // Tensor.buffer == 0 means "no data", which only works if buffer 0 can never hold any.
  if (ctx.buffers.size() == 0)
    return ctx.fail("model has no buffers: buffer #0 must be the empty sentinel");
  const Vector<uint8_t> *sentinel = ctx.buffers.Get(0)->data();
  if (sentinel && sentinel->size() != 0)
    return ctx.fail("buffer #0 must be the empty sentinel, but it holds " +
                    std::to_string(sentinel->size()) + " bytes");
  return true;
}

//===------------------------------------------------------------------------------------------===//
// Tensors (check f)
//===------------------------------------------------------------------------------------------===//

bool isIntegerDType(DType t) {
  switch (t) {
  case DType::I8:
  case DType::U8:
  case DType::I16:
  case DType::U16:
  case DType::I32:
  case DType::U32:
  case DType::I64:
  case DType::U64:
    return true;
  default:
    return false;
  }
}

bool isFloatDType(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16 || t == DType::F64;
}

/// The values an integer storage type can hold, clipped to int64 (the schema's storage_min/max).
std::pair<int64_t, int64_t> storageLimits(DType t) {
  constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
  switch (t) {
  case DType::I8:
    return {-128, 127};
  case DType::U8:
    return {0, 255};
  case DType::I16:
    return {-32768, 32767};
  case DType::U16:
    return {0, 65535};
  case DType::I32:
    return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
  case DType::U32:
    return {0, std::numeric_limits<uint32_t>::max()};
  case DType::U64:
    return {0, kI64Max};
  default:
    return {std::numeric_limits<int64_t>::min(), kI64Max};
  }
}

/// The most one tensor may hold (dynamic dimensions count as one sample): a shape past it could
/// never be allocated, and one whose size overflows int64 would poison every size computed from it.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 40;

bool checkShape(Context &ctx, uint32_t i, const Tensor &t) {
  const Vector<int64_t> &shape = *t.shape();
  for (uint32_t d = 0; d < shape.size(); ++d)
    if (shape.Get(d) < -1)
      return ctx.fail(ctx.tensorRef(i) + ": dimension " + std::to_string(d) + " is " +
                      std::to_string(shape.Get(d)));
  int64_t bytes = static_cast<int64_t>(dtypeSize(t.dtype()));
  for (uint32_t d = 0; d < shape.size(); ++d) {
    if (shape.Get(d) == -1)
      continue;
    if (__builtin_mul_overflow(bytes, shape.Get(d), &bytes))
      return ctx.fail(ctx.tensorRef(i) + ": shape " + shapeString(shape) +
                      " has too many elements: its size in bytes overflows int64");
  }
  if (bytes > kMaxTensorBytes)
    return ctx.fail(ctx.tensorRef(i) + ": shape " + shapeString(shape) + " needs " +
                    std::to_string(bytes) + " bytes, more than the 1 TiB a tensor may hold");
  return true;
}

/// Checks the constant data of a tensor with buffer != 0 against its (static) shape and dtype.
bool checkTensorData(Context &ctx, uint32_t i, const Tensor &t) {
  std::string where = ctx.tensorRef(i) + ": ";
  std::string bufferRef = "buffer #" + std::to_string(t.buffer());
  const Vector<int64_t> &shape = *t.shape();
  // The element count must fit in the byte count a file can hold, and never overflow on the way.
  constexpr uint64_t kMaxElements = uint64_t(1) << 48;
  uint64_t count = 1;
  for (uint32_t d = 0; d < shape.size(); ++d) {
    int64_t dim = shape.Get(d);
    if (dim < 0)
      return ctx.fail(where + "a constant needs a static shape, but dimension " +
                      std::to_string(d) + " is dynamic");
    if (dim != 0 && count > kMaxElements / static_cast<uint64_t>(dim))
      return ctx.fail(where + "shape " + shapeString(shape) + " has too many elements");
    count *= static_cast<uint64_t>(dim);
  }
  const Vector<uint8_t> *data = ctx.buffers.Get(t.buffer())->data();
  // Readers take data()->data() of a constant's buffer, so "no vector" is not "empty vector".
  if (!data)
    return ctx.fail(where + bufferRef + " has no data");
  uint64_t eltSize = dtypeSize(t.dtype());
  uint64_t needed = count * eltSize;
  if (data->size() != needed && data->size() != eltSize)
    return ctx.fail(where + bufferRef + " holds " + std::to_string(data->size()) +
                    " bytes but shape " + shapeString(shape) + " x " + dtypeName(t.dtype()) +
                    " needs " + std::to_string(needed) + " (or " + std::to_string(eltSize) +
                    " for a splat)");
  // A splat is stored as one element but every reader expands it to the whole tensor: a few
  // bytes in the file must not make the loader allocate gigabytes (found by qopt-fuzz-model).
  constexpr uint64_t kMaxSplatBytes = uint64_t(1) << 30;
  if (needed != eltSize && data->size() == eltSize && needed > kMaxSplatBytes)
    return ctx.fail(where + "a splat of shape " + shapeString(shape) + " x " +
                    dtypeName(t.dtype()) + " expands to " + std::to_string(needed) +
                    " bytes, more than the 1 GiB a constant stored as one element may hold");
  return true;
}

bool checkQuantTypes(Context &ctx, const std::string &where, const Tensor &t,
                     const Quantization &q) {
  if (!isIntegerDType(t.dtype()))
    return ctx.fail(where + "quantized storage type must be an integer type, found " +
                    dtypeName(t.dtype()));
  if (!isFloatDType(q.expressed_type()))
    return ctx.fail(where + "quantization expressed type must be F32, F16, BF16 or F64, found " +
                    dtypeName(q.expressed_type()));
  return true;
}

bool checkQuantAxis(Context &ctx, const std::string &where, const Tensor &t,
                    const Quantization &q) {
  uint32_t scales = q.scales()->size();
  uint32_t zeroPoints = q.zero_points()->size();
  if (scales == 0 || scales != zeroPoints)
    return ctx.fail(where + "quantization has " + std::to_string(scales) + " scales and " +
                    std::to_string(zeroPoints) +
                    " zero points (they must be equal in number and at least 1)");
  int32_t axis = q.axis();
  const Vector<int64_t> &shape = *t.shape();
  if (axis == -1) {
    if (scales != 1)
      return ctx.fail(where + "per-tensor quantization (axis -1) needs exactly 1 scale, found " +
                      std::to_string(scales));
    return true;
  }
  if (axis < 0 || static_cast<uint32_t>(axis) >= shape.size())
    return ctx.fail(where + "quantization axis " + std::to_string(axis) +
                    " out of range for rank " + std::to_string(shape.size()));
  int64_t dim = shape.Get(static_cast<uint32_t>(axis));
  if (dim >= 0 && static_cast<uint64_t>(dim) != scales)
    return ctx.fail(where + "per-axis quantization along axis " + std::to_string(axis) + " needs " +
                    std::to_string(dim) + " scales (the size of that dimension), found " +
                    std::to_string(scales));
  return true;
}

bool checkQuantValues(Context &ctx, const std::string &where, const Tensor &t,
                      const Quantization &q) {
  int64_t lo = q.storage_min(), hi = q.storage_max();
  std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (lo > hi)
    return ctx.fail(where + "quantization storage range " + range + " is empty (min > max)");
  auto [typeLo, typeHi] = storageLimits(t.dtype());
  if (lo < typeLo || hi > typeHi)
    return ctx.fail(where + "quantization storage range " + range + " does not fit " +
                    dtypeName(t.dtype()));
  for (uint32_t k = 0; k < q.zero_points()->size(); ++k) {
    int64_t zp = q.zero_points()->Get(k);
    if (zp < lo || zp > hi)
      return ctx.fail(where + "zero point #" + std::to_string(k) + " is " + std::to_string(zp) +
                      ", outside the storage range " + range);
  }
  for (uint32_t k = 0; k < q.scales()->size(); ++k) {
    double s = q.scales()->Get(k);
    if (!std::isfinite(s) || s <= 0)
      return ctx.fail(where + "scale #" + std::to_string(k) + " is " + std::to_string(s) +
                      " (scales must be finite and > 0)");
  }
  return true;
}

bool checkQuantization(Context &ctx, uint32_t i, const Tensor &t) {
  const Quantization *q = t.quantization();
  if (!q)
    return true;
  std::string where = ctx.tensorRef(i) + ": ";
  return checkQuantTypes(ctx, where, t, *q) && checkQuantAxis(ctx, where, t, *q) &&
         checkQuantValues(ctx, where, t, *q);
}

bool checkTensor(Context &ctx, uint32_t i) {
  const Tensor &t = *ctx.tensors.Get(i);
  if (!checkShape(ctx, i, t))
    return false;
  if (dtypeSize(t.dtype()) == 0)
    return ctx.fail(ctx.tensorRef(i) + ": unknown " + dtypeName(t.dtype()));
  if (t.buffer() >= ctx.buffers.size())
    return ctx.fail(ctx.tensorRef(i) + ": buffer index " + std::to_string(t.buffer()) +
                    " out of range (model has " + std::to_string(ctx.buffers.size()) + " buffers)");
  if (t.buffer() != 0 && !checkTensorData(ctx, i, t))
    return false;
  return checkQuantization(ctx, i, t);
}

bool checkTensors(Context &ctx) {
  for (uint32_t i = 0; i < ctx.tensors.size(); ++i)
    if (!checkTensor(ctx, i))
      return false;
  return true;
}

//===------------------------------------------------------------------------------------------===//
// Operators (check g)
//===------------------------------------------------------------------------------------------===//

enum class OptionsRule : uint8_t { None, Optional, Required };
enum class ResultData : uint8_t { Computed, Constant };

/// What an opcode accepts. Inputs are positional; at most one of them (the bias) is optional.
struct OpSignature {
  OpCode code;
  uint8_t minInputs;
  uint8_t maxInputs;    // kAnyCount: unbounded
  int8_t optionalInput; // the position that may be -1 (absent), or -1 if none may
  OpOptions options;
  OptionsRule rule;
  uint8_t results;
  ResultData data;
};

constexpr uint8_t kAnyCount = std::numeric_limits<uint8_t>::max();

/// Indexed by OpCode value: one entry per row of the op table.
constexpr OpSignature kSignatures[] = {
#define QOPT_OP(Class, OPCODE, MinIn, MaxIn, OptionalIn, OPTIONS, Rule, Results, Data, Kind,      \
                Kernel)                                                                            \
  {OpCode::OPCODE,                                                                                 \
   MinIn,                                                                                          \
   (MaxIn) < 0 ? kAnyCount : static_cast<uint8_t>(MaxIn),                                          \
   OptionalIn,                                                                                     \
   OpOptions::OPTIONS,                                                                             \
   OptionsRule::Rule,                                                                              \
   Results,                                                                                        \
   ResultData::Data},
#include "qopt/Runtime/OpTable.def"
};

constexpr bool inOpcodeOrder() {
  for (size_t i = 0; i < std::size(kSignatures); ++i)
    if (static_cast<size_t>(kSignatures[i].code) != i)
      return false;
  return true;
}
static_assert(std::size(kSignatures) == static_cast<size_t>(OpCode::MAX) + 1,
              "every opcode needs a row in qopt/Runtime/OpTable.def");
static_assert(inOpcodeOrder(), "keep the rows of qopt/Runtime/OpTable.def in opcode order");

/// "1 input", "2..3 inputs", "at least 1 input".
std::string inputCountText(const OpSignature &sig) {
  bool range = sig.maxInputs != kAnyCount && sig.minInputs != sig.maxInputs;
  std::string noun = !range && sig.minInputs == 1 ? " input" : " inputs";
  if (sig.maxInputs == kAnyCount)
    return "at least " + std::to_string(sig.minInputs) + noun;
  if (!range)
    return std::to_string(sig.minInputs) + noun;
  return std::to_string(sig.minInputs) + ".." + std::to_string(sig.maxInputs) + noun;
}

bool checkOperandIndices(Context &ctx, uint32_t i, const Operator &op) {
  for (int32_t in : *op.inputs())
    if (in < -1 || (in >= 0 && static_cast<uint32_t>(in) >= ctx.tensors.size()))
      return ctx.fail(ctx.operatorRef(i) + ": input " + std::to_string(in) + " out of range (" +
                      ctx.tensorCount() + ")");
  for (int32_t out : *op.outputs())
    if (out < 0 || static_cast<uint32_t>(out) >= ctx.tensors.size())
      return ctx.fail(ctx.operatorRef(i) + ": output " + std::to_string(out) + " out of range (" +
                      ctx.tensorCount() + ")");
  return true;
}

bool checkOperandCounts(Context &ctx, uint32_t i, const Operator &op, const OpSignature &sig) {
  uint32_t inputs = op.inputs()->size();
  if (inputs < sig.minInputs || (sig.maxInputs != kAnyCount && inputs > sig.maxInputs))
    return ctx.fail(ctx.operatorRef(i) + ": expects " + inputCountText(sig) + ", found " +
                    std::to_string(inputs));
  for (uint32_t k = 0; k < inputs; ++k)
    if (op.inputs()->Get(k) == -1 && static_cast<int32_t>(k) != sig.optionalInput)
      return ctx.fail(ctx.operatorRef(i) + ": input #" + std::to_string(k) +
                      " is -1 (absent), but only an optional operand may be absent");
  if (op.outputs()->size() != sig.results)
    return ctx.fail(ctx.operatorRef(i) + ": expects exactly " + std::to_string(sig.results) +
                    (sig.results == 1 ? " output" : " outputs") + ", found " +
                    std::to_string(op.outputs()->size()));
  return true;
}

/// Only CONSTANT outputs carry data: a reader must not have to choose between the data and the op.
bool checkOutputData(Context &ctx, uint32_t i, const Operator &op, const OpSignature &sig) {
  uint32_t out = static_cast<uint32_t>(op.outputs()->Get(0));
  uint32_t buffer = ctx.tensors.Get(out)->buffer();
  bool constant = sig.data == ResultData::Constant;
  if (constant && buffer == 0)
    return ctx.fail(ctx.operatorRef(i) + ": output " + ctx.tensorRef(out) +
                    " has no constant data (buffer 0)");
  if (!constant && buffer != 0)
    return ctx.fail(ctx.operatorRef(i) + ": output " + ctx.tensorRef(out) +
                    " has constant data (buffer #" + std::to_string(buffer) +
                    "), but only CONSTANT produces constant data");
  return true;
}

/// "" if `v` has `size` values, each >= `minValue`; otherwise what is wrong with field `field`.
std::string longsProblem(const char *field, const Vector<int64_t> *v, uint32_t size,
                         int64_t minValue) {
  if (!v)
    return std::string(field) + " is missing";
  if (v->size() != size)
    return std::string(field) + " must have " + std::to_string(size) + " values, found " +
           std::to_string(v->size());
  for (uint32_t k = 0; k < size; ++k)
    if (v->Get(k) < minValue)
      return std::string(field) + "[" + std::to_string(k) + "] is " + std::to_string(v->Get(k)) +
             " (must be >= " + std::to_string(minValue) + ")";
  return "";
}

std::string conv2dProblem(const Conv2DOptions &o) {
  for (std::string p :
       {longsProblem("strides", o.strides(), 2, 1), longsProblem("pads", o.pads(), 4, 0),
        longsProblem("dilations", o.dilations(), 2, 1)})
    if (!p.empty())
      return p;
  if (o.groups() < 1)
    return "groups is " + std::to_string(o.groups()) + " (must be >= 1)";
  return "";
}

std::string pool2dProblem(const Pool2DOptions &o) {
  for (std::string p :
       {longsProblem("kernel", o.kernel(), 2, 1), longsProblem("strides", o.strides(), 2, 1),
        longsProblem("pads", o.pads(), 4, 0)})
    if (!p.empty())
      return p;
  if (o.dilations())
    return longsProblem("dilations", o.dilations(), 2, 1);
  return "";
}

/// perm must reorder the input's dimensions: one entry per dimension, each used once.
std::string transposeProblem(Context &ctx, const Operator &op, const TransposeOptions &o) {
  const Vector<int64_t> &perm = *o.perm();
  uint32_t rank = ctx.tensors.Get(static_cast<uint32_t>(op.inputs()->Get(0)))->shape()->size();
  if (perm.size() != rank)
    return "perm has " + std::to_string(perm.size()) + " entries but the input has rank " +
           std::to_string(rank);
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)])
      return "perm " + shapeString(perm) + " is not a permutation of the input dimensions";
    seen[static_cast<size_t>(p)] = true;
  }
  return "";
}

/// Every axis must name a dimension of the input, at most once.
std::string reduceProblem(Context &ctx, const Operator &op, const ReduceOptions &o) {
  if (!o.axes())
    return "";
  const Vector<int64_t> &axes = *o.axes();
  int64_t rank = ctx.tensors.Get(static_cast<uint32_t>(op.inputs()->Get(0)))->shape()->size();
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      return "axis " + std::to_string(a) + " is out of range for an input of rank " +
             std::to_string(rank);
    size_t d = static_cast<size_t>(a < 0 ? a + rank : a);
    if (seen[d])
      return "axes " + shapeString(axes) + " name dimension " + std::to_string(d) +
             " more than once";
    seen[d] = true;
  }
  return "";
}

/// One start, end and non-zero step per input dimension.
std::string sliceProblem(Context &ctx, const Operator &op, const SliceOptions &o) {
  size_t rank = ctx.tensors.Get(static_cast<uint32_t>(op.inputs()->Get(0)))->shape()->size();
  if (o.starts()->size() != rank || o.ends()->size() != rank || o.steps()->size() != rank)
    return "starts, ends and steps need one entry per dimension of the rank-" +
           std::to_string(rank) + " input";
  for (size_t d = 0; d < rank; ++d)
    if (o.steps()->Get(d) == 0)
      return "step of dimension " + std::to_string(d) + " is 0";
  return "";
}

/// The axis names a dimension, indices_shape holds the indices, and each index is inside a
/// static dimension.
std::string gatherProblem(Context &ctx, const Operator &op, const GatherOptions &o) {
  const auto *shape = ctx.tensors.Get(static_cast<uint32_t>(op.inputs()->Get(0)))->shape();
  int64_t rank = shape->size(), axis = o.axis();
  if (axis < -rank || axis >= rank)
    return "axis " + std::to_string(axis) + " is out of range for an input of rank " +
           std::to_string(rank);
  int64_t count = 1;
  for (int64_t d : *o.indices_shape()) {
    if (d < 0 || (d > 0 && count > INT32_MAX / d))
      return "indices_shape " + shapeString(*o.indices_shape()) + " is not a static shape";
    count *= d;
  }
  if (count != (int64_t)o.indices()->size())
    return "indices_shape " + shapeString(*o.indices_shape()) + " does not hold the " +
           std::to_string(o.indices()->size()) + " indices";
  int64_t dim = shape->Get(static_cast<uint32_t>(axis < 0 ? axis + rank : axis));
  if (dim >= 0)
    for (int64_t i : *o.indices())
      if (i < -dim || i >= dim)
        return "index " + std::to_string(i) + " is out of range for a dimension of size " +
               std::to_string(dim);
  return "";
}

/// The option values that other code divides by or indexes with.
std::string optionValuesProblem(Context &ctx, const Operator &op) {
  if (auto *conv = op.options_as_Conv2DOptions())
    return conv2dProblem(*conv);
  if (auto *pool = op.options_as_Pool2DOptions())
    return pool2dProblem(*pool);
  if (auto *transpose = op.options_as_TransposeOptions())
    return transposeProblem(ctx, op, *transpose);
  if (auto *reduce = op.options_as_ReduceOptions())
    return reduceProblem(ctx, op, *reduce);
  if (auto *slice = op.options_as_SliceOptions())
    return sliceProblem(ctx, op, *slice);
  if (auto *gather = op.options_as_GatherOptions())
    return gatherProblem(ctx, op, *gather);
  return "";
}

bool checkOptions(Context &ctx, uint32_t i, const Operator &op, const OpSignature &sig) {
  OpOptions found = op.options_type();
  if (found != OpOptions::NONE && !op.options())
    return ctx.fail(ctx.operatorRef(i) + ": declares " + optionsName(found) +
                    " but the options table is missing");
  if (sig.rule == OptionsRule::None) {
    if (found != OpOptions::NONE)
      return ctx.fail(ctx.operatorRef(i) + ": expects no options, found " + optionsName(found));
    return true;
  }
  bool absentOk = sig.rule == OptionsRule::Optional && found == OpOptions::NONE;
  if (found != sig.options && !absentOk)
    return ctx.fail(ctx.operatorRef(i) + ": expects " + optionsName(sig.options) + ", found " +
                    optionsName(found));
  std::string problem = optionValuesProblem(ctx, op);
  if (!problem.empty())
    return ctx.fail(ctx.operatorRef(i) + ": " + optionsName(found) + ": " + problem);
  return true;
}

bool checkOperator(Context &ctx, uint32_t i) {
  const Operator &op = *ctx.operators.Get(i);
  if (op.opcode() > OpCode::MAX)
    return ctx.fail(ctx.operatorRef(i) + ": unknown opcode " +
                    std::to_string(static_cast<unsigned>(op.opcode())));
  const OpSignature &sig = kSignatures[static_cast<size_t>(op.opcode())];
  return checkOperandIndices(ctx, i, op) && checkOperandCounts(ctx, i, op, sig) &&
         checkOutputData(ctx, i, op, sig) && checkOptions(ctx, i, op, sig);
}

bool checkOperators(Context &ctx) {
  for (uint32_t i = 0; i < ctx.operators.size(); ++i)
    if (!checkOperator(ctx, i))
      return false;
  return true;
}

//===------------------------------------------------------------------------------------------===//
// Graph inputs, outputs and dataflow (check h)
//===------------------------------------------------------------------------------------------===//

bool checkTensorMaps(Context &ctx, const Vector<Offset<TensorMap>> &maps, const char *kind) {
  for (uint32_t k = 0; k < maps.size(); ++k) {
    const TensorMap &m = *maps.Get(k);
    if (m.tensor() >= ctx.tensors.size())
      return ctx.fail(std::string(kind) + " #" + std::to_string(k) + nameSuffix(m.name()) +
                      ": tensor index " + std::to_string(m.tensor()) + " out of range (" +
                      ctx.tensorCount() + ")");
  }
  return true;
}

bool checkGraphInputs(Context &ctx) {
  const Vector<Offset<TensorMap>> &inputs = *ctx.graph.inputs();
  std::vector<bool> seen(ctx.tensors.size(), false);
  for (uint32_t k = 0; k < inputs.size(); ++k) {
    const TensorMap &m = *inputs.Get(k);
    std::string where = "graph input #" + std::to_string(k) + nameSuffix(m.name()) + ": ";
    uint32_t buffer = ctx.tensors.Get(m.tensor())->buffer();
    if (buffer != 0)
      return ctx.fail(where + ctx.tensorRef(m.tensor()) + " has constant data (buffer #" +
                      std::to_string(buffer) + "); graph inputs are computed by the caller");
    // One tensor cannot be two function arguments.
    if (seen[m.tensor()])
      return ctx.fail(where + ctx.tensorRef(m.tensor()) + " is already a graph input");
    seen[m.tensor()] = true;
  }
  return true;
}

constexpr int64_t kNotProduced = -1;
constexpr int64_t kGraphInput = -2;

/// Which operator produces each tensor (or kGraphInput / kNotProduced); fails on a second producer.
bool collectProducers(Context &ctx, std::vector<int64_t> &producer) {
  producer.assign(ctx.tensors.size(), kNotProduced);
  for (const TensorMap *m : *ctx.graph.inputs())
    producer[m->tensor()] = kGraphInput;
  for (uint32_t i = 0; i < ctx.operators.size(); ++i) {
    uint32_t out = static_cast<uint32_t>(ctx.operators.Get(i)->outputs()->Get(0));
    if (producer[out] == kGraphInput)
      return ctx.fail(ctx.operatorRef(i) + ": output " + ctx.tensorRef(out) + " is a graph input");
    if (producer[out] >= 0)
      return ctx.fail(ctx.operatorRef(i) + ": output " + ctx.tensorRef(out) +
                      " is already produced by operator #" + std::to_string(producer[out]));
    producer[out] = i;
  }
  return true;
}

/// Operators are stored in execution order, so every operand must exist before its use.
bool checkDefBeforeUse(Context &ctx, const std::vector<int64_t> &producer) {
  for (uint32_t i = 0; i < ctx.operators.size(); ++i) {
    for (int32_t in : *ctx.operators.Get(i)->inputs()) {
      if (in == -1)
        continue;
      int64_t p = producer[static_cast<uint32_t>(in)];
      std::string where =
          ctx.operatorRef(i) + ": input " + ctx.tensorRef(static_cast<uint32_t>(in));
      if (p == kNotProduced)
        return ctx.fail(where + " is never produced (it is neither a graph input nor the output "
                                "of an operator)");
      if (p >= static_cast<int64_t>(i))
        return ctx.fail(where + " is used before it is produced (by operator #" +
                        std::to_string(p) + ")");
    }
  }
  const Vector<Offset<TensorMap>> &outputs = *ctx.graph.outputs();
  for (uint32_t k = 0; k < outputs.size(); ++k) {
    const TensorMap &m = *outputs.Get(k);
    if (producer[m.tensor()] == kNotProduced)
      return ctx.fail("graph output #" + std::to_string(k) + nameSuffix(m.name()) + ": " +
                      ctx.tensorRef(m.tensor()) + " is never produced");
  }
  return true;
}

bool checkGraph(Context &ctx) {
  if (!checkTensorMaps(ctx, *ctx.graph.inputs(), "graph input") ||
      !checkTensorMaps(ctx, *ctx.graph.outputs(), "graph output") || !checkGraphInputs(ctx))
    return false;
  std::vector<int64_t> producer;
  return collectProducers(ctx, producer) && checkDefBeforeUse(ctx, producer);
}

//===------------------------------------------------------------------------------------------===//
// Provenance
//===------------------------------------------------------------------------------------------===//

/// A TensorStats' histograms fit its bin count, and its sign split fits the whole: the negative
/// part and the zeros never exceed what the |x| histogram counts (an importer rebuilds the
/// positive part by subtraction).
bool checkTensorStatsCounts(Context &ctx, const TensorStats &t, uint32_t k) {
  auto fail = [&](const std::string &msg) {
    return ctx.fail("provenance tensor_stats #" + std::to_string(k) + ": " + msg);
  };
  const auto *all = t.histogram();
  const auto *neg = t.negative_histogram();
  size_t allSize = all ? all->size() : 0, negSize = neg ? neg->size() : 0;
  // Calibration uses 2048 bins; the cap keeps a reader from allocating billions for a crafted one.
  if (t.bins() > (1u << 20))
    return fail("bins " + std::to_string(t.bins()) + " exceeds 2^20");
  if (allSize > t.bins() || negSize > t.bins())
    return fail("a histogram holds more than its " + std::to_string(t.bins()) + " bins");
  for (size_t b = 0; b < negSize; ++b) {
    uint64_t whole = b < allSize ? all->Get(b) : 0;
    uint64_t part = (uint64_t)neg->Get(b) + (b == 0 ? t.zeros() : 0);
    if (part > whole)
      return fail("bin " + std::to_string(b) + " counts fewer values than its negative part");
  }
  if (negSize == 0 && t.zeros() > (allSize ? all->Get(0) : 0))
    return fail("more zeros than the first bin counts");
  return true;
}

/// Reports index into the graph like everything else, so they get the same range checks.
bool checkProvenance(Context &ctx) {
  const Provenance *p = ctx.model.provenance();
  if (!p)
    return true;
  if (const auto *stats = p->tensor_stats())
    for (uint32_t k = 0; k < stats->size(); ++k) {
      const TensorStats *t = stats->Get(k);
      if (t->tensor() >= ctx.tensors.size())
        return ctx.fail("provenance tensor_stats #" + std::to_string(k) + ": tensor index " +
                        std::to_string(t->tensor()) + " out of range (" + ctx.tensorCount() +
                        ")");
      if (!checkTensorStatsCounts(ctx, *t, k))
        return false;
    }
  if (const auto *precisions = p->op_precisions())
    for (uint32_t k = 0; k < precisions->size(); ++k)
      if (precisions->Get(k)->operator_() >= ctx.operators.size())
        return ctx.fail("provenance op_precisions #" + std::to_string(k) + ": operator index " +
                        std::to_string(precisions->Get(k)->operator_()) +
                        " out of range (graph has " + std::to_string(ctx.operators.size()) +
                        " operators)");
  return true;
}

} // namespace

const Model *checkModel(const uint8_t *data, size_t size, std::string &error) {
  error.clear();
  const Model *model = checkEnvelope(data, size, error);
  if (!model)
    return nullptr;
  // Required fields: the verifier has proven these present.
  const Graph &graph = *model->graph();
  Context ctx{*model, graph, *graph.tensors(), *graph.operators(), *model->buffers(), error};
  if (!checkVersion(ctx) || !checkDigest(ctx, data, size) || !checkBuffers(ctx) ||
      !checkTensors(ctx) || !checkOperators(ctx) || !checkGraph(ctx) || !checkProvenance(ctx))
    return nullptr;
  return model;
}

} // namespace qopt::fb
