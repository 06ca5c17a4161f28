// What every lowering pattern of the native backend shares: the batch convention of OpKernels.h,
// the mapping of tensor element types to kernel dtypes, building qopt.kernel_call with a params
// struct, raw byte constants for packed weights, and the reasons a pattern could not lower an op.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELCALL_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_KERNELCALL_H

#include "qopt/Dialect/QOpt/IR/QOptOps.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"

#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace mlir::qopt::lowering {

/// Not a kernel: a qopt.kernel_call of this callee names a byte range of its one input's buffer
/// (a view, e.g. a gather of consecutive indices on an outermost dimension), which the LLVM
/// conversion turns into an address instead of a copy. Its params are one int64, the offset.
inline constexpr llvm::StringLiteral kViewCallee = "qopt_view";

/// The native targets of the backend (host resolves to one of them before lowering).
enum class Target { avx512vnni, avx512bf16, avx2 };
std::optional<Target> parseTarget(StringRef name);
StringRef targetName(Target target);

/// Why a pattern did not lower an op, kept so that the pass can name it in the error (the
/// conversion driver itself only says that an op stayed illegal).
class LoweringFailures {
public:
  LogicalResult fail(PatternRewriter &rewriter, Operation *op, const Twine &why) {
    reasons[op] = why.str();
    return rewriter.notifyMatchFailure(op, why);
  }
  std::optional<std::string> reason(Operation *op) const {
    auto it = reasons.find(op);
    return it == reasons.end() ? std::nullopt : std::optional<std::string>(it->second);
  }

private:
  llvm::DenseMap<Operation *, std::string> reasons;
};

//===----------------------------------------------------------------------===//
// Shapes under the batch convention of OpKernels.h
//===----------------------------------------------------------------------===//

/// True when `v`'s leading dimension is the model's dynamic batch dimension.
bool isBatched(Value v);
bool isBatched(Type t);

/// The shape of one sample: a batched tensor without its leading dimension, else the whole
/// shape.
SmallVector<int64_t> sampleShape(Type t);
int64_t sampleElements(Type t);

/// Fails with a reason unless every dimension of `op`'s operands and results but a leading one
/// is static.
LogicalResult requireStaticExceptBatch(Operation *op, PatternRewriter &rewriter,
                                       LoweringFailures &failures);

/// The element type a tensor is stored as (the storage type of a quantized element).
Type storageType(Type tensorOrElementType);

/// The qopt_k_dtype of a tensor's storage, or nullopt for element types the kernels do not
/// take (f64, i1, ...).
std::optional<int32_t> kernelDType(Type tensorOrElementType);

/// The float dtype (f32, f16, bf16) of `t` for a kernel that takes only those, or failure with a
/// reason recorded for `op`.
FailureOr<int32_t> floatDType(Operation *op, Type t, PatternRewriter &rewriter,
                              LoweringFailures &failures);

/// Bytes per stored element (1, 2, 4 or 8), 0 when unknown.
int64_t storageBytes(Type tensorOrElementType);

/// `v`'s constant data when it is defined by qopt.constant.
std::optional<ElementsAttr> constantValue(Value v);

/// The little-endian bytes of a constant's storage, a splat expanded to every element (the
/// kernels read whole arrays), or nullopt for data qopt cannot lay out (i1, elided blobs).
std::optional<std::vector<uint8_t>> rawConstantBytes(ElementsAttr value);

/// A float constant (f32, f16 or bf16 storage) as f32 values.
std::optional<std::vector<float>> floatConstantValues(ElementsAttr value);

//===----------------------------------------------------------------------===//
// Building kernel calls
//===----------------------------------------------------------------------===//

/// Everything of a kernel call but its inputs.
struct KernelSpec {
  std::string callee;
  SmallVector<int8_t> params;
  SmallVector<int64_t> nullOperands;
  int64_t scratchPerSample = 0;
  int64_t scratchFixed = 0;
};

/// The bytes of a params struct (plain data shared with the kernels through their C header).
template <typename P>
SmallVector<int8_t> paramsBytes(const P &params) {
  static_assert(std::is_trivially_copyable_v<P>, "kernel params are plain C structs");
  SmallVector<int8_t> bytes(sizeof(P));
  std::memcpy(bytes.data(), &params, sizeof(P));
  return bytes;
}

/// Zero-initialised params, so that padding and reserved fields are deterministic bytes.
template <typename P>
P zeroParams() {
  P p;
  std::memset(&p, 0, sizeof(P));
  return p;
}

/// Creates qopt.kernel_call `spec` on `inputs` with `resultType` at `op`'s location.
KernelCallOp createKernelCall(PatternRewriter &rewriter, Operation *op, Type resultType,
                              const KernelSpec &spec, ValueRange inputs);

/// Replaces single-result `op` by a call of `callee` with `params` on `inputs`.
template <typename P>
KernelCallOp replaceWithKernel(PatternRewriter &rewriter, Operation *op, StringRef callee,
                               const P &params, ValueRange inputs,
                               ArrayRef<int64_t> nullOperands = {}, int64_t scratchPerSample = 0,
                               int64_t scratchFixed = 0) {
  KernelSpec spec{callee.str(), paramsBytes(params),
                  SmallVector<int64_t>(nullOperands.begin(), nullOperands.end()),
                  scratchPerSample, scratchFixed};
  KernelCallOp call = createKernelCall(rewriter, op, op->getResult(0).getType(), spec, inputs);
  rewriter.replaceOp(op, call.getResult());
  return call;
}

/// A qopt.constant of tensor<N x i8> holding `bytes` (packed weights, folded biases, scales, any
/// raw table a kernel reads), as a dense_resource blob named after `hint` when large.
Value createByteConstant(PatternRewriter &rewriter, Location loc, ArrayRef<uint8_t> bytes,
                         StringRef hint);

template <typename T>
Value createArrayConstant(PatternRewriter &rewriter, Location loc, ArrayRef<T> values,
                          StringRef hint) {
  static_assert(std::is_trivially_copyable_v<T>, "plain values");
  return createByteConstant(
      rewriter, loc,
      ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(values.data()), values.size() * sizeof(T)),
      hint);
}

} // namespace mlir::qopt::lowering

#endif
