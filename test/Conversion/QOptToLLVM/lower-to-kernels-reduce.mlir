// qopt-lower-to-kernels on the reductions. The expected params are the bytes of
// qopt_k_reduce_params{fn, in_type, out_type, rank, in_dims[8], reduce_mask} (little-endian).
// RUN: qopt-opt %s -split-input-file -qopt-lower-to-kernels | FileCheck %s

// Axes of a batched tensor become bits over the dims of a sample: axis 2 of [?, 3, 4, 5] is bit 1.
// {MEAN, F32, F32, rank 3, in_dims [3, 4, 5], mask 0b010}
// CHECK-LABEL: func.func @reduce_mean_batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x4x5xf32>)
// CHECK: qopt.kernel_call "qopt_k_reduce"(%[[X]]) {params = array<i8: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x3x4x5xf32>) -> tensor<?x3x1x5xf32>
func.func @reduce_mean_batched(%x: tensor<?x3x4x5xf32>) -> tensor<?x3x1x5xf32> {
  %0 = qopt.reduce_mean %x {axes = array<i64: 2>} : (tensor<?x3x4x5xf32>) -> tensor<?x3x1x5xf32>
  return %0 : tensor<?x3x1x5xf32>
}

// -----

// Negative axes count from the back; keepdims = false does not change the data.
// {SUM, F16, F16, rank 3, in_dims [3, 4, 5], mask 0b101}
// CHECK-LABEL: func.func @reduce_sum_negative_axes
// CHECK: qopt.kernel_call "qopt_k_reduce"(%{{.*}}) {params = array<i8: 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0>}
func.func @reduce_sum_negative_axes(%x: tensor<?x3x4x5xf16>) -> tensor<?x4xf16> {
  %0 = qopt.reduce_sum %x {axes = array<i64: -1, 1>, keepdims = false} : (tensor<?x3x4x5xf16>) -> tensor<?x4xf16>
  return %0 : tensor<?x4xf16>
}

// -----

// Empty axes reduce everything, which a static tensor allows.
// {MAX, F32, F32, rank 2, in_dims [2, 3], mask 0b11}
// CHECK-LABEL: func.func @reduce_max_all_static
// CHECK: qopt.kernel_call "qopt_k_reduce"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0>}
func.func @reduce_max_all_static(%x: tensor<2x3xf32>) -> tensor<1x1xf32> {
  %0 = qopt.reduce_max %x {axes = array<i64>} : (tensor<2x3xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

// {MIN, BF16, BF16, rank 2, in_dims [2, 3], mask 0b01}
// CHECK-LABEL: func.func @reduce_min_static_axis0
// CHECK: qopt.kernel_call "qopt_k_reduce"(%{{.*}}) {params = array<i8: 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>}
func.func @reduce_min_static_axis0(%x: tensor<2x3xbf16>) -> tensor<3xbf16> {
  %0 = qopt.reduce_min %x {axes = array<i64: 0>, keepdims = false} : (tensor<2x3xbf16>) -> tensor<3xbf16>
  return %0 : tensor<3xbf16>
}
