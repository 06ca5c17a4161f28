// An MLP whose hidden activation is GELU spelled out the way exporters below opset 17 write it:
// the quantize pipeline's first stage turns it back into qopt.gelu.
func.func @main(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %w1 = qopt.constant dense<[[0.5, -0.25, 1.0, 0.1], [0.2, 0.3, -0.4, 0.6], [-0.7, 0.8, 0.05, -0.2]]> : tensor<3x4xf32>
  %b1 = qopt.constant dense<[0.1, -0.1, 0.2]> : tensor<3xf32>
  %w2 = qopt.constant dense<[[1.0, -1.0, 0.5], [0.25, 0.5, -0.75]]> : tensor<2x3xf32>
  %sqrt2 = qopt.constant dense<1.41421354> : tensor<f32>
  %one = qopt.constant dense<1.0> : tensor<f32>
  %half = qopt.constant dense<0.5> : tensor<f32>
  %h = qopt.fully_connected %x, %w1, %b1 : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32> loc("hidden")
  %d = qopt.div %h, %sqrt2 : (tensor<?x3xf32>, tensor<f32>) -> tensor<?x3xf32>
  %e = qopt.erf %d : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %a = qopt.add %e, %one : (tensor<?x3xf32>, tensor<f32>) -> tensor<?x3xf32>
  %m = qopt.mul %h, %a : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %g = qopt.mul %m, %half : (tensor<?x3xf32>, tensor<f32>) -> tensor<?x3xf32>
  %y = qopt.fully_connected %g, %w2 : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x2xf32> loc("logits")
  return %y : tensor<?x2xf32>
}
