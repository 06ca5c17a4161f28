// qopt-lower-to-kernels on softmax, log_softmax, layer_norm and batch_norm. The expected params are
// the bytes of the OpKernels.h structs (little-endian), field by field in the comments.
// RUN: qopt-opt %s -split-input-file -qopt-lower-to-kernels | FileCheck %s

// The default axis -1 of a batched [?, 3, 5]: per sample [outer 3, len 5, inner 1].
// qopt_k_softmax_params{outer 3, len 5, inner 1, F32, F32, log 0}
// CHECK-LABEL: func.func @softmax_last_axis
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x5xf32>)
// CHECK: qopt.kernel_call "qopt_k_softmax"(%[[X]]) {params = array<i8: 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x3x5xf32>) -> tensor<?x3x5xf32>
func.func @softmax_last_axis(%x: tensor<?x3x5xf32>) -> tensor<?x3x5xf32> {
  %0 = qopt.softmax %x : (tensor<?x3x5xf32>) -> tensor<?x3x5xf32>
  return %0 : tensor<?x3x5xf32>
}

// -----

// Axis 1 of a batched [?, 3, 5] is the first dim of a sample: [outer 1, len 3, inner 5].
// qopt_k_softmax_params{1, 3, 5, F16, F16, log 1}
// CHECK-LABEL: func.func @log_softmax_middle_axis
// CHECK: qopt.kernel_call "qopt_k_softmax"(%{{.*}}) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>}
func.func @log_softmax_middle_axis(%x: tensor<?x3x5xf16>) -> tensor<?x3x5xf16> {
  %0 = qopt.log_softmax %x {axis = 1 : i64} : (tensor<?x3x5xf16>) -> tensor<?x3x5xf16>
  return %0 : tensor<?x3x5xf16>
}

// -----

// A static tensor may normalise over its dimension 0.
// qopt_k_softmax_params{outer 1, len 2, inner 3}
// CHECK-LABEL: func.func @softmax_static_axis0
// CHECK: qopt.kernel_call "qopt_k_softmax"(%{{.*}}) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @softmax_static_axis0(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.softmax %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// layer_norm over the last two dims of [?, 2, 3, 4]: per sample [outer 2, inner 12].
// qopt_k_layer_norm_params{outer 2, inner 12, eps 1e-3, F32 x4}
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x3x4xf32>, %[[S:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<3x4xf32>)
// CHECK: qopt.kernel_call "qopt_k_layer_norm"(%[[X]], %[[S]], %[[B]]) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 111, 18, -125, 58, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @layer_norm(%x: tensor<?x2x3x4xf32>, %s: tensor<3x4xf32>, %b: tensor<3x4xf32>) -> tensor<?x2x3x4xf32> {
  %0 = qopt.layer_norm %x, %s, %b {axis = -2 : i64, epsilon = 1.0e-3 : f32} : (tensor<?x2x3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<?x2x3x4xf32>
  return %0 : tensor<?x2x3x4xf32>
}

// -----

// Without a bias the kernel's operand 3 (out, x, scale, bias) is a null pointer.
// qopt_k_layer_norm_params{outer 1, inner 4, eps 1e-5 (the default), BF16 x3, bias 0}
// CHECK-LABEL: func.func @layer_norm_no_bias
// CHECK: qopt.kernel_call "qopt_k_layer_norm"(%{{.*}}, %{{.*}}) {null_operands = array<i64: 3>, params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, -84, -59, 39, 55, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @layer_norm_no_bias(%x: tensor<?x4xbf16>, %s: tensor<4xbf16>) -> tensor<?x4xbf16> {
  %0 = qopt.layer_norm %x, %s : (tensor<?x4xbf16>, tensor<4xbf16>) -> tensor<?x4xbf16>
  return %0 : tensor<?x4xbf16>
}

// -----

// batch_norm on [?, 3, 2, 2]: per sample [channels 3, spatial 4]; operands in the op's order.
// qopt_k_batch_norm_params{channels 3, spatial 4, eps 1e-5, F32, F32, F32, blocks 1}
// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x2x2xf32>, %[[S:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>, %[[M:.*]]: tensor<3xf32>, %[[V:.*]]: tensor<3xf32>)
// CHECK: qopt.kernel_call "qopt_k_batch_norm"(%[[X]], %[[S]], %[[B]], %[[M]], %[[V]]) {params = array<i8: 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, -84, -59, 39, 55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>}
func.func @batch_norm(%x: tensor<?x3x2x2xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<?x3x2x2xf32> {
  %0 = qopt.batch_norm %x, %s, %b, %m, %v : (tensor<?x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x2x2xf32>
  return %0 : tensor<?x3x2x2xf32>
}

// -----

// A static batch of one is one sample.
// qopt_k_batch_norm_params{channels 2, spatial 1, eps 0.5, F32, F32, F32, blocks 1}
// CHECK-LABEL: func.func @batch_norm_static
// CHECK: qopt.kernel_call "qopt_k_batch_norm"({{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>}
func.func @batch_norm_static(%x: tensor<1x2xf32>, %p: tensor<2xf32>) -> tensor<1x2xf32> {
  %0 = qopt.batch_norm %x, %p, %p, %p, %p {epsilon = 0.5 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// A static batch of 2 is one sample of two [channels 3, spatial 1] blocks.
// qopt_k_batch_norm_params{channels 3, spatial 1, eps 1e-5, F32, F32, F32, blocks 2}
// CHECK-LABEL: func.func @batch_norm_static_batch
// CHECK: qopt.kernel_call "qopt_k_batch_norm"({{.*}}) {params = array<i8: 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, -84, -59, 39, 55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0>}
func.func @batch_norm_static_batch(%x: tensor<2x3xf32>, %p: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.batch_norm %x, %p, %p, %p, %p : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
