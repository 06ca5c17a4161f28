// qopt-lower-to-kernels and qopt-convert-kernels-to-llvm together on a small quantized graph:
// every op becomes one call, in order, and the constants the lowering creates (per-axis scales
// and zero points: f32 {0.25, 0.5}, i32 {0, 3}, once for quantize and once for dequantize) land in
// the constant table in order of first use. The arena: %q (32 bytes per sample, rounded to 64)
// at 0, %d (128) at 64, %p back at 0 after %q died; %s is the output.
// RUN: qopt-opt %s -qopt-lower-to-kernels -qopt-convert-kernels-to-llvm | FileCheck %s

// CHECK-LABEL: module attributes {qopt.native = {arena_bytes_fixed = 0 : i64, arena_bytes_per_sample = 192 : i64, batch_parallel = true, constants = [dense<[0, 0, -128, 62, 0, 0, 0, 63]> : tensor<8xi8>, dense<[0, 0, 0, 0, 3, 0, 0, 0]> : tensor<8xi8>, dense<[0, 0, -128, 62, 0, 0, 0, 63]> : tensor<8xi8>, dense<[0, 0, 0, 0, 3, 0, 0, 0]> : tensor<8xi8>], steps = [{{.*}}]}}
// CHECK: llvm.mlir.global internal constant @qopt_params_0
// CHECK: llvm.func internal @qopt_step_0(
// CHECK: llvm.call @qopt_k_quantize
// CHECK: llvm.func internal @qopt_step_1(
// CHECK: llvm.call @qopt_k_dequantize
// CHECK: llvm.func internal @qopt_step_2(
// CHECK: llvm.call @qopt_k_max_pool2d
// CHECK: llvm.func internal @qopt_step_3(
// CHECK: llvm.call @qopt_k_softmax
// CHECK: llvm.func @qopt_model_entry
// CHECK: llvm.call @qopt_step_0
// CHECK: llvm.call @qopt_step_1
// CHECK: llvm.call @qopt_step_2
// CHECK: llvm.call @qopt_step_3
// CHECK: llvm.call @qopt_profile_step
// CHECK-NOT: llvm.call
// CHECK: llvm.return
func.func @chain(%x: tensor<?x2x4x4xf32>) -> tensor<?x2x2x2xf32> {
  %q = qopt.quantize %x : (tensor<?x2x4x4xf32>) -> tensor<?x2x4x4x!quant.uniform<u8:f32:1, {0.25, 0.5:3}>>
  %d = qopt.dequantize %q : (tensor<?x2x4x4x!quant.uniform<u8:f32:1, {0.25, 0.5:3}>>) -> tensor<?x2x4x4xf32>
  %p = qopt.max_pool2d %d {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x2x4x4xf32>) -> tensor<?x2x2x2xf32>
  %s = qopt.softmax %p : (tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  return %s : tensor<?x2x2x2xf32>
}
