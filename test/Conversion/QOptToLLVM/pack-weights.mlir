// RUN: qopt-opt %s -split-input-file -qopt-pack-weights | FileCheck %s --check-prefix=VNNI
// RUN: qopt-opt %s -split-input-file -qopt-pack-weights=target=avx2 | FileCheck %s --check-prefix=AVX2
// RUN: not qopt-opt %s -split-input-file -qopt-pack-weights=target=sse9 2>&1 | FileCheck %s --check-prefix=BADTARGET

// Packed sizes follow UKernels.h: VNNI is Np = roundup(N, 48) x K4 = roundup(K, 4) bytes; the
// avx2 layout sign-extends to i16 over Np = roundup(N, 16); folded bias and scales hold Np i32 /
// f32. Here N = 3, K = 5: VNNI 48 x 8 = 384, avx2 16 x 8 x 2 = 256; 48 x 4 = 192, 16 x 4 = 64.

// VNNI-LABEL: func.func @fc_int8
// VNNI-DAG: %[[W:.*]] = qopt.constant dense_resource<{{.*}}packed> : tensor<384xi8>
// VNNI-DAG: %[[B:.*]] = qopt.constant dense_resource<{{.*}}bias_folded> : tensor<192xi8>
// VNNI-DAG: %[[S:.*]] = qopt.constant dense_resource<{{.*}}acc_scale> : tensor<192xi8>
// VNNI: qopt.kernel_call "qopt_k_fully_connected"(%arg0, %[[W]], %[[B]], %[[S]]) {null_operands = array<i64: 5>
// VNNI-NOT: qopt.fully_connected
// AVX2-LABEL: func.func @fc_int8
// AVX2-DAG: qopt.constant dense_resource<{{.*}}packed> : tensor<256xi8>
// AVX2-DAG: qopt.constant {{.*}} : tensor<64xi8>
// AVX2: qopt.kernel_call "qopt_k_fully_connected"
// BADTARGET: error: unknown native target 'sse9' (targets: avx512vnni, avx512bf16, avx2)
func.func @fc_int8(%x: tensor<?x5x!quant.uniform<u8:f32, 0.05:37>>) -> tensor<?x3x!quant.uniform<u8:f32, 0.1:0>> {
  %w = qopt.constant dense<[[1, -2, 3, 4, 5], [6, -7, 8, 9, 10], [11, 12, -13, 14, 15]]> : tensor<3x5xi8> -> tensor<3x5x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03}>>
  %y = qopt.fully_connected %x, %w {activation = #qopt.activation<relu>} : (tensor<?x5x!quant.uniform<u8:f32, 0.05:37>>, tensor<3x5x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03}>>) -> tensor<?x3x!quant.uniform<u8:f32, 0.1:0>>
  return %y : tensor<?x3x!quant.uniform<u8:f32, 0.1:0>>
}

// -----

// f32 weights blocked by 48 columns (avx512) or 16 (avx2), no K padding: 48 x 2 x 4 = 384 and
// 16 x 2 x 4 = 128 bytes; the bias padded to Np f32; no bias would be the null operand 3.
// VNNI-LABEL: func.func @fc_f32
// VNNI-DAG: qopt.constant {{.*}} : tensor<384xi8>
// VNNI-DAG: qopt.constant {{.*}} : tensor<192xi8>
// VNNI: qopt.kernel_call "qopt_k_fully_connected"
// AVX2-LABEL: func.func @fc_f32
// AVX2-DAG: qopt.constant {{.*}} : tensor<128xi8>
// AVX2-DAG: qopt.constant {{.*}} : tensor<64xi8>
func.func @fc_f32(%x: tensor<?x2xf32>) -> tensor<?x3xf32> {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %b = qopt.constant dense<[0.5, -0.5, 1.0]> : tensor<3xf32>
  %y = qopt.fully_connected %x, %w, %b : (tensor<?x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A matmul of two activations packs its rhs at run time: no constants, scratch sized for it.
// VNNI-LABEL: func.func @matmul_f32
// VNNI: qopt.kernel_call "qopt_k_matmul"(%arg0, %arg1) {{.*}}scratch_fixed = {{[1-9][0-9]*}}
func.func @matmul_f32(%a: tensor<2x4xf32>, %b: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %y = qopt.matmul %a, %b : (tensor<2x4xf32>, tensor<4x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
