// Folders for trivial identities of the qopt ops.
// RUN: qopt-opt %s -split-input-file -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @fold_reshape_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @fold_reshape_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.reshape %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @fold_reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[R:.*]] = qopt.reshape %[[X]] : (tensor<2x3xf32>) -> tensor<3x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @fold_reshape_chain(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = qopt.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = qopt.reshape %0 : (tensor<6xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @fold_reshape_constant
// CHECK-NEXT: %[[C:.*]] = qopt.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_reshape_constant() -> tensor<2x2xf32> {
  %0 = qopt.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %1 = qopt.reshape %0 : (tensor<4xf32>) -> tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}

// -----

// A quantized constant's value holds storage integers, not the result's element type.
// CHECK-LABEL: func.func @no_fold_reshape_quantized_constant
// CHECK: qopt.reshape
func.func @no_fold_reshape_quantized_constant() -> tensor<2x1x!quant.uniform<i8:f32, 0.5>> {
  %0 = qopt.constant dense<[1, 2]> : tensor<2xi8> -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  %1 = qopt.reshape %0 : (tensor<2x!quant.uniform<i8:f32, 0.5>>) -> tensor<2x1x!quant.uniform<i8:f32, 0.5>>
  return %1 : tensor<2x1x!quant.uniform<i8:f32, 0.5>>
}

// -----

// CHECK-LABEL: func.func @fold_flatten_same_type
// CHECK-NEXT: return %arg0
func.func @fold_flatten_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.flatten %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_flatten
// CHECK: qopt.flatten
func.func @no_fold_flatten(%x: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %0 = qopt.flatten %x : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

// CHECK-LABEL: func.func @fold_transpose_identity
// CHECK-NEXT: return %arg0
func.func @fold_transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.transpose %x {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Two transposes compose into one; two inverse ones vanish.
// CHECK-LABEL: func.func @fold_transpose_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = qopt.transpose %[[X]] {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]], %[[X]]
func.func @fold_transpose_chain(%x: tensor<2x3x4xf32>) -> (tensor<4x2x3xf32>, tensor<2x3x4xf32>) {
  %0 = qopt.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = qopt.transpose %0 {perm = array<i64: 2, 1, 0>} : (tensor<3x2x4xf32>) -> tensor<4x2x3xf32>
  %2 = qopt.transpose %0 {perm = array<i64: 1, 0, 2>} : (tensor<3x2x4xf32>) -> tensor<2x3x4xf32>
  return %1, %2 : tensor<4x2x3xf32>, tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_transpose
// CHECK: qopt.transpose %arg0 {perm = array<i64: 1, 0>}
func.func @no_fold_transpose(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %0 = qopt.transpose %x {perm = array<i64: 1, 0>} : (tensor<3x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// CHECK-LABEL: func.func @fold_concat_single
// CHECK-NEXT: return %arg0
func.func @fold_concat_single(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.concat %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_concat
// CHECK: qopt.concat
func.func @no_fold_concat(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %0 = qopt.concat %x, %x {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @fold_clamp_unbounded
// CHECK-NEXT: return %arg0
func.func @fold_clamp_unbounded(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qopt.clamp %x {min = 0xFF800000 : f32, max = 0x7F800000 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_clamp_bounded
// CHECK: qopt.clamp
func.func @no_fold_clamp_bounded(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qopt.clamp %x {min = 0xFF800000 : f32, max = 6.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// quantize(dequantize(q)) with the same parameters is q, exactly.
// CHECK-LABEL: func.func @fold_quantize_of_dequantize
// CHECK-NEXT: return %arg0
func.func @fold_quantize_of_dequantize(%q: tensor<4x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<u8:f32, 0.1:3>> {
  %0 = qopt.dequantize %q : (tensor<4x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<4xf32>
  %1 = qopt.quantize %0 : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.1:3>>
  return %1 : tensor<4x!quant.uniform<u8:f32, 0.1:3>>
}

// -----

// With other parameters the pair is a requantization, which qopt-fold-quant-dequant handles.
// CHECK-LABEL: func.func @no_fold_quantize_of_dequantize_other_scale
// CHECK: qopt.dequantize
// CHECK: qopt.quantize
func.func @no_fold_quantize_of_dequantize_other_scale(%q: tensor<4x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<4x!quant.uniform<u8:f32, 0.2:3>> {
  %0 = qopt.dequantize %q : (tensor<4x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<4xf32>
  %1 = qopt.quantize %0 : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.2:3>>
  return %1 : tensor<4x!quant.uniform<u8:f32, 0.2:3>>
}

// -----

// dequantize(quantize(x)) rounds and clamps x: never an identity.
// CHECK-LABEL: func.func @no_fold_dequantize_of_quantize
// CHECK: qopt.quantize
// CHECK: qopt.dequantize
func.func @no_fold_dequantize_of_quantize(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qopt.quantize %x : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 0.1:3>>
  %1 = qopt.dequantize %0 : (tensor<4x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @fold_requantize_same_type
// CHECK-NEXT: return %arg0
func.func @fold_requantize_same_type(%q: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  %0 = qopt.requantize %q : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

// CHECK-LABEL: func.func @no_fold_requantize
// CHECK: qopt.requantize
func.func @no_fold_requantize(%q: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.3>> {
  %0 = qopt.requantize %q : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f32, 0.3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.3>>
}

// -----

// Unused constants are pure and disappear; used ones stay.
// CHECK-LABEL: func.func @constant_dce
// CHECK-NOT: dense<7.0
// CHECK: qopt.constant dense<1.000000e+00>
func.func @constant_dce() -> tensor<2xf32> {
  %unused = qopt.constant dense<7.0> : tensor<2xf32>
  %0 = qopt.constant dense<1.0> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
