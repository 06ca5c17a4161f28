module {
  llvm.func @qopt_model_entry(!llvm.ptr) -> i32
}
