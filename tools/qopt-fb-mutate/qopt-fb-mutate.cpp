// qopt-fb-mutate: writes a deliberately corrupted copy of a valid qopt model, so that lit tests can
// check the loader's message for each kind of bad input. A test utility, not a user-facing tool.
//
//   qopt-fb-mutate <mutation> IN.fb OUT.fb
//
// Structural mutations unpack the model with the object API, change one field, and pack it again
// (with the file identifier), so the result passes the FlatBuffers verifier and only qopt's
// semantic checks can catch it; they re-seal the whole-file checksum (Model.sha256) for the same
// reason. Byte-level mutations (truncate, bitflip, bad-identifier, empty-file, and bad-checksum,
// which tests that checksum itself) break the file itself. Every mutation is deterministic.
//
// Exit status: 0 written; 1 unreadable or invalid input, or unwritable output; 2 bad arguments or
// a mutation that does not apply to this model (e.g. no quantized tensor to corrupt).

// missing-required-field builds a table without its required field, which the builder would
// otherwise assert on; nothing else in this file relies on FlatBuffers assertions.
#define FLATBUFFERS_ASSERT(x) ((void)0)
#include "qopt/Schema/qopt_model_generated.h"

#include "qopt/Runtime/ModelDigest.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fb = qopt::fb;

namespace {

using Bytes = std::vector<uint8_t>;

/// How a mutation went: code 0 is success, otherwise the process exit code and why.
struct Status {
  int code = 0;
  std::string message;
};
Status ok() { return {}; }
Status notApplicable(std::string why) { return {2, "mutation does not apply: " + std::move(why)}; }

//===------------------------------------------------------------------------------------------===//
// Model (un)packing
//===------------------------------------------------------------------------------------------===//

bool isModel(const Bytes &bytes) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  return fb::VerifyModelBuffer(verifier);
}

/// Also re-seals the whole-file checksum when the model has one (version 2), so that the loader
/// meets the one problem the mutation made and not just a checksum mismatch.
Bytes finish(flatbuffers::FlatBufferBuilder &builder, flatbuffers::Offset<fb::Model> root) {
  fb::FinishModelBuffer(builder, root); // keeps the "QOPT" identifier
  Bytes bytes(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  fb::sealModel(bytes);
  return bytes;
}

Bytes pack(const fb::ModelT &model) {
  flatbuffers::FlatBufferBuilder builder;
  return finish(builder, fb::Model::Pack(builder, &model));
}

/// What Tensor::Pack writes, minus the required `shape`: the object API cannot omit a vector.
flatbuffers::Offset<fb::Tensor> packTensorWithoutShape(flatbuffers::FlatBufferBuilder &b,
                                                       const fb::TensorT &t) {
  auto name = t.name.empty() ? 0 : b.CreateString(t.name);
  auto quantization = t.quantization ? fb::Quantization::Pack(b, t.quantization.get()) : 0;
  fb::TensorBuilder tensor(b);
  tensor.add_name(name);
  tensor.add_dtype(t.dtype);
  tensor.add_buffer(t.buffer);
  tensor.add_quantization(quantization);
  return tensor.Finish(); // Finish's required-field check is the no-op FLATBUFFERS_ASSERT
}

template <typename T>
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<typename T::TableType>>>
packAll(flatbuffers::FlatBufferBuilder &b, const std::vector<std::unique_ptr<T>> &objects) {
  std::vector<flatbuffers::Offset<typename T::TableType>> offsets;
  for (const auto &o : objects)
    offsets.push_back(T::TableType::Pack(b, o.get()));
  return b.CreateVector(offsets);
}

/// Model::Pack, except that tensor #0 is written without its shape.
Bytes packWithoutFirstShape(const fb::ModelT &m) {
  flatbuffers::FlatBufferBuilder b;
  const fb::GraphT &g = *m.graph;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (size_t i = 0; i < g.tensors.size(); ++i)
    tensors.push_back(i == 0 ? packTensorWithoutShape(b, *g.tensors[i])
                             : fb::Tensor::Pack(b, g.tensors[i].get()));
  auto graph =
      fb::CreateGraph(b, g.name.empty() ? 0 : b.CreateString(g.name), b.CreateVector(tensors),
                      packAll(b, g.operators), packAll(b, g.inputs), packAll(b, g.outputs));
  auto nativeCode = m.native_code.empty() ? 0 : packAll(b, m.native_code);
  auto provenance = m.provenance ? fb::Provenance::Pack(b, m.provenance.get()) : 0;
  return finish(
      b, fb::CreateModel(b, m.version, graph, packAll(b, m.buffers), nativeCode, provenance,
                         m.sha256.empty() ? 0 : b.CreateString(m.sha256)));
}

/// Element size of a dtype; kept apart from the model checker's table, which the mutations test.
size_t dtypeSize(fb::DType t) {
  switch (t) {
  case fb::DType::I8:
  case fb::DType::U8:
  case fb::DType::BOOL:
    return 1;
  case fb::DType::F16:
  case fb::DType::BF16:
  case fb::DType::I16:
  case fb::DType::U16:
    return 2;
  case fb::DType::F32:
  case fb::DType::I32:
  case fb::DType::U32:
    return 4;
  case fb::DType::F64:
  case fb::DType::I64:
  case fb::DType::U64:
    return 8;
  }
  return 0;
}

/// The options table an opcode carries, or NONE: the OPTIONS column of the op table.
fb::OpOptions optionsFor(fb::OpCode code) {
  switch (code) {
#define QOPT_OP(Class, OPCODE, MinIn, MaxIn, OptionalIn, OPTIONS, Rule, Results, Data, Kind,      \
                Kernel)                                                                            \
  case fb::OpCode::OPCODE:                                                                         \
    return fb::OpOptions::OPTIONS;
#include "qopt/Runtime/OpTable.def"
  }
  return fb::OpOptions::NONE; // an opcode outside the schema
}

//===------------------------------------------------------------------------------------------===//
// Byte-level mutations
//===------------------------------------------------------------------------------------------===//

Status truncateHalf(Bytes &bytes) {
  bytes.resize(bytes.size() / 2);
  return ok();
}

Status emptyFile(Bytes &bytes) {
  bytes.clear();
  return ok();
}

Status badIdentifier(Bytes &bytes) {
  std::memcpy(bytes.data() + flatbuffers::kFileIdentifierLength, "ONNX", 4);
  return ok();
}

/// Flips bit 30 of the length word of the vector nearest the middle of the file. A flip at a random
/// spot usually lands in weight data and goes unnoticed; this one makes the vector claim ~2^30 more
/// elements than the file can hold, so the verifier must reject it. Candidates are all the vectors
/// the model is made of (tensor, operator and buffer lists, shapes, operands, buffer data).
Status bitflip(Bytes &bytes) {
  const fb::Model *model = fb::GetModel(bytes.data());
  const fb::Graph *graph = model->graph();
  // The address of a flatbuffers::Vector is that of its uint32 length word.
  std::vector<const void *> vectors = {graph->tensors(), graph->operators(), graph->inputs(),
                                       graph->outputs(), model->buffers()};
  for (const fb::Tensor *t : *graph->tensors())
    vectors.push_back(t->shape());
  for (const fb::Operator *op : *graph->operators()) {
    vectors.push_back(op->inputs());
    vectors.push_back(op->outputs());
  }
  for (const fb::Buffer *b : *model->buffers())
    if (b->data())
      vectors.push_back(b->data());
  size_t middle = bytes.size() / 2, target = 0, bestDistance = std::numeric_limits<size_t>::max();
  for (const void *v : vectors) {
    size_t at = static_cast<size_t>(static_cast<const uint8_t *>(v) - bytes.data());
    size_t distance = at > middle ? at - middle : middle - at;
    if (distance < bestDistance) {
      bestDistance = distance;
      target = at;
    }
  }
  bytes[target + 3] ^= 0x40; // little-endian: byte 3 holds bits 24..31
  return ok();
}

//===------------------------------------------------------------------------------------------===//
// Structural mutations (object API)
//===------------------------------------------------------------------------------------------===//

Status badVersion(fb::ModelT &m) {
  m.version = 99;
  return ok();
}

Status tensorBufferOutOfRange(fb::ModelT &m) {
  for (auto &t : m.graph->tensors)
    if (t->buffer != 0) {
      t->buffer = static_cast<uint32_t>(m.buffers.size() + 5);
      return ok();
    }
  return notApplicable("no tensor has constant data");
}

Status operatorInputOutOfRange(fb::ModelT &m) {
  for (auto &op : m.graph->operators)
    if (!op->inputs.empty()) {
      op->inputs[0] = static_cast<int32_t>(m.graph->tensors.size() + 3);
      return ok();
    }
  return notApplicable("no operator has inputs");
}

/// Shortens the first constant's buffer to a size that is neither the full data nor one element
/// (a splat), so the size check cannot accidentally accept it.
Status bufferSizeMismatch(fb::ModelT &m) {
  for (auto &t : m.graph->tensors) {
    if (t->buffer == 0 || t->buffer >= m.buffers.size() || m.buffers[t->buffer]->data.empty())
      continue;
    uint64_t count = 1;
    for (int64_t d : t->shape)
      count *= static_cast<uint64_t>(d < 0 ? 1 : d);
    size_t eltSize = dtypeSize(t->dtype);
    std::vector<uint8_t> &data = m.buffers[t->buffer]->data;
    size_t size = data.size() - 1;
    while (size > 0 && (size == count * eltSize || size == eltSize))
      --size;
    // Only a one-byte splat of a one-byte type can run out of smaller sizes; grow it instead.
    data.resize(size == count * eltSize || size == eltSize ? data.size() + 1 : size);
    return ok();
  }
  return notApplicable("no tensor has non-empty constant data");
}

Status unknownOpcode(fb::ModelT &m) {
  for (auto &op : m.graph->operators)
    if (op->opcode != fb::OpCode::CONSTANT) {
      op->opcode = static_cast<fb::OpCode>(200);
      return ok();
    }
  return notApplicable("every operator is a CONSTANT");
}

/// Prefers an operator that takes options (the mismatch path); else attaches options to one that
/// takes none.
Status wrongOptions(fb::ModelT &m) {
  for (auto &op : m.graph->operators) {
    fb::OpOptions expected = optionsFor(op->opcode);
    if (expected == fb::OpOptions::NONE)
      continue;
    if (expected == fb::OpOptions::ClampOptions)
      op->options.Set(fb::AxisOptionsT());
    else
      op->options.Set(fb::ClampOptionsT());
    return ok();
  }
  if (m.graph->operators.empty())
    return notApplicable("the graph has no operators");
  m.graph->operators.front()->options.Set(fb::ClampOptionsT());
  return ok();
}

/// Swaps the first non-constant operator that reads another non-constant operator's output with
/// that producer, so the reader runs before its operand exists.
Status useBeforeDef(fb::ModelT &m) {
  auto &ops = m.graph->operators;
  for (size_t j = 0; j < ops.size(); ++j) {
    if (ops[j]->opcode == fb::OpCode::CONSTANT)
      continue;
    for (int32_t in : ops[j]->inputs)
      for (size_t i = 0; i < j; ++i)
        if (ops[i]->opcode != fb::OpCode::CONSTANT && !ops[i]->outputs.empty() &&
            ops[i]->outputs[0] == in) {
          std::swap(ops[i], ops[j]);
          return ok();
        }
  }
  return notApplicable("no operator reads another non-constant operator's output");
}

Status zeroPointOutOfRange(fb::ModelT &m) {
  for (auto &t : m.graph->tensors) {
    fb::QuantizationT *q = t->quantization.get();
    if (!q || q->zero_points.empty())
      continue;
    if (q->storage_max < std::numeric_limits<int64_t>::max())
      q->zero_points[0] = q->storage_max + 1;
    else if (q->storage_min > std::numeric_limits<int64_t>::min())
      q->zero_points[0] = q->storage_min - 1;
    else
      return notApplicable("the first quantized tensor's storage range is all of int64");
    return ok();
  }
  return notApplicable("the model has no quantized tensor");
}

/// Leaves code_sha256 as it was, so that only the runtime's hash check can catch it.
Status corruptNativeCode(fb::ModelT &m) {
  if (m.native_code.empty() || m.native_code[0]->code.empty())
    return notApplicable("the model has no native code");
  std::vector<uint8_t> &code = m.native_code[0]->code;
  code[code.size() / 2] ^= 0x01;
  return ok();
}

/// A version 2 model written before Model.sha256 existed gets the field (through the object API).
Status addChecksumField(fb::ModelT &m) {
  if (m.version < 2)
    return notApplicable("a schema version 1 model has no checksum");
  m.sha256 = fb::modelDigestPlaceholder();
  return ok();
}

/// The one mutation that is not re-sealed: a payload byte changes under an intact structure, as
/// a disk or transfer error would do.
Status badChecksum(Bytes &bytes) {
  const fb::Model *model = fb::GetModel(bytes.data());
  if (!model->sha256())
    return notApplicable("the model has no checksum (schema version 1)");
  const flatbuffers::Vector<uint8_t> *largest = nullptr;
  for (const fb::Buffer *b : *model->buffers())
    if (b->data() && (!largest || b->data()->size() > largest->size()))
      largest = b->data();
  if (!largest || largest->size() == 0)
    return notApplicable("the model has no constant data");
  size_t at = static_cast<size_t>(largest->data() - bytes.data()) + largest->size() / 2;
  bytes[at] ^= 0x01;
  return ok();
}

/// Adapts a mutation of the unpacked model to one of the file's bytes.
template <Status (*Mutate)(fb::ModelT &)> Status viaObjectApi(Bytes &bytes) {
  fb::ModelT model;
  fb::GetModel(bytes.data())->UnPackTo(&model);
  Status s = Mutate(model);
  if (s.code == 0)
    bytes = pack(model);
  return s;
}

/// No mutation: the checksum recomputed in place, e.g. after a test edited bytes by hand to make
/// one precise problem, or to refresh committed seeds.
Status reseal(Bytes &bytes) {
  const flatbuffers::String *field = fb::GetModel(bytes.data())->sha256();
  if (field && field->size() == fb::kModelDigestChars)
    return fb::sealModel(bytes) ? ok() : notApplicable("the checksum cannot be sealed");
  return viaObjectApi<addChecksumField>(bytes);
}

Status missingRequiredField(Bytes &bytes) {
  fb::ModelT model;
  fb::GetModel(bytes.data())->UnPackTo(&model);
  if (model.graph->tensors.empty())
    return notApplicable("the graph has no tensors");
  bytes = packWithoutFirstShape(model);
  return ok();
}

//===------------------------------------------------------------------------------------------===//
// Driver
//===------------------------------------------------------------------------------------------===//

struct Mutation {
  const char *name;
  Status (*apply)(Bytes &);
  const char *help;
};

constexpr Mutation kMutations[] = {
    {"truncate", truncateHalf, "keep the first half of the bytes"},
    {"bitflip", bitflip, "flip bit 30 of the length of the vector nearest mid-file"},
    {"bad-identifier", badIdentifier, "file identifier becomes \"ONNX\""},
    {"bad-version", viaObjectApi<badVersion>, "schema version becomes 99"},
    {"tensor-buffer-oob", viaObjectApi<tensorBufferOutOfRange>,
     "first constant tensor's buffer index past the end"},
    {"operator-input-oob", viaObjectApi<operatorInputOutOfRange>,
     "first operator input index past the end"},
    {"buffer-size-mismatch", viaObjectApi<bufferSizeMismatch>,
     "first constant buffer loses bytes (neither full size nor a splat)"},
    {"unknown-opcode", viaObjectApi<unknownOpcode>, "first non-CONSTANT opcode becomes 200"},
    {"missing-required-field", missingRequiredField, "tensor #0 written without its shape"},
    {"wrong-options", viaObjectApi<wrongOptions>, "an operator gets options of the wrong type"},
    {"use-before-def", viaObjectApi<useBeforeDef>, "swap a producer with its consumer"},
    {"empty-file", emptyFile, "zero bytes"},
    {"zero-point-out-of-range", viaObjectApi<zeroPointOutOfRange>,
     "first quantized tensor's zero point becomes storage_max + 1"},
    {"corrupt-native-code", viaObjectApi<corruptNativeCode>,
     "flip one bit in the middle of the first native code section, keeping its recorded hash"},
    {"reseal", reseal, "no change: the whole-file checksum recomputed (added if missing)"},
    {"bad-checksum", badChecksum,
     "flip one bit in the middle of the largest buffer without re-sealing the file checksum"},
};

int usage(const char *argv0) {
  std::fprintf(stderr, "usage: %s <mutation> IN.fb OUT.fb\nmutations:\n", argv0);
  for (const Mutation &m : kMutations)
    std::fprintf(stderr, "  %-24s %s\n", m.name, m.help);
  return 2;
}

bool readFile(const char *path, Bytes &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

bool writeFile(const char *path, const Bytes &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4)
    return usage(argv[0]);
  const Mutation *mutation = nullptr;
  for (const Mutation &m : kMutations)
    if (std::strcmp(m.name, argv[1]) == 0)
      mutation = &m;
  if (!mutation) {
    std::fprintf(stderr, "%s: unknown mutation '%s'\n", argv[0], argv[1]);
    return usage(argv[0]);
  }
  Bytes bytes; // std::vector storage is aligned enough for FlatBuffers' scalars
  if (!readFile(argv[2], bytes)) {
    std::fprintf(stderr, "%s: cannot read '%s'\n", argv[0], argv[2]);
    return 1;
  }
  // Every mutation starts from a well-formed model, so that only the one change is wrong.
  if (!isModel(bytes)) {
    std::fprintf(stderr, "%s: '%s' is not a valid qopt model\n", argv[0], argv[2]);
    return 1;
  }
  Status s = mutation->apply(bytes);
  if (s.code != 0) {
    std::fprintf(stderr, "%s %s: %s\n", argv[0], mutation->name, s.message.c_str());
    return s.code;
  }
  if (!writeFile(argv[3], bytes)) {
    std::fprintf(stderr, "%s: cannot write '%s'\n", argv[0], argv[3]);
    return 1;
  }
  return 0;
}
