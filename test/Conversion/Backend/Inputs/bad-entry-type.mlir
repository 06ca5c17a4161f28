module {
  llvm.func @qopt_model_entry(%args: !llvm.ptr) -> i64 {
    %ok = llvm.mlir.constant(0 : i64) : i64
    llvm.return %ok : i64
  }
}
