// The one table that pairs FlatBuffers opcodes with qopt op names; import and export both read it,
// so an op added to one direction cannot be forgotten in the other.
#ifndef QOPT_LIB_TARGET_FLATBUFFER_OPTABLE_H
#define QOPT_LIB_TARGET_FLATBUFFER_OPTABLE_H

#include "qopt/Target/FlatBuffer/Schema.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::qopt::fbtable {

struct OpEntry {
  fb::OpCode code;
  llvm::StringLiteral name;
};

inline constexpr OpEntry kOps[] = {
    {fb::OpCode::CONSTANT, "qopt.constant"},
    {fb::OpCode::FULLY_CONNECTED, "qopt.fully_connected"},
    {fb::OpCode::MATMUL, "qopt.matmul"},
    {fb::OpCode::CONV2D, "qopt.conv2d"},
    {fb::OpCode::ADD, "qopt.add"},
    {fb::OpCode::SUB, "qopt.sub"},
    {fb::OpCode::MUL, "qopt.mul"},
    {fb::OpCode::DIV, "qopt.div"},
    {fb::OpCode::RELU, "qopt.relu"},
    {fb::OpCode::CLAMP, "qopt.clamp"},
    {fb::OpCode::LEAKY_RELU, "qopt.leaky_relu"},
    {fb::OpCode::SIGMOID, "qopt.sigmoid"},
    {fb::OpCode::TANH, "qopt.tanh"},
    {fb::OpCode::GELU, "qopt.gelu"},
    {fb::OpCode::SOFTMAX, "qopt.softmax"},
    {fb::OpCode::LOG_SOFTMAX, "qopt.log_softmax"},
    {fb::OpCode::LAYER_NORM, "qopt.layer_norm"},
    {fb::OpCode::BATCH_NORM, "qopt.batch_norm"},
    {fb::OpCode::MAX_POOL2D, "qopt.max_pool2d"},
    {fb::OpCode::AVG_POOL2D, "qopt.avg_pool2d"},
    {fb::OpCode::GLOBAL_AVG_POOL, "qopt.global_avg_pool"},
    {fb::OpCode::RESHAPE, "qopt.reshape"},
    {fb::OpCode::FLATTEN, "qopt.flatten"},
    {fb::OpCode::TRANSPOSE, "qopt.transpose"},
    {fb::OpCode::CONCAT, "qopt.concat"},
    {fb::OpCode::QUANTIZE, "qopt.quantize"},
    {fb::OpCode::DEQUANTIZE, "qopt.dequantize"},
    {fb::OpCode::REQUANTIZE, "qopt.requantize"},
    {fb::OpCode::EXP, "qopt.exp"},
    {fb::OpCode::SQRT, "qopt.sqrt"},
    {fb::OpCode::NEG, "qopt.neg"},
    {fb::OpCode::ERF, "qopt.erf"},
    {fb::OpCode::POW, "qopt.pow"},
    {fb::OpCode::REDUCE_MEAN, "qopt.reduce_mean"},
    {fb::OpCode::REDUCE_SUM, "qopt.reduce_sum"},
    {fb::OpCode::REDUCE_MAX, "qopt.reduce_max"},
    {fb::OpCode::REDUCE_MIN, "qopt.reduce_min"},
    {fb::OpCode::CAST, "qopt.cast"},
    {fb::OpCode::FAKE_QUANT_DYNAMIC, "qopt.fake_quant_dynamic"},
    {fb::OpCode::SLICE, "qopt.slice"},
    {fb::OpCode::GATHER, "qopt.gather"},
};

inline const OpEntry *lookup(fb::OpCode code) {
  for (const OpEntry &e : kOps)
    if (e.code == code)
      return &e;
  return nullptr;
}

inline const OpEntry *lookup(llvm::StringRef name) {
  for (const OpEntry &e : kOps)
    if (e.name == name)
      return &e;
  return nullptr;
}

} // namespace mlir::qopt::fbtable

#endif
