// A model whose input size in bytes overflows int64 (2^40 x 2^30 x 16 float32).
func.func @main(%x: tensor<1099511627776x1073741824x16xf32> {qopt.name = "x"}) -> (tensor<1099511627776x1073741824x16xf32> {qopt.name = "y"}) {
  %0 = qopt.relu %x : (tensor<1099511627776x1073741824x16xf32>) -> tensor<1099511627776x1073741824x16xf32> loc("relu1")
  return %0 : tensor<1099511627776x1073741824x16xf32>
}
