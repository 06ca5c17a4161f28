// qopt-lower-to-kernels (after qopt-pack-weights lowered the matmul) folds a multiply by a
// one-element f32 constant into the f32 matmul whose only use it is (qopt_k_matmul_params
// out_scale / has_out_scale, the params' last 8 bytes: 0.125 = 0x3E000000, then 1). Anything
// else stays a qopt_k_binary.
// RUN: qopt-opt %s -split-input-file -qopt-pack-weights -qopt-lower-to-kernels | FileCheck %s

// CHECK-LABEL: func.func @scale_right
// CHECK: %[[M:.*]] = qopt.kernel_call "qopt_k_matmul"{{.*}}params = array<i8: {{.*}}, 0, 0, 0, 62, 1, 0, 0, 0>
// CHECK-NOT: qopt_k_binary
// CHECK: return %[[M]]
func.func @scale_right(%x: tensor<?x4x8xf32>, %y: tensor<?x8x5xf32>) -> tensor<?x4x5xf32> {
  %c = qopt.constant dense<0.125> : tensor<f32>
  %m = qopt.matmul %x, %y : (tensor<?x4x8xf32>, tensor<?x8x5xf32>) -> tensor<?x4x5xf32>
  %s = qopt.mul %m, %c : (tensor<?x4x5xf32>, tensor<f32>) -> tensor<?x4x5xf32>
  return %s : tensor<?x4x5xf32>
}

// -----

// The constant on the left, of shape [1, 1], folds too; a second multiply does not (two roundings
// are not one).
// CHECK-LABEL: func.func @scale_left_twice
// CHECK: %[[M:.*]] = qopt.kernel_call "qopt_k_matmul"{{.*}}params = array<i8: {{.*}}, 0, 0, 0, 62, 1, 0, 0, 0>
// CHECK: %[[B:.*]] = qopt.kernel_call "qopt_k_binary"(%[[M]], %{{.*}})
// CHECK: return %[[B]]
func.func @scale_left_twice(%x: tensor<4x8xf32>, %y: tensor<8x5xf32>) -> tensor<4x5xf32> {
  %c = qopt.constant dense<0.125> : tensor<1x1xf32>
  %d = qopt.constant dense<3.0> : tensor<f32>
  %m = qopt.matmul %x, %y : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %s = qopt.mul %c, %m : (tensor<1x1xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  %t = qopt.mul %s, %d : (tensor<4x5xf32>, tensor<f32>) -> tensor<4x5xf32>
  return %t : tensor<4x5xf32>
}

// -----

// Not folded: the product has another use, the factor is not one element, the result is f16.
// CHECK-LABEL: func.func @not_folded
// CHECK: qopt.kernel_call "qopt_k_matmul"{{.*}}params = array<i8: {{.*}}, 0, 0, 0, 0, 0, 0, 0, 0>
// CHECK: qopt.kernel_call "qopt_k_binary"
// CHECK: qopt.kernel_call "qopt_k_matmul"{{.*}}params = array<i8: {{.*}}, 0, 0, 0, 0, 0, 0, 0, 0>
// CHECK: qopt.kernel_call "qopt_k_binary"
// CHECK: qopt.kernel_call "qopt_k_matmul"{{.*}}params = array<i8: {{.*}}, 0, 0, 0, 0, 0, 0, 0, 0>
// CHECK: qopt.kernel_call "qopt_k_binary"
func.func @not_folded(%x: tensor<4x8xf32>, %y: tensor<8x5xf32>, %h: tensor<4x8xf16>, %g: tensor<8x5xf16>) -> (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf16>) {
  %c = qopt.constant dense<0.125> : tensor<f32>
  %v = qopt.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>
  %ch = qopt.constant dense<0.125> : tensor<f16>
  %m = qopt.matmul %x, %y : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %s = qopt.mul %m, %c : (tensor<4x5xf32>, tensor<f32>) -> tensor<4x5xf32>
  %n = qopt.matmul %x, %y : (tensor<4x8xf32>, tensor<8x5xf32>) -> tensor<4x5xf32>
  %t = qopt.mul %n, %v : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %k = qopt.matmul %h, %g : (tensor<4x8xf16>, tensor<8x5xf16>) -> tensor<4x5xf16>
  %u = qopt.mul %k, %ch : (tensor<4x5xf16>, tensor<f16>) -> tensor<4x5xf16>
  return %m, %s, %t, %u : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf32>, tensor<4x5xf16>
}
