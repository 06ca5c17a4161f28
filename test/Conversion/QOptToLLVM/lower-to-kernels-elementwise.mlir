// qopt-lower-to-kernels on the elementwise family. The expected params are the bytes of the
// OpKernels.h structs (little-endian), written out field by field in the comments.
// RUN: qopt-opt %s -split-input-file -qopt-lower-to-kernels | FileCheck %s

// Batched unary: n counts the elements of one sample.
// qopt_k_unary_params{n = 4, fn = RELU, in = out = F32}
// CHECK-LABEL: func.func @relu_batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[Y:.*]] = qopt.kernel_call "qopt_k_unary"(%[[X]]) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK: return %[[Y]]
func.func @relu_batched(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = qopt.relu %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A static tensor is one whole "sample"; clamp carries its bounds in a and b.
// qopt_k_unary_params{n = 6, fn = CLAMP, in = out = F16, a = -1, b = 6}
// CHECK-LABEL: func.func @clamp_f16_static
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 6, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, -128, -65, 0, 0, -64, 64>}
func.func @clamp_f16_static(%x: tensor<2x3xf16>) -> tensor<2x3xf16> {
  %0 = qopt.clamp %x {min = -1.0 : f32, max = 6.0 : f32} : (tensor<2x3xf16>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

// qopt_k_unary_params{n = 3, fn = LEAKY_RELU, BF16, a = 0.25}
// CHECK-LABEL: func.func @leaky_relu_bf16
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, -128, 62, 0, 0, 0, 0>}
func.func @leaky_relu_bf16(%x: tensor<?x3xbf16>) -> tensor<?x3xbf16> {
  %0 = qopt.leaky_relu %x {alpha = 0.25 : f32} : (tensor<?x3xbf16>) -> tensor<?x3xbf16>
  return %0 : tensor<?x3xbf16>
}

// -----

// gelu picks the tanh form by its attribute; the other unary ops map one to one.
// CHECK-LABEL: func.func @unary_functions
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
// CHECK: qopt.kernel_call "qopt_k_unary"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @unary_functions(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = qopt.gelu %x {approximate_tanh = true} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %1 = qopt.gelu %0 : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %2 = qopt.sigmoid %1 : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %3 = qopt.tanh %2 : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %4 = qopt.exp %3 : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %5 = qopt.sqrt %4 : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %6 = qopt.neg %5 : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %7 = qopt.erf %6 : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %7 : tensor<?x2xf32>
}

// -----

// Broadcasting under the batch convention: the batched lhs steps by a whole sample (6 elements),
// the constant rhs [3] is shared by all samples and broadcast over the rows (stride 0).
// qopt_k_binary_params{fn = ADD, F32 x3, rank 2, out_dims [2, 3], a_strides [3, 1],
//                      b_strides [0, 1], a_sample_stride 6, b_sample_stride 0}
// CHECK-LABEL: func.func @add_broadcast_batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x3xf32>)
// CHECK: %[[B:.*]] = qopt.constant
// CHECK: qopt.kernel_call "qopt_k_binary"(%[[X]], %[[B]]) {params = array<i8: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x2x3xf32>, tensor<3xf32>) -> tensor<?x2x3xf32>
func.func @add_broadcast_batched(%x: tensor<?x2x3xf32>) -> tensor<?x2x3xf32> {
  %b = qopt.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %0 = qopt.add %x, %b : (tensor<?x2x3xf32>, tensor<3xf32>) -> tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}

// -----

// An unbatched operand of the result's full rank has a leading 1 (the same for every sample), and
// the batched lhs broadcasts its own size-1 dimension.
// qopt_k_binary_params{fn = MUL, rank 2, out_dims [2, 3], a_strides [0, 1], b_strides [1, 0],
//                      a_sample_stride 3, b_sample_stride 0}
// CHECK-LABEL: func.func @mul_broadcast_both
// CHECK: qopt.kernel_call "qopt_k_binary"(%{{.*}}, %{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @mul_broadcast_both(%x: tensor<?x1x3xf32>, %y: tensor<1x2x1xf32>) -> tensor<?x2x3xf32> {
  %0 = qopt.mul %x, %y : (tensor<?x1x3xf32>, tensor<1x2x1xf32>) -> tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}

// -----

// Two batched operands, one of them broadcast within the sample; the operand order is kept.
// qopt_k_binary_params{fn = SUB, rank 1, out_dims [4], a_strides [1], b_strides [0],
//                      a_sample_stride 4, b_sample_stride 1}
// CHECK-LABEL: func.func @sub_batched_operands
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[Y:.*]]: tensor<?x1xf32>)
// CHECK: qopt.kernel_call "qopt_k_binary"(%[[X]], %[[Y]]) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>}
func.func @sub_batched_operands(%x: tensor<?x4xf32>, %y: tensor<?x1xf32>) -> tensor<?x4xf32> {
  %0 = qopt.sub %x, %y : (tensor<?x4xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A static model: the whole tensors, no sample strides.
// qopt_k_binary_params{fn = DIV, F16, rank 2, out_dims [2, 3], a_strides [3, 1], b_strides [1, 0]}
// CHECK-LABEL: func.func @div_static
// CHECK: qopt.kernel_call "qopt_k_binary"(%{{.*}}, %{{.*}}) {params = array<i8: 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @div_static(%x: tensor<2x3xf16>, %y: tensor<2x1xf16>) -> tensor<2x3xf16> {
  %0 = qopt.div %x, %y : (tensor<2x3xf16>, tensor<2x1xf16>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

// A rank-0 result is one element per sample.
// qopt_k_binary_params{fn = POW, rank 0}
// CHECK-LABEL: func.func @pow_scalar
// CHECK: qopt.kernel_call "qopt_k_binary"(%{{.*}}, %{{.*}}) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @pow_scalar(%x: tensor<f32>, %y: tensor<f32>) -> tensor<f32> {
  %0 = qopt.pow %x, %y : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// qopt_k_cast_params{n = 6, in = F32, out = BF16}, then back {n = 6, BF16 -> F16}
// CHECK-LABEL: func.func @cast
// CHECK: %[[C:.*]] = qopt.kernel_call "qopt_k_cast"(%{{.*}}) {params = array<i8: 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0>} : (tensor<?x2x3xf32>) -> tensor<?x2x3xbf16>
// CHECK: qopt.kernel_call "qopt_k_cast"(%[[C]]) {params = array<i8: 6, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0>}
func.func @cast(%x: tensor<?x2x3xf32>) -> tensor<?x2x3xf16> {
  %0 = qopt.cast %x : (tensor<?x2x3xf32>) -> tensor<?x2x3xbf16>
  %1 = qopt.cast %0 : (tensor<?x2x3xbf16>) -> tensor<?x2x3xf16>
  return %1 : tensor<?x2x3xf16>
}

// -----

// f64 on either side of a cast: qopt_k_cast_params{n = 4, F32 -> F64}, then {n = 4, F64 -> F16}.
// CHECK-LABEL: func.func @cast_f64
// CHECK: %[[D:.*]] = qopt.kernel_call "qopt_k_cast"(%{{.*}}) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0>} : (tensor<?x4xf32>) -> tensor<?x4xf64>
// CHECK: qopt.kernel_call "qopt_k_cast"(%[[D]]) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0>} : (tensor<?x4xf64>) -> tensor<?x4xf16>
func.func @cast_f64(%x: tensor<?x4xf32>) -> tensor<?x4xf16> {
  %0 = qopt.cast %x : (tensor<?x4xf32>) -> tensor<?x4xf64>
  %1 = qopt.cast %0 : (tensor<?x4xf64>) -> tensor<?x4xf16>
  return %1 : tensor<?x4xf16>
}
