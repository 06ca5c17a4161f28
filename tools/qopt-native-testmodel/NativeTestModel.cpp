#include "NativeTestModel.h"

#include "qopt/Runtime/NativeAbi.h"
#include "qopt/Runtime/Sha256.h"
#include "qopt/Runtime/ModelDigest.h"
#include "qopt/Schema/qopt_model_generated.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace qopt::rt::test {
namespace fb = qopt::fb;

const float kAffineW[4] = {1.5f, -2.0f, 0.5f, 3.0f};
const float kAffineC[4] = {0.25f, 1.0f, -1.0f, 0.0f};

float affineReluExpected(float x, int column) {
  volatile float t = x * kAffineW[column]; // volatile: no FMA contraction, as in the graph
  float v = t + kAffineC[column];
  return v > 0.0f ? v : 0.0f;
}

std::vector<CodeSpec> defaultCodeSpecs(bool batchParallel) {
  CodeSpec vnni;
  vnni.target = "avx512vnni";
  vnni.features = {"avx512f", "avx512bw", "avx512vl", "avx512vnni"};
  vnni.batchParallel = batchParallel;
  CodeSpec avx2;
  avx2.target = "avx2";
  avx2.features = {"avx2", "fma"};
  avx2.batchParallel = batchParallel;
  return {vnni, avx2};
}

namespace {

std::unique_ptr<fb::TensorT> tensor(const std::string &name, std::vector<int64_t> shape,
                                    uint32_t buffer = 0) {
  auto t = std::make_unique<fb::TensorT>();
  t->name = name;
  t->shape = std::move(shape);
  t->dtype = fb::DType::F32;
  t->buffer = buffer;
  return t;
}

std::unique_ptr<fb::OperatorT> op(fb::OpCode code, std::vector<int32_t> inputs, int32_t output,
                                  const std::string &name) {
  auto o = std::make_unique<fb::OperatorT>();
  o->opcode = code;
  o->inputs = std::move(inputs);
  o->outputs = {output};
  o->name = name;
  return o;
}

std::unique_ptr<fb::BufferT> buffer(const float *values, size_t n) {
  auto b = std::make_unique<fb::BufferT>();
  b->data.resize(n * sizeof(float));
  std::memcpy(b->data.data(), values, b->data.size());
  return b;
}

std::unique_ptr<fb::TensorMapT> port(const std::string &name, uint32_t tensor) {
  auto m = std::make_unique<fb::TensorMapT>();
  m->name = name;
  m->tensor = tensor;
  return m;
}

} // namespace

std::vector<uint8_t> buildAffineReluModel(const ModelSpec &spec, const std::vector<uint8_t> &so) {
  fb::ModelT model;
  model.version = 2;
  model.graph = std::make_unique<fb::GraphT>();
  fb::GraphT &g = *model.graph;
  g.name = "main";
  int64_t batch = spec.staticShapes ? 1 : -1;
  g.tensors.push_back(tensor("x", {batch, 4}));
  g.tensors.push_back(tensor("w", {4}, 1));
  g.tensors.push_back(tensor("c", {4}, 2));
  g.tensors.push_back(tensor("mul", {batch, 4}));
  g.tensors.push_back(tensor("add", {batch, 4}));
  g.tensors.push_back(tensor("relu", {batch, 4}));
  g.operators.push_back(op(fb::OpCode::CONSTANT, {}, 1, "w"));
  g.operators.push_back(op(fb::OpCode::CONSTANT, {}, 2, "c"));
  g.operators.push_back(op(fb::OpCode::MUL, {0, 1}, 3, "mul"));
  g.operators.push_back(op(fb::OpCode::ADD, {3, 2}, 4, "add"));
  g.operators.push_back(op(fb::OpCode::RELU, {4}, 5, "relu"));
  g.inputs.push_back(port("x", 0));
  g.outputs.push_back(port("y", 5));
  model.buffers.push_back(std::make_unique<fb::BufferT>());
  model.buffers.push_back(buffer(kAffineW, 4));
  model.buffers.push_back(buffer(kAffineC, 4));
  for (const CodeSpec &c : spec.code) {
    auto nc = std::make_unique<fb::NativeCodeT>();
    nc->target = c.target;
    nc->cpu_features = c.features;
    nc->entry_symbol =
        !c.entry.empty() ? c.entry : spec.staticShapes ? "qopt_test_static" : "qopt_test_dynamic";
    nc->code = c.code.empty() ? so : c.code;
    nc->code_sha256 = c.sha256.empty() ? sha256Hex(nc->code.data(), nc->code.size()) : c.sha256;
    nc->abi_version = c.abiVersion ? c.abiVersion : QOPT_NATIVE_ABI_VERSION;
    nc->arena_bytes_per_sample = c.arenaBytesPerSample;
    nc->arena_bytes_fixed = c.arenaBytesFixed;
    nc->constants = c.constants.empty() ? std::vector<uint32_t>{1, 2} : c.constants;
    nc->batch_parallel = c.batchParallel;
    model.native_code.push_back(std::move(nc));
  }
  return fb::packSealedModel(model);
}

bool readFileBytes(const std::string &path, std::vector<uint8_t> &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

} // namespace qopt::rt::test
