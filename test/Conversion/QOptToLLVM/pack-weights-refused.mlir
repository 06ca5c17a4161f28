// RUN: qopt-opt %s -split-input-file -qopt-pack-weights -verify-diagnostics

// An int8 layer with a fused tanh has no exact native kernel: refused by name, never run some
// other way.
func.func @no_fold_int8_tanh(%x: tensor<?x4x!quant.uniform<u8:f32, 0.05:128>>) -> tensor<?x3xf32> {
  %w = qopt.constant dense<[[1, -2, 3, 4], [5, 6, -7, 8], [9, 10, 11, -12]]> : tensor<3x4xi8> -> tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03}>>
  // expected-error @+1 {{cannot compile 'qopt.fully_connected' (layer '?') to native code for avx512vnni: the native kernels fuse only relu and relu6 into a linear op (this one has tanh)}}
  %y = qopt.fully_connected %x, %w {activation = #qopt.activation<tanh>} : (tensor<?x4x!quant.uniform<u8:f32, 0.05:128>>, tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03}>>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Asymmetric int8 weights: the kernels fold only the activation's zero point.
func.func @no_fold_asymmetric_weights(%x: tensor<?x2x!quant.uniform<u8:f32, 0.05:128>>) -> tensor<?x1xf32> {
  %w = qopt.constant dense<[[1, 2]]> : tensor<1x2xi8> -> tensor<1x2x!quant.uniform<i8:f32, 0.01:3>>
  // expected-error @+1 {{the int8 kernels take symmetric weights (zero point 0)}}
  %y = qopt.fully_connected %x, %w : (tensor<?x2x!quant.uniform<u8:f32, 0.05:128>>, tensor<1x2x!quant.uniform<i8:f32, 0.01:3>>) -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}
