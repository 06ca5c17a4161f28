// qopt-lower-to-kernels on the quant family. The expected params are the bytes of the OpKernels.h
// structs (little-endian), field by field in the comments; per-axis parameters travel as constant
// operands (f32 scales, i32 zero points), after the data operand.
// RUN: qopt-opt %s -split-input-file -qopt-lower-to-kernels | FileCheck %s

// Per tensor: scale and zero point in the params, qmin / qmax from the storage type.
// qopt_k_quantize_params{n = 4, F32 -> U8, qmin 0, qmax 255, q{scale 0.5, zp 3, axis_len 0}}
// CHECK-LABEL: func.func @quantize_per_tensor_u8
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: qopt.kernel_call "qopt_k_quantize"(%[[X]]) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 63, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x4xf32>) -> tensor<?x4x!quant.uniform<u8:f32, 5.000000e-01:3>>
func.func @quantize_per_tensor_u8(%x: tensor<?x4xf32>) -> tensor<?x4x!quant.uniform<u8:f32, 0.5:3>> {
  %0 = qopt.quantize %x : (tensor<?x4xf32>) -> tensor<?x4x!quant.uniform<u8:f32, 0.5:3>>
  return %0 : tensor<?x4x!quant.uniform<u8:f32, 0.5:3>>
}

// -----

// A narrow storage range is the saturation range; f16 input.
// qopt_k_quantize_params{n = 6, F16 -> I8, qmin -127, qmax 127, q{scale 0.25, zp -5}}
// CHECK-LABEL: func.func @quantize_narrow_i8_f16
// CHECK: qopt.kernel_call "qopt_k_quantize"(%{{.*}}) {params = array<i8: 6, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, -127, -1, -1, -1, 127, 0, 0, 0, 0, 0, -128, 62, -5, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @quantize_narrow_i8_f16(%x: tensor<2x3xf16>) -> tensor<2x3x!quant.uniform<i8<-127:127>:f16, 0.25:-5>> {
  %0 = qopt.quantize %x : (tensor<2x3xf16>) -> tensor<2x3x!quant.uniform<i8<-127:127>:f16, 0.25:-5>>
  return %0 : tensor<2x3x!quant.uniform<i8<-127:127>:f16, 0.25:-5>>
}

// -----

// Per axis on dimension 2 of a batched [?, 2, 3, 4] tensor: per sample [outer 2, axis 3, inner 4],
// with the scales and zero points as constants after the input.
// qopt_k_quantize_params{n = 24, F32 -> I8, -128, 127, q{scale 0, zp 0, outer 2, axis_len 3, inner 4}}
// CHECK-LABEL: func.func @quantize_per_axis_batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x3x4xf32>)
// CHECK-DAG: %[[S:.*]] = qopt.constant dense<[0, 0, 0, 63, 0, 0, -128, 62, 0, 0, 0, 64]> : tensor<12xi8>
// CHECK-DAG: %[[Z:.*]] = qopt.constant dense<[1, 0, 0, 0, -2, -1, -1, -1, 0, 0, 0, 0]> : tensor<12xi8>
// CHECK: qopt.kernel_call "qopt_k_quantize"(%[[X]], %[[S]], %[[Z]]) {params = array<i8: 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, -128, -1, -1, -1, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0>}
func.func @quantize_per_axis_batched(%x: tensor<?x2x3x4xf32>) -> tensor<?x2x3x4x!quant.uniform<i8:f32:2, {0.5:1, 0.25:-2, 2.0}>> {
  %0 = qopt.quantize %x : (tensor<?x2x3x4xf32>) -> tensor<?x2x3x4x!quant.uniform<i8:f32:2, {0.5:1, 0.25:-2, 2.0}>>
  return %0 : tensor<?x2x3x4x!quant.uniform<i8:f32:2, {0.5:1, 0.25:-2, 2.0}>>
}

// -----

// Per axis on dimension 0 of a static tensor: nothing outside the axis.
// qopt_k_dequantize_params{n = 6, I8 -> F32, q{outer 1, axis_len 2, inner 3}}
// CHECK-LABEL: func.func @dequantize_per_axis_static
// CHECK-DAG: %[[S:.*]] = qopt.constant dense<[0, 0, -128, 63, 0, 0, 0, 64]> : tensor<8xi8>
// CHECK-DAG: %[[Z:.*]] = qopt.constant dense<0> : tensor<8xi8>
// CHECK: qopt.kernel_call "qopt_k_dequantize"(%{{.*}}, %[[S]], %[[Z]]) {params = array<i8: 6, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0>}
func.func @dequantize_per_axis_static(%x: tensor<2x3x!quant.uniform<i8:f32:0, {1.0, 2.0}>>) -> tensor<2x3xf32> {
  %0 = qopt.dequantize %x : (tensor<2x3x!quant.uniform<i8:f32:0, {1.0, 2.0}>>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// qopt_k_dequantize_params{n = 4, U8 -> BF16, q{scale 0.125, zp 128}}
// CHECK-LABEL: func.func @dequantize_per_tensor
// CHECK: qopt.kernel_call "qopt_k_dequantize"(%{{.*}}) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 62, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x4x!quant.uniform<u8:bf16, 1.250000e-01:128>>) -> tensor<?x4xbf16>
func.func @dequantize_per_tensor(%x: tensor<?x4x!quant.uniform<u8:bf16, 0.125:128>>) -> tensor<?x4xbf16> {
  %0 = qopt.dequantize %x : (tensor<?x4x!quant.uniform<u8:bf16, 0.125:128>>) -> tensor<?x4xbf16>
  return %0 : tensor<?x4xbf16>
}

// -----

// i32 storage (an accumulator-typed tensor) dequantizes too.
// qopt_k_dequantize_params{n = 3, I32 -> F32, q{scale 0.001, zp 0}}
// CHECK-LABEL: func.func @dequantize_i32
// CHECK: qopt.kernel_call "qopt_k_dequantize"(%{{.*}}) {params = array<i8: 3, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 111, 18, -125, 58, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
func.func @dequantize_i32(%x: tensor<?x3x!quant.uniform<i32:f32, 0.001>>) -> tensor<?x3xf32> {
  %0 = qopt.dequantize %x : (tensor<?x3x!quant.uniform<i32:f32, 0.001>>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// qopt_k_requantize_params{n = 4, I32 -> U8, in_scale 0.01, out_scale 0.5, in_zp 0, out_zp 10,
//                          qmin 0, qmax 255}
// CHECK-LABEL: func.func @requantize
// CHECK: qopt.kernel_call "qopt_k_requantize"(%{{.*}}) {params = array<i8: 4, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 10, -41, 35, 60, 0, 0, 0, 63, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0>}
func.func @requantize(%x: tensor<?x4x!quant.uniform<i32:f32, 0.01>>) -> tensor<?x4x!quant.uniform<u8:f32, 0.5:10>> {
  %0 = qopt.requantize %x : (tensor<?x4x!quant.uniform<i32:f32, 0.01>>) -> tensor<?x4x!quant.uniform<u8:f32, 0.5:10>>
  return %0 : tensor<?x4x!quant.uniform<u8:f32, 0.5:10>>
}

// -----

// qopt_k_requantize_params{n = 2, I8 -> I8, 0.5 -> 0.75, zp -3 -> 7, qmin -128, qmax 127}
// CHECK-LABEL: func.func @requantize_i8
// CHECK: qopt.kernel_call "qopt_k_requantize"(%{{.*}}) {params = array<i8: 2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 63, 0, 0, 64, 63, -3, -1, -1, -1, 7, 0, 0, 0, -128, -1, -1, -1, 127, 0, 0, 0>}
func.func @requantize_i8(%x: tensor<2x!quant.uniform<i8:f32, 0.5:-3>>) -> tensor<2x!quant.uniform<i8:f32, 0.75:7>> {
  %0 = qopt.requantize %x : (tensor<2x!quant.uniform<i8:f32, 0.5:-3>>) -> tensor<2x!quant.uniform<i8:f32, 0.75:7>>
  return %0 : tensor<2x!quant.uniform<i8:f32, 0.75:7>>
}

// -----

// qopt_k_fake_quant_params{n = 8, F32 -> F32, signed_storage 0 (u8) / 1 (i8)}
// CHECK-LABEL: func.func @fake_quant_dynamic
// CHECK: %[[U:.*]] = qopt.kernel_call "qopt_k_fake_quant_dynamic"(%{{.*}}) {params = array<i8: 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>}
// CHECK: qopt.kernel_call "qopt_k_fake_quant_dynamic"(%[[U]]) {params = array<i8: 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0>}
func.func @fake_quant_dynamic(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = qopt.fake_quant_dynamic %x : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %1 = qopt.fake_quant_dynamic %0 {storage = #qopt.storage<i8>} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}
