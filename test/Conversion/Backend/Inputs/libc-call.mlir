// Calls expf, which no kernel library defines: generated code may not depend on libc.
module {
  llvm.func @expf(f32) -> f32
  llvm.func @qopt_model_entry(%args: !llvm.ptr) -> i32 {
    %one = llvm.mlir.constant(1.0 : f32) : f32
    %e = llvm.call @expf(%one) : (f32) -> f32
    %i = llvm.fptosi %e : f32 to i32
    llvm.return %i : i32
  }
}
