// RUN: qopt-opt %s -split-input-file -qopt-fold-batch-norm | FileCheck %s

// inv = scale / sqrt(var + eps) = [1/2, 2/0.5] = [0.5, 4]; w' = w * inv = [1, 8];
// b' = (0 - mean) * inv + bias = [-1 * 0.5 + 0.5, -0.5 * 4 + 1] = [0, -1].
// CHECK-LABEL: func.func @fold_into_conv
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x4x4xf32>)
// CHECK-DAG: %[[W:.*]] = qopt.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}8.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = qopt.constant dense<[0.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[C:.*]] = qopt.conv2d %[[X]], %[[W]], %[[B]] : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NOT: qopt.batch_norm
// CHECK: return %[[C]]
func.func @fold_into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = qopt.constant dense<2.0> : tensor<2x1x1x1xf32>
  %scale = qopt.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %bias = qopt.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %mean = qopt.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %var = qopt.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %c = qopt.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = qopt.batch_norm %c, %scale, %bias, %mean, %var {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// An existing bias is shifted: b' = (b - mean) * inv + bias = ([3, 1] - [1, 1]) * [0.5, 0.5] + [0, 0].
// CHECK-LABEL: func.func @fold_into_fully_connected_with_bias
// CHECK-DAG: %[[W:.*]] = qopt.constant dense<5.000000e-01> : tensor<2x3xf32>
// CHECK-DAG: %[[B:.*]] = qopt.constant dense<[1.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK: qopt.fully_connected %arg0, %[[W]], %[[B]]
// CHECK-NOT: qopt.batch_norm
func.func @fold_into_fully_connected_with_bias(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = qopt.constant dense<1.0> : tensor<2x3xf32>
  %b = qopt.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %one = qopt.constant dense<1.0> : tensor<2xf32>
  %zero = qopt.constant dense<0.0> : tensor<2xf32>
  %var = qopt.constant dense<4.0> : tensor<2xf32>
  %f = qopt.fully_connected %x, %w, %b : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %y = qopt.batch_norm %f, %one, %zero, %one, %var {epsilon = 0.0 : f32} : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A ReLU fused into the conv sits between conv and batch_norm: folding would change the result.
// CHECK-LABEL: func.func @no_fold_activation_in_between
// CHECK: qopt.conv2d {{.*}}activation = #qopt.activation<relu>
// CHECK: qopt.batch_norm
func.func @no_fold_activation_in_between(%x: tensor<1x1x4x4xf32>, %p: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %w = qopt.constant dense<2.0> : tensor<2x1x1x1xf32>
  %c = qopt.conv2d %x, %w {activation = #qopt.activation<relu>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %one = qopt.constant dense<1.0> : tensor<2xf32>
  %y = qopt.batch_norm %c, %one, %one, %one, %one : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_non_constant_parameters
// CHECK: qopt.batch_norm
func.func @no_fold_non_constant_parameters(%x: tensor<1x1x4x4xf32>, %p: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %w = qopt.constant dense<2.0> : tensor<2x1x1x1xf32>
  %c = qopt.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = qopt.batch_norm %c, %p, %p, %p, %p : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// The conv result is also returned: rewriting its weights would change that output.
// CHECK-LABEL: func.func @no_fold_shared_producer
// CHECK: qopt.batch_norm
func.func @no_fold_shared_producer(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = qopt.constant dense<2.0> : tensor<2x1x1x1xf32>
  %one = qopt.constant dense<1.0> : tensor<2xf32>
  %c = qopt.conv2d %x, %w : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = qopt.batch_norm %c, %one, %one, %one, %one : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @no_fold_block_argument_input
// CHECK: qopt.batch_norm
func.func @no_fold_block_argument_input(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %one = qopt.constant dense<1.0> : tensor<2xf32>
  %y = qopt.batch_norm %x, %one, %one, %one, %one : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
