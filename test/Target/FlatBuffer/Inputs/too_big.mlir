// A model whose input needs 4 PiB per sample: no buffer can hold it.
func.func @main(%x: tensor<?x1048576x1073741824xf32> {qopt.name = "x"}) -> (tensor<?x1048576x1073741824xf32> {qopt.name = "y"}) {
  %0 = qopt.relu %x : (tensor<?x1048576x1073741824xf32>) -> tensor<?x1048576x1073741824xf32> loc("relu1")
  return %0 : tensor<?x1048576x1073741824xf32>
}
