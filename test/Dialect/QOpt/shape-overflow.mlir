// RUN: qopt-opt %s -split-input-file -verify-diagnostics

// Shapes and window attributes whose arithmetic overflows int64 (found by qopt-fuzz-model) are
// refused by the verifiers, not computed with undefined behaviour.

func.func @flatten_count_overflow(%x: tensor<4611686018427387904x4x1xf32>) -> tensor<1x1xf32> {
  // expected-error @+1 {{element count of [4611686018427387904,4,1] overflows int64}}
  %0 = qopt.flatten %x {axis = 0 : i64} : (tensor<4611686018427387904x4x1xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

func.func @reshape_count_overflow(%x: tensor<4611686018427387904x4xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{element count overflows int64}}
  %0 = qopt.reshape %x : (tensor<4611686018427387904x4xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @conv_window_overflow(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error @+1 {{larger than padded input}}
  %0 = qopt.conv2d %x, %w {dilations = array<i64: 4611686018427387904, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}
