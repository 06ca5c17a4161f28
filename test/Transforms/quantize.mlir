// RUN: qopt-opt %s -split-input-file -qopt-quantize -verify-diagnostics | FileCheck %s
// RUN: qopt-opt %s -split-input-file -qopt-quantize='activations=i8' -verify-diagnostics | FileCheck %s --check-prefix=I8

// Weights per output channel, symmetric [-127, 127]: channel 0 has max |w| = 127, so scale 1 and
// -63.5 rounds half to even to -64; channel 1 is all zero (scale 1). The activation range
// [-1, 3] gives u8 scale 4/255 and zero point round(1 / (4/255)) = round(63.75) = 64.
// CHECK-LABEL: func.func @quantize_fully_connected
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x2xf32>
// CHECK: %[[XQ:.*]] = qopt.quantize %[[X]] : (tensor<2x2xf32>) -> tensor<2x2x!quant.uniform<u8:f32, 0.01568627{{[0-9]*}}:64>>
// CHECK: %[[XD:.*]] = qopt.dequantize %[[XQ]]
// CHECK: %[[WQ:.*]] = qopt.constant dense<{{\[}}[127, -64], [0, 0]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {1.000000e+00,1.000000e+00}>>
// CHECK: %[[WD:.*]] = qopt.dequantize %[[WQ]]
// CHECK: qopt.fully_connected %[[XD]], %[[WD]], %{{.*}} {qopt.precision = #qopt.precision<i8>}
// CHECK-NOT: dense<{{\[}}[1.270000e+02
// I8-LABEL: func.func @quantize_fully_connected
// I8: qopt.quantize %arg0 : (tensor<2x2xf32>) -> tensor<2x2x!quant.uniform<i8:f32, 0.0236220{{[0-9]*}}>>
func.func @quantize_fully_connected(%x: tensor<2x2xf32> {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 3.0, min = -1.0, max = 3.0>}) -> tensor<2x2xf32> {
  %w = qopt.constant dense<[[127.0, -63.5], [0.0, 0.0]]> : tensor<2x2xf32>
  %b = qopt.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %y = qopt.fully_connected %x, %w, %b : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A value feeding two ops is quantized once; a matmul of two computed values quantizes both.
// A non-negative range [0, 2] keeps zero point 0.
// CHECK-LABEL: func.func @shared_activation_and_matmul
// CHECK: %[[R:.*]] = qopt.relu
// CHECK-NEXT: %[[RQ:.*]] = qopt.quantize %[[R]] : (tensor<2x2xf32>) -> tensor<2x2x!quant.uniform<u8:f32, 0.00784313{{[0-9]*}}>>
// CHECK-NEXT: %[[RD:.*]] = qopt.dequantize %[[RQ]]
// CHECK-NOT: qopt.quantize %[[R]]
// CHECK: qopt.matmul %[[RD]], %[[RD]] {qopt.precision = #qopt.precision<i8>}
func.func @shared_activation_and_matmul(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %r = qopt.relu %x {qopt.calibration = #qopt.calibration<lo = 0.0, hi = 2.0, min = 0.0, max = 2.0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = qopt.matmul %r, %r : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Ops other than fully_connected, conv2d and matmul stay in float.
// CHECK-LABEL: func.func @no_fold_elementwise
// CHECK-NOT: qopt.quantize
// CHECK: qopt.add
func.func @no_fold_elementwise(%x: tensor<2xf32> {qopt.calibration = #qopt.calibration<lo = 0.0, hi = 1.0, min = 0.0, max = 1.0>}) -> tensor<2xf32> {
  %y = qopt.add %x, %x : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @no_quantize_without_calibration(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = qopt.constant dense<1.0> : tensor<2x2xf32>
  // expected-error @+1 {{no calibration range for function input #0, an input of this op: run qopt-calibrate first}}
  %y = qopt.fully_connected %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// f16 per the assignment: the constant weight becomes an f16 constant, the computed input gets a
// cast, and the result is cast back for the f32 ops around it. An op without an assignment stays
// f32 once any op has one.
// CHECK-LABEL: func.func @half_precision
// CHECK-DAG: %[[W:.*]] = qopt.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00]]> : tensor<1x2xf16>
// CHECK-DAG: %[[XH:.*]] = qopt.cast %arg0 : (tensor<1x2xf32>) -> tensor<1x2xf16>
// CHECK: %[[Y:.*]] = qopt.fully_connected %[[XH]], %[[W]] {qopt.precision = #qopt.precision<f16>} : (tensor<1x2xf16>, tensor<1x2xf16>) -> tensor<1x1xf16>
// CHECK: %[[YF:.*]] = qopt.cast %[[Y]] : (tensor<1x1xf16>) -> tensor<1x1xf32>
// CHECK: qopt.fully_connected %[[YF]], %{{.*}} : (tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x1xf32>
func.func @half_precision(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w = qopt.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %v = qopt.constant dense<[[3.0]]> : tensor<1x1xf32>
  %y = qopt.fully_connected %x, %w {qopt.precision = #qopt.precision<f16>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x1xf32>
  %z = qopt.fully_connected %y, %v : (tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x1xf32>
  return %z : tensor<1x1xf32>
}

// -----

// An unknown precision is an error on the op.
func.func @bad_precision(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w = qopt.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  // expected-error @+1 {{'qopt.fully_connected' op attribute 'qopt.precision' must be #qopt.precision<f32|f16|bf16|i8>, got "i4"}}
  %y = qopt.fully_connected %x, %w {qopt.precision = "i4"} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Once any op has an assignment, an op assigned f32 (or not assigned) is left alone.
// CHECK-LABEL: func.func @no_fold_assigned_f32
// CHECK-NOT: qopt.quantize
// CHECK-NOT: qopt.cast
// CHECK: qopt.fully_connected %arg0, %{{.*}} {qopt.precision = #qopt.precision<f32>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x1xf32>
func.func @no_fold_assigned_f32(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w = qopt.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %y = qopt.fully_connected %x, %w {qopt.precision = #qopt.precision<f32>} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}
