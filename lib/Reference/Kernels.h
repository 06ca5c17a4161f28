// Internal interface between the reference executor's driver (Executor.cpp) and its kernels, which
// are split by op family.
//
// A kernel reads its operands through `Lookup`, computes the result shape from the ACTUAL operand
// shapes with the rules in ShapeInference.h (so a dynamic batch works), and fills `out`. On failure
// it returns failure and sets `err` to the problem; the driver prefixes the op's name.
#ifndef QOPT_LIB_REFERENCE_KERNELS_H
#define QOPT_LIB_REFERENCE_KERNELS_H

#include "qopt/Dialect/QOpt/IR/QOptOps.h"
#include "qopt/Dialect/QOpt/IR/ShapeInference.h"
#include "qopt/Reference/Executor.h"

namespace mlir::qopt::ref::detail {

using Lookup = function_ref<const Tensor &(Value)>;

//===----------------------------------------------------------------------===//
// Shared helpers (Executor.cpp)
//===----------------------------------------------------------------------===//

/// Sets `err` and returns failure, for `return fail(err, ...)`.
LogicalResult fail(std::string &err, const Twine &msg);

std::string typeStr(Type t);

/// Product of `shape` (1 for a 0-d shape).
int64_t product(ArrayRef<int64_t> shape);

/// Row-major element strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape);

/// Strides of a tensor of shape `in` broadcast (numpy rules) to `out`: `in` is right-aligned to
/// `out`, and dimensions it lacks or has as 1 get stride 0.
SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> in, ArrayRef<int64_t> out);

/// The offset, under `strides`, of the element with row-major index `linear` in `shape`.
int64_t offsetOf(int64_t linear, ArrayRef<int64_t> shape, ArrayRef<int64_t> strides);

/// Fails unless `t` holds float values; `what` names the operand in the message. Quantized
/// operands get a "not supported yet" message, since only the quantization ops handle them today.
LogicalResult requireFloat(const Tensor &t, StringRef what, std::string &err);

/// Initializes `out` for `op`'s single result with the shape the rule computed: checks it against
/// the static dimensions of the declared result type and allocates the value storage.
LogicalResult makeResult(Operation *op, const shape::Result &inferred, Tensor &out,
                         std::string &err);

/// The value of a fused activation (applied in float32 to the real-valued result).
float applyActivation(Activation act, float x);

float gelu(float x, bool approximateTanh);

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

// LinearKernels.cpp
LogicalResult runFullyConnected(FullyConnectedOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runMatMul(MatMulOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runConv2D(Conv2DOp op, Lookup get, Tensor &out, std::string &err);

// ElementwiseKernels.cpp
/// add / sub / mul / div / pow with numpy broadcasting.
LogicalResult runBinary(Operation *op, Lookup get, Tensor &out, std::string &err);
/// relu, clamp, leaky_relu, sigmoid, tanh, gelu, exp, sqrt, neg, erf.
LogicalResult runUnary(Operation *op, Lookup get, Tensor &out, std::string &err);
LogicalResult runSoftmax(Operation *op, int64_t axis, bool logSoftmax, Lookup get, Tensor &out,
                         std::string &err);

// PoolNormKernels.cpp
LogicalResult runLayerNorm(LayerNormOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runBatchNorm(BatchNormOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runMaxPool2D(MaxPool2DOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runAvgPool2D(AvgPool2DOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runGlobalAvgPool(GlobalAvgPoolOp op, Lookup get, Tensor &out, std::string &err);

// ReduceKernels.cpp
/// reduce_mean / reduce_sum / reduce_max / reduce_min.
LogicalResult runReduce(Operation *op, ArrayRef<int64_t> axes, bool keepdims, Lookup get,
                        Tensor &out, std::string &err);

// MovementKernels.cpp (any element type: they copy `f` or `i` as they are)
LogicalResult runReshape(ReshapeOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runFlatten(FlattenOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runTranspose(TransposeOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runConcat(ConcatOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runSlice(SliceOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runGather(GatherOp op, Lookup get, Tensor &out, std::string &err);

// QuantKernels.cpp
LogicalResult runQuantize(QuantizeOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runDequantize(DequantizeOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runRequantize(RequantizeOp op, Lookup get, Tensor &out, std::string &err);
/// Copies the values; the driver rounds them to an f16 / bf16 result type.
LogicalResult runCast(CastOp op, Lookup get, Tensor &out, std::string &err);
LogicalResult runFakeQuantDynamic(FakeQuantDynamicOp op, Lookup get, Tensor &out,
                                  std::string &err);

} // namespace mlir::qopt::ref::detail

#endif
