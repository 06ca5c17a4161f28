// Every reason qopt-lower-to-kernels gives for an op it cannot lower, one function per reason:
// the error names the op, its layer and the reason; there is no silent fallback.
// RUN: qopt-opt %s -split-input-file -qopt-lower-to-kernels -verify-diagnostics

// Elementwise: f64 has no kernel.
func.func @unary_f64(%x: tensor<?x4xf64>) -> tensor<?x4xf64> {
  // expected-error @+1 {{cannot compile 'qopt.relu' (layer '?') to the native backend: the native kernel takes f32, f16 or bf16 tensors}}
  %0 = qopt.relu %x : (tensor<?x4xf64>) -> tensor<?x4xf64>
  return %0 : tensor<?x4xf64>
}

// -----

// Only the leading dimension may be dynamic.
func.func @dynamic_inner(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{cannot compile 'qopt.exp' (layer '?') to the native backend: native code needs static shapes but for a leading batch dimension}}
  %0 = qopt.exp %x : (tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A batched input with an unbatched result.
func.func @unary_batch_mismatch(%x: tensor<?x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{cannot compile 'qopt.neg' (layer '?') to the native backend: input and result disagree on the batch dimension}}
  %0 = qopt.neg %x : (tensor<?x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// A static leading 2 next to the batch would pair samples with rows.
func.func @binary_static_leading(%x: tensor<?x3xf32>, %y: tensor<2x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{cannot compile 'qopt.add' (layer '?') to the native backend: operand shapes do not broadcast to the result under the batch convention (a batched result, operands batched or shared by all samples)}}
  %0 = qopt.add %x, %y : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Nine dims per sample.
func.func @binary_rank9(%x: tensor<?x1x1x1x1x1x1x1x1x2xf32>) -> tensor<?x1x1x1x1x1x1x1x1x2xf32> {
  // expected-error @+1 {{cannot compile 'qopt.mul' (layer '?') to the native backend: rank above the kernel's maximum of 8}}
  %0 = qopt.mul %x, %x : (tensor<?x1x1x1x1x1x1x1x1x2xf32>, tensor<?x1x1x1x1x1x1x1x1x2xf32>) -> tensor<?x1x1x1x1x1x1x1x1x2xf32>
  return %0 : tensor<?x1x1x1x1x1x1x1x1x2xf32>
}

// -----

// Quant: per-axis parameters over the batch dimension.
func.func @quantize_axis_on_batch(%x: tensor<?x2xf32>) -> tensor<?x2x!quant.uniform<i8:f32:0, {0.5, 0.25}>> {
  // expected-error @+1 {{cannot compile 'qopt.quantize' (layer '?') to the native backend: per-axis quantization over the batch dimension cannot run natively}}
  %0 = qopt.quantize %x : (tensor<?x2xf32>) -> tensor<?x2x!quant.uniform<i8:f32:0, {0.5, 0.25}>>
  return %0 : tensor<?x2x!quant.uniform<i8:f32:0, {0.5, 0.25}>>
}

// -----

// i16 storage has no kernel.
func.func @quantize_i16(%x: tensor<?x2xf32>) -> tensor<?x2x!quant.uniform<i16:f32, 0.5>> {
  // expected-error @+1 {{cannot compile 'qopt.quantize' (layer '?') to the native backend: the native kernel takes quantized tensors stored as u8, i8 or i32}}
  %0 = qopt.quantize %x : (tensor<?x2xf32>) -> tensor<?x2x!quant.uniform<i16:f32, 0.5>>
  return %0 : tensor<?x2x!quant.uniform<i16:f32, 0.5>>
}

// -----

// f64 input.
func.func @quantize_f64(%x: tensor<?x2xf64>) -> tensor<?x2x!quant.uniform<i8:f64, 0.5>> {
  // expected-error @+1 {{cannot compile 'qopt.quantize' (layer '?') to the native backend: the native kernel takes f32, f16 or bf16 tensors}}
  %0 = qopt.quantize %x : (tensor<?x2xf64>) -> tensor<?x2x!quant.uniform<i8:f64, 0.5>>
  return %0 : tensor<?x2x!quant.uniform<i8:f64, 0.5>>
}

// -----

// The requantize kernel is per tensor.
func.func @requantize_per_axis(%x: tensor<?x2x!quant.uniform<i32:f32:1, {0.5, 0.25}>>) -> tensor<?x2x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @+1 {{cannot compile 'qopt.requantize' (layer '?') to the native backend: the native requantize takes per-tensor quantization only}}
  %0 = qopt.requantize %x : (tensor<?x2x!quant.uniform<i32:f32:1, {0.5, 0.25}>>) -> tensor<?x2x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<?x2x!quant.uniform<i8:f32, 0.5>>
}

// -----

// Norm: softmax along the batch.
func.func @softmax_batch_axis(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{cannot compile 'qopt.softmax' (layer '?') to the native backend: softmax over the batch dimension cannot run natively}}
  %0 = qopt.softmax %x {axis = 0 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A negative axis that lands on the batch.
func.func @log_softmax_batch_axis(%x: tensor<?x2x3xf32>) -> tensor<?x2x3xf32> {
  // expected-error @+1 {{cannot compile 'qopt.log_softmax' (layer '?') to the native backend: log_softmax over the batch dimension cannot run natively}}
  %0 = qopt.log_softmax %x {axis = -3 : i64} : (tensor<?x2x3xf32>) -> tensor<?x2x3xf32>
  return %0 : tensor<?x2x3xf32>
}

// -----

// layer_norm over every dim including the batch.
func.func @layer_norm_batch_axis(%x: tensor<?x4xf32>, %s: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{cannot compile 'qopt.layer_norm' (layer '?') to the native backend: layer_norm over the batch dimension cannot run natively}}
  %0 = qopt.layer_norm %x, %s {axis = 0 : i64} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Pool: avg_pool2d is float only.
func.func @avg_pool_quantized(%x: tensor<?x1x4x4x!quant.uniform<u8:f32, 0.5>>) -> tensor<?x1x2x2x!quant.uniform<u8:f32, 0.5>> {
  // expected-error @+1 {{cannot compile 'qopt.avg_pool2d' (layer '?') to the native backend: the native kernel takes f32, f16 or bf16 tensors}}
  %0 = qopt.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x1x4x4x!quant.uniform<u8:f32, 0.5>>) -> tensor<?x1x2x2x!quant.uniform<u8:f32, 0.5>>
  return %0 : tensor<?x1x2x2x!quant.uniform<u8:f32, 0.5>>
}

// -----

// A quantized max_pool2d of i32 storage.
func.func @max_pool_i32(%x: tensor<?x1x4x4x!quant.uniform<i32:f32, 0.5>>) -> tensor<?x1x2x2x!quant.uniform<i32:f32, 0.5>> {
  // expected-error @+1 {{cannot compile 'qopt.max_pool2d' (layer '?') to the native backend: a quantized max_pool2d lowers for per-tensor u8 or i8 only, with the input's type as the result type}}
  %0 = qopt.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x1x4x4x!quant.uniform<i32:f32, 0.5>>) -> tensor<?x1x2x2x!quant.uniform<i32:f32, 0.5>>
  return %0 : tensor<?x1x2x2x!quant.uniform<i32:f32, 0.5>>
}

// -----

// Movement: moving the batch dimension leaves a dynamic dim inside the sample.
func.func @transpose_batch(%x: tensor<?x3xf32>) -> tensor<3x?xf32> {
  // expected-error @+1 {{cannot compile 'qopt.transpose' (layer '?') to the native backend: native code needs static shapes but for a leading batch dimension}}
  %0 = qopt.transpose %x {perm = array<i64: 1, 0>} : (tensor<?x3xf32>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// Nine dims.
func.func @transpose_rank9(%x: tensor<1x1x1x1x1x1x1x2x3xf32>) -> tensor<1x1x1x1x1x1x1x3x2xf32> {
  // expected-error @+1 {{cannot compile 'qopt.transpose' (layer '?') to the native backend: rank above the kernel's maximum of 8}}
  %0 = qopt.transpose %x {perm = array<i64: 0, 1, 2, 3, 4, 5, 6, 8, 7>} : (tensor<1x1x1x1x1x1x1x2x3xf32>) -> tensor<1x1x1x1x1x1x1x3x2xf32>
  return %0 : tensor<1x1x1x1x1x1x1x3x2xf32>
}

// -----

// Concat along the batch.
func.func @concat_batch_axis(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{cannot compile 'qopt.concat' (layer '?') to the native backend: concat along the batch dimension cannot run natively}}
  %0 = qopt.concat %a, %b {axis = 0 : i64} : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// An unbatched input's static leading 1 matches the batch only at batch 1.
func.func @concat_mixed(%a: tensor<?x3xf32>, %b: tensor<1x3xf32>) -> tensor<?x6xf32> {
  // expected-error @+1 {{cannot compile 'qopt.concat' (layer '?') to the native backend: concat of batched and unbatched inputs cannot run natively}}
  %0 = qopt.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<1x3xf32>) -> tensor<?x6xf32>
  return %0 : tensor<?x6xf32>
}

// -----

// 33 inputs.
func.func @concat_33(%a0: tensor<?x1xf32>, %a1: tensor<?x1xf32>, %a2: tensor<?x1xf32>, %a3: tensor<?x1xf32>, %a4: tensor<?x1xf32>, %a5: tensor<?x1xf32>, %a6: tensor<?x1xf32>, %a7: tensor<?x1xf32>, %a8: tensor<?x1xf32>, %a9: tensor<?x1xf32>, %a10: tensor<?x1xf32>, %a11: tensor<?x1xf32>, %a12: tensor<?x1xf32>, %a13: tensor<?x1xf32>, %a14: tensor<?x1xf32>, %a15: tensor<?x1xf32>, %a16: tensor<?x1xf32>, %a17: tensor<?x1xf32>, %a18: tensor<?x1xf32>, %a19: tensor<?x1xf32>, %a20: tensor<?x1xf32>, %a21: tensor<?x1xf32>, %a22: tensor<?x1xf32>, %a23: tensor<?x1xf32>, %a24: tensor<?x1xf32>, %a25: tensor<?x1xf32>, %a26: tensor<?x1xf32>, %a27: tensor<?x1xf32>, %a28: tensor<?x1xf32>, %a29: tensor<?x1xf32>, %a30: tensor<?x1xf32>, %a31: tensor<?x1xf32>, %a32: tensor<?x1xf32>) -> tensor<?x33xf32> {
  // expected-error @+1 {{cannot compile 'qopt.concat' (layer '?') to the native backend: more than 32 inputs to the native concat}}
  %0 = qopt.concat %a0, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %a10, %a11, %a12, %a13, %a14, %a15, %a16, %a17, %a18, %a19, %a20, %a21, %a22, %a23, %a24, %a25, %a26, %a27, %a28, %a29, %a30, %a31, %a32 {axis = 1 : i64} : (tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<?x1xf32>) -> tensor<?x33xf32>
  return %0 : tensor<?x33xf32>
}

// -----

// A slice that drops samples.
func.func @slice_batch(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{cannot compile 'qopt.slice' (layer '?') to the native backend: a slice of the batch dimension cannot run natively}}
  %0 = qopt.slice %x {starts = array<i64: 1, 0>, ends = array<i64: 9223372036854775807, 4>, steps = array<i64: 1, 1>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// i1 elements have no byte size.
func.func @slice_i1(%x: tensor<4xi1>) -> tensor<2xi1> {
  // expected-error @+1 {{cannot compile 'qopt.slice' (layer '?') to the native backend: the native kernel moves elements of 1, 2, 4 or 8 bytes}}
  %0 = qopt.slice %x {starts = array<i64: 0>, ends = array<i64: 2>, steps = array<i64: 1>} : (tensor<4xi1>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

// Gather picking samples.
func.func @gather_batch(%x: tensor<?x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{cannot compile 'qopt.gather' (layer '?') to the native backend: gather along the batch dimension cannot run natively}}
  %0 = qopt.gather %x {axis = 0 : i64, indices = array<i64: 0, 1>, indices_shape = array<i64: 2>} : (tensor<?x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Reduce: an explicit batch axis.
func.func @reduce_batch_axis(%x: tensor<?x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{cannot compile 'qopt.reduce_sum' (layer '?') to the native backend: reduce_sum over the batch dimension cannot run natively}}
  %0 = qopt.reduce_sum %x {axes = array<i64: 0>} : (tensor<?x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// Empty axes mean every dimension, the batch included.
func.func @reduce_all_batched(%x: tensor<?x3xf32>) -> tensor<1x1xf32> {
  // expected-error @+1 {{cannot compile 'qopt.reduce_max' (layer '?') to the native backend: reduce_max over the batch dimension cannot run natively}}
  %0 = qopt.reduce_max %x {axes = array<i64>} : (tensor<?x3xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

// Quantized reductions have no kernel.
func.func @reduce_quantized(%x: tensor<?x3x!quant.uniform<u8:f32, 0.5>>) -> tensor<?x1x!quant.uniform<u8:f32, 0.5>> {
  // expected-error @+1 {{cannot compile 'qopt.reduce_mean' (layer '?') to the native backend: the native kernel takes f32, f16 or bf16 tensors}}
  %0 = qopt.reduce_mean %x {axes = array<i64: 1>} : (tensor<?x3x!quant.uniform<u8:f32, 0.5>>) -> tensor<?x1x!quant.uniform<u8:f32, 0.5>>
  return %0 : tensor<?x1x!quant.uniform<u8:f32, 0.5>>
}

// -----

// Linear ops belong to qopt-pack-weights (no pattern here); every failing op is reported, not
// just the first.
func.func @linear_and_more(%x: tensor<?x2xf32>, %w: tensor<2x2xf32>, %y: tensor<?x2xf64>) -> (tensor<?x2xf32>, tensor<?x2xf64>) {
  // expected-error @+1 {{cannot compile 'qopt.fully_connected' (layer '?') to the native backend: no native kernel for this op}}
  %0 = qopt.fully_connected %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  // expected-error @+1 {{cannot compile 'qopt.relu' (layer '?') to the native backend: the native kernel takes f32, f16 or bf16 tensors}}
  %1 = qopt.relu %y : (tensor<?x2xf64>) -> tensor<?x2xf64>
  return %0, %1 : tensor<?x2xf32>, tensor<?x2xf64>
}

// -----

// A static input cannot make a batched result.
func.func @slice_static_to_batched(%x: tensor<4x4xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{cannot compile 'qopt.slice' (layer '?') to the native backend: input and result disagree on the batch dimension}}
  %0 = qopt.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 4, 2>, steps = array<i64: 1, 1>} : (tensor<4x4xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// A static input cannot make a batched result.
func.func @transpose_static_to_batched(%x: tensor<4x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{cannot compile 'qopt.transpose' (layer '?') to the native backend: input and result disagree on the batch dimension}}
  %0 = qopt.transpose %x {perm = array<i64: 1, 0>} : (tensor<4x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @dequantize_batch_mismatch(%x: tensor<?x4x!quant.uniform<u8:f32, 0.5>>) -> tensor<2x4xf32> {
  // expected-error @+1 {{cannot compile 'qopt.dequantize' (layer '?') to the native backend: input and result disagree on the batch dimension}}
  %0 = qopt.dequantize %x : (tensor<?x4x!quant.uniform<u8:f32, 0.5>>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// A quantized type without parameters has nothing to compute with.
func.func @dequantize_any(%x: tensor<?x4x!quant.any<i8:f32>>) -> tensor<?x4xf32> {
  // expected-error @+1 {{cannot compile 'qopt.dequantize' (layer '?') to the native backend: only uniform quantized types lower to native code}}
  %0 = qopt.dequantize %x : (tensor<?x4x!quant.any<i8:f32>>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
