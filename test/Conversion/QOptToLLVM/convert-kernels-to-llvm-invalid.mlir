// Every error of qopt-convert-kernels-to-llvm, one module per message.
// RUN: qopt-opt %s -split-input-file -qopt-convert-kernels-to-llvm -verify-diagnostics

func.func @not_lowered(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'qopt.relu' was not lowered to a kernel call (run qopt-pack-weights and qopt-lower-to-kernels first)}}
  %0 = qopt.relu %x : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A reshape that folds the batch into a sample is not a rename of per-sample buffers.
func.func @reshape_moves_batch(%x: tensor<?x4xf32>) -> tensor<?xf32> {
  %0 = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  // expected-error @+1 {{native code renames buffers only when a reshape keeps the batch dimension and the size of a sample}}
  %1 = qopt.reshape %0 : (tensor<?x4xf32>) -> tensor<?xf32>
  return %1 : tensor<?xf32>
}

// -----

func.func @batched_in_static_model(%x: tensor<4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{a batched result in a model whose inputs have no batch dimension}}
  %0 = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>} : (tensor<4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// expected-error @+1 {{native code cannot take the input type 'tensor<4xi1>'}}
func.func @bool_input(%x: tensor<4xi1>) -> tensor<4xi1> {
  return %x : tensor<4xi1>
}

// -----

// expected-error @+1 {{native code is built from a module with exactly one function of one block, found 2 functions}}
module {
  func.func @a(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  func.func @b(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
