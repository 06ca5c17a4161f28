// RUN: rm -rf %t && mkdir -p %t
// RUN: %{python} -c "import numpy as np; np.save('%t/x.npy', np.array([[-1, 2], [1, 2]], np.float32))"
// RUN: qopt-opt %s -split-input-file -qopt-correct-bias='data=%t/x.npy' | FileCheck %s
// RUN: not qopt-opt %s -split-input-file -qopt-correct-bias 2>&1 | FileCheck %s --check-prefix=NODATA

// E[x] = [0, 2]. Channel scale 1/127: 0.3 -> round(38.1) = 38 -> 0.2992126, so the output shifts by
// (0.2992126 - 0.3) * 2 = -0.0015748 on average, and the bias takes it back: 0 -> +0.0015748.
// CHECK-LABEL: func.func @fully_connected
// CHECK: %[[B:.*]] = qopt.constant dense<0.0015748{{[0-9]*}}> : tensor<1xf32>
// CHECK: qopt.fully_connected %arg0, %{{.*}}, %[[B]] {qopt.bias_correction = 0.0015748{{[0-9]*}} : f64, qopt.precision = #qopt.precision<i8>}
// NODATA: error: qopt-correct-bias measures input means on calibration data: no calibration data given
func.func @fully_connected(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %w = qopt.constant dense<[[1.0, 0.3]]> : tensor<1x2xf32>
  %y = qopt.fully_connected %x, %w {qopt.precision = #qopt.precision<i8>} : (tensor<?x2xf32>, tensor<1x2xf32>) -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}

// -----

// conv2d: the same numbers per input channel (measured on the reshape's result), added to an
// existing bias 0.5.
// CHECK-LABEL: func.func @conv
// CHECK: %[[B:.*]] = qopt.constant dense<0.50157{{[0-9]*}}> : tensor<1xf32>
// CHECK: qopt.conv2d %{{.*}}, %{{.*}}, %[[B]]
func.func @conv(%x2: tensor<?x2xf32>) -> tensor<?x1x1x1xf32> {
  %x = qopt.reshape %x2 : (tensor<?x2xf32>) -> tensor<?x2x1x1xf32>
  %w = qopt.constant dense<[[[[1.0]], [[0.3]]]]> : tensor<1x2x1x1xf32>
  %b = qopt.constant dense<[0.5]> : tensor<1xf32>
  %y = qopt.conv2d %x, %w, %b {qopt.precision = #qopt.precision<i8>} : (tensor<?x2x1x1xf32>, tensor<1x2x1x1xf32>, tensor<1xf32>) -> tensor<?x1x1x1xf32>
  return %y : tensor<?x1x1x1xf32>
}

// -----

// A layer kept in f32 has no quantization error to correct.
// CHECK-LABEL: func.func @no_fold_f32_layer
// CHECK-NOT: qopt.bias_correction
func.func @no_fold_f32_layer(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %w = qopt.constant dense<[[1.0, 0.3]]> : tensor<1x2xf32>
  %y = qopt.fully_connected %x, %w {qopt.precision = #qopt.precision<f32>} : (tensor<?x2xf32>, tensor<1x2xf32>) -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}

// -----

// A computed bias cannot absorb the correction: left alone.
// CHECK-LABEL: func.func @no_fold_computed_bias
// CHECK-NOT: qopt.bias_correction
func.func @no_fold_computed_bias(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %w = qopt.constant dense<[[1.0, 0.3]]> : tensor<1x2xf32>
  %b0 = qopt.constant dense<[0.5]> : tensor<1xf32>
  %b = qopt.neg %b0 : (tensor<1xf32>) -> tensor<1xf32>
  %y = qopt.fully_connected %x, %w, %b {qopt.precision = #qopt.precision<i8>} : (tensor<?x2xf32>, tensor<1x2xf32>, tensor<1xf32>) -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}
