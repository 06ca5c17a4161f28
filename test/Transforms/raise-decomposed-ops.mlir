// RUN: qopt-opt %s -split-input-file -qopt-raise-decomposed-ops | FileCheck %s

// The GELU torch.onnx exports below opset 17: x * (1 + erf(x / sqrt 2)) * 0.5.
// CHECK-LABEL: func.func @raise_gelu
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-NEXT: %[[G:.*]] = qopt.gelu %[[X]] : (tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @raise_gelu(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = qopt.constant dense<1.41421354> : tensor<f32>
  %one = qopt.constant dense<1.0> : tensor<f32>
  %half = qopt.constant dense<0.5> : tensor<f32>
  %d = qopt.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e = qopt.erf %d : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %a = qopt.add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %m = qopt.mul %x, %a : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = qopt.mul %m, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Factors in another order, and x * (1 / sqrt 2) instead of x / sqrt 2.
// CHECK-LABEL: func.func @raise_gelu_reordered
// CHECK-NEXT: %[[G:.*]] = qopt.gelu %arg0
// CHECK-NEXT: return %[[G]]
func.func @raise_gelu_reordered(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = qopt.constant dense<0.707106769> : tensor<f32>
  %one = qopt.constant dense<1.0> : tensor<f32>
  %half = qopt.constant dense<0.5> : tensor<f32>
  %d = qopt.mul %r, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %e = qopt.erf %d : (tensor<4xf32>) -> tensor<4xf32>
  %a = qopt.add %one, %e : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %h = qopt.mul %half, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %y = qopt.mul %a, %h : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// 0.25 instead of 0.5 is not GELU.
// CHECK-LABEL: func.func @no_fold_gelu_wrong_constant
// CHECK-NOT: qopt.gelu
// CHECK: qopt.erf
func.func @no_fold_gelu_wrong_constant(%x: tensor<4xf32>) -> tensor<4xf32> {
  %sqrt2 = qopt.constant dense<1.41421354> : tensor<f32>
  %one = qopt.constant dense<1.0> : tensor<f32>
  %q = qopt.constant dense<0.25> : tensor<f32>
  %d = qopt.div %x, %sqrt2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %e = qopt.erf %d : (tensor<4xf32>) -> tensor<4xf32>
  %a = qopt.add %e, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %m = qopt.mul %x, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %y = qopt.mul %m, %q : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// The LayerNorm torch.onnx exports below opset 17, with scale and shift (epsilon 1e-5 and axis -1
// are the defaults, so they print as nothing).
// CHECK-LABEL: func.func @raise_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-DAG: %[[G:.*]] = qopt.constant dense<2.000000e+00> : tensor<8xf32>
// CHECK-DAG: %[[B:.*]] = qopt.constant dense<1.000000e-01> : tensor<8xf32>
// CHECK: %[[N:.*]] = qopt.layer_norm %[[X]], %[[G]], %[[B]] : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: return %[[N]]
func.func @raise_layer_norm(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %two = qopt.constant dense<2.0> : tensor<f32>
  %eps = qopt.constant dense<1.0e-5> : tensor<f32>
  %gamma = qopt.constant dense<2.0> : tensor<8xf32>
  %beta = qopt.constant dense<0.1> : tensor<8xf32>
  %mean = qopt.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %d = qopt.sub %x, %mean : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = qopt.pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %var = qopt.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %ve = qopt.add %var, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = qopt.sqrt %ve : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %n = qopt.div %d, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %sc = qopt.mul %n, %gamma : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %y = qopt.add %sc, %beta : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Over the last two dimensions, variance as d * d, no affine tail: a unit scale is supplied.
// CHECK-LABEL: func.func @raise_layer_norm_two_axes_no_affine
// CHECK: %[[ONE:.*]] = qopt.constant dense<1.000000e+00> : tensor<3x4xf32>
// CHECK: qopt.layer_norm %arg0, %[[ONE]] {axis = -2 : i64, epsilon = 1.000000e-03 : f32} : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
func.func @raise_layer_norm_two_axes_no_affine(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %eps = qopt.constant dense<1.0e-3> : tensor<f32>
  %mean = qopt.reduce_mean %x {axes = array<i64: 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x1x1xf32>
  %d = qopt.sub %x, %mean : (tensor<2x3x4xf32>, tensor<2x1x1xf32>) -> tensor<2x3x4xf32>
  %p = qopt.mul %d, %d : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %var = qopt.reduce_mean %p {axes = array<i64: -2, -1>} : (tensor<2x3x4xf32>) -> tensor<2x1x1xf32>
  %ve = qopt.add %eps, %var : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %s = qopt.sqrt %ve : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %n = qopt.div %d, %s : (tensor<2x3x4xf32>, tensor<2x1x1xf32>) -> tensor<2x3x4xf32>
  return %n : tensor<2x3x4xf32>
}

// -----

// Normalizing over a leading dimension is not a layer norm.
// CHECK-LABEL: func.func @no_fold_layer_norm_leading_axis
// CHECK-NOT: qopt.layer_norm
// CHECK: qopt.div
func.func @no_fold_layer_norm_leading_axis(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %two = qopt.constant dense<2.0> : tensor<f32>
  %eps = qopt.constant dense<1.0e-5> : tensor<f32>
  %mean = qopt.reduce_mean %x {axes = array<i64: 0>} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %d = qopt.sub %x, %mean : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %p = qopt.pow %d, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %var = qopt.reduce_mean %p {axes = array<i64: 0>} : (tensor<2x8xf32>) -> tensor<1x8xf32>
  %ve = qopt.add %var, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %s = qopt.sqrt %ve : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %n = qopt.div %d, %s : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return %n : tensor<2x8xf32>
}

// -----

// The variance of something else than (x - mean).
// CHECK-LABEL: func.func @no_fold_layer_norm_other_variance
// CHECK-NOT: qopt.layer_norm
func.func @no_fold_layer_norm_other_variance(%x: tensor<2x8xf32>, %z: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %two = qopt.constant dense<2.0> : tensor<f32>
  %eps = qopt.constant dense<1.0e-5> : tensor<f32>
  %mean = qopt.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %d = qopt.sub %x, %mean : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %p = qopt.pow %z, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %var = qopt.reduce_mean %p {axes = array<i64: -1>} : (tensor<2x8xf32>) -> tensor<2x1xf32>
  %ve = qopt.add %var, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %s = qopt.sqrt %ve : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %n = qopt.div %d, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %n : tensor<2x8xf32>
}
