// RUN: qopt-opt %s -split-input-file -qopt-quantize='mode=dynamic' | FileCheck %s

// Dynamic mode, the naive scheme: one weight scale for the whole tensor (max |w| = 254 -> scale
// 2, so 1.0 rounds to 0 and 3.0 to 2 (half to even 1.5), and the activation quantized at run time
// from its own range: no calibration needed.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[A:.*]] = qopt.fake_quant_dynamic %arg0 : (tensor<2x2xf32>) -> tensor<2x2xf32>
// CHECK: %[[WQ:.*]] = qopt.constant dense<{{\[\[}}0, 2], [127, -127]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32, 2.000000e+00>>
// CHECK: %[[WD:.*]] = qopt.dequantize %[[WQ]]
// CHECK: qopt.fully_connected %[[A]], %[[WD]] {qopt.precision = #qopt.precision<i8>}
func.func @dynamic(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = qopt.constant dense<[[1.0, 3.0], [254.0, -254.0]]> : tensor<2x2xf32>
  %y = qopt.fully_connected %x, %w : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
