// Every qopt op parses, verifies and prints back to the same form, in custom and generic syntax.
// RUN: qopt-opt %s -split-input-file | qopt-opt -split-input-file | FileCheck %s
// RUN: qopt-opt %s -split-input-file -mlir-print-op-generic | qopt-opt -split-input-file | FileCheck %s
// The FlatBuffers round trip of every function below is in test/Target/FlatBuffer/roundtrip-ops.test.

// CHECK-LABEL: func.func @constant_dense
// CHECK: qopt.constant dense<{{\[}}[1.000000e+00, 2.000000e+00]]> : tensor<1x2xf32>
func.func @constant_dense() -> tensor<1x2xf32> {
  %0 = qopt.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// CHECK-LABEL: func.func @constant_splat_f16
// CHECK: qopt.constant dense<5.000000e-01> : tensor<4x4xf16>
func.func @constant_splat_f16() -> tensor<4x4xf16> {
  %0 = qopt.constant dense<0.5> : tensor<4x4xf16>
  return %0 : tensor<4x4xf16>
}

// -----

// CHECK-LABEL: func.func @constant_resource
// CHECK: qopt.constant dense_resource<weights> : tensor<2x2xf32>
// CHECK: weights: "0x040000000000803F000000400000404000008040"
func.func @constant_resource() -> tensor<2x2xf32> {
  %0 = qopt.constant dense_resource<weights> : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F000000400000404000008040"
    }
  }
#-}

// -----

// CHECK-LABEL: func.func @constant_quantized_per_axis
// CHECK: qopt.constant dense<{{\[}}[1, -2], [3, 127]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {5.000000e-01,2.500000e-01}>>
func.func @constant_quantized_per_axis() -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>> {
  %0 = qopt.constant dense<[[1, -2], [3, 127]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>>
  return %0 : tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>>
}

// -----

// CHECK-LABEL: func.func @constant_i64_shape
// CHECK: qopt.constant dense<[1, -1]> : tensor<2xi64>
func.func @constant_i64_shape() -> tensor<2xi64> {
  %0 = qopt.constant dense<[1, -1]> : tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @fully_connected
// CHECK-SAME: (%[[X:.*]]: tensor<?x784xf32>, %[[W:.*]]: tensor<256x784xf32>, %[[B:.*]]: tensor<256xf32>)
// CHECK: qopt.fully_connected %[[X]], %[[W]], %[[B]] {activation = #qopt.activation<relu>} : (tensor<?x784xf32>, tensor<256x784xf32>, tensor<256xf32>) -> tensor<?x256xf32>
func.func @fully_connected(%x: tensor<?x784xf32>, %w: tensor<256x784xf32>, %b: tensor<256xf32>) -> tensor<?x256xf32> {
  %0 = qopt.fully_connected %x, %w, %b {activation = #qopt.activation<relu>} : (tensor<?x784xf32>, tensor<256x784xf32>, tensor<256xf32>) -> tensor<?x256xf32>
  return %0 : tensor<?x256xf32>
}

// -----

// CHECK-LABEL: func.func @fully_connected_no_bias_3d
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>, %[[W:.*]]: tensor<4x16xf32>)
// CHECK: qopt.fully_connected %[[X]], %[[W]] : (tensor<2x8x16xf32>, tensor<4x16xf32>) -> tensor<2x8x4xf32>
func.func @fully_connected_no_bias_3d(%x: tensor<2x8x16xf32>, %w: tensor<4x16xf32>) -> tensor<2x8x4xf32> {
  %0 = qopt.fully_connected %x, %w : (tensor<2x8x16xf32>, tensor<4x16xf32>) -> tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

// CHECK-LABEL: func.func @fully_connected_quantized
// CHECK: qopt.fully_connected %{{.*}}, %{{.*}}, %{{.*}} {activation = #qopt.activation<relu6>} : (tensor<1x4x!quant.uniform<u8:f32, 1.000000e-01:128>>, tensor<2x4x!quant.uniform<i8<-127:127>:f32:0, {2.000000e-02,3.000000e-02}>>, tensor<2x!quant.uniform<i32:f32:0, {2.000000e-03,3.000000e-03}>>) -> tensor<1x2x!quant.uniform<u8:f32, 5.000000e-02:3>>
func.func @fully_connected_quantized(%x: tensor<1x4x!quant.uniform<u8:f32, 0.1:128>>,
                                     %w: tensor<2x4x!quant.uniform<i8<-127:127>:f32:0, {0.02, 0.03}>>,
                                     %b: tensor<2x!quant.uniform<i32:f32:0, {0.002, 0.003}>>)
    -> tensor<1x2x!quant.uniform<u8:f32, 0.05:3>> {
  %0 = qopt.fully_connected %x, %w, %b {activation = #qopt.activation<relu6>}
      : (tensor<1x4x!quant.uniform<u8:f32, 0.1:128>>, tensor<2x4x!quant.uniform<i8<-127:127>:f32:0, {0.02, 0.03}>>,
         tensor<2x!quant.uniform<i32:f32:0, {0.002, 0.003}>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.05:3>>
  return %0 : tensor<1x2x!quant.uniform<u8:f32, 0.05:3>>
}

// -----

// CHECK-LABEL: func.func @matmul_2d
// CHECK: qopt.matmul %{{.*}}, %{{.*}} : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
func.func @matmul_2d(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = qopt.matmul %a, %b : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_batch_broadcast
// CHECK: qopt.matmul %{{.*}}, %{{.*}} : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
func.func @matmul_batch_broadcast(%a: tensor<2x1x3x4xf32>, %b: tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32> {
  %0 = qopt.matmul %a, %b : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
  return %0 : tensor<2x5x3x6xf32>
}

// -----

// CHECK-LABEL: func.func @conv2d
// CHECK: qopt.conv2d %{{.*}}, %{{.*}}, %{{.*}} {activation = #qopt.activation<relu>, dilations = array<i64: 2, 1>, pads = array<i64: 1, 2, 1, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x28x28xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x13x15xf32>
func.func @conv2d(%x: tensor<1x3x28x28xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x13x15xf32> {
  %0 = qopt.conv2d %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 2, 1, 2>, dilations = array<i64: 2, 1>, activation = #qopt.activation<relu>}
      : (tensor<1x3x28x28xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<1x8x13x15xf32>
  return %0 : tensor<1x8x13x15xf32>
}

// -----

// CHECK-LABEL: func.func @conv2d_depthwise
// CHECK: qopt.conv2d %{{.*}}, %{{.*}} {groups = 16 : i64} : (tensor<1x16x8x8xf32>, tensor<32x1x3x3xf32>) -> tensor<1x32x6x6xf32>
func.func @conv2d_depthwise(%x: tensor<1x16x8x8xf32>, %w: tensor<32x1x3x3xf32>) -> tensor<1x32x6x6xf32> {
  %0 = qopt.conv2d %x, %w {groups = 16 : i64} : (tensor<1x16x8x8xf32>, tensor<32x1x3x3xf32>) -> tensor<1x32x6x6xf32>
  return %0 : tensor<1x32x6x6xf32>
}

// -----

// CHECK-LABEL: func.func @binary_broadcast
// CHECK: %[[A:.*]] = qopt.add %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: %[[S:.*]] = qopt.sub %[[A]], %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: %[[M:.*]] = qopt.mul %[[S]], %arg2 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
// CHECK: qopt.div %[[M]], %arg2 : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
func.func @binary_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>) -> tensor<2x3xf32> {
  %0 = qopt.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = qopt.sub %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = qopt.mul %1, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %3 = qopt.div %2, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %3 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @activations
// CHECK: %[[R:.*]] = qopt.relu %arg0 : (tensor<4xf32>) -> tensor<4xf32>
// CHECK: %[[C:.*]] = qopt.clamp %[[R]] {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32}
// CHECK: %[[L:.*]] = qopt.leaky_relu %[[C]] {alpha = 2.000000e-01 : f32}
// CHECK: %[[S:.*]] = qopt.sigmoid %[[L]]
// CHECK: %[[T:.*]] = qopt.tanh %[[S]]
// CHECK: %[[G:.*]] = qopt.gelu %[[T]] :
// CHECK: qopt.gelu %[[G]] {approximate_tanh = true}
func.func @activations(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qopt.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  %1 = qopt.clamp %0 {min = 0.0 : f32, max = 6.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = qopt.leaky_relu %1 {alpha = 0.2 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %3 = qopt.sigmoid %2 : (tensor<4xf32>) -> tensor<4xf32>
  %4 = qopt.tanh %3 : (tensor<4xf32>) -> tensor<4xf32>
  %5 = qopt.gelu %4 : (tensor<4xf32>) -> tensor<4xf32>
  %6 = qopt.gelu %5 {approximate_tanh = true} : (tensor<4xf32>) -> tensor<4xf32>
  return %6 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK: %[[S:.*]] = qopt.softmax %arg0 : (tensor<2x10xf32>) -> tensor<2x10xf32>
// CHECK: qopt.log_softmax %[[S]] {axis = 0 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
func.func @softmax(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = qopt.softmax %x : (tensor<2x10xf32>) -> tensor<2x10xf32>
  %1 = qopt.log_softmax %0 {axis = 0 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
  return %1 : tensor<2x10xf32>
}

// -----

// CHECK-LABEL: func.func @elementwise_math
// CHECK: %[[E:.*]] = qopt.exp %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[S:.*]] = qopt.sqrt %[[E]] : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[N:.*]] = qopt.neg %[[S]] : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[R:.*]] = qopt.erf %[[N]] : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: qopt.pow %[[R]], %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
func.func @elementwise_math(%x: tensor<2x3xf32>, %p: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.exp %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = qopt.sqrt %0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = qopt.neg %1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = qopt.erf %2 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = qopt.pow %3, %p : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %4 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @pow_broadcast_f16
// CHECK: qopt.pow %arg0, %arg1 : (tensor<4x1xf16>, tensor<1x5xf16>) -> tensor<4x5xf16>
func.func @pow_broadcast_f16(%x: tensor<4x1xf16>, %y: tensor<1x5xf16>) -> tensor<4x5xf16> {
  %0 = qopt.pow %x, %y : (tensor<4x1xf16>, tensor<1x5xf16>) -> tensor<4x5xf16>
  return %0 : tensor<4x5xf16>
}

// -----

// CHECK-LABEL: func.func @reductions
// CHECK: %[[M:.*]] = qopt.reduce_mean %arg0 {axes = array<i64: -1>} : (tensor<?x3x4xf32>) -> tensor<?x3x1xf32>
// CHECK: %[[S:.*]] = qopt.reduce_sum %[[M]] {axes = array<i64: 1, 0>, keepdims = false} : (tensor<?x3x1xf32>) -> tensor<1xf32>
// CHECK: %[[X:.*]] = qopt.reduce_max %[[S]] {axes = array<i64>} : (tensor<1xf32>) -> tensor<1xf32>
// CHECK: qopt.reduce_min %[[X]] {axes = array<i64>, keepdims = false} : (tensor<1xf32>) -> tensor<f32>
func.func @reductions(%x: tensor<?x3x4xf32>) -> tensor<f32> {
  %0 = qopt.reduce_mean %x {axes = array<i64: -1>} : (tensor<?x3x4xf32>) -> tensor<?x3x1xf32>
  %1 = qopt.reduce_sum %0 {axes = array<i64: 1, 0>, keepdims = false} : (tensor<?x3x1xf32>) -> tensor<1xf32>
  %2 = qopt.reduce_max %1 {axes = array<i64>, keepdims = true} : (tensor<1xf32>) -> tensor<1xf32>
  %3 = qopt.reduce_min %2 {axes = array<i64>, keepdims = false} : (tensor<1xf32>) -> tensor<f32>
  return %3 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @layer_norm
// CHECK: qopt.layer_norm %arg0, %arg1, %arg2 {axis = 1 : i64, epsilon = 9.99999996E-13 : f32} : (tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
func.func @layer_norm(%x: tensor<2x4x8xf32>, %g: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<2x4x8xf32> {
  %0 = qopt.layer_norm %x, %g, %b {axis = 1 : i64, epsilon = 1.0e-12 : f32} : (tensor<2x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @layer_norm_no_bias
// CHECK: qopt.layer_norm %arg0, %arg1 : (tensor<3x8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
func.func @layer_norm_no_bias(%x: tensor<3x8xf32>, %g: tensor<8xf32>) -> tensor<3x8xf32> {
  %0 = qopt.layer_norm %x, %g : (tensor<3x8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// CHECK-LABEL: func.func @batch_norm
// CHECK: qopt.batch_norm %arg0, %arg1, %arg2, %arg3, %arg4 {epsilon = 1.000000e-03 : f32} : (tensor<1x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x5x5xf32>
func.func @batch_norm(%x: tensor<1x4x5x5xf32>, %s: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<1x4x5x5xf32> {
  %0 = qopt.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-3 : f32} : (tensor<1x4x5x5xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x5x5xf32>
  return %0 : tensor<1x4x5x5xf32>
}

// -----

// CHECK-LABEL: func.func @pools
// CHECK: %[[M:.*]] = qopt.max_pool2d %arg0 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x8x28x28xf32>) -> tensor<1x8x14x14xf32>
// CHECK: %[[A:.*]] = qopt.avg_pool2d %[[M]] {ceil_mode = true, count_include_pad = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x14x14xf32>) -> tensor<1x8x8x8xf32>
// CHECK: qopt.global_avg_pool %[[A]] : (tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32>
func.func @pools(%x: tensor<1x8x28x28xf32>) -> tensor<1x8x1x1xf32> {
  %0 = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x8x28x28xf32>) -> tensor<1x8x14x14xf32>
  %1 = qopt.avg_pool2d %0 {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true, count_include_pad = true} : (tensor<1x8x14x14xf32>) -> tensor<1x8x8x8xf32>
  %2 = qopt.global_avg_pool %1 : (tensor<1x8x8x8xf32>) -> tensor<1x8x1x1xf32>
  return %2 : tensor<1x8x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @max_pool2d_dilated
// CHECK: qopt.max_pool2d %arg0 {dilations = array<i64: 2, 2>, kernel = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
func.func @max_pool2d_dilated(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  %0 = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, dilations = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @data_movement
// CHECK: %[[F:.*]] = qopt.flatten %arg0 : (tensor<?x1x28x28xf32>) -> tensor<?x784xf32>
// CHECK: %[[R:.*]] = qopt.reshape %[[F]] : (tensor<?x784xf32>) -> tensor<?x28x28xf32>
// CHECK: %[[T:.*]] = qopt.transpose %[[R]] {perm = array<i64: 0, 2, 1>} : (tensor<?x28x28xf32>) -> tensor<?x28x28xf32>
// CHECK: qopt.concat %[[T]], %[[R]] {axis = 2 : i64} : (tensor<?x28x28xf32>, tensor<?x28x28xf32>) -> tensor<?x28x56xf32>
func.func @data_movement(%x: tensor<?x1x28x28xf32>) -> tensor<?x28x56xf32> {
  %0 = qopt.flatten %x : (tensor<?x1x28x28xf32>) -> tensor<?x784xf32>
  %1 = qopt.reshape %0 : (tensor<?x784xf32>) -> tensor<?x28x28xf32>
  %2 = qopt.transpose %1 {perm = array<i64: 0, 2, 1>} : (tensor<?x28x28xf32>) -> tensor<?x28x28xf32>
  %3 = qopt.concat %2, %1 {axis = 2 : i64} : (tensor<?x28x28xf32>, tensor<?x28x28xf32>) -> tensor<?x28x56xf32>
  return %3 : tensor<?x28x56xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_dequantize
// CHECK: %[[Q:.*]] = qopt.quantize %arg0 : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 1.000000e-01:128>>
// CHECK: %[[R:.*]] = qopt.requantize %[[Q]] : (tensor<2x3x!quant.uniform<u8:f32, 1.000000e-01:128>>) -> tensor<2x3x!quant.uniform<i8:f32, 2.000000e-01>>
// CHECK: qopt.dequantize %[[R]] : (tensor<2x3x!quant.uniform<i8:f32, 2.000000e-01>>) -> tensor<2x3xf32>
func.func @quantize_dequantize(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.quantize %x : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>
  %1 = qopt.requantize %0 : (tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>) -> tensor<2x3x!quant.uniform<i8:f32, 0.2>>
  %2 = qopt.dequantize %1 : (tensor<2x3x!quant.uniform<i8:f32, 0.2>>) -> tensor<2x3xf32>
  return %2 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @quantize_per_axis
// CHECK: qopt.quantize %arg0 : (tensor<3x2xf32>) -> tensor<3x2x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01}>>
func.func @quantize_per_axis(%x: tensor<3x2xf32>) -> tensor<3x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>> {
  %0 = qopt.quantize %x : (tensor<3x2xf32>) -> tensor<3x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return %0 : tensor<3x2x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
}

// -----

// CHECK-LABEL: func.func @named_signature
// CHECK-SAME: %{{.*}}: tensor<1x4xbf16> {qopt.name = "pixels"}) -> (tensor<1x4xbf16> {qopt.name = "probs"})
// CHECK: qopt.softmax %{{.*}} : (tensor<1x4xbf16>) -> tensor<1x4xbf16>
func.func @named_signature(%x: tensor<1x4xbf16> {qopt.name = "pixels"}) -> (tensor<1x4xbf16> {qopt.name = "probs"}) {
  %0 = qopt.softmax %x : (tensor<1x4xbf16>) -> tensor<1x4xbf16>
  return %0 : tensor<1x4xbf16>
}

// -----

// CHECK-LABEL: func.func @cast_and_dynamic_fake_quant
// CHECK: %[[H:.*]] = qopt.cast %arg0 : (tensor<2x3xf32>) -> tensor<2x3xf16>
// CHECK: %[[F:.*]] = qopt.cast %[[H]] : (tensor<2x3xf16>) -> tensor<2x3xf32>
// CHECK: qopt.fake_quant_dynamic %[[F]] : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: qopt.fake_quant_dynamic %{{.*}} {storage = #qopt.storage<i8>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
func.func @cast_and_dynamic_fake_quant(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qopt.cast %x : (tensor<2x3xf32>) -> tensor<2x3xf16>
  %1 = qopt.cast %0 : (tensor<2x3xf16>) -> tensor<2x3xf32>
  %2 = qopt.fake_quant_dynamic %1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = qopt.fake_quant_dynamic %2 {storage = #qopt.storage<i8>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %3 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @slice_and_gather
// CHECK: qopt.slice %arg0 {ends = array<i64: 9223372036854775807, 4, -6>, starts = array<i64: 0, 1, -1>, steps = array<i64: 1, 2, -2>} : (tensor<?x5x6xf32>) -> tensor<?x2x3xf32>
// CHECK: qopt.gather %{{.*}} {axis = -1 : i64, indices = array<i64: 0, -1, 1, 1>, indices_shape = array<i64: 2, 2>} : (tensor<?x2x3xf32>) -> tensor<?x2x2x2xf32>
func.func @slice_and_gather(%x: tensor<?x5x6xf32>) -> tensor<?x2x2x2xf32> {
  %0 = qopt.slice %x {starts = array<i64: 0, 1, -1>, ends = array<i64: 9223372036854775807, 4, -6>, steps = array<i64: 1, 2, -2>} : (tensor<?x5x6xf32>) -> tensor<?x2x3xf32>
  %1 = qopt.gather %0 {axis = -1 : i64, indices = array<i64: 0, -1, 1, 1>, indices_shape = array<i64: 2, 2>} : (tensor<?x2x3xf32>) -> tensor<?x2x2x2xf32>
  return %1 : tensor<?x2x2x2xf32>
}

// -----

// The integer form qopt-fold-quant-dequant produces: u8 input, per-channel i8 weight, i32 bias at
// scale s_in * s_w, u8 result; and an f16 layer with 16-bit weights in a blob.
// CHECK-LABEL: func.func @quantized_and_half_layers
// CHECK: qopt.fully_connected %arg0, %{{.*}}, %{{.*}} {activation = #qopt.activation<relu>} : (tensor<1x2x!quant.uniform<u8:f32, 5.000000e-01:10>>, tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {2.500000e-01,1.000000e+00}>>, tensor<2x!quant.uniform<i32:f32:0, {1.250000e-01,5.000000e-01}>>) -> tensor<1x2x!quant.uniform<u8:f32, 2.500000e-01>>
// CHECK: qopt.constant dense_resource<w16> : tensor<2x2xf16>
func.func @quantized_and_half_layers(%x: tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>, %h: tensor<1x2xf16>) -> (tensor<1x2x!quant.uniform<u8:f32, 0.25>>, tensor<1x2xf16>) {
  %w = qopt.constant dense<[[4, 2], [1, -3]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.25, 1.0}>>
  %b = qopt.constant dense<[8, -6]> : tensor<2xi32> -> tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.5}>>
  %y = qopt.fully_connected %x, %w, %b {activation = #qopt.activation<relu>} : (tensor<1x2x!quant.uniform<u8:f32, 0.5:10>>, tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.25, 1.0}>>, tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.5}>>) -> tensor<1x2x!quant.uniform<u8:f32, 0.25>>
  %w16 = qopt.constant dense_resource<w16> : tensor<2x2xf16>
  %z = qopt.fully_connected %h, %w16 : (tensor<1x2xf16>, tensor<2x2xf16>) -> tensor<1x2xf16>
  return %y, %z : tensor<1x2x!quant.uniform<u8:f32, 0.25>>, tensor<1x2xf16>
}

{-#
  dialect_resources: {
    builtin: {
      w16: "0x02000000003C00BC00400042"
    }
  }
#-}
