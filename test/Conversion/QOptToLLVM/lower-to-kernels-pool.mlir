// qopt-lower-to-kernels on the pools. The expected params are the bytes of the OpKernels.h structs
// (little-endian), field by field in the comments: qopt_k_pool2d_params{channels, in_h, in_w,
// out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, dilation_h, dilation_w,
// in_type, out_type, count_include_pad, reserved, pad_bottom, pad_right}.
// RUN: qopt-opt %s -split-input-file -qopt-lower-to-kernels | FileCheck %s

// A batched NCHW input: the planes of one sample are its channels.
// {3, 8, 8, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, F32, F32, 0, 0, 1, 1}
// CHECK-LABEL: func.func @max_pool_batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x8x8xf32>)
// CHECK: qopt.kernel_call "qopt_k_max_pool2d"(%[[X]]) {params = array<i8: 3, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32>
func.func @max_pool_batched(%x: tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32> {
  %0 = qopt.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32>
  return %0 : tensor<?x3x4x4xf32>
}

// -----

// A static [2, 2, 5, 5] u8 tensor is 4 planes; dilations reach the kernel.
// {4, 5, 5, 3, 3, 2, 2, 1, 1, 0, 0, 2, 2, U8, U8, 0, 0, 0, 0}
// CHECK-LABEL: func.func @max_pool_u8_dilated
// CHECK: qopt.kernel_call "qopt_k_max_pool2d"(%{{.*}}) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @max_pool_u8_dilated(%x: tensor<2x2x5x5x!quant.uniform<u8:f32, 0.1:7>>) -> tensor<2x2x3x3x!quant.uniform<u8:f32, 0.1:7>> {
  %0 = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, dilations = array<i64: 2, 2>} : (tensor<2x2x5x5x!quant.uniform<u8:f32, 0.1:7>>) -> tensor<2x2x3x3x!quant.uniform<u8:f32, 0.1:7>>
  return %0 : tensor<2x2x3x3x!quant.uniform<u8:f32, 0.1:7>>
}

// -----

// Asymmetric pads: each of the four reaches the kernel.
// {1, 4, 4, 2, 4, 2, 2, 2, 1, 0, 1, 1, 1, I8, I8, 0, 0, 0, 0}
// CHECK-LABEL: func.func @max_pool_i8
// CHECK: qopt.kernel_call "qopt_k_max_pool2d"(%{{.*}}) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @max_pool_i8(%x: tensor<?x1x4x4x!quant.uniform<i8:f32, 0.5>>) -> tensor<?x1x2x4x!quant.uniform<i8:f32, 0.5>> {
  %0 = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 1>, pads = array<i64: 0, 1, 0, 0>} : (tensor<?x1x4x4x!quant.uniform<i8:f32, 0.5>>) -> tensor<?x1x2x4x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<?x1x2x4x!quant.uniform<i8:f32, 0.5>>
}

// -----

// count_include_pad with every window inside the padded input.
// {1, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, F32, F32, 1, 0, 1, 1}
// CHECK-LABEL: func.func @avg_pool_include_pad
// CHECK: qopt.kernel_call "qopt_k_avg_pool2d"(%{{.*}}) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>}
func.func @avg_pool_include_pad(%x: tensor<?x1x4x4xf32>) -> tensor<?x1x3x3xf32> {
  %0 = qopt.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = true} : (tensor<?x1x4x4xf32>) -> tensor<?x1x3x3xf32>
  return %0 : tensor<?x1x3x3xf32>
}

// -----

// count_include_pad with a ceil_mode window past the bottom and right padding: the kernel clips
// the divisor's window to the padded input with pad_bottom / pad_right.
// {1, 5, 5, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1, F32, F32, 1, 0, 0, 0}
// CHECK-LABEL: func.func @avg_pool_ceil_include_pad
// CHECK: qopt.kernel_call "qopt_k_avg_pool2d"(%{{.*}}) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @avg_pool_ceil_include_pad(%x: tensor<?x1x5x5xf32>) -> tensor<?x1x3x3xf32> {
  %0 = qopt.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true, count_include_pad = true} : (tensor<?x1x5x5xf32>) -> tensor<?x1x3x3xf32>
  return %0 : tensor<?x1x3x3xf32>
}

// -----

// ceil_mode is already in the result shape (3, not 2).
// {2, 5, 5, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1, F16, F16, 0, 0, 0, 0}
// CHECK-LABEL: func.func @avg_pool_ceil
// CHECK: qopt.kernel_call "qopt_k_avg_pool2d"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @avg_pool_ceil(%x: tensor<?x2x5x5xf16>) -> tensor<?x2x3x3xf16> {
  %0 = qopt.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true} : (tensor<?x2x5x5xf16>) -> tensor<?x2x3x3xf16>
  return %0 : tensor<?x2x3x3xf16>
}

// -----

// qopt_k_global_avg_pool_params{channels, spatial, in, out}: static N * C planes, or C per sample.
// CHECK-LABEL: func.func @global_avg_pool
// CHECK: qopt.kernel_call "qopt_k_global_avg_pool"(%{{.*}}) {params = array<i8: 6, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x3x4x4xf32>) -> tensor<2x3x1x1xf32>
// CHECK: qopt.kernel_call "qopt_k_global_avg_pool"(%{{.*}}) {params = array<i8: 3, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0>} : (tensor<?x3x7xbf16>) -> tensor<?x3x1xbf16>
func.func @global_avg_pool(%x: tensor<2x3x4x4xf32>, %y: tensor<?x3x7xbf16>) -> (tensor<2x3x1x1xf32>, tensor<?x3x1xbf16>) {
  %0 = qopt.global_avg_pool %x : (tensor<2x3x4x4xf32>) -> tensor<2x3x1x1xf32>
  %1 = qopt.global_avg_pool %y : (tensor<?x3x7xbf16>) -> tensor<?x3x1xbf16>
  return %0, %1 : tensor<2x3x1x1xf32>, tensor<?x3x1xbf16>
}
