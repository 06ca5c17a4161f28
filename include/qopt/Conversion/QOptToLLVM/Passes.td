#ifndef QOPT_CONVERSION_QOPTTOLLVM_PASSES_TD
#define QOPT_CONVERSION_QOPTTOLLVM_PASSES_TD

include "mlir/Pass/PassBase.td"

// The native backend's passes, in pipeline order (qopt-lower-to-llvm-pipeline runs all three).
// The lowering keeps value semantics until the last pass: every compute op first becomes a
// qopt.kernel_call with its params struct filled at compile time, and only then are tensors given
// arena offsets and the calls written as LLVM dialect.

def PackWeightsPass : Pass<"qopt-pack-weights", "func::FuncOp"> {
  let summary = "Lower linear ops to GEMM kernel calls on weights packed for the target";
  let description = [{
    Every fully_connected, conv2d (implicit GEMM over an im2col buffer in the kernel's scratch)
    and matmul becomes a `qopt.kernel_call` of a LinearKernels.h kernel whose constant operands
    are the weights in the target's layout (UKernels.h): int8 K grouped by 4 for vpdpbusd (or
    sign-extended pairs for avx2's exact vpmaddwd), N blocked by the register tile, with the
    zero-point and +128 compensation folded into the i32 bias; bf16 in pairs for vdpbf16ps; f16
    kept in 16 bits; f32 blocked. Before:
    ```mlir
    %y = qopt.fully_connected %x, %w, %b {activation = #qopt.activation<relu>} : (tensor<?x784x!quant.uniform<u8:f32, 0.01:73>>, ...) -> tensor<?x256x!quant.uniform<u8:f32, 0.06>>
    ```
    After:
    ```mlir
    %pw = qopt.constant dense_resource<...> : tensor<200704xi8>
    %y = qopt.kernel_call "qopt_k_linear_u8s8"(%x, %pw, %bias, %scales) {params = array<i8: ...>} : ...
    ```
    A linear op the backend cannot run (an operand combination or a fused activation it has no
    exact kernel for) is a compile error naming the op and its layer: there is no fallback.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"avx512vnni\"",
           "Target whose packed layouts to use: avx512vnni, avx512bf16 or avx2">,
  ];
  let dependentDialects = ["::mlir::qopt::QOptDialect"];
}

def LowerToKernelsPass : Pass<"qopt-lower-to-kernels", "func::FuncOp"> {
  let summary = "Lower every remaining compute op to a call of its OpKernels.h kernel";
  let description = [{
    Elementwise ops, activations, softmax, normalizations, pools, reductions, movement and the
    quantization ops each become a `qopt.kernel_call` with the kernel's params struct filled
    from the op's static shapes and attributes (per sample: see the batch convention in
    OpKernels.h). reshape and flatten stay: they only rename a buffer. An op without a native
    kernel is a compile error naming the op and its layer. Before:
    ```mlir
    %y = qopt.relu %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
    ```
    After:
    ```mlir
    %y = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 4, 0, ...>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
    ```
  }];
  let dependentDialects = ["::mlir::qopt::QOptDialect"];
}

def ConvertKernelsToLLVMPass : Pass<"qopt-convert-kernels-to-llvm", "ModuleOp"> {
  let summary = "Assign arena offsets by liveness and write the model's entry function in LLVM";
  let description = [{
    Turns the function of constants, kernel calls and buffer renames into
    `llvm.func @qopt_model_entry(!llvm.ptr) -> i32` of NativeAbi.h: inputs and outputs come from
    the args struct, constants from its constant table, every intermediate from one arena in
    which buffers whose lifetimes do not overlap share space (sized per sample; the runtime
    multiplies by the batch), and each kernel call passes a pointer to its params as an
    internal constant global, so that after the kernels are inlined every shape is a constant.
    The module gets a `qopt.native` attribute with what the model file must record: the arena
    sizes, whether batches may be split, and the constants in table order.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif
