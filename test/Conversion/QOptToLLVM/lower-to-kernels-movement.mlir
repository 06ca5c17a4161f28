// qopt-lower-to-kernels on transpose, concat, slice and gather. The expected params are the bytes of
// the OpKernels.h structs (little-endian), field by field in the comments.
// RUN: qopt-opt %s -split-input-file -qopt-lower-to-kernels | FileCheck %s

// A batched transpose keeps the batch in place; the kernel sees the permutation of a sample.
// qopt_k_transpose_params{rank 3, elem_size 4, in_dims [2, 3, 4], perm [1, 2, 0]}
// CHECK-LABEL: func.func @transpose_batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x3x4xf32>)
// CHECK: qopt.kernel_call "qopt_k_transpose"(%[[X]]) {params = array<i8: 3, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x2x3x4xf32>) -> tensor<?x3x4x2xf32>
func.func @transpose_batched(%x: tensor<?x2x3x4xf32>) -> tensor<?x3x4x2xf32> {
  %0 = qopt.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x2x3x4xf32>) -> tensor<?x3x4x2xf32>
  return %0 : tensor<?x3x4x2xf32>
}

// -----

// A static transpose may move dimension 0; f16 elements are 2 bytes.
// qopt_k_transpose_params{rank 2, elem_size 2, in_dims [2, 3], perm [1, 0]}
// CHECK-LABEL: func.func @transpose_static
// CHECK: qopt.kernel_call "qopt_k_transpose"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @transpose_static(%x: tensor<2x3xf16>) -> tensor<3x2xf16> {
  %0 = qopt.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf16>) -> tensor<3x2xf16>
  return %0 : tensor<3x2xf16>
}

// -----

// qopt_k_concat_params{num_inputs 2, elem_size 4, outer 2, chunk [3, 5], batched [1, 1]}
// CHECK-LABEL: func.func @concat_batched
// CHECK-SAME: (%[[A:.*]]: tensor<?x2x3xf32>, %[[B:.*]]: tensor<?x2x5xf32>)
// CHECK: qopt.kernel_call "qopt_k_concat"(%[[A]], %[[B]]) {params = array<i8: 2, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @concat_batched(%a: tensor<?x2x3xf32>, %b: tensor<?x2x5xf32>) -> tensor<?x2x8xf32> {
  %0 = qopt.concat %a, %b {axis = -1 : i64} : (tensor<?x2x3xf32>, tensor<?x2x5xf32>) -> tensor<?x2x8xf32>
  return %0 : tensor<?x2x8xf32>
}

// -----

// Static quantized inputs along axis 0: each input is one chunk of its rows.
// qopt_k_concat_params{num_inputs 3, elem_size 1, outer 1, chunk [4, 8, 4], batched [0, 0, 0]}
// CHECK-LABEL: func.func @concat_static_quantized
// CHECK-SAME: (%[[A:.*]]: tensor<1x4x!quant.uniform<i8:f32, 5.000000e-01>>, %[[B:.*]]: tensor<2x4x!quant.uniform<i8:f32, 5.000000e-01>>)
// CHECK: qopt.kernel_call "qopt_k_concat"(%[[A]], %[[B]], %[[A]]) {params = array<i8: 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @concat_static_quantized(%a: tensor<1x4x!quant.uniform<i8:f32, 0.5>>, %b: tensor<2x4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x4x!quant.uniform<i8:f32, 0.5>> {
  %0 = qopt.concat %a, %b, %a {axis = 0 : i64} : (tensor<1x4x!quant.uniform<i8:f32, 0.5>>, tensor<2x4x!quant.uniform<i8:f32, 0.5>>, tensor<1x4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4x4x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<4x4x!quant.uniform<i8:f32, 0.5>>
}

// -----

// The batch dimension taken whole (0 to INT64_MAX, step 1); a negative start counts from the back.
// qopt_k_slice_params{rank 1, elem_size 4, in_dims [10], out_dims [3], starts [7], steps [1]}
// CHECK-LABEL: func.func @slice_batched
// CHECK: qopt.kernel_call "qopt_k_slice"(%{{.*}}) {params = array<i8: 1, 0, 0, 0, 4, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @slice_batched(%x: tensor<?x10xf32>) -> tensor<?x3xf32> {
  %0 = qopt.slice %x {starts = array<i64: 0, -3>, ends = array<i64: 9223372036854775807, 10>, steps = array<i64: 1, 1>} : (tensor<?x10xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// A negative step walks back from the clamped start: elements 5, 3, 1.
// qopt_k_slice_params{rank 1, elem_size 4, in_dims [6], out_dims [3], starts [5], steps [-2]}
// CHECK-LABEL: func.func @slice_negative_step
// CHECK: qopt.kernel_call "qopt_k_slice"(%{{.*}}) {params = array<i8: 1, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -2, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @slice_negative_step(%x: tensor<?x6xf32>) -> tensor<?x3xf32> {
  %0 = qopt.slice %x {starts = array<i64: 0, 100>, ends = array<i64: 2147483647, -7>, steps = array<i64: 1, -2>} : (tensor<?x6xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// A static slice may cut dimension 0; i32 elements.
// qopt_k_slice_params{rank 2, elem_size 4, in_dims [4, 4], out_dims [2, 2], starts [1, 0], steps [1, 2]}
// CHECK-LABEL: func.func @slice_static
// CHECK: qopt.kernel_call "qopt_k_slice"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @slice_static(%x: tensor<4x4xi32>) -> tensor<2x2xi32> {
  %0 = qopt.slice %x {starts = array<i64: 1, 0>, ends = array<i64: 3, 4>, steps = array<i64: 1, 2>} : (tensor<4x4xi32>) -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}

// -----

// The indices become an i64 constant after the input, normalised into [0, 5): [4, 4, 0].
// qopt_k_gather_params{elem_size 4, outer 1, axis_len 5, inner 2, num_indices 3}
// CHECK-LABEL: func.func @gather_batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x5x2xf32>)
// CHECK: %[[I:.*]] = qopt.constant dense<[4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]> : tensor<24xi8>
// CHECK: qopt.kernel_call "qopt_k_gather"(%[[X]], %[[I]]) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x5x2xf32>, tensor<24xi8>) -> tensor<?x3x2xf32>
func.func @gather_batched(%x: tensor<?x5x2xf32>) -> tensor<?x3x2xf32> {
  %0 = qopt.gather %x {axis = 1 : i64, indices = array<i64: 4, -1, 0>, indices_shape = array<i64: 3>} : (tensor<?x5x2xf32>) -> tensor<?x3x2xf32>
  return %0 : tensor<?x3x2xf32>
}

// -----

// A scalar index on dimension 0 of a static tensor drops that dimension.
// qopt_k_gather_params{elem_size 1, outer 1, axis_len 3, inner 2, num_indices 1}
// CHECK-LABEL: func.func @gather_static_scalar
// CHECK: %[[I:.*]] = qopt.constant dense<[2, 0, 0, 0, 0, 0, 0, 0]> : tensor<8xi8>
// CHECK: qopt.kernel_call "qopt_k_gather"(%{{.*}}, %[[I]]) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>}
func.func @gather_static_scalar(%x: tensor<3x2x!quant.uniform<u8:f32, 0.5:1>>) -> tensor<2x!quant.uniform<u8:f32, 0.5:1>> {
  %0 = qopt.gather %x {axis = 0 : i64, indices = array<i64: -1>, indices_shape = array<i64>} : (tensor<3x2x!quant.uniform<u8:f32, 0.5:1>>) -> tensor<2x!quant.uniform<u8:f32, 0.5:1>>
  return %0 : tensor<2x!quant.uniform<u8:f32, 0.5:1>>
}

// -----

// Consecutive indices on the outermost dimension of an unbatched tensor are one contiguous block:
// a view of the input at byte offset 1 * 2 * 4 * 4 = 32, not a copy. Out-of-order indices, and a
// gather whose result (here through a reshape) is returned, stay copies.
// CHECK-LABEL: func.func @gather_views
// CHECK-SAME: (%[[X:.*]]: tensor<3x2x4xf32>)
// CHECK: %[[V:.*]] = qopt.kernel_call "qopt_view"(%[[X]]) {params = array<i8: 32, 0, 0, 0, 0, 0, 0, 0>} : (tensor<3x2x4xf32>) -> tensor<2x2x4xf32>
// CHECK: qopt.kernel_call "qopt_k_transpose"(%[[V]])
// CHECK: qopt.kernel_call "qopt_k_gather"(%[[X]], %{{.*}})
// CHECK: %[[R:.*]] = qopt.kernel_call "qopt_k_gather"(%[[X]], %{{.*}})
// CHECK: qopt.reshape %[[R]]
// CHECK-NOT: qopt_view
func.func @gather_views(%x: tensor<3x2x4xf32>) -> (tensor<2x4x2xf32>, tensor<2x2x4xf32>, tensor<8xf32>) {
  %0 = qopt.gather %x {axis = 0 : i64, indices = array<i64: 1, 2>, indices_shape = array<i64: 2>} : (tensor<3x2x4xf32>) -> tensor<2x2x4xf32>
  %1 = qopt.transpose %0 {perm = array<i64: 0, 2, 1>} : (tensor<2x2x4xf32>) -> tensor<2x4x2xf32>
  %2 = qopt.gather %x {axis = 0 : i64, indices = array<i64: 2, 1>, indices_shape = array<i64: 2>} : (tensor<3x2x4xf32>) -> tensor<2x2x4xf32>
  %3 = qopt.gather %x {axis = 0 : i64, indices = array<i64: 0>, indices_shape = array<i64>} : (tensor<3x2x4xf32>) -> tensor<2x4xf32>
  %4 = qopt.reshape %3 : (tensor<2x4xf32>) -> tensor<8xf32>
  return %1, %2, %4 : tensor<2x4x2xf32>, tensor<2x2x4xf32>, tensor<8xf32>
}
