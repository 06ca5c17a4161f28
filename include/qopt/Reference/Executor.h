// The reference executor: plain C++ loops over the qopt dialect.
//
// It is the oracle of the project (DESIGN.md): calibration runs on it, the precision search
// measures error with it, and every generated kernel is tested against it. So it favours being
// obviously right over being fast:
//  - float ops compute in float32, in the order a straightforward loop would, except that
//    reductions (the dot products of fully_connected / matmul / conv2d, softmax sums, layer_norm
//    and pooling means) accumulate in double. That makes the oracle's own rounding error negligible
//    next to the kernels it judges, whatever their summation order;
//  - f16 / bf16 results are computed in float32 and rounded to their 16-bit type after each op
//    (storage in 16 bits, arithmetic in float32); f64 is computed in float32;
//  - quantize / dequantize / requantize are exact, with the semantics of qopt/Quant/QuantMath.h.
#ifndef QOPT_REFERENCE_EXECUTOR_H
#define QOPT_REFERENCE_EXECUTOR_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LogicalResult.h"
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir::qopt::ref {

/// A host tensor. Float element types keep their values in `f`; integer tensors and quantized
/// tensors (element type !quant.uniform...) keep their storage integers in `i`. Elements are in
/// row-major (C) order.
struct Tensor {
  std::vector<int64_t> shape; // fully static
  Type elementType;           // f32, f16, bf16, f64, an integer type, or a quant::QuantizedType
  std::vector<float> f;
  std::vector<int64_t> i;

  /// Product of `shape` (1 for a 0-d tensor).
  int64_t numElements() const;
  /// True when the values of this tensor live in `f` (a float element type).
  bool isFloat() const;
};

struct Options {
  /// Called after each op with its result (calibration and per-layer error measurement hook on
  /// this).
  std::function<void(Operation *op, const Tensor &result)> observe;
  /// Results known in advance (the per-layer local error replays a candidate against the fp32
  /// run's values). For an op it returns nullopt for, the op runs; otherwise the op is skipped and
  /// its result is the tensor given, or left unbound when that is null (the caller promises that
  /// no op that runs reads it). Checked before the op's operands.
  std::function<std::optional<const Tensor *>(Operation *op)> precomputed;
  /// Called after each op (after `observe`): true ends the run early, successfully, with no
  /// results.
  std::function<bool(Operation *op)> stopAfter;
};

/// Runs a func.func of qopt ops. `inputs` bind to the arguments in order; their shapes must match
/// the argument types where those are static (dynamic dims bind to the actual size, e.g. the
/// batch). An input whose `elementType` is null takes the argument's. On failure returns failure
/// and sets `error` to one message naming the op (its NameLoc name if any, else the op name) or
/// the argument, and the problem.
FailureOr<SmallVector<Tensor>> execute(func::FuncOp func, ArrayRef<Tensor> inputs,
                                       const Options &options, std::string &error);

/// A constant attribute (dense or dense_resource; for quantized result types the attr holds the
/// storage integers) as a Tensor of `resultType`.
FailureOr<Tensor> tensorFromAttr(ElementsAttr value, RankedTensorType resultType,
                                 std::string &error);

} // namespace mlir::qopt::ref

#endif
