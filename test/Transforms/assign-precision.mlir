// RUN: qopt-opt %s -split-input-file -qopt-assign-precision='mode=int8' | FileCheck %s --check-prefix=INT8
// RUN: qopt-opt %s -split-input-file -qopt-assign-precision='mode=fp16' | FileCheck %s --check-prefix=FP16
// RUN: qopt-opt %s -split-input-file -qopt-assign-precision='mode=bf16 override=hidden=i8' | FileCheck %s --check-prefix=OVR
// RUN: not qopt-opt %s -split-input-file -qopt-assign-precision='mode=int4' 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not qopt-opt %s -split-input-file -qopt-assign-precision='override=nope=f32' 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not qopt-opt %s -split-input-file -qopt-assign-precision='override=hidden' 2>&1 | FileCheck %s --check-prefix=SYNTAX

// A hidden layer gets the uniform precision. The logits (returned) stay f32 when their layer
// is cheap (below 5% of the predicted f32 time); here it is half the model, and follows int8.
// INT8-LABEL: func.func @mlp
// INT8: qopt.fully_connected {{.*}}qopt.precision = #qopt.precision<i8>, qopt.precision_reason = "uniform int8"
// INT8: qopt.fully_connected {{.*}}qopt.precision = #qopt.precision<i8>, qopt.precision_reason = "uniform int8 (its f32 logits are 50% of the model's predicted f32 time; override with logits=f32 to keep the layer f32)"
// An f16 layer needs calibrated ranges within 65504: [-3, 40] fits.
// FP16-LABEL: func.func @mlp
// FP16: qopt.precision = #qopt.precision<f16>, qopt.precision_reason = "uniform fp16"
// Overrides pin a layer by its ONNX name.
// OVR-LABEL: func.func @mlp
// OVR: qopt.precision = #qopt.precision<i8>, qopt.precision_reason = "override hidden=i8"
// MODE: for the --mode option: Cannot find option named 'int4'!
// NAME: error: precision override names 'nope', which is not a layer of this model; its layers are: hidden, logits
// SYNTAX: error: precision override 'hidden' is not NAME=f32|f16|bf16|i8
func.func @mlp(%x: tensor<?x2xf32> {qopt.calibration = #qopt.calibration<lo = -3.0, hi = 2.0, min = -3.0, max = 2.0>}) -> tensor<?x2xf32> {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w {activation = #qopt.activation<relu>, qopt.calibration = #qopt.calibration<lo = 0.0, hi = 40.0, min = 0.0, max = 40.0>} : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 9.0, min = -1.0, max = 9.0>} : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}

// -----

// A classifier's head (64 -> 2 after a 64 -> 64 layer: 3% of the time) keeps its logits f32.
// INT8-LABEL: func.func @classifier
// INT8: qopt.fully_connected {{.*}}qopt.precision = #qopt.precision<i8>, qopt.precision_reason = "uniform int8"
// INT8: qopt.fully_connected {{.*}}qopt.precision = #qopt.precision<f32>, qopt.precision_reason = "final logits stay f32 (override with head=i8 to change)"
func.func @classifier(%x: tensor<?x64xf32> {qopt.calibration = #qopt.calibration<lo = -3.0, hi = 2.0, min = -3.0, max = 2.0>}) -> tensor<?x2xf32> {
  %w = qopt.constant dense<0.5> : tensor<64x64xf32>
  %v = qopt.constant dense<0.25> : tensor<2x64xf32>
  %h = qopt.fully_connected %x, %w {activation = #qopt.activation<relu>, qopt.calibration = #qopt.calibration<lo = 0.0, hi = 40.0, min = 0.0, max = 40.0>} : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32> loc("hidden")
  %y = qopt.fully_connected %h, %v {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 9.0, min = -1.0, max = 9.0>} : (tensor<?x64xf32>, tensor<2x64xf32>) -> tensor<?x2xf32> loc("head")
  return %y : tensor<?x2xf32>
}

// -----

// A calibrated range beyond 65504 would overflow f16: the layer stays f32, and says why.
// FP16-LABEL: func.func @no_fold_f16_overflow
// FP16: qopt.precision = #qopt.precision<f32>, qopt.precision_reason = "f32 instead of f16: range up to 70000.00 exceeds f16's 65504"
// FP16: qopt.precision = #qopt.precision<f32>, qopt.precision_reason = "final logits
func.func @no_fold_f16_overflow(%x: tensor<1x2xf32> {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 1.0, min = -1.0, max = 1.0>}) -> tensor<1x2xf32> {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w {qopt.calibration = #qopt.calibration<lo = -5.0, hi = 60000.0, min = -5.0, max = 70000.0>} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32> loc("out")
  return %y : tensor<1x2xf32>
}

// -----

// Without calibration there is no evidence f16 fits: f32.
// FP16-LABEL: func.func @no_fold_f16_uncalibrated
// FP16: qopt.precision = #qopt.precision<f32>, qopt.precision_reason = "f32 instead of f16: no calibrated range (run qopt-calibrate) to show it fits f16"
func.func @no_fold_f16_uncalibrated(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32> loc("hidden")
  %r = qopt.relu %h : (tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

// -----

// A matmul of two computed tensors (attention's scores) has no native int8 kernel: int8 keeps it
// in f32 and says why; a matmul by a constant is lowered as usual.
// INT8-LABEL: func.func @attention
// INT8: qopt.matmul {{.*}}qopt.precision = #qopt.precision<f32>, qopt.precision_reason = "f32 instead of int8: no native int8 kernel multiplies two activations (override with hidden=i8 for the reference executor)"
// INT8: qopt.matmul {{.*}}qopt.precision = #qopt.precision<i8>, qopt.precision_reason = "uniform int8"
// FP16-LABEL: func.func @attention
// FP16: qopt.matmul {{.*}}qopt.precision_reason = "uniform fp16"
func.func @attention(%q: tensor<?x4x8xf32> {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 1.0, min = -1.0, max = 1.0>}, %k: tensor<?x8x4xf32> {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 1.0, min = -1.0, max = 1.0>}) -> tensor<?x4x4xf32> {
  %s = qopt.matmul %q, %k {qopt.calibration = #qopt.calibration<lo = -8.0, hi = 8.0, min = -8.0, max = 8.0>} : (tensor<?x4x8xf32>, tensor<?x8x4xf32>) -> tensor<?x4x4xf32> loc("hidden")
  %w = qopt.constant dense<1.0> : tensor<4x4xf32>
  %p = qopt.matmul %s, %w {qopt.calibration = #qopt.calibration<lo = -32.0, hi = 32.0, min = -32.0, max = 32.0>} : (tensor<?x4x4xf32>, tensor<4x4xf32>) -> tensor<?x4x4xf32> loc("proj")
  %o = qopt.add %p, %p : (tensor<?x4x4xf32>, tensor<?x4x4xf32>) -> tensor<?x4x4xf32>
  return %o : tensor<?x4x4xf32>
}
