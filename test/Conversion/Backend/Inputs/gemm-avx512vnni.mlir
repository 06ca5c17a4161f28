// A hand-written model entry (NativeAbi.h) for the avx512vnni target: an int8 GEMM
// (u8 [batch][36] x packed s8 [40][36] -> u8 [batch][40]) and an f32 GEMM
// (f32 [batch][20] x packed f32 [24][20] -> f32 [batch][24]), both through the microkernels.
// inputs = {x_u8, x_f32}, outputs = {y_u8, y_f32},
// constants = {packed_s8, folded_bias_i32, acc_scale_f32, packed_f32, bias_f32}.
module {
  llvm.func @qopt_uk_gemm_u8s8_avx512vnni(!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64)
  llvm.func @qopt_uk_gemm_f32_avx512(!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64)

  llvm.func @qopt_model_entry(%args: !llvm.ptr) -> i32 {
    %one = llvm.mlir.constant(1 : i64) : i64
    %ep = llvm.alloca %one x !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)> : (i64) -> !llvm.ptr
    %fep = llvm.alloca %one x !llvm.struct<(ptr, f32, f32, i32, i32)> : (i64) -> !llvm.ptr
    %batch = llvm.load %args : !llvm.ptr -> i64
    %bad = llvm.icmp "slt" %batch, %one : i64
    llvm.cond_br %bad, ^error, ^run
  ^error:
    %err = llvm.mlir.constant(1 : i32) : i32
    llvm.return %err : i32
  ^run:
    %inputsAddr = llvm.getelementptr %args[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %outputsAddr = llvm.getelementptr %args[0, 2] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %constantsAddr = llvm.getelementptr %args[0, 3] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr, ptr, ptr, ptr, ptr)>
    %inputs = llvm.load %inputsAddr : !llvm.ptr -> !llvm.ptr
    %outputs = llvm.load %outputsAddr : !llvm.ptr -> !llvm.ptr
    %constants = llvm.load %constantsAddr : !llvm.ptr -> !llvm.ptr
    %x8 = llvm.load %inputs : !llvm.ptr -> !llvm.ptr
    %xfAddr = llvm.getelementptr %inputs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %xf = llvm.load %xfAddr : !llvm.ptr -> !llvm.ptr
    %y8 = llvm.load %outputs : !llvm.ptr -> !llvm.ptr
    %yfAddr = llvm.getelementptr %outputs[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %yf = llvm.load %yfAddr : !llvm.ptr -> !llvm.ptr
    %w8 = llvm.load %constants : !llvm.ptr -> !llvm.ptr
    %biasAddr = llvm.getelementptr %constants[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %bias = llvm.load %biasAddr : !llvm.ptr -> !llvm.ptr
    %scaleAddr = llvm.getelementptr %constants[2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %scale = llvm.load %scaleAddr : !llvm.ptr -> !llvm.ptr
    %wfAddr = llvm.getelementptr %constants[3] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %wf = llvm.load %wfAddr : !llvm.ptr -> !llvm.ptr
    %fbiasAddr = llvm.getelementptr %constants[4] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %fbias = llvm.load %fbiasAddr : !llvm.ptr -> !llvm.ptr

    // int8 epilogue: u8 output, scale 0.0625, zero point 3, no activation.
    %null = llvm.mlir.zero : !llvm.ptr
    %lo = llvm.mlir.constant(0xFF800000 : i32) : i32
    %hi = llvm.mlir.constant(0x7F800000 : i32) : i32
    %ninf = llvm.bitcast %lo : i32 to f32
    %pinf = llvm.bitcast %hi : i32 to f32
    %i0 = llvm.mlir.constant(0 : i32) : i32
    %outScale = llvm.mlir.constant(6.250000e-02 : f32) : f32
    %zp = llvm.mlir.constant(3 : i32) : i32
    %qmax = llvm.mlir.constant(255 : i32) : i32
    %kindU8 = llvm.mlir.constant(0 : i32) : i32
    %e0 = llvm.mlir.undef : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e1 = llvm.insertvalue %bias, %e0[0] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e2 = llvm.insertvalue %scale, %e1[1] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e3 = llvm.insertvalue %null, %e2[2] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e4 = llvm.insertvalue %ninf, %e3[3] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e5 = llvm.insertvalue %pinf, %e4[4] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e6 = llvm.insertvalue %i0, %e5[5] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e7 = llvm.insertvalue %outScale, %e6[6] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e8 = llvm.insertvalue %zp, %e7[7] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e9 = llvm.insertvalue %i0, %e8[8] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e10 = llvm.insertvalue %qmax, %e9[9] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    %e11 = llvm.insertvalue %kindU8, %e10[10] : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>
    llvm.store %e11, %ep : !llvm.struct<(ptr, ptr, ptr, f32, f32, i32, f32, i32, i32, i32, i32)>, !llvm.ptr

    %K8 = llvm.mlir.constant(36 : i64) : i64
    %N8 = llvm.mlir.constant(40 : i64) : i64
    %n0 = llvm.mlir.constant(0 : i64) : i64
    llvm.call @qopt_uk_gemm_u8s8_avx512vnni(%x8, %K8, %w8, %batch, %N8, %K8, %n0, %N8, %ep, %y8, %N8) : (!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64) -> ()

    // f32 epilogue: bias, relu (clamp to [0, +inf)), f32 output.
    %zero = llvm.mlir.constant(0.000000e+00 : f32) : f32
    %hasAct = llvm.mlir.constant(1 : i32) : i32
    %kindF32 = llvm.mlir.constant(3 : i32) : i32
    %f0 = llvm.mlir.undef : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f1 = llvm.insertvalue %fbias, %f0[0] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f2 = llvm.insertvalue %zero, %f1[1] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f3 = llvm.insertvalue %pinf, %f2[2] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f4 = llvm.insertvalue %hasAct, %f3[3] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    %f5 = llvm.insertvalue %kindF32, %f4[4] : !llvm.struct<(ptr, f32, f32, i32, i32)>
    llvm.store %f5, %fep : !llvm.struct<(ptr, f32, f32, i32, i32)>, !llvm.ptr
    %Kf = llvm.mlir.constant(20 : i64) : i64
    %Nf = llvm.mlir.constant(24 : i64) : i64
    llvm.call @qopt_uk_gemm_f32_avx512(%xf, %Kf, %wf, %batch, %Nf, %Kf, %n0, %Nf, %fep, %yf, %Nf) : (!llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, i64) -> ()
    llvm.return %i0 : i32
  }
}
