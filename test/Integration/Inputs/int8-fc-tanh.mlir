// An int8 fully_connected with a fused tanh: the native kernels fuse only clamps (relu, relu6)
// bit-exactly, so the backend must refuse it by name rather than run something else.
func.func @main(%x: tensor<?x4xf32> {qopt.name = "x"}) -> (tensor<?x3xf32> {qopt.name = "y"}) {
  %w = qopt.constant dense<[[1, -2, 3, 4], [5, 6, -7, 8], [9, 10, 11, -12]]> : tensor<3x4xi8> -> tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03}>>
  %q = qopt.quantize %x : (tensor<?x4xf32>) -> tensor<?x4x!quant.uniform<u8:f32, 0.05:128>>
  %y = qopt.fully_connected %q, %w {activation = #qopt.activation<tanh>, qopt.precision = #qopt.precision<i8>} : (tensor<?x4x!quant.uniform<u8:f32, 0.05:128>>, tensor<3x4x!quant.uniform<i8<-127:127>:f32:0, {0.01, 0.02, 0.03}>>) -> tensor<?x3xf32> loc("layer/fc1")
  return %y : tensor<?x3xf32>
}
