// A small quantized model: the base for the corrupted-model tests that need quantization.
func.func @main(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = qopt.constant dense<[[1, -2], [3, 127]]> : tensor<2x2xi8> -> tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>> loc("fc1.weight")
  %q = qopt.quantize %x : (tensor<1x2xf32>) -> tensor<1x2x!quant.uniform<u8:f32, 0.05:128>> loc("x_q")
  %d = qopt.dequantize %q : (tensor<1x2x!quant.uniform<u8:f32, 0.05:128>>) -> tensor<1x2xf32> loc("x_dq")
  %wd = qopt.dequantize %w : (tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.5, 0.25}>>) -> tensor<2x2xf32> loc("w_dq")
  %y = qopt.fully_connected %d, %wd : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32> loc("fc1")
  return %y : tensor<1x2xf32>
}
