// The mixed search's latencies: measured where the function carries qopt.measured_latency (what
// qopt-compile times on native code), else predicted. A precision no faster than a more accurate
// one is never chosen, so a table where i8 is slower than bf16 changes the choice.
// RUN: %{python} -c "import numpy as np; np.save('%t.npy', np.random.RandomState(0).uniform(-3, 2, (16, 2)).astype(np.float32))"
// RUN: qopt-opt %s -split-input-file -qopt-assign-precision="mode=mixed budget=100 data=%t.npy" | FileCheck %s
// RUN: qopt-opt %s -split-input-file -qopt-assign-precision="mode=int8" | FileCheck %s --check-prefix=UNIFORM

// No table: the predicted model, i8 the cheapest.
// CHECK-LABEL: func.func @predicted
// CHECK-NOT: qopt.measured_latency
// CHECK-SAME: qopt.precision_search = {{{.*}}cost_model = "predicted"
// CHECK: qopt.fully_connected {{.*}}qopt.latency = {predicted_ns = [{{.*}}], used = ["predicted", "predicted", "predicted", "predicted"]}, qopt.precision = #qopt.precision<i8>, qopt.precision_reason = "mixed: cheapest (i8) fits the budget;
// UNIFORM-LABEL: func.func @predicted
// UNIFORM: qopt.latency = {predicted_ns = [{{.*}}], used = {{.*}}qopt.precision = #qopt.precision<i8>, qopt.precision_reason = "uniform int8"
func.func @predicted(%x: tensor<?x2xf32> {qopt.calibration = #qopt.calibration<lo = -3.0, hi = 2.0, min = -3.0, max = 2.0>}) -> tensor<?x2xf32> {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w {activation = #qopt.activation<relu>, qopt.calibration = #qopt.calibration<lo = 0.0, hi = 40.0, min = 0.0, max = 40.0>} : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 9.0, min = -1.0, max = 9.0>} : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}

// -----

// Measured: i8 slower than bf16 on 'hidden', so bf16 is its cheapest; the table is consumed.
// CHECK-LABEL: func.func @i8_slower
// CHECK-NOT: qopt.measured_latency
// CHECK-SAME: cost_model = "measured (1 of 2 layers)"
// CHECK: qopt.fully_connected {{.*}}qopt.latency = {measured_ns = [9.000000e+02, 5.000000e+02, 8.000000e+02, 1.000000e+03], predicted_ns = [{{.*}}], used = ["measured", "measured", "measured", "measured"]}, qopt.precision = #qopt.precision<bf16>, qopt.precision_reason = "mixed: cheapest (bf16) fits the budget; alone in i8: {{.*}}; i8 skipped: measured no faster than bf16"
// The logits (pinned f32) have no entry: predicted only.
// CHECK: qopt.fully_connected {{.*}}qopt.latency = {predicted_ns = {{.*}}qopt.precision = #qopt.precision<f32>
func.func @i8_slower(%x: tensor<?x2xf32> {qopt.calibration = #qopt.calibration<lo = -3.0, hi = 2.0, min = -3.0, max = 2.0>}) -> tensor<?x2xf32> attributes {qopt.measured_latency = {hidden = [900.0, 500.0, 800, 1000.0]}} {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w {activation = #qopt.activation<relu>, qopt.calibration = #qopt.calibration<lo = 0.0, hi = 40.0, min = 0.0, max = 40.0>} : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 9.0, min = -1.0, max = 9.0>} : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}

// -----

// i8 not measured (unit): its predicted latency stands in, far below bf16's measured one.
// CHECK-LABEL: func.func @i8_unmeasured
// CHECK: qopt.fully_connected {{.*}}measured_ns = [unit, 5.000000e+02, 8.000000e+02, 1.000000e+03]{{.*}}used = ["predicted", "measured", "measured", "measured"]}, qopt.precision = #qopt.precision<i8>
func.func @i8_unmeasured(%x: tensor<?x2xf32> {qopt.calibration = #qopt.calibration<lo = -3.0, hi = 2.0, min = -3.0, max = 2.0>}) -> tensor<?x2xf32> attributes {qopt.measured_latency = {hidden = [unit, 500.0, 800.0, 1000.0]}} {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %h = qopt.fully_connected %x, %w {activation = #qopt.activation<relu>, qopt.calibration = #qopt.calibration<lo = 0.0, hi = 40.0, min = 0.0, max = 40.0>} : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("hidden")
  %y = qopt.fully_connected %h, %w {qopt.calibration = #qopt.calibration<lo = -1.0, hi = 9.0, min = -1.0, max = 9.0>} : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}
