// RUN: rm -rf %t && mkdir -p %t
// RUN: %{python} -c "import numpy as np; np.save('%t/x.npy', np.random.default_rng(1).uniform(-1, 1, (32, 4)).astype(np.float32))"
// RUN: qopt-opt %s -qopt-quantize-pipeline='data=%t/x.npy' | FileCheck %s
// RUN: qopt-opt %s -qopt-quantize-pipeline='data=%t/x.npy' | qopt-run - --input %t/x.npy --output-dir %t/int --quiet
// RUN: qopt-run %s --input %t/x.npy --output-dir %t/fp32 --quiet
// RUN: %{python} -c "import numpy as np; a = np.load('%t/int/output_0.npy'); b = np.load('%t/fp32/output_0.npy'); \
// RUN:   e = np.abs(a - b).max(); print('max error %%.4f of range %%.2f' %% (e, np.abs(b).max())); assert e < 0.02 * np.abs(b).max()" | FileCheck %s --check-prefix=ERR

// The named pipeline does what qopt-compile does: the relu fuses into the first layer, which
// becomes integer (u8 input, i8 weights, i32 bias) with a u8 result; the logits layer after it
// (a third of this tiny model's time, so it follows int8 rather than staying f32) takes that u8
// and dequantizes its own result to f32; the output stays within 2% of fp32's range.
// CHECK-LABEL: func.func @mlp
// CHECK: %[[Q:.*]] = qopt.quantize %arg0 : (tensor<?x4xf32>) -> tensor<?x4x!quant.uniform<u8:f32
// CHECK: %[[H:.*]] = qopt.fully_connected %[[Q]], {{.*}}activation = #qopt.activation<relu>{{.*}}qopt.precision = #qopt.precision<i8>{{.*}}tensor<3x!quant.uniform<i32:f32:0{{.*}} -> tensor<?x3x!quant.uniform<u8:f32
// CHECK: qopt.fully_connected %[[H]], {{.*}}qopt.precision = #qopt.precision<i8>{{.*}} -> tensor<?x2xf32>
// CHECK-NOT: qopt.relu
// ERR: max error
func.func @mlp(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %w1 = qopt.constant dense<[[0.5, -0.25, 1.0, 0.1], [0.2, 0.3, -0.4, 0.6], [-0.7, 0.8, 0.05, -0.2]]> : tensor<3x4xf32>
  %b1 = qopt.constant dense<[0.1, -0.1, 0.2]> : tensor<3xf32>
  %w2 = qopt.constant dense<[[1.0, -1.0, 0.5], [0.25, 0.5, -0.75]]> : tensor<2x3xf32>
  %h = qopt.fully_connected %x, %w1, %b1 : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32> loc("hidden")
  %r = qopt.relu %h : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = qopt.fully_connected %r, %w2 : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}
