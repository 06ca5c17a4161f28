// The refusal names the layer from the op's location (an imported model's node name), so a user
// can find it in the model; the tool fails.
// RUN: not qopt-opt %s -qopt-lower-to-kernels 2>&1 | FileCheck %s
// CHECK: error: loc("{{[a-z0-9]*}}"): cannot compile 'qopt.softmax' (layer 'probs') to the native backend: softmax over the batch dimension cannot run natively
// CHECK: error: loc("{{[a-z0-9]*}}"): cannot compile 'qopt.max_pool2d' (layer 'pool1') to the native backend: a quantized max_pool2d lowers for per-tensor u8 or i8 only, with the input's type as the result type
func.func @named(%x: tensor<?x4xf32>, %p: tensor<?x1x2x2x!quant.uniform<u8:f32, 0.5>>) -> (tensor<?x4xf32>, tensor<?x1x1x1x!quant.uniform<u8:f32, 0.25>>) {
  %0 = qopt.softmax %x {axis = 0 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32> loc("probs")
  %1 = qopt.max_pool2d %p {kernel = array<i64: 2, 2>} : (tensor<?x1x2x2x!quant.uniform<u8:f32, 0.5>>) -> tensor<?x1x1x1x!quant.uniform<u8:f32, 0.25>> loc("pool1")
  return %0, %1 : tensor<?x4xf32>, tensor<?x1x1x1x!quant.uniform<u8:f32, 0.25>>
}
