// RUN: qopt-opt %s -split-input-file -qopt-fuse | FileCheck %s

// matmul by a constant becomes fully_connected with the transposed weight; the per-column add
// becomes its bias and the relu its activation: one op remains.
// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK-SAME: (%[[X:.*]]: tensor<?x2xf32>)
// CHECK-DAG: %[[W:.*]] = qopt.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: %[[B:.*]] = qopt.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK: %[[Y:.*]] = qopt.fully_connected %[[X]], %[[W]], %[[B]] {activation = #qopt.activation<relu>}
// CHECK-NOT: qopt.add
// CHECK-NOT: qopt.relu
// CHECK: return %[[Y]]
func.func @matmul_bias_relu(%x: tensor<?x2xf32>) -> tensor<?x3xf32> {
  %w = qopt.constant dense<[[1.0, 2.0, 5.0], [3.0, 4.0, 6.0]]> : tensor<2x3xf32>
  %b = qopt.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %m = qopt.matmul %x, %w : (tensor<?x2xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
  %a = qopt.add %b, %m : (tensor<3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = qopt.relu %a : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A [1, C, 1, 1] constant is per output channel of a conv2d; clamp(0, 6) is relu6.
// CHECK-LABEL: func.func @conv_bias_relu6
// CHECK-DAG: %[[B:.*]] = qopt.constant dense<[5.000000e-01, -5.000000e-01]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = qopt.conv2d %arg0, %{{.*}}, %[[B]] {activation = #qopt.activation<relu6>}
// CHECK-NEXT: return %[[Y]]
func.func @conv_bias_relu6(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = qopt.constant dense<2.0> : tensor<2x1x1x1xf32>
  %b = qopt.constant dense<[[[[0.5]], [[-0.5]]]]> : tensor<1x2x1x1xf32>
  %c = qopt.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a = qopt.add %c, %b : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = qopt.clamp %a {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// A requantize of a quantized linear op becomes its result type.
// CHECK-LABEL: func.func @requantize_into_fully_connected
// CHECK: %[[Y:.*]] = qopt.fully_connected %arg0, %{{.*}} : {{.*}} -> tensor<1x2x!quant.uniform<u8:f32, 2.000000e-01:3>>
// CHECK-NOT: qopt.requantize
// CHECK: return %[[Y]]
func.func @requantize_into_fully_connected(%x: tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.2:3>> {
  %w = qopt.constant dense<[[4, 2], [1, -3]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8:f32:0, {0.25, 1.0}>>
  %y = qopt.fully_connected %x, %w : (tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>, tensor<2x2x!quant.uniform<i8:f32:0, {0.25, 1.0}>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.1:0>>
  %r = qopt.requantize %y : (tensor<1x2x!quant.uniform<u8:f32, 0.1:0>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.2:3>>
  return %r : tensor<1x2x!quant.uniform<u8:f32, 0.2:3>>
}

// -----

// The constant varies along the rows, not the output channel: not a bias.
// CHECK-LABEL: func.func @no_fold_bias_not_per_channel
// CHECK: qopt.fully_connected
// CHECK-NOT: activation
// CHECK: qopt.add
func.func @no_fold_bias_not_per_channel(%x: tensor<2x2xf32>) -> tensor<2x3xf32> {
  %w = qopt.constant dense<1.0> : tensor<3x2xf32>
  %b = qopt.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %y = qopt.fully_connected %x, %w : (tensor<2x2xf32>, tensor<3x2xf32>) -> tensor<2x3xf32>
  %a = qopt.add %y, %b : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %a : tensor<2x3xf32>
}

// -----

// The linear result is also returned: fusing the relu would change that value.
// CHECK-LABEL: func.func @no_fold_shared_result
// CHECK: %[[Y:.*]] = qopt.fully_connected
// CHECK-NOT: activation
// CHECK: %[[R:.*]] = qopt.relu %[[Y]]
// CHECK: return %[[Y]], %[[R]]
func.func @no_fold_shared_result(%x: tensor<2x2xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %w = qopt.constant dense<1.0> : tensor<3x2xf32>
  %y = qopt.fully_connected %x, %w : (tensor<2x2xf32>, tensor<3x2xf32>) -> tensor<2x3xf32>
  %r = qopt.relu %y : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y, %r : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Two activations in a row: only the first is fused; tanh-approximated gelu never is.
// CHECK-LABEL: func.func @no_fold_second_activation
// CHECK: %[[Y:.*]] = qopt.fully_connected {{.*}}activation = #qopt.activation<sigmoid>
// CHECK: qopt.gelu %[[Y]] {approximate_tanh = true}
func.func @no_fold_second_activation(%x: tensor<2x2xf32>) -> tensor<2x3xf32> {
  %w = qopt.constant dense<1.0> : tensor<3x2xf32>
  %y = qopt.fully_connected %x, %w : (tensor<2x2xf32>, tensor<3x2xf32>) -> tensor<2x3xf32>
  %s = qopt.sigmoid %y : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %g = qopt.gelu %s {approximate_tanh = true} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

// -----

// A float matmul of two computed values has no weights to become a layer.
// CHECK-LABEL: func.func @no_fold_matmul_of_values
// CHECK: qopt.matmul
// CHECK-NOT: qopt.fully_connected
func.func @no_fold_matmul_of_values(%x: tensor<2x2xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %m = qopt.matmul %x, %y : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %m : tensor<2x3xf32>
}
