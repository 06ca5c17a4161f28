// Tests for qopt::fb::checkModel: a small valid model is built with the object API, and each test
// breaks one thing and expects the message that names it.
#include "qopt/Runtime/ModelCheck.h"
#include "qopt/Runtime/ModelDigest.h"
#include "qopt/Runtime/Sha256.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fb = qopt::fb;

namespace {

/// Bytes held in 8-byte aligned storage, as a loader would pass them.
class Bytes {
public:
  Bytes() = default;
  Bytes(const uint8_t *data, size_t size) { assign(data, size); }

  void assign(const uint8_t *data, size_t size) {
    words_.assign((size + 7) / 8, 0);
    if (size)
      std::memcpy(words_.data(), data, size);
    size_ = size;
  }
  uint8_t *data() { return reinterpret_cast<uint8_t *>(words_.data()); }
  size_t size() const { return size_; }
  void truncate(size_t size) { size_ = std::min(size, size_); }

private:
  std::vector<uint64_t> words_;
  size_t size_ = 0;
};

/// gtest without gmock: a substring check that prints both strings on failure.
::testing::AssertionResult contains(const std::string &text, const std::string &part) {
  if (text.find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}
#define EXPECT_CONTAINS(text, part) EXPECT_TRUE(contains(text, part))

/// Sealed like every qopt writer's output, so that each test meets only the problem it made.
Bytes pack(const fb::ModelT &model) {
  std::vector<uint8_t> bytes = fb::packSealedModel(model);
  return Bytes(bytes.data(), bytes.size());
}

/// The checker's message, or "OK" when it accepts the bytes.
std::string errorOf(Bytes bytes) {
  std::string error;
  const fb::Model *model = fb::checkModel(bytes.data(), bytes.size(), error);
  if (model) {
    EXPECT_TRUE(error.empty()) << error;
    return "OK";
  }
  EXPECT_FALSE(error.empty());
  return error;
}

std::string errorOf(const fb::ModelT &model) { return errorOf(pack(model)); }

std::unique_ptr<fb::TensorT> tensor(std::string name, std::vector<int64_t> shape,
                                    fb::DType dtype = fb::DType::F32, uint32_t buffer = 0) {
  auto t = std::make_unique<fb::TensorT>();
  t->name = std::move(name);
  t->shape = std::move(shape);
  t->dtype = dtype;
  t->buffer = buffer;
  return t;
}

std::unique_ptr<fb::OperatorT> op(fb::OpCode code, std::string name, std::vector<int32_t> inputs,
                                  std::vector<int32_t> outputs) {
  auto o = std::make_unique<fb::OperatorT>();
  o->opcode = code;
  o->name = std::move(name);
  o->inputs = std::move(inputs);
  o->outputs = std::move(outputs);
  return o;
}

std::unique_ptr<fb::TensorMapT> tensorMap(std::string name, uint32_t tensor) {
  auto m = std::make_unique<fb::TensorMapT>();
  m->name = std::move(name);
  m->tensor = tensor;
  return m;
}

// Tensor and operator numbering of validModel().
enum : uint32_t { kX = 0, kW = 1, kH = 2, kY = 3 };
enum : uint32_t { kConstOp = 0, kFcOp = 1, kReluOp = 2 };

/// y = relu(fully_connected(x[1,4], w[3,4])), with w a constant in buffer 1 and no bias.
fb::ModelT validModel() {
  fb::ModelT m;
  m.version = fb::kSchemaVersion;
  m.buffers.push_back(std::make_unique<fb::BufferT>());
  auto weights = std::make_unique<fb::BufferT>();
  weights->data.assign(3 * 4 * sizeof(float), 0);
  m.buffers.push_back(std::move(weights));

  m.graph = std::make_unique<fb::GraphT>();
  fb::GraphT &g = *m.graph;
  g.name = "main";
  g.tensors.push_back(tensor("x", {1, 4}));
  g.tensors.push_back(tensor("w", {3, 4}, fb::DType::F32, 1));
  g.tensors.push_back(tensor("h", {1, 3}));
  g.tensors.push_back(tensor("y", {1, 3}));
  g.operators.push_back(op(fb::OpCode::CONSTANT, "w", {}, {kW}));
  g.operators.push_back(op(fb::OpCode::FULLY_CONNECTED, "fc1", {kX, kW, -1}, {kH}));
  g.operators.back()->options.Set(fb::FullyConnectedOptionsT());
  g.operators.push_back(op(fb::OpCode::RELU, "relu1", {kH}, {kY}));
  g.inputs.push_back(tensorMap("x", kX));
  g.outputs.push_back(tensorMap("y", kY));
  return m;
}

/// validModel() with w stored as I8, quantized per output channel (axis 0).
fb::ModelT quantizedModel() {
  fb::ModelT m = validModel();
  fb::TensorT &w = *m.graph->tensors[kW];
  w.dtype = fb::DType::I8;
  m.buffers[1]->data.assign(3 * 4, 0);
  auto q = std::make_unique<fb::QuantizationT>();
  q->axis = 0;
  q->scales = {0.1, 0.2, 0.3};
  q->zero_points = {0, 1, -1};
  q->storage_min = -128;
  q->storage_max = 127;
  w.quantization = std::move(q);
  return m;
}

fb::OperatorT &opAt(fb::ModelT &m, uint32_t i) { return *m.graph->operators[i]; }
fb::TensorT &tensorAt(fb::ModelT &m, uint32_t i) { return *m.graph->tensors[i]; }

//===------------------------------------------------------------------------------------------===//
// Helpers
//===------------------------------------------------------------------------------------------===//

TEST(ModelCheck, DTypeSize) {
  EXPECT_EQ(fb::dtypeSize(fb::DType::F32), 4u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::F16), 2u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::BF16), 2u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::F64), 8u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::I8), 1u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::U8), 1u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::I16), 2u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::U16), 2u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::I32), 4u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::U32), 4u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::I64), 8u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::U64), 8u);
  EXPECT_EQ(fb::dtypeSize(fb::DType::BOOL), 1u);
  EXPECT_EQ(fb::dtypeSize(static_cast<fb::DType>(13)), 0u);
  EXPECT_EQ(fb::dtypeSize(static_cast<fb::DType>(-1)), 0u);
}

TEST(ModelCheck, OpcodeName) {
  EXPECT_STREQ(fb::opcodeName(fb::OpCode::CONSTANT), "CONSTANT");
  EXPECT_STREQ(fb::opcodeName(fb::OpCode::FULLY_CONNECTED), "FULLY_CONNECTED");
  EXPECT_STREQ(fb::opcodeName(fb::OpCode::REQUANTIZE), "REQUANTIZE");
  // Opcodes appended after version 1 keep the numbers the schema gives them.
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(28)), "EXP");
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(32)), "POW");
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(36)), "REDUCE_MIN");
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(37)), "CAST");
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(38)), "FAKE_QUANT_DYNAMIC");
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(39)), "SLICE");
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(40)), "GATHER");
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(41)), "UNKNOWN");
  EXPECT_STREQ(fb::opcodeName(static_cast<fb::OpCode>(200)), "UNKNOWN");
}

//===------------------------------------------------------------------------------------------===//
// Accepted models
//===------------------------------------------------------------------------------------------===//

TEST(ModelCheck, AcceptsValidModel) {
  Bytes bytes = pack(validModel());
  std::string error = "stale";
  const fb::Model *model = fb::checkModel(bytes.data(), bytes.size(), error);
  ASSERT_NE(model, nullptr) << error;
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(model->graph()->operators()->size(), 3u);
}

TEST(ModelCheck, AcceptsQuantizedModel) { EXPECT_EQ(errorOf(quantizedModel()), "OK"); }

TEST(ModelCheck, AcceptsSplatConstant) {
  fb::ModelT m = validModel();
  m.buffers[1]->data.assign(sizeof(float), 0);
  EXPECT_EQ(errorOf(m), "OK");
}

TEST(ModelCheck, AcceptsFullyConnectedWithoutOptionsAndWithBias) {
  fb::ModelT m = validModel();
  opAt(m, kFcOp).options.Reset();
  EXPECT_EQ(errorOf(m), "OK");

  // A bias is a constant too; it must be produced before the op that reads it.
  m.buffers.push_back(std::make_unique<fb::BufferT>());
  m.buffers.back()->data.assign(3 * sizeof(float), 0);
  m.graph->tensors.push_back(tensor("b", {3}, fb::DType::F32, 2));
  m.graph->operators.insert(m.graph->operators.begin(), op(fb::OpCode::CONSTANT, "b", {}, {4}));
  opAt(m, 2).inputs = {kX, kW, 4};
  EXPECT_EQ(errorOf(m), "OK");
}

// Empty vectors (a scalar's shape) are not 8-byte aligned by the builder, and must still pass.
TEST(ModelCheck, AcceptsScalarTensor) {
  fb::ModelT m = validModel();
  m.graph->tensors.push_back(tensor("scale", {}));
  m.graph->inputs.push_back(tensorMap("scale", 4));
  EXPECT_EQ(errorOf(m), "OK");
}

TEST(ModelCheck, AcceptsDynamicInputDimension) {
  fb::ModelT m = validModel();
  tensorAt(m, kX).shape = {-1, 4};
  EXPECT_EQ(errorOf(m), "OK");
}

//===------------------------------------------------------------------------------------------===//
// a-d: envelope and header
//===------------------------------------------------------------------------------------------===//

TEST(ModelCheck, RejectsTooSmall) {
  std::string error;
  EXPECT_EQ(fb::checkModel(nullptr, 100, error), nullptr);
  EXPECT_EQ(error, "file too small to be a qopt model (0 bytes)");
  uint8_t seven[7] = {};
  EXPECT_EQ(fb::checkModel(seven, 0, error), nullptr);
  EXPECT_EQ(error, "file too small to be a qopt model (0 bytes)");
  EXPECT_EQ(fb::checkModel(seven, sizeof(seven), error), nullptr);
  EXPECT_EQ(error, "file too small to be a qopt model (7 bytes)");
}

TEST(ModelCheck, RejectsWrongIdentifier) {
  Bytes bytes = pack(validModel());
  std::memcpy(bytes.data() + 4, "ONNX", 4);
  EXPECT_EQ(errorOf(bytes), "wrong file identifier 'ONNX' (expected 'QOPT'): not a qopt model");
  const uint8_t binary[4] = {0x01, 'Q', 0xff, '\''};
  std::memcpy(bytes.data() + 4, binary, 4);
  EXPECT_EQ(errorOf(bytes),
            "wrong file identifier '\\x01Q\\xff\\'' (expected 'QOPT'): not a qopt model");
}

// The last bytes of a file may be alignment padding that nothing references, so only cuts that
// reach into the data are certain to fail; no cut may crash.
TEST(ModelCheck, RejectsTruncatedFile) {
  Bytes full = pack(validModel());
  for (size_t n = 8; n < full.size(); ++n) {
    Bytes cut = full;
    cut.truncate(n);
    std::string error = errorOf(cut);
    if (n <= full.size() * 3 / 4) {
      EXPECT_EQ(error, "FlatBuffers verification failed: the file is truncated or corrupted")
          << n << " bytes";
    }
  }
}

TEST(ModelCheck, RejectsCorruptedVectorLength) {
  Bytes bytes = pack(validModel());
  const fb::Model *model = fb::GetModel(bytes.data());
  // The length word sits just before the first element of a vector.
  const uint8_t *length = reinterpret_cast<const uint8_t *>(model->graph()->tensors());
  bytes.data()[length - bytes.data() + 3] ^= 0x40;
  EXPECT_EQ(errorOf(bytes), "FlatBuffers verification failed: the file is truncated or corrupted");
}

// Clearing the `shape` slot of tensor #0's vtable is what a writer that omitted the field produces.
TEST(ModelCheck, RejectsMissingRequiredField) {
  Bytes bytes = pack(validModel());
  const fb::Model *model = fb::GetModel(bytes.data());
  const uint8_t *table = reinterpret_cast<const uint8_t *>(model->graph()->tensors()->Get(0));
  size_t vtable =
      static_cast<size_t>(table - flatbuffers::ReadScalar<int32_t>(table) - bytes.data());
  flatbuffers::WriteScalar<uint16_t>(bytes.data() + vtable + fb::Tensor::VT_SHAPE, 0);
  EXPECT_EQ(errorOf(bytes), "FlatBuffers verification failed: the file is truncated or corrupted");
}

// Whatever single byte is wrong, the checker must answer, not crash (run under sanitizers).
TEST(ModelCheck, SurvivesEveryByteCorruption) {
  Bytes full = pack(validModel());
  for (size_t pos = 0; pos < full.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x10, 0x80, 0xff}) {
      Bytes bytes = full;
      bytes.data()[pos] ^= mask;
      std::string error;
      const fb::Model *model = fb::checkModel(bytes.data(), bytes.size(), error);
      EXPECT_EQ(model == nullptr, !error.empty()) << pos;
    }
  }
}

TEST(ModelCheck, RejectsUnsupportedVersion) {
  fb::ModelT m = validModel();
  m.version = 99;
  EXPECT_EQ(errorOf(m), "unsupported schema version 99 (this qopt reads versions 1 to 2)");
}

Bytes packUnsealed(const fb::ModelT &model) {
  flatbuffers::FlatBufferBuilder builder;
  fb::FinishModelBuffer(builder, fb::Model::Pack(builder, &model));
  return Bytes(builder.GetBufferPointer(), builder.GetSize());
}

TEST(ModelCheck, ChecksumCoversEveryByte) {
  Bytes good = pack(validModel());
  ASSERT_EQ(errorOf(good), "OK");
  // One flipped bit anywhere after the identifier is refused; the message depends on where it
  // lands (the verifier, the version or the checksum), but none may be accepted.
  for (size_t i = 8; i < good.size(); ++i) {
    Bytes bad = good;
    bad.data()[i] ^= 0x10;
    EXPECT_NE(errorOf(bad), "OK") << "flip at byte " << i;
  }
  Bytes bad = good;
  // A byte of the weights: payload, so only the checksum can see it.
  const fb::Model *m = fb::GetModel(bad.data());
  size_t at = m->buffers()->Get(1)->data()->data() - bad.data();
  bad.data()[at + 4] ^= 0x01;
  EXPECT_CONTAINS(errorOf(bad),
                  "model checksum mismatch: the file is corrupted (Model.sha256 is '");
}

TEST(ModelCheck, Version2NeedsAChecksumVersion1DoesNot) {
  fb::ModelT m = validModel();
  EXPECT_EQ(errorOf(packUnsealed(m)),
            "model checksum missing: schema version 2 files carry Model.sha256 (the file is "
            "corrupted or was not written by qopt)");
  m.version = 1;
  EXPECT_EQ(errorOf(packUnsealed(m)), "OK");
  // A checksum that is present is checked whatever the version.
  m.sha256 = std::string(64, 'a');
  EXPECT_CONTAINS(errorOf(packUnsealed(m)), "model checksum mismatch");
  m.sha256 = "abc";
  EXPECT_EQ(errorOf(packUnsealed(m)),
            "model checksum mismatch: the file is corrupted (Model.sha256 has 3 characters, "
            "expected 64)");
}

TEST(ModelCheck, SealIsComputedWithThePlaceholder) {
  Bytes bytes = pack(validModel());
  const fb::Model *m = fb::GetModel(bytes.data());
  size_t at = reinterpret_cast<const uint8_t *>(m->sha256()->data()) - bytes.data();
  std::vector<uint8_t> zeroed(bytes.data(), bytes.data() + bytes.size());
  std::fill(zeroed.begin() + at, zeroed.begin() + at + 64, '0');
  EXPECT_EQ(m->sha256()->str(), ::qopt::rt::sha256Hex(zeroed.data(), zeroed.size()));
}

//===------------------------------------------------------------------------------------------===//
// e: buffers
//===------------------------------------------------------------------------------------------===//

TEST(ModelCheck, RejectsMissingSentinelBuffer) {
  fb::ModelT m = validModel();
  m.buffers.clear();
  tensorAt(m, kW).buffer = 0;
  m.graph->operators.erase(m.graph->operators.begin());
  opAt(m, 0).inputs = {kX, kX, -1};
  EXPECT_CONTAINS(errorOf(m), "buffer #0 must be the empty sentinel");
}

TEST(ModelCheck, RejectsNonEmptySentinelBuffer) {
  fb::ModelT m = validModel();
  m.buffers[0]->data = {1, 2};
  EXPECT_EQ(errorOf(m), "buffer #0 must be the empty sentinel, but it holds 2 bytes");
}

//===------------------------------------------------------------------------------------------===//
// f: tensors
//===------------------------------------------------------------------------------------------===//

TEST(ModelCheck, RejectsNegativeDimension) {
  fb::ModelT m = validModel();
  tensorAt(m, kH).shape = {1, -5};
  EXPECT_EQ(errorOf(m), "tensor #2 ('h'): dimension 1 is -5");
}

TEST(ModelCheck, RejectsUnknownDType) {
  fb::ModelT m = validModel();
  tensorAt(m, kH).dtype = static_cast<fb::DType>(77);
  EXPECT_EQ(errorOf(m), "tensor #2 ('h'): unknown dtype 77");
}

TEST(ModelCheck, RejectsBufferIndexOutOfRange) {
  fb::ModelT m = validModel();
  tensorAt(m, kW).buffer = 9;
  EXPECT_EQ(errorOf(m), "tensor #1 ('w'): buffer index 9 out of range (model has 2 buffers)");
}

TEST(ModelCheck, RejectsBufferSizeMismatch) {
  fb::ModelT m = validModel();
  m.buffers[1]->data.pop_back();
  EXPECT_EQ(errorOf(m), "tensor #1 ('w'): buffer #1 holds 47 bytes but shape [3,4] x F32 needs "
                        "48 (or 4 for a splat)");
}

TEST(ModelCheck, RejectsBufferWithoutData) {
  fb::ModelT m = validModel();
  tensorAt(m, kW).shape = {0, 4};
  m.buffers[1]->data.clear(); // the object API then omits the vector
  EXPECT_EQ(errorOf(m), "tensor #1 ('w'): buffer #1 has no data");
}

TEST(ModelCheck, RejectsDynamicConstant) {
  fb::ModelT m = validModel();
  tensorAt(m, kW).shape = {3, -1};
  EXPECT_CONTAINS(errorOf(m), "a constant needs a static shape, but dimension 1 is dynamic");
}

TEST(ModelCheck, RejectsElementCountOverflow) {
  fb::ModelT m = validModel();
  int64_t huge = int64_t(1) << 40;
  tensorAt(m, kW).shape = {huge, huge, huge};
  EXPECT_CONTAINS(errorOf(m), "has too many elements");
  // An empty tensor needs no data, however large its other dimensions.
  tensorAt(m, kW).shape = {0, std::numeric_limits<int64_t>::max()};
  EXPECT_CONTAINS(errorOf(m), "holds 48 bytes but shape");
}

//===------------------------------------------------------------------------------------------===//
// f: quantization
//===------------------------------------------------------------------------------------------===//

fb::QuantizationT &quantOf(fb::ModelT &m) { return *tensorAt(m, kW).quantization; }

TEST(ModelCheck, RejectsPerAxisScaleCountMismatch) {
  fb::ModelT m = quantizedModel();
  quantOf(m).scales = {0.1, 0.2};
  quantOf(m).zero_points = {0, 0};
  EXPECT_EQ(errorOf(m), "tensor #1 ('w'): per-axis quantization along axis 0 needs 3 scales (the "
                        "size of that dimension), found 2");
}

TEST(ModelCheck, RejectsScaleZeroPointCountMismatch) {
  fb::ModelT m = quantizedModel();
  quantOf(m).zero_points = {0, 0};
  EXPECT_CONTAINS(errorOf(m), "quantization has 3 scales and 2 zero points");
  quantOf(m).scales.clear();
  quantOf(m).zero_points.clear();
  EXPECT_CONTAINS(errorOf(m), "quantization has 0 scales and 0 zero points");
}

TEST(ModelCheck, RejectsBadQuantizationAxis) {
  fb::ModelT m = quantizedModel();
  quantOf(m).axis = 2;
  EXPECT_CONTAINS(errorOf(m), "quantization axis 2 out of range for rank 2");
  quantOf(m).axis = -3;
  EXPECT_CONTAINS(errorOf(m), "quantization axis -3 out of range for rank 2");
  quantOf(m).axis = -1;
  EXPECT_CONTAINS(errorOf(m), "per-tensor quantization (axis -1) needs exactly 1 scale, "
                              "found 3");
}

TEST(ModelCheck, RejectsZeroPointOutOfRange) {
  fb::ModelT m = quantizedModel();
  quantOf(m).zero_points[1] = 128;
  EXPECT_EQ(errorOf(m), "tensor #1 ('w'): zero point #1 is 128, outside the storage range "
                        "[-128, 127]");
}

TEST(ModelCheck, RejectsBadStorageRange) {
  fb::ModelT m = quantizedModel();
  quantOf(m).storage_min = 5;
  quantOf(m).storage_max = -5;
  EXPECT_CONTAINS(errorOf(m), "storage range [5, -5] is empty");
  quantOf(m).storage_min = -200;
  quantOf(m).storage_max = 127;
  EXPECT_CONTAINS(errorOf(m), "storage range [-200, 127] does not fit I8");
}

TEST(ModelCheck, RejectsBadScale) {
  fb::ModelT m = quantizedModel();
  quantOf(m).scales[2] = 0;
  EXPECT_CONTAINS(errorOf(m), "scale #2 is 0.000000 (scales must be finite and > 0)");
  quantOf(m).scales[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_CONTAINS(errorOf(m), "scales must be finite and > 0");
  quantOf(m).scales[2] = -1;
  EXPECT_CONTAINS(errorOf(m), "scales must be finite and > 0");
}

TEST(ModelCheck, RejectsNonIntegerStorageAndNonFloatExpressed) {
  fb::ModelT m = quantizedModel();
  tensorAt(m, kW).dtype = fb::DType::F32;
  m.buffers[1]->data.assign(48, 0);
  EXPECT_CONTAINS(errorOf(m), "quantized storage type must be an integer type, found F32");
  m = quantizedModel();
  quantOf(m).expressed_type = fb::DType::I32;
  EXPECT_CONTAINS(errorOf(m), "expressed type must be F32, F16, BF16 or F64, found I32");
}

//===------------------------------------------------------------------------------------------===//
// g: operators
//===------------------------------------------------------------------------------------------===//

TEST(ModelCheck, RejectsUnknownOpcode) {
  fb::ModelT m = validModel();
  opAt(m, kFcOp).opcode = static_cast<fb::OpCode>(200);
  EXPECT_EQ(errorOf(m), "operator #1 ('fc1'): unknown opcode 200");
  opAt(m, kFcOp).name.clear();
  EXPECT_EQ(errorOf(m), "operator #1: unknown opcode 200");
}

TEST(ModelCheck, RejectsOperandIndexOutOfRange) {
  fb::ModelT m = validModel();
  opAt(m, kFcOp).inputs[0] = 7;
  EXPECT_EQ(errorOf(m),
            "operator #1 ('fc1', FULLY_CONNECTED): input 7 out of range (graph has 4 tensors)");
  opAt(m, kFcOp).inputs[0] = -2;
  EXPECT_CONTAINS(errorOf(m), "input -2 out of range");
  m = validModel();
  opAt(m, kReluOp).outputs[0] = -1;
  EXPECT_EQ(errorOf(m), "operator #2 ('relu1', RELU): output -1 out of range (graph has 4 "
                        "tensors)");
}

TEST(ModelCheck, UnnamedOperatorKeepsOpcodeInMessage) {
  fb::ModelT m = validModel();
  opAt(m, kFcOp).name.clear();
  opAt(m, kFcOp).inputs[0] = 7;
  EXPECT_CONTAINS(errorOf(m), "operator #1 (FULLY_CONNECTED): input 7 out of range");
}

TEST(ModelCheck, RejectsWrongOperandCounts) {
  fb::ModelT m = validModel();
  opAt(m, kReluOp).inputs = {kH, kH};
  EXPECT_EQ(errorOf(m), "operator #2 ('relu1', RELU): expects 1 input, found 2");
  m = validModel();
  opAt(m, kFcOp).inputs = {kX};
  EXPECT_CONTAINS(errorOf(m), "expects 2..3 inputs, found 1");
  m = validModel();
  opAt(m, kConstOp).inputs = {kX};
  EXPECT_CONTAINS(errorOf(m), "operator #0 ('w', CONSTANT): expects 0 inputs, found 1");
  m = validModel();
  opAt(m, kReluOp).opcode = fb::OpCode::CONCAT;
  opAt(m, kReluOp).inputs.clear();
  EXPECT_CONTAINS(errorOf(m), "expects at least 1 input, found 0");
  m = validModel();
  opAt(m, kReluOp).outputs = {kY, kY};
  EXPECT_CONTAINS(errorOf(m), "expects exactly 1 output, found 2");
}

TEST(ModelCheck, RejectsAbsentRequiredOperand) {
  fb::ModelT m = validModel();
  opAt(m, kFcOp).inputs = {kX, -1, -1};
  EXPECT_EQ(errorOf(m), "operator #1 ('fc1', FULLY_CONNECTED): input #1 is -1 (absent), but only "
                        "an optional operand may be absent");
}

TEST(ModelCheck, RejectsConstantWithoutData) {
  fb::ModelT m = validModel();
  tensorAt(m, kW).buffer = 0;
  EXPECT_EQ(errorOf(m), "operator #0 ('w', CONSTANT): output tensor #1 ('w') has no constant "
                        "data (buffer 0)");
}

TEST(ModelCheck, RejectsComputedTensorWithData) {
  fb::ModelT m = validModel();
  tensorAt(m, kH).buffer = 1;
  tensorAt(m, kH).shape = {3, 4};
  EXPECT_CONTAINS(errorOf(m), "output tensor #2 ('h') has constant data (buffer #1), but "
                              "only CONSTANT produces constant data");
}

TEST(ModelCheck, RejectsMismatchedOptions) {
  fb::ModelT m = validModel();
  opAt(m, kFcOp).options.Set(fb::ClampOptionsT());
  EXPECT_EQ(errorOf(m), "operator #1 ('fc1', FULLY_CONNECTED): expects FullyConnectedOptions, "
                        "found ClampOptions");
  m = validModel();
  opAt(m, kReluOp).options.Set(fb::ClampOptionsT());
  EXPECT_EQ(errorOf(m), "operator #2 ('relu1', RELU): expects no options, found ClampOptions");
}

TEST(ModelCheck, RejectsMissingRequiredOptions) {
  for (fb::OpCode code : {fb::OpCode::CLAMP, fb::OpCode::LEAKY_RELU, fb::OpCode::SOFTMAX,
                          fb::OpCode::FLATTEN, fb::OpCode::MAX_POOL2D, fb::OpCode::TRANSPOSE,
                          fb::OpCode::REDUCE_MEAN, fb::OpCode::REDUCE_SUM, fb::OpCode::REDUCE_MAX,
                          fb::OpCode::REDUCE_MIN}) {
    fb::ModelT m = validModel();
    opAt(m, kReluOp).opcode = code;
    EXPECT_CONTAINS(errorOf(m), std::string(fb::opcodeName(code)) + "): expects ")
        << fb::opcodeName(code);
    EXPECT_CONTAINS(errorOf(m), "Options, found NONE");
  }
}

TEST(ModelCheck, AcceptsOptionalGeluOptions) {
  fb::ModelT m = validModel();
  opAt(m, kReluOp).opcode = fb::OpCode::GELU;
  EXPECT_EQ(errorOf(m), "OK");
  opAt(m, kReluOp).options.Set(fb::GeluOptionsT());
  EXPECT_EQ(errorOf(m), "OK");
}

TEST(ModelCheck, ChecksConv2DOptions) {
  fb::ModelT m = validModel();
  opAt(m, kFcOp).opcode = fb::OpCode::CONV2D;
  fb::Conv2DOptionsT conv;
  conv.strides = {1, 1};
  conv.pads = {0, 0, 0, 0};
  conv.dilations = {1, 1};
  opAt(m, kFcOp).options.Set(conv);
  EXPECT_EQ(errorOf(m), "OK");

  fb::Conv2DOptionsT bad = conv;
  bad.strides = {1};
  opAt(m, kFcOp).options.Set(bad);
  EXPECT_EQ(errorOf(m), "operator #1 ('fc1', CONV2D): Conv2DOptions: strides must have 2 values, "
                        "found 1");
  bad = conv;
  bad.pads = {0, 0, 0};
  opAt(m, kFcOp).options.Set(bad);
  EXPECT_CONTAINS(errorOf(m), "pads must have 4 values, found 3");
  bad = conv;
  bad.dilations = {1, 0};
  opAt(m, kFcOp).options.Set(bad);
  EXPECT_CONTAINS(errorOf(m), "dilations[1] is 0 (must be >= 1)");
  bad = conv;
  bad.groups = 0;
  opAt(m, kFcOp).options.Set(bad);
  EXPECT_CONTAINS(errorOf(m), "groups is 0 (must be >= 1)");
}

TEST(ModelCheck, ChecksPool2DOptions) {
  fb::ModelT m = validModel();
  opAt(m, kReluOp).opcode = fb::OpCode::MAX_POOL2D;
  fb::Pool2DOptionsT pool;
  pool.kernel = {2, 2};
  pool.strides = {2, 2};
  pool.pads = {0, 0, 0, 0};
  opAt(m, kReluOp).options.Set(pool);
  EXPECT_EQ(errorOf(m), "OK");

  fb::Pool2DOptionsT bad = pool;
  bad.kernel = {2, 2, 2};
  opAt(m, kReluOp).options.Set(bad);
  EXPECT_EQ(errorOf(m), "operator #2 ('relu1', MAX_POOL2D): Pool2DOptions: kernel must have 2 "
                        "values, found 3");
  bad = pool;
  bad.dilations = {1};
  opAt(m, kReluOp).options.Set(bad);
  EXPECT_CONTAINS(errorOf(m), "dilations must have 2 values, found 1");
  bad = pool;
  bad.strides = {0, 2};
  opAt(m, kReluOp).options.Set(bad);
  EXPECT_CONTAINS(errorOf(m), "strides[0] is 0 (must be >= 1)");
}

TEST(ModelCheck, ChecksTransposeOptions) {
  fb::ModelT m = validModel();
  opAt(m, kReluOp).opcode = fb::OpCode::TRANSPOSE;
  fb::TransposeOptionsT t;
  t.perm = {1, 0};
  opAt(m, kReluOp).options.Set(t);
  EXPECT_EQ(errorOf(m), "OK");
  t.perm = {0, 0};
  opAt(m, kReluOp).options.Set(t);
  EXPECT_CONTAINS(errorOf(m), "perm [0,0] is not a permutation");
  t.perm = {0};
  opAt(m, kReluOp).options.Set(t);
  EXPECT_CONTAINS(errorOf(m), "perm has 1 entries but the input has rank 2");
}

TEST(ModelCheck, ElementwiseMathOperandCounts) {
  for (fb::OpCode code : {fb::OpCode::EXP, fb::OpCode::SQRT, fb::OpCode::NEG, fb::OpCode::ERF}) {
    fb::ModelT m = validModel();
    opAt(m, kReluOp).opcode = code;
    EXPECT_EQ(errorOf(m), "OK") << fb::opcodeName(code);
    opAt(m, kReluOp).inputs = {kH, kH};
    EXPECT_CONTAINS(errorOf(m), "expects 1 input, found 2");
    opAt(m, kReluOp).inputs = {kH};
    opAt(m, kReluOp).options.Set(fb::ReduceOptionsT());
    EXPECT_CONTAINS(errorOf(m), "expects no options, found ReduceOptions");
  }
  fb::ModelT m = validModel();
  opAt(m, kReluOp).opcode = fb::OpCode::POW;
  EXPECT_EQ(errorOf(m), "operator #2 ('relu1', POW): expects 2 inputs, found 1");
  opAt(m, kReluOp).inputs = {kH, kH};
  EXPECT_EQ(errorOf(m), "OK");
}

TEST(ModelCheck, ChecksReduceOptions) {
  fb::ModelT m = validModel();
  opAt(m, kReluOp).opcode = fb::OpCode::REDUCE_SUM;
  fb::ReduceOptionsT r; // no axes: every dimension
  opAt(m, kReluOp).options.Set(r);
  EXPECT_EQ(errorOf(m), "OK");
  r.axes = {-1, 0};
  r.keepdims = false;
  opAt(m, kReluOp).options.Set(r);
  EXPECT_EQ(errorOf(m), "OK");
  r.axes = {2};
  opAt(m, kReluOp).options.Set(r);
  EXPECT_EQ(errorOf(m), "operator #2 ('relu1', REDUCE_SUM): ReduceOptions: axis 2 is out of range "
                        "for an input of rank 2");
  r.axes = {-3};
  opAt(m, kReluOp).options.Set(r);
  EXPECT_CONTAINS(errorOf(m), "axis -3 is out of range for an input of rank 2");
  r.axes = {1, -1};
  opAt(m, kReluOp).options.Set(r);
  EXPECT_CONTAINS(errorOf(m), "ReduceOptions: axes [1,-1] name dimension 1 more than once");
  opAt(m, kReluOp).options.Set(fb::AxisOptionsT());
  EXPECT_CONTAINS(errorOf(m), "expects ReduceOptions, found AxisOptions");
}

//===------------------------------------------------------------------------------------------===//
// h: graph inputs, outputs and dataflow
//===------------------------------------------------------------------------------------------===//

TEST(ModelCheck, RejectsGraphIOOutOfRange) {
  fb::ModelT m = validModel();
  m.graph->inputs[0]->tensor = 9;
  EXPECT_EQ(errorOf(m), "graph input #0 ('x'): tensor index 9 out of range (graph has 4 tensors)");
  m = validModel();
  m.graph->outputs[0]->tensor = 4;
  EXPECT_EQ(errorOf(m), "graph output #0 ('y'): tensor index 4 out of range (graph has 4 tensors)");
}

TEST(ModelCheck, RejectsConstantGraphInput) {
  fb::ModelT m = validModel();
  m.graph->inputs[0]->tensor = kW;
  EXPECT_CONTAINS(errorOf(m), "graph input #0 ('x'): tensor #1 ('w') has constant data");
}

TEST(ModelCheck, RejectsDuplicateGraphInput) {
  fb::ModelT m = validModel();
  m.graph->inputs.push_back(tensorMap("x2", kX));
  EXPECT_EQ(errorOf(m), "graph input #1 ('x2'): tensor #0 ('x') is already a graph input");
}

TEST(ModelCheck, RejectsUseBeforeDef) {
  fb::ModelT m = validModel();
  std::swap(m.graph->operators[kFcOp], m.graph->operators[kReluOp]);
  EXPECT_EQ(errorOf(m), "operator #1 ('relu1', RELU): input tensor #2 ('h') is used before it is "
                        "produced (by operator #2)");
}

TEST(ModelCheck, RejectsNeverProducedInput) {
  fb::ModelT m = validModel();
  m.graph->tensors.push_back(tensor("orphan", {1, 3}));
  opAt(m, kReluOp).inputs = {4};
  EXPECT_CONTAINS(errorOf(m), "input tensor #4 ('orphan') is never produced");
}

TEST(ModelCheck, RejectsSecondProducer) {
  fb::ModelT m = validModel();
  opAt(m, kReluOp).outputs = {kH};
  EXPECT_EQ(errorOf(m), "operator #2 ('relu1', RELU): output tensor #2 ('h') is already produced "
                        "by operator #1");
}

TEST(ModelCheck, RejectsProducedGraphInput) {
  fb::ModelT m = validModel();
  opAt(m, kReluOp).outputs = {kX};
  EXPECT_CONTAINS(errorOf(m), "output tensor #0 ('x') is a graph input");
}

TEST(ModelCheck, RejectsUnproducedGraphOutput) {
  fb::ModelT m = validModel();
  m.graph->tensors.push_back(tensor("", {1, 3}));
  m.graph->outputs[0]->tensor = 4;
  EXPECT_EQ(errorOf(m), "graph output #0 ('y'): tensor #4 is never produced");
}

TEST(ModelCheck, AcceptsGraphInputAsOutput) {
  fb::ModelT m = validModel();
  m.graph->outputs.push_back(tensorMap("x_again", kX));
  EXPECT_EQ(errorOf(m), "OK");
}

TEST(ModelCheck, RejectsProvenanceIndexOutOfRange) {
  fb::ModelT m = validModel();
  m.provenance = std::make_unique<fb::ProvenanceT>();
  auto stats = std::make_unique<fb::TensorStatsT>();
  stats->tensor = 4;
  m.provenance->tensor_stats.push_back(std::move(stats));
  EXPECT_CONTAINS(errorOf(m), "provenance tensor_stats #0: tensor index 4 out of range");
}

TEST(ModelCheck, EscapesNames) {
  fb::ModelT m = validModel();
  tensorAt(m, kH).name = std::string("a'b\n", 4);
  tensorAt(m, kH).shape = {-7};
  EXPECT_EQ(errorOf(m), "tensor #2 ('a\\'b\\x0a'): dimension 0 is -7");
}

} // namespace
