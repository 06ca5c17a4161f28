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

// The op table (qopt/Runtime/OpTable.def) names each op's kernel. A row with OwnKernel declares
//   LogicalResult Kernel(Class op, Lookup get, Tensor &out, std::string &err);
// here, and the kernel is defined in its op family's file: LinearKernels.cpp, PoolNormKernels.cpp,
// MovementKernels.cpp (any element type: they copy `f` or `i` as they are), QuantKernels.cpp
// (runCast copies the values; the driver rounds them to an f16 / bf16 result type), and
// runConstant in Executor.cpp.
#define QOPT_REF_KERNEL_OwnKernel(Class, Kernel)                                                  \
  LogicalResult Kernel(Class op, Lookup get, Tensor &out, std::string &err);
#define QOPT_REF_KERNEL_SharedKernel(Class, Kernel)
#define QOPT_OP(Class, OPCODE, MinIn, MaxIn, OptionalIn, OPTIONS, Rule, Results, Data, Kind,      \
                Kernel)                                                                            \
  QOPT_REF_KERNEL_##Kind(Class, Kernel)
#include "qopt/Runtime/OpTable.def"
#undef QOPT_REF_KERNEL_OwnKernel
#undef QOPT_REF_KERNEL_SharedKernel

// Kernels several ops share (rows with SharedKernel), and the entry points that bind the
// attributes they take as parameters.

// ElementwiseKernels.cpp
/// The binary arithmetic ops, with numpy broadcasting; the op class picks the arithmetic.
LogicalResult runBinary(Operation *op, Lookup get, Tensor &out, std::string &err);
/// The elementwise unary ops; the op class picks the function.
LogicalResult runUnary(Operation *op, Lookup get, Tensor &out, std::string &err);
LogicalResult runSoftmax(Operation *op, int64_t axis, bool logSoftmax, Lookup get, Tensor &out,
                         std::string &err);
inline LogicalResult runSoftmaxOp(SoftmaxOp op, Lookup get, Tensor &out, std::string &err) {
  return runSoftmax(op, op.getAxis(), /*logSoftmax=*/false, get, out, err);
}
inline LogicalResult runLogSoftmaxOp(LogSoftmaxOp op, Lookup get, Tensor &out, std::string &err) {
  return runSoftmax(op, op.getAxis(), /*logSoftmax=*/true, get, out, err);
}

// ReduceKernels.cpp
/// The reductions over a set of axes; the op class picks the reduction.
LogicalResult runReduce(Operation *op, ArrayRef<int64_t> axes, bool keepdims, Lookup get,
                        Tensor &out, std::string &err);
template <typename ReduceOpT>
LogicalResult runReduceOp(ReduceOpT op, Lookup get, Tensor &out, std::string &err) {
  return runReduce(op, op.getAxes(), op.getKeepdims(), get, out, err);
}

} // namespace mlir::qopt::ref::detail

#endif
