// Every verifier message of the qopt dialect, one function per message.
// RUN: qopt-opt %s -split-input-file -verify-diagnostics

func.func @zero_point_outside_storage(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.1:200>> {
  // expected-error @+1 {{'qopt.quantize' op zero point 200 of result #0 is outside the storage range [-128, 127]}}
  %0 = qopt.quantize %x : (tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.1:200>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1:200>>
}

// -----

func.func @per_axis_zero_point_outside_storage(%x: tensor<2xf32>) -> tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1:-128}>> {
  // expected-error @+1 {{zero point -128 of result #0 is outside the storage range [-127, 127]}}
  %0 = qopt.quantize %x : (tensor<2xf32>) -> tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1:-128}>>
  return %0 : tensor<2x!quant.uniform<i8<-127:127>:f32:0, {0.1, 0.1:-128}>>
}

// -----

func.func @quantized_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32:2, {0.1, 0.2}>> {
  // expected-error @+1 {{quantized dimension 2 of result #0 is out of range for rank 2}}
  %0 = qopt.quantize %x : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32:2, {0.1, 0.2}>>
  return %0 : tensor<2x3x!quant.uniform<i8:f32:2, {0.1, 0.2}>>
}

// -----

func.func @per_axis_scale_count(%x: tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>> {
  // expected-error @+1 {{result #0 has 2 per-axis scales but dimension 1 has size 3}}
  %0 = qopt.quantize %x : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return %0 : tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
}

// -----

func.func @quantized_operand_checked_too(%x: tensor<4x!quant.uniform<u8:f32, 0.1:-1>>) -> tensor<4xf32> {
  // expected-error @+1 {{zero point -1 of operand #0 is outside the storage range [0, 255]}}
  %0 = qopt.dequantize %x : (tensor<4x!quant.uniform<u8:f32, 0.1:-1>>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @quantize_expressed_mismatch(%x: tensor<4xf16>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error @+1 {{expressed type 'f32' of the quantized type does not match the input element type 'f16'}}
  %0 = qopt.quantize %x : (tensor<4xf16>) -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @quantize_shape_mismatch(%x: tensor<4xf32>) -> tensor<5x!quant.uniform<i8:f32, 0.1>> {
  // expected-error @+1 {{result shape [5] differs from input shape [4]}}
  %0 = qopt.quantize %x : (tensor<4xf32>) -> tensor<5x!quant.uniform<i8:f32, 0.1>>
  return %0 : tensor<5x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @dequantize_expressed_mismatch(%x: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4xbf16> {
  // expected-error @+1 {{expressed type 'f32' of the quantized type does not match the result element type 'bf16'}}
  %0 = qopt.dequantize %x : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

func.func @requantize_expressed_mismatch(%x: tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f16, 0.1>> {
  // expected-error @+1 {{expressed type 'f16' of the quantized type does not match the input's expressed element type 'f32'}}
  %0 = qopt.requantize %x : (tensor<4x!quant.uniform<i8:f32, 0.1>>) -> tensor<4x!quant.uniform<i8:f16, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f16, 0.1>>
}

// -----

func.func @constant_shape_mismatch() -> tensor<3xf32> {
  // expected-error @+1 {{value shape [2] does not match result shape [3]}}
  %0 = qopt.constant dense<1.0> : tensor<2xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @constant_element_mismatch() -> tensor<2x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @+1 {{value element type 'i32' is neither the result element type '!quant.uniform<i8:f32, 5.000000e-01>' nor its storage type}}
  %0 = qopt.constant dense<1> : tensor<2xi32> -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<2x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @float_types_differ(%a: tensor<2xf32>, %b: tensor<2xf16>) -> tensor<2xf32> {
  // expected-error @+1 {{float operands and results must share one element type, found 'f32' and 'f16'}}
  %0 = qopt.add %a, %b : (tensor<2xf32>, tensor<2xf16>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @result_shape_mismatch(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{result shape [3,3] does not match the inferred shape [2,3]}}
  %0 = qopt.mul %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @no_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{shapes do not broadcast: [2,3] and [4]}}
  %0 = qopt.sub %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @unary_math_float_types_differ(%x: tensor<2xf32>) -> tensor<2xf16> {
  // expected-error @+1 {{'qopt.exp' op float operands and results must share one element type, found 'f32' and 'f16'}}
  %0 = qopt.exp %x : (tensor<2xf32>) -> tensor<2xf16>
  return %0 : tensor<2xf16>
}

// -----

func.func @unary_math_shape_differs(%x: tensor<2xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'qopt.erf' op requires the same shape for all operands and results}}
  %0 = qopt.erf %x : (tensor<2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @pow_no_broadcast(%a: tensor<2x3xf32>, %b: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'qopt.pow' op shapes do not broadcast: [2,3] and [2]}}
  %0 = qopt.pow %a, %b : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'qopt.reduce_sum' op axis 2 out of range for rank 2}}
  %0 = qopt.reduce_sum %x {axes = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_negative_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'qopt.reduce_max' op axis -3 out of range for rank 2}}
  %0 = qopt.reduce_max %x {axes = array<i64: -3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @reduce_repeated_axis(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{'qopt.reduce_mean' op axes [1,-1] name dimension 1 more than once}}
  %0 = qopt.reduce_mean %x {axes = array<i64: 1, -1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @reduce_result_keeps_dims(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'qopt.reduce_min' op result shape [2] does not match the inferred shape [2,1]}}
  %0 = qopt.reduce_min %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @reduce_float_types_differ(%x: tensor<2x3xf32>) -> tensor<2x1xf16> {
  // expected-error @+1 {{'qopt.reduce_sum' op float operands and results must share one element type, found 'f32' and 'f16'}}
  %0 = qopt.reduce_sum %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x1xf16>
  return %0 : tensor<2x1xf16>
}

// -----

func.func @reduce_needs_axes(%x: tensor<2x3xf32>) -> tensor<1x1xf32> {
  // expected-error @+1 {{'qopt.reduce_sum' op requires attribute 'axes'}}
  %0 = qopt.reduce_sum %x : (tensor<2x3xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

func.func @movement_changes_element_type(%x: tensor<2x3xf32>) -> tensor<6xf16> {
  // expected-error @+1 {{must not change the element type, found 'f32' and 'f16'}}
  %0 = qopt.reshape %x : (tensor<2x3xf32>) -> tensor<6xf16>
  return %0 : tensor<6xf16>
}

// -----

func.func @fc_input_rank(%x: tensor<784xf32>, %w: tensor<10x784xf32>) -> tensor<10xf32> {
  // expected-error @+1 {{input must have rank >= 2, got [784]}}
  %0 = qopt.fully_connected %x, %w : (tensor<784xf32>, tensor<10x784xf32>) -> tensor<10xf32>
  return %0 : tensor<10xf32>
}

// -----

func.func @fc_weight_rank(%x: tensor<1x784xf32>, %w: tensor<10x784x1xf32>) -> tensor<1x10xf32> {
  // expected-error @+1 {{weight must have rank 2 ([out_features, in_features]), got [10,784,1]}}
  %0 = qopt.fully_connected %x, %w : (tensor<1x784xf32>, tensor<10x784x1xf32>) -> tensor<1x10xf32>
  return %0 : tensor<1x10xf32>
}

// -----

func.func @fc_features(%x: tensor<1x783xf32>, %w: tensor<10x784xf32>) -> tensor<1x10xf32> {
  // expected-error @+1 {{input features do not match weight [N, K]: [1,783] and [10,784]}}
  %0 = qopt.fully_connected %x, %w : (tensor<1x783xf32>, tensor<10x784xf32>) -> tensor<1x10xf32>
  return %0 : tensor<1x10xf32>
}

// -----

func.func @fc_bias(%x: tensor<1x784xf32>, %w: tensor<10x784xf32>, %b: tensor<9xf32>) -> tensor<1x10xf32> {
  // expected-error @+1 {{bias must be [10], got [9]}}
  %0 = qopt.fully_connected %x, %w, %b : (tensor<1x784xf32>, tensor<10x784xf32>, tensor<9xf32>) -> tensor<1x10xf32>
  return %0 : tensor<1x10xf32>
}

// -----

func.func @matmul_rank(%a: tensor<4xf32>, %b: tensor<4x5xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{operands must have rank >= 2, got [4] and [4,5]}}
  %0 = qopt.matmul %a, %b : (tensor<4xf32>, tensor<4x5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @matmul_contraction(%a: tensor<3x4xf32>, %b: tensor<5x6xf32>) -> tensor<3x6xf32> {
  // expected-error @+1 {{contraction dimensions differ: [3,4] and [5,6]}}
  %0 = qopt.matmul %a, %b : (tensor<3x4xf32>, tensor<5x6xf32>) -> tensor<3x6xf32>
  return %0 : tensor<3x6xf32>
}

// -----

func.func @matmul_batch(%a: tensor<2x3x4xf32>, %b: tensor<3x4x6xf32>) -> tensor<2x3x6xf32> {
  // expected-error @+1 {{batch dimensions do not broadcast: [2,3,4] and [3,4,6]}}
  %0 = qopt.matmul %a, %b : (tensor<2x3x4xf32>, tensor<3x4x6xf32>) -> tensor<2x3x6xf32>
  return %0 : tensor<2x3x6xf32>
}

// -----

func.func @conv_rank(%x: tensor<3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{input and weight must have rank 4 (NCHW, OIHW), got [3,8,8] and [4,3,3,3]}}
  %0 = qopt.conv2d %x, %w : (tensor<3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_empty_kernel(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x0x3xf32>) -> tensor<1x4x9x6xf32> {
  // expected-error @+1 {{the weight's kernel size must be >= 1, got weight [4,3,0,3]}}
  %0 = qopt.conv2d %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x0x3xf32>) -> tensor<1x4x9x6xf32>
  return %0 : tensor<1x4x9x6xf32>
}

// -----

func.func @conv_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{strides must be 2 values >= 1, got [0,1]}}
  %0 = qopt.conv2d %x, %w {strides = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{pads must be 4 values >= 0 ([top, left, bottom, right]), got [1,1]}}
  %0 = qopt.conv2d %x, %w {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_dilations(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{dilations must be 2 values >= 1, got [1,0]}}
  %0 = qopt.conv2d %x, %w {dilations = array<i64: 1, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{groups must be >= 1, got 0}}
  %0 = qopt.conv2d %x, %w {groups = 0 : i64} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_input_groups(%x: tensor<1x6x8x8xf32>, %w: tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32> {
  // expected-error @+1 {{input channels 6 are not divisible by groups 4}}
  %0 = qopt.conv2d %x, %w {groups = 4 : i64} : (tensor<1x6x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// -----

func.func @conv_output_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error @+1 {{output channels 6 are not divisible by groups 4}}
  %0 = qopt.conv2d %x, %w {groups = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

func.func @conv_weight_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32> {
  // expected-error @+1 {{weight input channels must be C / groups: [1,4,8,8] and [8,4,3,3]}}
  %0 = qopt.conv2d %x, %w {groups = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{bias must be [4], got [3]}}
  %0 = qopt.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_kernel_too_large(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error @+1 {{kernel larger than padded input: [1,3,2,2] and [4,3,3,3]}}
  %0 = qopt.conv2d %x, %w : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

func.func @clamp_min_above_max(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{min 6.000000e+00 must not exceed max 0.000000e+00}}
  %0 = qopt.clamp %x {min = 6.0 : f32, max = 0.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unary_shape(%x: tensor<4xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{requires the same shape for all operands and results}}
  %0 = qopt.relu %x : (tensor<4xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = qopt.softmax %x {axis = 2 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// -----

func.func @log_softmax_axis(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  // expected-error @+1 {{axis -3 out of range for rank 2}}
  %0 = qopt.log_softmax %x {axis = -3 : i64} : (tensor<2x10xf32>) -> tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// -----

func.func @layer_norm_axis(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = qopt.layer_norm %x, %g {axis = 2 : i64} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @layer_norm_scale(%x: tensor<2x8xf32>, %g: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{scale must have the normalized shape [8], got [2,8]}}
  %0 = qopt.layer_norm %x, %g : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @layer_norm_bias(%x: tensor<2x8xf32>, %g: tensor<8xf32>, %b: tensor<7xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{bias must have the normalized shape [8], got [7]}}
  %0 = qopt.layer_norm %x, %g, %b : (tensor<2x8xf32>, tensor<8xf32>, tensor<7xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @batch_norm_rank(%x: tensor<4xf32>, %p: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{input must have rank >= 2 ([N, C, ...]), got [4]}}
  %0 = qopt.batch_norm %x, %p, %p, %p, %p : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @batch_norm_param(%x: tensor<1x4x2x2xf32>, %p: tensor<4xf32>, %v: tensor<3xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error @+1 {{variance must be [4] (one per channel), got [3]}}
  %0 = qopt.batch_norm %x, %p, %p, %p, %v : (tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

func.func @pool_rank(%x: tensor<8x28x28xf32>) -> tensor<8x27x27xf32> {
  // expected-error @+1 {{input must have rank 4 (NCHW), got [8,28,28]}}
  %0 = qopt.max_pool2d %x {kernel = array<i64: 2, 2>} : (tensor<8x28x28xf32>) -> tensor<8x27x27xf32>
  return %0 : tensor<8x27x27xf32>
}

// -----

func.func @pool_kernel(%x: tensor<1x8x28x28xf32>) -> tensor<1x8x27x27xf32> {
  // expected-error @+1 {{kernel must be 2 values >= 1, got [2]}}
  %0 = qopt.avg_pool2d %x {kernel = array<i64: 2>} : (tensor<1x8x28x28xf32>) -> tensor<1x8x27x27xf32>
  return %0 : tensor<1x8x27x27xf32>
}

// -----

func.func @pool_pads(%x: tensor<1x8x28x28xf32>) -> tensor<1x8x29x27xf32> {
  // expected-error @+1 {{pads must be smaller than the kernel, got pads [2,0,0,0] for kernel [2,2]}}
  %0 = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, pads = array<i64: 2, 0, 0, 0>} : (tensor<1x8x28x28xf32>) -> tensor<1x8x29x27xf32>
  return %0 : tensor<1x8x29x27xf32>
}

// -----

func.func @pool_kernel_too_large(%x: tensor<1x8x2x2xf32>) -> tensor<1x8x1x1xf32> {
  // expected-error @+1 {{kernel [3,3] larger than padded input [1,8,2,2]}}
  %0 = qopt.max_pool2d %x {kernel = array<i64: 3, 3>} : (tensor<1x8x2x2xf32>) -> tensor<1x8x1x1xf32>
  return %0 : tensor<1x8x1x1xf32>
}

// -----

func.func @global_pool_rank(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{input must have rank >= 3 ([N, C, spatial...]), got [1,8]}}
  %0 = qopt.global_avg_pool %x : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{element counts differ: [2,3] and [7]}}
  %0 = qopt.reshape %x : (tensor<2x3xf32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @flatten_axis(%x: tensor<2x3xf32>) -> tensor<6x1xf32> {
  // expected-error @+1 {{axis 3 out of range for rank 2}}
  %0 = qopt.flatten %x {axis = 3 : i64} : (tensor<2x3xf32>) -> tensor<6x1xf32>
  return %0 : tensor<6x1xf32>
}

// -----

func.func @transpose_perm_size(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{perm [1,0,2] does not have one entry per dimension of [2,3]}}
  %0 = qopt.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @transpose_not_permutation(%x: tensor<2x3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{perm [1,1] is not a permutation}}
  %0 = qopt.transpose %x {perm = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @concat_empty() -> tensor<2xf32> {
  // expected-error @+1 {{needs at least one input}}
  %0 = qopt.concat {axis = 0 : i64} : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = qopt.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<6xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{inputs differ in rank: [2,3] and [6]}}
  %0 = qopt.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<6xf32>) -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @concat_other_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{inputs differ outside the concat axis: [2,3] and [2,4]}}
  %0 = qopt.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @quantize_needs_float_input(%x: tensor<4xi32>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  // expected-error @+1 {{operand #0 must be ranked tensor of}}
  %0 = qopt.quantize %x : (tensor<4xi32>) -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

func.func @fake_quant_dynamic_bad_storage(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{expected ::mlir::qopt::ActivationStorage to be one of: u8, i8}}
  // expected-error @+1 {{failed to parse QOpt_ActivationStorageAttr parameter 'value'}}
  %0 = qopt.fake_quant_dynamic %x {storage = #qopt.storage<u4>} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @fake_quant_dynamic_storage_string(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'qopt.fake_quant_dynamic' op attribute 'storage' failed to satisfy constraint: storage of a quantized activation}}
  %0 = qopt.fake_quant_dynamic %x {storage = "i8"} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @slice_rank(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{starts, ends and steps need one entry per dimension (rank 2), got 1, 2 and 2}}
  %0 = qopt.slice %x {starts = array<i64: 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @slice_zero_step(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{step of dimension 1 is 0}}
  %0 = qopt.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @slice_element_type(%x: tensor<2x3xf32>) -> tensor<2x3xf16> {
  // expected-error @+1 {{result element type must equal the input's}}
  %0 = qopt.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 3>, steps = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

func.func @gather_index_range(%x: tensor<2x3xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{index 3 is out of range for dimension 1 of size 3}}
  %0 = qopt.gather %x {axis = 1 : i64, indices = array<i64: 3>, indices_shape = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

func.func @gather_indices_shape(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{indices_shape [3] does not hold the 2 indices}}
  %0 = qopt.gather %x {axis = 1 : i64, indices = array<i64: 0, 1>, indices_shape = array<i64: 3>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @gather_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 out of range for rank 2}}
  %0 = qopt.gather %x {axis = 2 : i64, indices = array<i64: 0>, indices_shape = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// The attributes the passes record are typed: text where a precision belongs is an error.
func.func @precision_string(%x: tensor<1x2xf32>, %w: tensor<3x2xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{'qopt.fully_connected' op attribute 'qopt.precision' must be #qopt.precision<f32|f16|bf16|i8>, got "i8"}}
  %0 = qopt.fully_connected %x, %w {qopt.precision = "i8"} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @precision_unknown(%x: tensor<1x2xf32>, %w: tensor<3x2xf32>) -> tensor<1x3xf32> {
  // expected-error @+2 {{expected ::mlir::qopt::Precision to be one of: i8, bf16, f16, f32}}
  // expected-error @+1 {{failed to parse QOpt_PrecisionAttr parameter 'value'}}
  %0 = qopt.fully_connected %x, %w {qopt.precision = #qopt.precision<i4>} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @precision_reason_not_string(%x: tensor<1x2xf32>, %w: tensor<3x2xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{'qopt.fully_connected' op attribute 'qopt.precision_reason' must be a string, got 3 : i64}}
  %0 = qopt.fully_connected %x, %w {qopt.precision_reason = 3 : i64} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @ops_per_sample_negative(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'qopt.kernel_call' op attribute 'qopt.ops_per_sample' must be a non-negative integer, got -8 : i64}}
  %0 = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>, qopt.ops_per_sample = -8 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @ops_per_sample_not_integer(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'qopt.kernel_call' op attribute 'qopt.ops_per_sample' must be a non-negative integer, got "many"}}
  %0 = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>, qopt.ops_per_sample = "many"} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @calibration_dictionary(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'qopt.relu' op attribute 'qopt.calibration' must be a #qopt.calibration<lo = .., hi = .., min = .., max = ..> record, got {hi = 1.000000e+00 : f32, lo = 0.000000e+00 : f32}}}
  %0 = qopt.relu %x {qopt.calibration = {lo = 0.0 : f32, hi = 1.0 : f32}} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// expected-error @+1 {{'func.func' op argument #0: attribute 'qopt.calibration' must be a #qopt.calibration<lo = .., hi = .., min = .., max = ..> record, got "x"}}
func.func @calibration_argument(%x: tensor<2xf32> {qopt.calibration = "x"}) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}

// -----

func.func @calibration_missing_range(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{struct is missing required parameter: max}}
  %0 = qopt.relu %x {qopt.calibration = #qopt.calibration<lo = 0.0, hi = 1.0, min = 0.0>} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @kernel_call_callee(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'qopt.kernel_call' op callee 'memcpy' is not a qopt kernel (qopt_*)}}
  %0 = qopt.kernel_call "memcpy"(%x) {params = array<i8>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @kernel_call_negative_scratch(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'qopt.kernel_call' op scratch sizes must be non-negative}}
  %0 = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8>, scratch_fixed = -64 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Position 0 of the kernel's operand list is the result: it cannot be null.
func.func @kernel_call_null_result(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'qopt.kernel_call' op null operand positions must increase within [1, 3), got 0}}
  %0 = qopt.kernel_call "qopt_k_layer_norm"(%x) {null_operands = array<i64: 0>, params = array<i8>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Two inputs and two nulls make five slots: position 5 is past the end.
func.func @kernel_call_null_past_end(%x: tensor<?x4xf32>, %s: tensor<4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'qopt.kernel_call' op null operand positions must increase within [1, 5), got 5}}
  %0 = qopt.kernel_call "qopt_k_layer_norm"(%x, %s) {null_operands = array<i64: 3, 5>, params = array<i8>} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @kernel_call_null_repeated(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'qopt.kernel_call' op null operand positions must increase within [1, 4), got 2}}
  %0 = qopt.kernel_call "qopt_k_layer_norm"(%x) {null_operands = array<i64: 2, 2>, params = array<i8>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @kernel_call_dynamic_inner(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'qopt.kernel_call' op only the leading (batch) dimension may be dynamic, got 'tensor<?x?xf32>'}}
  %0 = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8>} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
