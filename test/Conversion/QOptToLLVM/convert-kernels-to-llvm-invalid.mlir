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

// -----

// A view's range must lie inside its input's buffer: 16 bytes at offset 24 of a 32-byte tensor.
func.func @view_out_of_range(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{a view must be an unbatched byte range inside its one input}}
  %v = qopt.kernel_call "qopt_view"(%x) {params = array<i8: 24, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x4xf32>) -> tensor<4xf32>
  %y = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Nor may a view be batched (sample s of a batched tensor is not one range).
func.func @view_batched(%x: tensor<?x2x4xf32>) -> tensor<?x2x4xf32> {
  // expected-error @+1 {{a view must be an unbatched byte range inside its one input}}
  %v = qopt.kernel_call "qopt_view"(%x) {params = array<i8: 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x2x4xf32>) -> tensor<?x4xf32>
  %y = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>} : (tensor<?x2x4xf32>) -> tensor<?x2x4xf32>
  return %y : tensor<?x2x4xf32>
}

// -----

// A returned value gets the caller's output buffer, so it cannot be a part of another one (the
// lowering keeps such a gather a copy).
// expected-error @+1 {{a function result is a view of another tensor's buffer}}
func.func @view_returned(%x: tensor<2x4xf32>) -> tensor<4xf32> {
  %a = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %v = qopt.kernel_call "qopt_view"(%a) {params = array<i8: 16, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x4xf32>) -> tensor<4xf32>
  return %v : tensor<4xf32>
}
