func.func @main(%x: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %w = qopt.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %y = qopt.fully_connected %x, %w {qopt.precision = #qopt.precision<bf16>, qopt.precision_reason = "uniform bf16"} : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32> loc("fc")
  return %y : tensor<1x3xf32>
}
