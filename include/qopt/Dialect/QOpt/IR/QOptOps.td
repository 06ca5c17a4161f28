#ifndef QOPT_OPS_TD
#define QOPT_OPS_TD

include "qopt/Dialect/QOpt/IR/QOptDialect.td"
include "qopt/Dialect/QOpt/IR/QOptAttrs.td"
include "mlir/Dialect/Quant/QuantOpsBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints and the op base class
//===----------------------------------------------------------------------===//

def QOpt_FloatElement : AnyTypeOf<[F32, F16, BF16, F64]>;
// Compute ops take float tensors, or quantized ones once the quantization passes have run.
def QOpt_Tensor : RankedTensorOf<[F32, F16, BF16, F64, quant_QuantizedType]>;
def QOpt_FloatTensor : RankedTensorOf<[F32, F16, BF16, F64]>;
def QOpt_QuantTensor : RankedTensorOf<[quant_QuantizedType]>;

// Checks every quantized operand and result type for what LLVM 19's quant type parser accepts but
// qopt cannot run: zero points outside the storage range, a quantized axis outside the tensor, and
// a per-axis scale count different from that dimension.
def QOpt_QuantTypesVerified : NativeOpTrait<"QuantTypesVerified"> {
  let cppNamespace = "::mlir::qopt";
}

// Float operands and results share one float type (quantized ones are left to their own rules).
def QOpt_SameFloatType : NativeOpTrait<"SameFloatType"> {
  let cppNamespace = "::mlir::qopt";
}

class QOpt_Op<string mnemonic, list<Trait> traits = []>
    : Op<QOpt_Dialect, mnemonic, !listconcat(traits, [QOpt_QuantTypesVerified, Pure])>;

// Most ops print their operand and result types in functional form; this keeps quantized and
// float variants of an op in one syntax.
class QOpt_FunctionalOp<string mnemonic, list<Trait> traits = []>
    : QOpt_Op<mnemonic, traits> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def QOpt_ConstantOp : QOpt_Op<"constant", [ConstantLike]> {
  let summary = "constant tensor (weights, biases, shapes)";
  let description = [{
    Holds a constant tensor. Large constants are `dense_resource` blobs so that IR stays readable.
    A quantized constant stores its storage-type integers in `value` and names the quantized type as
    its result:

    ```mlir
    %w = qopt.constant dense<[[1, -2]]> : tensor<1x2xi8> -> tensor<1x2x!quant.uniform<i8:f32, 0.5>>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$output);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
  let hasFolder = 1;
  let builders = [
    OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
      build($_builder, $_state, ::llvm::cast<::mlir::RankedTensorType>(value.getType()), value);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def QOpt_FullyConnectedOp : QOpt_FunctionalOp<"fully_connected"> {
  let summary = "y = act(x * W^T + b)";
  let description = [{
    `input` is [..., K], `weight` is [N, K] (output features first, as PyTorch's Linear and ONNX
    Gemm with transB=1 store it), the optional `bias` is [N]; the result is [..., N].
  }];
  let arguments = (ins QOpt_Tensor:$input, QOpt_Tensor:$weight, Optional<QOpt_Tensor>:$bias,
                   DefaultValuedAttr<QOpt_ActivationAttr, "::mlir::qopt::Activation::none">:$activation);
  let results = (outs QOpt_Tensor:$output);
}

def QOpt_MatMulOp : QOpt_FunctionalOp<"matmul"> {
  let summary = "matrix product with broadcast batch dimensions (numpy.matmul for rank >= 2)";
  let description = [{
    `lhs` is [B..., M, K], `rhs` is [B'..., K, N]; the batch dimensions broadcast, so this covers
    both a plain matmul and a batch matmul. The result is [broadcast(B, B')..., M, N].
  }];
  let arguments = (ins QOpt_Tensor:$lhs, QOpt_Tensor:$rhs);
  let results = (outs QOpt_Tensor:$output);
}

def QOpt_Conv2DOp : QOpt_FunctionalOp<"conv2d"> {
  let summary = "2-D convolution, NCHW input, OIHW weight, optional bias and fused activation";
  let description = [{
    `input` is [N, C, H, W]; `weight` is [O, C / groups, KH, KW]; `bias` is [O]. `pads` is
    [top, left, bottom, right]. Depthwise convolution is groups == C == O / multiplier.
  }];
  let arguments = (ins QOpt_Tensor:$input, QOpt_Tensor:$weight, Optional<QOpt_Tensor>:$bias,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$groups,
                   DefaultValuedAttr<QOpt_ActivationAttr, "::mlir::qopt::Activation::none">:$activation);
  let results = (outs QOpt_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Broadcasting binary arithmetic
//===----------------------------------------------------------------------===//

class QOpt_BinaryOp<string mnemonic, string sym, list<Trait> traits = []>
    : QOpt_FunctionalOp<mnemonic, traits> {
  let summary = "elementwise lhs " # sym # " rhs with numpy broadcasting";
  let arguments = (ins QOpt_Tensor:$lhs, QOpt_Tensor:$rhs);
  let results = (outs QOpt_Tensor:$output);
}

def QOpt_AddOp : QOpt_BinaryOp<"add", "+", [Commutative]>;
def QOpt_SubOp : QOpt_BinaryOp<"sub", "-">;
def QOpt_MulOp : QOpt_BinaryOp<"mul", "*", [Commutative]>;
def QOpt_DivOp : QOpt_BinaryOp<"div", "/">;
def QOpt_PowOp : QOpt_BinaryOp<"pow", "**">;

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

// Shapes and float types are checked by traits; an op adds a verifier only for its attributes.
class QOpt_UnaryOp<string mnemonic, list<Trait> traits = []>
    : QOpt_FunctionalOp<mnemonic,
                        !listconcat(traits, [SameOperandsAndResultShape, QOpt_SameFloatType])> {
  let results = (outs QOpt_Tensor:$output);
  let hasVerifier = 0;
}

def QOpt_ReluOp : QOpt_UnaryOp<"relu"> {
  let summary = "max(x, 0)";
  let arguments = (ins QOpt_Tensor:$input);
}

def QOpt_ClampOp : QOpt_UnaryOp<"clamp"> {
  let summary = "min(max(x, min), max)";
  let arguments = (ins QOpt_Tensor:$input, F32Attr:$min, F32Attr:$max);
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QOpt_LeakyReluOp : QOpt_UnaryOp<"leaky_relu"> {
  let summary = "x if x >= 0 else alpha * x";
  let arguments = (ins QOpt_Tensor:$input, DefaultValuedAttr<F32Attr, "0.01f">:$alpha);
}

def QOpt_SigmoidOp : QOpt_UnaryOp<"sigmoid"> {
  let summary = "1 / (1 + exp(-x))";
  let arguments = (ins QOpt_Tensor:$input);
}

def QOpt_TanhOp : QOpt_UnaryOp<"tanh"> {
  let summary = "hyperbolic tangent";
  let arguments = (ins QOpt_Tensor:$input);
}

def QOpt_GeluOp : QOpt_UnaryOp<"gelu"> {
  let summary = "x * Phi(x), exact (erf) or with the tanh approximation";
  let arguments = (ins QOpt_Tensor:$input, DefaultValuedAttr<BoolAttr, "false">:$approximate_tanh);
}

def QOpt_SoftmaxOp : QOpt_UnaryOp<"softmax"> {
  let summary = "exp(x) / sum(exp(x)) along `axis`";
  let arguments = (ins QOpt_Tensor:$input, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let hasVerifier = 1;
}

def QOpt_LogSoftmaxOp : QOpt_UnaryOp<"log_softmax"> {
  let summary = "x - log(sum(exp(x))) along `axis`";
  let arguments = (ins QOpt_Tensor:$input, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise math
//===----------------------------------------------------------------------===//

def QOpt_ExpOp : QOpt_UnaryOp<"exp"> {
  let summary = "e ** x";
  let arguments = (ins QOpt_Tensor:$input);
}

def QOpt_SqrtOp : QOpt_UnaryOp<"sqrt"> {
  let summary = "square root (NaN for x < 0)";
  let arguments = (ins QOpt_Tensor:$input);
}

def QOpt_NegOp : QOpt_UnaryOp<"neg"> {
  let summary = "-x";
  let arguments = (ins QOpt_Tensor:$input);
}

def QOpt_ErfOp : QOpt_UnaryOp<"erf"> {
  let summary = "Gauss error function";
  let arguments = (ins QOpt_Tensor:$input);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class QOpt_ReduceOp<string mnemonic, string what> : QOpt_FunctionalOp<mnemonic> {
  let summary = what # " over `axes`";
  let description = [{
    Reduces `input` over `axes`; an empty `axes` reduces over every dimension. Negative axes count
    from the back; an axis may appear only once. With `keepdims` (the default, as in ONNX) every
    reduced dimension stays as size 1, otherwise it is dropped.
  }];
  let arguments = (ins QOpt_Tensor:$input, DenseI64ArrayAttr:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs QOpt_Tensor:$output);
}

def QOpt_ReduceMeanOp : QOpt_ReduceOp<"reduce_mean", "arithmetic mean">;
def QOpt_ReduceSumOp : QOpt_ReduceOp<"reduce_sum", "sum">;
def QOpt_ReduceMaxOp : QOpt_ReduceOp<"reduce_max", "maximum">;
def QOpt_ReduceMinOp : QOpt_ReduceOp<"reduce_min", "minimum">;

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def QOpt_LayerNormOp : QOpt_FunctionalOp<"layer_norm"> {
  let summary = "normalize over dimensions [axis, rank), then scale and shift";
  let description = [{
    `scale` and the optional `bias` have the shape of the normalized dimensions,
    input.shape[axis:].
  }];
  let arguments = (ins QOpt_Tensor:$input, QOpt_Tensor:$scale, Optional<QOpt_Tensor>:$bias,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1.0e-5f">:$epsilon);
  let results = (outs QOpt_Tensor:$output);
}

def QOpt_BatchNormOp : QOpt_FunctionalOp<"batch_norm"> {
  let summary = "inference batch normalization over dimension 1 (folded away by qopt-fold-batch-norm)";
  let arguments = (ins QOpt_Tensor:$input, QOpt_Tensor:$scale, QOpt_Tensor:$bias,
                   QOpt_Tensor:$mean, QOpt_Tensor:$variance,
                   DefaultValuedAttr<F32Attr, "1.0e-5f">:$epsilon);
  let results = (outs QOpt_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def QOpt_MaxPool2DOp : QOpt_FunctionalOp<"max_pool2d"> {
  let summary = "2-D max pooling over NCHW";
  let arguments = (ins QOpt_Tensor:$input,
                   DenseI64ArrayAttr:$kernel,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
                   DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs QOpt_Tensor:$output);
}

def QOpt_AvgPool2DOp : QOpt_FunctionalOp<"avg_pool2d"> {
  let summary = "2-D average pooling over NCHW";
  let arguments = (ins QOpt_Tensor:$input,
                   DenseI64ArrayAttr:$kernel,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
                   DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                   DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs QOpt_Tensor:$output);
}

def QOpt_GlobalAvgPoolOp : QOpt_FunctionalOp<"global_avg_pool"> {
  let summary = "mean over all spatial dimensions: [N, C, ...] -> [N, C, 1, ...]";
  let arguments = (ins QOpt_Tensor:$input);
  let results = (outs QOpt_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def QOpt_ReshapeOp : QOpt_FunctionalOp<"reshape"> {
  let summary = "same elements, new static shape (given by the result type)";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let hasFolder = 1;
}

def QOpt_FlattenOp : QOpt_FunctionalOp<"flatten"> {
  let summary = "collapse to 2-D: [prod(d[:axis]), prod(d[axis:])]";
  let arguments = (ins AnyRankedTensor:$input, DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs AnyRankedTensor:$output);
  let hasFolder = 1;
}

def QOpt_TransposeOp : QOpt_FunctionalOp<"transpose"> {
  let summary = "permute dimensions: result.shape[i] = input.shape[perm[i]]";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$output);
  let hasFolder = 1;
}

def QOpt_ConcatOp : QOpt_FunctionalOp<"concat"> {
  let summary = "join tensors along `axis`";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$output);
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def QOpt_QuantizeOp : QOpt_FunctionalOp<"quantize"> {
  let summary = "float -> !quant.uniform: q = clamp(round_half_even(x / scale) + zp)";
  let arguments = (ins QOpt_FloatTensor:$input);
  let results = (outs QOpt_QuantTensor:$output);
  let hasFolder = 1;
}

def QOpt_DequantizeOp : QOpt_FunctionalOp<"dequantize"> {
  let summary = "!quant.uniform -> float: x = scale * (q - zp)";
  let arguments = (ins QOpt_QuantTensor:$input);
  let results = (outs QOpt_FloatTensor:$output);
}

def QOpt_RequantizeOp : QOpt_FunctionalOp<"requantize"> {
  let summary = "change quantization parameters: q' = quantize'(dequantize(q))";
  let arguments = (ins QOpt_QuantTensor:$input);
  let results = (outs QOpt_QuantTensor:$output);
  let hasFolder = 1;
}

def QOpt_SliceOp : QOpt_FunctionalOp<"slice"> {
  let summary = "strided slice, one (start, end, step) per dimension, ONNX Slice semantics";
  let description = [{
    Negative starts and ends count from the back, then clamp to the dimension; a negative step
    walks backwards. Any element type (quantized values are moved, not changed).
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$ends,
                   DenseI64ArrayAttr:$steps);
  let results = (outs AnyRankedTensor:$output);
}

def QOpt_GatherOp : QOpt_FunctionalOp<"gather"> {
  let summary = "select along `axis` with constant indices (ONNX Gather)";
  let description = [{
    result = input[:axis] + indices_shape + input[axis+1:]; negative indices count from the back.
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, DenseI64ArrayAttr:$indices,
                   DenseI64ArrayAttr:$indices_shape);
  let results = (outs AnyRankedTensor:$output);
}

def QOpt_FakeQuantDynamicOp : QOpt_FunctionalOp<"fake_quant_dynamic", [AllTypesMatch<["input", "output"]>]> {
  let summary = "dynamic per-tensor quantization simulated in float (the naive scheme)";
  let description = [{
    Quantizes and dequantizes the whole live tensor with parameters taken from its own values,
    which is what dynamic quantization does at run time. With the semantics of QuantMath.h:
    u8: lo = min(0, min x), hi = max(0, max x), scale = (hi - lo) / 255,
        zp = clamp(round_half_even(-lo / scale), 0, 255), q in [0, 255];
    i8: scale = max |x| / 127, zp = 0, q in [-127, 127];
    y = (q - zp) * scale. A tensor of zeros (scale 0) passes unchanged.
  }];
  let arguments = (ins QOpt_FloatTensor:$input,
                   DefaultValuedAttr<QOpt_ActivationStorageAttr,
                                     "::mlir::qopt::ActivationStorage::u8">:$storage);
  let results = (outs QOpt_FloatTensor:$output);
  // The storage attribute only holds u8 or i8, and AllTypesMatch covers the types.
  let hasVerifier = 0;
}

def QOpt_CastOp : QOpt_FunctionalOp<"cast", [SameOperandsAndResultShape]> {
  let summary = "convert between float types, rounding to nearest even";
  let description = [{
    f32 <-> f16 / bf16 / f64. The storage conversion around an op that computes in 16 bits:
    values beyond the target's range become +-inf (the reason qopt-assign-precision never picks
    f16 where a calibrated range exceeds 65504).
  }];
  let arguments = (ins QOpt_FloatTensor:$input);
  let results = (outs QOpt_FloatTensor:$output);
  // Float types on both sides and equal shapes: the ODS constraints verify all there is.
  let hasVerifier = 0;
  let hasFolder = 1;
}


//===----------------------------------------------------------------------===//
// Native backend
//===----------------------------------------------------------------------===//

def QOpt_KernelCallOp : QOpt_Op<"kernel_call"> {
  let summary = "a call of a native kernel with compile-time params (the lowering's middle form)";
  let description = [{
    What qopt-pack-weights and qopt-lower-to-kernels turn every compute op into, and what
    qopt-convert-kernels-to-llvm turns into calls in the model's entry function. `callee` is a
    kernel of OpKernels.h / LinearKernels.h with the signature
    `void callee(const Params *params, void *const *operands, int64_t batch, void *scratch)`;
    `params` holds the bytes of its params struct, filled at compile time; the kernel's operands
    are the result followed by `inputs`, with a null pointer inserted at every position listed in
    `null_operands` (an absent optional input). `scratch_per_sample` and `scratch_fixed` size the
    kernel's scratch space in the arena (`per_sample * batch + fixed` bytes). The result is
    batched when its leading dimension is dynamic.

    ```mlir
    %y = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: ...>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, StrAttr:$callee,
                   DenseI8ArrayAttr:$params,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$null_operands,
                   DefaultValuedAttr<I64Attr, "0">:$scratch_per_sample,
                   DefaultValuedAttr<I64Attr, "0">:$scratch_fixed);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$callee `(` $inputs `)` attr-dict `:` functional-type($inputs, results)";
  let hasVerifier = 1;
}

#endif // QOPT_OPS_TD
