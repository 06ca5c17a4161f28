// qopt's attributes parse, verify and print back to the same form, in custom and generic syntax.
// RUN: qopt-opt %s -split-input-file | qopt-opt -split-input-file | FileCheck %s
// RUN: qopt-opt %s -split-input-file -mlir-print-op-generic | qopt-opt -split-input-file | FileCheck %s

// The records the passes write: a precision with its reason, calibrated ranges on the input and
// on an op (the optional fields may be left out, and are then not printed).
// CHECK-LABEL: func.func @recorded
// CHECK-SAME: qopt.calibration = #qopt.calibration<lo = -1.000000e+00, hi = 2.500000e+00, min = -1.500000e+00, max = 3.000000e+00, method = "percentile", samples = 512, data_hash = "00ff">
// CHECK: qopt.fully_connected %arg0, %arg1 {qopt.calibration = #qopt.calibration<lo = 0.000000e+00, hi = 1.000000e+00, min = 0.000000e+00, max = 1.000000e+00>, qopt.precision = #qopt.precision<bf16>, qopt.precision_reason = "uniform bf16"}
func.func @recorded(%x: tensor<1x2xf32> {qopt.calibration = #qopt.calibration<method = "percentile", samples = 512, data_hash = "00ff", lo = -1.0, hi = 2.5, min = -1.5, max = 3.0>},
                    %w: tensor<3x2xf32>) -> tensor<1x3xf32> {
  %0 = qopt.fully_connected %x, %w {qopt.precision = #qopt.precision<bf16>, qopt.precision_reason = "uniform bf16", qopt.calibration = #qopt.calibration<lo = 0.0, hi = 1.0, min = 0.0, max = 1.0>} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// Ranges keep their f32 bits through printing and parsing: the float just above 1.0 (written in
// hex), 0.1f, and -0.0, which stays distinct from 0.0.
// CHECK-LABEL: func.func @exact_bits
// CHECK: #qopt.calibration<lo = -0.000000e+00, hi = 1.00000012, min = -0.000000e+00, max = 1.000000e-01>
func.func @exact_bits(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = qopt.relu %x {qopt.calibration = #qopt.calibration<lo = -0.0, hi = 0x3F800001, min = -0.0, max = 0x3DCCCCCD>} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
