// RUN: qopt-opt %s -split-input-file -qopt-fold-quant-dequant | FileCheck %s

// dq -> fully_connected -> q: the op takes the quantized operands and produces q's type; the f32
// bias becomes i32 at scale 0.5 * [0.25, 1.0] = [0.125, 0.5]: [1.0, -3.0] -> [8, -6].
// CHECK-LABEL: func.func @fully_connected
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x!quant.uniform<u8:f32, 5.000000e-01:10>>)
// CHECK-DAG: %[[W:.*]] = qopt.constant dense<{{\[\[}}4, 2], [1, -3]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {2.500000e-01,1.000000e+00}>>
// CHECK-DAG: %[[B:.*]] = qopt.constant dense<[8, -6]> : tensor<2xi32> -> tensor<2x!quant.uniform<i32:f32:0, {1.250000e-01,5.000000e-01}>>
// CHECK: %[[Y:.*]] = qopt.fully_connected %[[X]], %[[W]], %[[B]] {activation = #qopt.activation<relu>} : {{.*}} -> tensor<1x2x!quant.uniform<u8:f32, 2.500000e-01>>
// CHECK-NOT: qopt.dequantize
// CHECK-NOT: qopt.quantize
// CHECK: return %[[Y]]
func.func @fully_connected(%xq: tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.25>> {
  %wq = qopt.constant dense<[[4, 2], [1, -3]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.25, 1.0}>>
  %b = qopt.constant dense<[1.0, -3.0]> : tensor<2xf32>
  %x = qopt.dequantize %xq : (tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x2xf32>
  %w = qopt.dequantize %wq : (tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.25, 1.0}>>) -> tensor<2x2xf32>
  %y = qopt.fully_connected %x, %w, %b {activation = #qopt.activation<relu>} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %yq = qopt.quantize %y : (tensor<1x2xf32>) -> tensor<1x2x!quant.uniform<u8:f32, 0.25>>
  return %yq : tensor<1x2x!quant.uniform<u8:f32, 0.25>>
}

// -----

// Without a quantize after it the op keeps its float result (the logits).
// CHECK-LABEL: func.func @float_result
// CHECK: %[[Y:.*]] = qopt.fully_connected %arg0, %{{.*}} : (tensor<1x2x!quant.uniform<u8:f32, 5.000000e-01:10>>, {{.*}}) -> tensor<1x2xf32>
// CHECK: return %[[Y]]
func.func @float_result(%xq: tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x2xf32> {
  %wq = qopt.constant dense<[[4, 2], [1, -3]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.25, 1.0}>>
  %x = qopt.dequantize %xq : (tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x2xf32>
  %w = qopt.dequantize %wq : (tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.25, 1.0}>>) -> tensor<2x2xf32>
  %y = qopt.fully_connected %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// q(dq(x)): the same type folds away, another type is a requantize.
// CHECK-LABEL: func.func @quantize_of_dequantize
// CHECK-SAME: (%[[X:.*]]: tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>)
// CHECK: %[[R:.*]] = qopt.requantize %[[X]] : (tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>) -> tensor<4x!quant.uniform<u8:f32, 1.000000e+00:128>>
// CHECK: return %[[X]], %[[R]]
func.func @quantize_of_dequantize(%x: tensor<4x!quant.uniform<i8:f32, 0.5>>) -> (tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<u8:f32, 1.0:128>>) {
  %d = qopt.dequantize %x : (tensor<4x!quant.uniform<i8:f32, 0.5>>) -> tensor<4xf32>
  %a = qopt.quantize %d : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %b = qopt.quantize %d : (tensor<4xf32>) -> tensor<4x!quant.uniform<u8:f32, 1.0:128>>
  return %a, %b : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<u8:f32, 1.0:128>>
}

// -----

// A quantize after max_pool2d and flatten moves up to the conv, which then produces it: the whole
// chain runs on u8.
// CHECK-LABEL: func.func @through_max_pool_and_flatten
// CHECK: %[[C:.*]] = qopt.conv2d %arg0, {{.*}} -> tensor<1x1x2x2x!quant.uniform<u8:f32, 1.000000e-01>>
// CHECK: %[[P:.*]] = qopt.max_pool2d %[[C]] {{.*}} -> tensor<1x1x1x1x!quant.uniform<u8:f32, 1.000000e-01>>
// CHECK: %[[F:.*]] = qopt.flatten %[[P]] {{.*}} -> tensor<1x1x!quant.uniform<u8:f32, 1.000000e-01>>
// CHECK-NOT: qopt.quantize
// CHECK: return %[[F]]
func.func @through_max_pool_and_flatten(%xq: tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x1x!quant.uniform<u8:f32, 0.1>> {
  %wq = qopt.constant dense<1> : tensor<1x1x1x1xi8> -> tensor<1x1x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25}>>
  %x = qopt.dequantize %xq : (tensor<1x1x2x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x1x2x2xf32>
  %w = qopt.dequantize %wq : (tensor<1x1x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.25}>>) -> tensor<1x1x1x1xf32>
  %c = qopt.conv2d %x, %w : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x2x2xf32>
  %p = qopt.max_pool2d %c {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x1x1xf32>
  %f = qopt.flatten %p : (tensor<1x1x1x1xf32>) -> tensor<1x1xf32>
  %q = qopt.quantize %f : (tensor<1x1xf32>) -> tensor<1x1x!quant.uniform<u8:f32, 0.1>>
  return %q : tensor<1x1x!quant.uniform<u8:f32, 0.1>>
}

// -----

// A dequantize moves down through a transpose; a relu of a u8 value with zero point 0 cannot
// change it and is absorbed.
// CHECK-LABEL: func.func @dequantize_after_transpose_relu_absorbed
// CHECK: %[[T:.*]] = qopt.transpose %arg0 {{.*}} -> tensor<3x2x!quant.uniform<u8:f32, 1.000000e-01>>
// CHECK: %[[D:.*]] = qopt.dequantize %[[T]]
// CHECK-NOT: qopt.relu
// CHECK: return %[[D]]
func.func @dequantize_after_transpose_relu_absorbed(%x: tensor<2x3x!quant.uniform<u8:f32, 0.1>>) -> tensor<3x2xf32> {
  %d = qopt.dequantize %x : (tensor<2x3x!quant.uniform<u8:f32, 0.1>>) -> tensor<2x3xf32>
  %t = qopt.transpose %d {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %r = qopt.relu %t : (tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// The zero point 10 lets the u8 value go negative: the relu stays.
// CHECK-LABEL: func.func @no_fold_relu_below_zero_point
// CHECK: qopt.relu
func.func @no_fold_relu_below_zero_point(%x: tensor<4x!quant.uniform<u8:f32, 0.1:10>>) -> tensor<4xf32> {
  %d = qopt.dequantize %x : (tensor<4x!quant.uniform<u8:f32, 0.1:10>>) -> tensor<4xf32>
  %r = qopt.relu %d : (tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A weight quantized along the input dimension is not per output channel: stays in QDQ form.
// CHECK-LABEL: func.func @no_fold_weight_axis
// CHECK: qopt.dequantize
// CHECK: qopt.dequantize
// CHECK: qopt.fully_connected {{.*}} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
func.func @no_fold_weight_axis(%xq: tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x2xf32> {
  %wq = qopt.constant dense<[[4, 2], [1, -3]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 1.0}>>
  %x = qopt.dequantize %xq : (tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x2xf32>
  %w = qopt.dequantize %wq : (tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 1.0}>>) -> tensor<2x2xf32>
  %y = qopt.fully_connected %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A float input (no dequantize) stays float.
// CHECK-LABEL: func.func @no_fold_float_input
// CHECK: qopt.fully_connected %arg0, {{.*}} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
func.func @no_fold_float_input(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %wq = qopt.constant dense<[[4, 2], [1, -3]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.25, 1.0}>>
  %w = qopt.dequantize %wq : (tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.25, 1.0}>>) -> tensor<2x2xf32>
  %y = qopt.fully_connected %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// A quantize after concat moves to each input with the output's (shared) scale.
// CHECK-LABEL: func.func @through_concat
// CHECK: %[[A:.*]] = qopt.quantize %arg0 : (tensor<1x2xf32>) -> tensor<1x2x!quant.uniform<u8:f32, 1.000000e-01>>
// CHECK: %[[B:.*]] = qopt.quantize %arg1 : (tensor<1x3xf32>) -> tensor<1x3x!quant.uniform<u8:f32, 1.000000e-01>>
// CHECK: %[[C:.*]] = qopt.concat %[[A]], %[[B]] {axis = 1 : i64} : (tensor<1x2x!quant.uniform<u8:f32, 1.000000e-01>>, tensor<1x3x!quant.uniform<u8:f32, 1.000000e-01>>) -> tensor<1x5x!quant.uniform<u8:f32, 1.000000e-01>>
// CHECK: return %[[C]]
func.func @through_concat(%a: tensor<1x2xf32>, %b: tensor<1x3xf32>) -> tensor<1x5x!quant.uniform<u8:f32, 0.1>> {
  %c = qopt.concat %a, %b {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
  %q = qopt.quantize %c : (tensor<1x5xf32>) -> tensor<1x5x!quant.uniform<u8:f32, 0.1>>
  return %q : tensor<1x5x!quant.uniform<u8:f32, 0.1>>
}

// -----

// Inputs quantized with different scales: concat cannot run on them as they are.
// CHECK-LABEL: func.func @no_fold_concat_of_different_scales
// CHECK: qopt.dequantize
// CHECK: qopt.dequantize
// CHECK: qopt.concat {{.*}} -> tensor<1x4xf32>
func.func @no_fold_concat_of_different_scales(%a: tensor<1x2x!quant.uniform<u8:f32, 0.1>>, %b: tensor<1x2x!quant.uniform<u8:f32, 0.2>>) -> tensor<1x4xf32> {
  %da = qopt.dequantize %a : (tensor<1x2x!quant.uniform<u8:f32, 0.1>>) -> tensor<1x2xf32>
  %db = qopt.dequantize %b : (tensor<1x2x!quant.uniform<u8:f32, 0.2>>) -> tensor<1x2xf32>
  %c = qopt.concat %da, %db {axis = 1 : i64} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}
