// outputs[0] = bf16(inputs[0]) for 16 floats: vcvtneps2bf16 with avx512bf16, the backend's
// __truncsfbf2 elsewhere.
module {
  llvm.func @qopt_model_entry(%args: !llvm.ptr) -> i32 {
    %inputsAddr = llvm.getelementptr %args[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %outputsAddr = llvm.getelementptr %args[0, 2] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %inputs = llvm.load %inputsAddr : !llvm.ptr -> !llvm.ptr
    %outputs = llvm.load %outputsAddr : !llvm.ptr -> !llvm.ptr
    %x = llvm.load %inputs : !llvm.ptr -> !llvm.ptr
    %y = llvm.load %outputs : !llvm.ptr -> !llvm.ptr
    %v = llvm.load %x {alignment = 4 : i64} : !llvm.ptr -> vector<16xf32>
    %b = llvm.fptrunc %v : vector<16xf32> to vector<16xbf16>
    llvm.store %b, %y {alignment = 2 : i64} : vector<16xbf16>, !llvm.ptr
    %ok = llvm.mlir.constant(0 : i32) : i32
    llvm.return %ok : i32
  }
}
