// qopt-convert-kernels-to-llvm: the function of kernel calls becomes the NativeAbi.h entry point.
// RUN: qopt-opt %s -split-input-file -qopt-convert-kernels-to-llvm | FileCheck %s

// A chain of four kernels on a batched input. Each intermediate takes 16 bytes per sample, rounded
// to 64: %a lives over the calls of %a and %b, %b over %b and %d, %d over %d and %e, so %d reuses
// %a's place (offset 0) and %b sits at 64; the arena is 128 bytes per sample and nothing fixed.
// The result %e is written straight into output 0. Constants are numbered in order of first use
// (%c1 before %c0), which is the order of the qopt.native table.
// The steps list the four calls in order: ops are result elements per sample where no pattern
// recorded qopt.ops_per_sample, weight bytes the constants read, activation bytes the rest.
// CHECK-LABEL: module attributes {qopt.native = {arena_bytes_fixed = 0 : i64, arena_bytes_per_sample = 128 : i64, batch_parallel = true, constants = [dense<[5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]> : tensor<4xf32>, dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>], steps = [{activation_bytes_per_sample = 32 : i64, kernel = "qopt_k_binary", name = "qopt_k_binary", ops_per_sample = 4 : i64, weight_bytes = 16 : i64}, {activation_bytes_per_sample = 32 : i64, kernel = "qopt_k_unary", name = "qopt_k_unary", ops_per_sample = 4 : i64, weight_bytes = 0 : i64}, {activation_bytes_per_sample = 32 : i64, kernel = "qopt_k_unary", name = "qopt_k_unary", ops_per_sample = 4 : i64, weight_bytes = 0 : i64}, {activation_bytes_per_sample = 32 : i64, kernel = "qopt_k_binary", name = "qopt_k_binary", ops_per_sample = 4 : i64, weight_bytes = 16 : i64}]}}
// The profile hook (NativeAbi.h): qopt_native_env.profile at byte 24, profile_data at 32, called
// only when set.
// CHECK: llvm.func internal @qopt_profile_step(%[[ENV:.*]]: !llvm.ptr, %[[STEP:.*]]: i32, %[[PHASE:.*]]: i32)
// CHECK: %[[HOOKP:.*]] = llvm.getelementptr %[[ENV]][24] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[HOOK:.*]] = llvm.load %[[HOOKP]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[NULLP:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[ISNULL:.*]] = llvm.icmp "eq" %[[HOOK]], %[[NULLP]]
// CHECK: llvm.cond_br %[[ISNULL]], ^[[DONE:.*]], ^[[CALL:[a-z0-9]*]]
// CHECK: ^[[CALL]]:
// CHECK: %[[DATAP:.*]] = llvm.getelementptr %[[ENV]][32] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[DATA:.*]] = llvm.load %[[DATAP]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call %[[HOOK]](%[[DATA]], %[[STEP]], %[[PHASE]])
// Each call gets a step function (not inlined into the entry) that passes its params, an
// internal constant, to the kernel; four calls with four different params give four.
// CHECK: llvm.func @qopt_k_binary(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr)
// CHECK: llvm.mlir.global internal constant @qopt_params_0("\01")
// CHECK: llvm.func internal @qopt_step_0(%[[ST:[^:]*]]: !llvm.ptr, %[[SN:[^:]*]]: i64, %[[SS:[^:]*]]: !llvm.ptr, %{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: !llvm.ptr) attributes {no_inline}
// CHECK-NEXT: %[[SP:.*]] = llvm.mlir.addressof @qopt_params_0
// CHECK-NEXT: llvm.call @qopt_k_binary(%[[SP]], %[[ST]], %[[SN]], %[[SS]])
// CHECK: llvm.func @qopt_k_unary(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr)
// CHECK: llvm.mlir.global internal constant @qopt_params_3("\04")
// CHECK: llvm.func internal @qopt_step_3(
// CHECK-NEXT: llvm.mlir.addressof @qopt_params_3
// CHECK: llvm.func @qopt_model_entry(%[[ARGS:.*]]: !llvm.ptr) -> i32
// qopt_native_args: batch at 0, inputs at 8, outputs at 16, constants at 24, arena at 32.
// CHECK: %[[O0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: %[[G0:.*]] = llvm.getelementptr %[[ARGS]][%[[O0]]]
// CHECK: %[[BATCH:.*]] = llvm.load %[[G0]] : !llvm.ptr -> i64
// CHECK: %[[O8:.*]] = llvm.mlir.constant(8 : i64) : i64
// CHECK: %[[G8:.*]] = llvm.getelementptr %[[ARGS]][%[[O8]]]
// CHECK: %[[INPUTS:.*]] = llvm.load %[[G8]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[O16:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK: %[[G16:.*]] = llvm.getelementptr %[[ARGS]][%[[O16]]]
// CHECK: %[[OUTPUTS:.*]] = llvm.load %[[G16]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[O24:.*]] = llvm.mlir.constant(24 : i64) : i64
// CHECK: %[[G24:.*]] = llvm.getelementptr %[[ARGS]][%[[O24]]]
// CHECK: %[[CONSTS:.*]] = llvm.load %[[G24]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[O32:.*]] = llvm.mlir.constant(32 : i64) : i64
// CHECK: %[[G32:.*]] = llvm.getelementptr %[[ARGS]][%[[O32]]]
// CHECK: %[[ARENA:.*]] = llvm.load %[[G32]] : !llvm.ptr -> !llvm.ptr
// A dynamic batch must be at least 1, else QOPT_NATIVE_ERR_BATCH.
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: %[[BAD:.*]] = llvm.icmp "slt" %[[BATCH]], %[[ONE]] : i64
// CHECK: llvm.cond_br %[[BAD]], ^[[ERR:.*]], ^[[BODY:.*]]
// CHECK: ^[[ERR]]:
// CHECK: %[[E1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.return %[[E1]] : i32
// CHECK: ^[[BODY]]:
// %a: arena + 0 * batch; operands: %a, input 0, constant 0.
// CHECK: llvm.mlir.constant(40 : i64) : i64
// CHECK: %[[OFFA:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: %[[MA:.*]] = llvm.mul %[[OFFA]], %[[BATCH]] : i64
// CHECK: %[[A:.*]] = llvm.getelementptr %[[ARENA]][%[[MA]]]
// CHECK: %[[XS:.*]] = llvm.getelementptr %[[INPUTS]][0]
// CHECK: %[[X:.*]] = llvm.load %[[XS]]
// CHECK: %[[C1S:.*]] = llvm.getelementptr %[[CONSTS]][0]
// CHECK: %[[C1:.*]] = llvm.load %[[C1S]]
// CHECK: %[[T0S0:.*]] = llvm.getelementptr %[[T0:.*]][0]
// CHECK: llvm.store %[[A]], %[[T0S0]]
// CHECK: %[[T0S1:.*]] = llvm.getelementptr %[[T0]][1]
// CHECK: llvm.store %[[X]], %[[T0S1]]
// CHECK: %[[T0S2:.*]] = llvm.getelementptr %[[T0]][2]
// CHECK: llvm.store %[[C1]], %[[T0S2]]
// Step 0 between its two profile calls (phase 0 before, 1 after), on args.env (byte 40).
// CHECK: %[[S0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[P0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: llvm.call @qopt_profile_step(%[[ENVARG:.*]], %[[S0]], %[[P0]])
// CHECK: llvm.call @qopt_step_0(%[[T0]], %[[BATCH]], %{{.*}}, %{{.*}})
// CHECK: %[[S0B:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: %[[P1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call @qopt_profile_step(%[[ENVARG]], %[[S0B]], %[[P1]])
// %b: arena + 64 * batch.
// CHECK: %[[OFFB:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: %[[MB:.*]] = llvm.mul %[[OFFB]], %[[BATCH]] : i64
// CHECK: %[[B:.*]] = llvm.getelementptr %[[ARENA]][%[[MB]]]
// CHECK: llvm.store %[[B]], %{{.*}}
// CHECK: llvm.store %[[A]], %{{.*}}
// CHECK: llvm.call @qopt_step_{{[12]}}
// %d: back at offset 0, where %a was.
// CHECK: %[[OFFD:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: %[[MD:.*]] = llvm.mul %[[OFFD]], %[[BATCH]] : i64
// CHECK: %[[D:.*]] = llvm.getelementptr %[[ARENA]][%[[MD]]]
// CHECK: llvm.store %[[D]], %{{.*}}
// CHECK: llvm.store %[[B]], %{{.*}}
// CHECK: llvm.call @qopt_step_{{[12]}}
// %e: output 0 in place, and constant slot 1.
// CHECK: %[[YS:.*]] = llvm.getelementptr %[[OUTPUTS]][0]
// CHECK: %[[Y:.*]] = llvm.load %[[YS]]
// CHECK: %[[C0S:.*]] = llvm.getelementptr %[[CONSTS]][1]
// CHECK: %[[C0:.*]] = llvm.load %[[C0S]]
// CHECK: llvm.store %[[Y]], %{{.*}}
// CHECK: llvm.store %[[D]], %{{.*}}
// CHECK: llvm.store %[[C0]], %{{.*}}
// CHECK: llvm.call @qopt_step_3
// CHECK-NOT: memcpy
// CHECK: %[[OK:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: llvm.return %[[OK]] : i32
// CHECK-NOT: func.func
func.func @chain(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = qopt.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %c1 = qopt.constant dense<[5.0, 6.0, 7.0, 8.0]> : tensor<4xf32>
  %a = qopt.kernel_call "qopt_k_binary"(%x, %c1) {params = array<i8: 1>} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %b = qopt.kernel_call "qopt_k_unary"(%a) {params = array<i8: 2>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %d = qopt.kernel_call "qopt_k_unary"(%b) {params = array<i8: 3>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %e = qopt.kernel_call "qopt_k_binary"(%d, %c0) {params = array<i8: 4>} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %e : tensor<?x4xf32>
}

// -----

// A static model runs exactly one sample. Its intermediates are fixed-size, so they sit after the
// (empty) batched part, and the kernels' scratch (100 bytes, rounded to 128) follows them. A
// reshape renames %a's buffer, which becomes output 1; so the only intermediate is %t (64 bytes)
// and the fixed part is 64 + 128 bytes. The other outputs are copies: the returned input, %a
// again (from output 1) and the constant.
// CHECK-LABEL: module attributes {qopt.native = {arena_bytes_fixed = 192 : i64, arena_bytes_per_sample = 0 : i64, batch_parallel = false, constants = [dense<1.000000e+00> : tensor<2x4xf32>], steps = [{{.*}}]}}
// CHECK: llvm.func @qopt_model_entry(%[[ARGS:.*]]: !llvm.ptr) -> i32
// CHECK: %[[BATCH:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: llvm.icmp "ne" %[[BATCH]], %[[ONE]] : i64
// CHECK: ^bb2:
// CHECK-NEXT: %[[N:.*]] = llvm.mlir.constant(1 : i64) : i64
// The scratch: arena + 0 * batch + 64.
// CHECK: %[[SB:.*]] = llvm.mul %{{.*}}, %[[BATCH]] : i64
// CHECK: %[[S64:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: %[[SO:.*]] = llvm.add %[[SB]], %[[S64]] : i64
// CHECK: %[[SCRATCH:.*]] = llvm.getelementptr %{{.*}}[%[[SO]]]
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[Y1S:.*]] = llvm.getelementptr %[[OUTPUTS:.*]][1]
// CHECK: %[[Y1:.*]] = llvm.load %[[Y1S]]
// CHECK: %[[XS:.*]] = llvm.getelementptr %[[INPUTS:.*]][0]
// CHECK: %[[X:.*]] = llvm.load %[[XS]]
// CHECK: llvm.store %[[Y1]], %{{.*}}
// CHECK: llvm.store %[[X]], %{{.*}}
// A static model calls its kernels with batch 1, and this one gets its scratch.
// CHECK: llvm.call @qopt_step_0(%{{.*}}, %[[N]], %[[SCRATCH]], %{{.*}})
// CHECK: llvm.call @qopt_step_1(%{{.*}}, %[[N]], %[[NULL]], %{{.*}})
// CHECK: %[[Y0S:.*]] = llvm.getelementptr %[[OUTPUTS]][0]
// CHECK: %[[Y0:.*]] = llvm.load %[[Y0S]]
// CHECK: "llvm.intr.memcpy"(%[[Y0]], %[[X]], %{{.*}})
// CHECK: %[[Y2S:.*]] = llvm.getelementptr %[[OUTPUTS]][2]
// CHECK: %[[Y2:.*]] = llvm.load %[[Y2S]]
// CHECK: "llvm.intr.memcpy"(%[[Y2]], %[[Y1]], %{{.*}})
// CHECK: %[[Y3S:.*]] = llvm.getelementptr %[[OUTPUTS]][3]
// CHECK: %[[Y3:.*]] = llvm.load %[[Y3S]]
// CHECK: %[[KS:.*]] = llvm.getelementptr %{{.*}}[0]
// CHECK: %[[K:.*]] = llvm.load %[[KS]]
// CHECK: "llvm.intr.memcpy"(%[[Y3]], %[[K]], %{{.*}})
func.func @static_outputs(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<8xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %c = qopt.constant dense<1.0> : tensor<2x4xf32>
  %a = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>, scratch_fixed = 100 : i64} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %t = qopt.kernel_call "qopt_k_unary"(%a) {params = array<i8: 2>} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = qopt.reshape %a : (tensor<2x4xf32>) -> tensor<8xf32>
  return %x, %r, %a, %c : tensor<2x4xf32>, tensor<8xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// An unbatched intermediate of a batched model (computed from constants) lives after the batched
// part: arena + 64 * batch + 0. fake_quant_dynamic takes its range over the whole batch, so the
// model is not batch-parallel.
// CHECK-LABEL: module attributes {qopt.native = {arena_bytes_fixed = 64 : i64, arena_bytes_per_sample = 64 : i64, batch_parallel = false
// CHECK: llvm.func @qopt_model_entry
// CHECK: %[[BATCH:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK: ^bb2:
// CHECK-NEXT: %[[N1:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK: llvm.mlir.zero
// CHECK: %[[A64:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: %[[AB:.*]] = llvm.mul %[[A64]], %[[BATCH]] : i64
// CHECK: %[[F0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: %[[FO:.*]] = llvm.add %[[AB]], %[[F0]] : i64
// CHECK: %[[U:.*]] = llvm.getelementptr %{{.*}}[%[[FO]]]
// CHECK: llvm.store %[[U]], %{{.*}}
// The unbatched kernel runs once per call.
// CHECK: llvm.call @qopt_step_0(%{{.*}}, %[[N1]], %{{.*}}, %{{.*}})
// CHECK: llvm.store %[[U]], %{{.*}}
// CHECK: llvm.call @qopt_step_1(%{{.*}}, %[[BATCH]], %{{.*}}, %{{.*}})
// CHECK: llvm.call @qopt_step_2(%{{.*}}, %[[BATCH]], %{{.*}}, %{{.*}})
func.func @unbatched_intermediate(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c = qopt.constant dense<1.0> : tensor<4xf32>
  %u = qopt.kernel_call "qopt_k_unary"(%c) {params = array<i8: 1>} : (tensor<4xf32>) -> tensor<4xf32>
  %a = qopt.kernel_call "qopt_k_binary"(%x, %u) {params = array<i8: 2>} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %f = qopt.kernel_call "qopt_k_fake_quant_dynamic"(%a) {params = array<i8: 3>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %f : tensor<?x4xf32>
}

// -----

// Null operands are inserted where recorded: operands out, x, scale, null.
// CHECK-LABEL: module attributes
// CHECK: llvm.func @qopt_model_entry
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[S3:.*]] = llvm.getelementptr %[[T:.*]][3]
// CHECK: llvm.store %[[NULL]], %[[S3]]
// CHECK: llvm.call @qopt_step_0(%[[T]], %{{.*}}, %[[NULL]], %{{.*}})
func.func @null_operand(%x: tensor<?x4xf32>, %s: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = qopt.kernel_call "qopt_k_layer_norm"(%x, %s) {null_operands = array<i64: 3>, params = array<i8: 1>} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A step is named after its op's location (the ONNX node) and takes the useful arithmetic a
// pattern recorded in qopt.ops_per_sample: here 2 * 4 * 3 for a 4 -> 3 fully_connected.
// CHECK-LABEL: module attributes {qopt.native = {{{.*}}steps = [{activation_bytes_per_sample = 28 : i64, kernel = "qopt_k_fully_connected", name = "/fc1/Gemm", ops_per_sample = 24 : i64, weight_bytes = 48 : i64}]}}
func.func @named_step(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %w = qopt.constant dense<1.0> : tensor<12xf32>
  %0 = qopt.kernel_call "qopt_k_fully_connected"(%x, %w) {params = array<i8: 1>, qopt.ops_per_sample = 24 : i64} : (tensor<?x4xf32>, tensor<12xf32>) -> tensor<?x3xf32> loc("/fc1/Gemm")
  return %0 : tensor<?x3xf32>
}

// -----

// fully_connected calls whose params differ only in the epilogue constants (activation bounds,
// output scale and zero point: bytes 48-63 of qopt_k_gemm_params) share one step function, which
// copies those bytes from the call's own params (its 4th argument) over a constant copy of the
// rest; a call that differs in a shape field gets its own.
// CHECK-LABEL: module attributes
// CHECK: llvm.mlir.global internal constant @qopt_params_0(
// CHECK: llvm.mlir.global internal constant @qopt_params_1(
// CHECK: llvm.func internal @qopt_step_0(%{{[^:]*}}: !llvm.ptr, %{{[^:]*}}: i64, %{{[^:]*}}: !llvm.ptr, %[[REAL:[^:]*]]: !llvm.ptr, %[[ENV:[^:]*]]: !llvm.ptr) attributes {no_inline}
// CHECK: %[[KEY:.*]] = llvm.mlir.addressof @qopt_params_1
// CHECK: %[[LOCAL:.*]] = llvm.alloca %{{.*}} x !llvm.array<80 x i8>
// CHECK: %[[ALL:.*]] = llvm.mlir.constant(80 : i64)
// CHECK: "llvm.intr.memcpy"(%[[LOCAL]], %[[KEY]], %[[ALL]])
// CHECK: %[[AT:.*]] = llvm.mlir.constant(48 : i64)
// CHECK: %[[DST:.*]] = llvm.getelementptr %[[LOCAL]][%[[AT]]]
// CHECK: %[[AT2:.*]] = llvm.mlir.constant(48 : i64)
// CHECK: %[[SRC:.*]] = llvm.getelementptr %[[REAL]][%[[AT2]]]
// CHECK: %[[LEN:.*]] = llvm.mlir.constant(16 : i64)
// CHECK: "llvm.intr.memcpy"(%[[DST]], %[[SRC]], %[[LEN]])
// Linear kernels split their work over the runtime's threads, so the step passes them the env.
// CHECK: llvm.call @qopt_k_fully_connected(%[[LOCAL]], %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %[[ENV]])
// CHECK: llvm.mlir.global internal constant @qopt_params_2(
// CHECK: llvm.func internal @qopt_step_1(
// CHECK-NOT: llvm.func internal @qopt_step_2
// CHECK: llvm.func @qopt_model_entry
// CHECK: %[[P0:.*]] = llvm.mlir.addressof @qopt_params_0
// CHECK: llvm.call @qopt_step_0(%{{.*}}, %{{.*}}, %{{.*}}, %[[P0]], %{{.*}})
// CHECK: %[[P2:.*]] = llvm.mlir.addressof @qopt_params_2
// CHECK: llvm.call @qopt_step_0(%{{.*}}, %{{.*}}, %{{.*}}, %[[P2]], %{{.*}})
// CHECK: llvm.call @qopt_step_1(
func.func @shared_steps(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %a = qopt.kernel_call "qopt_k_fully_connected"(%x) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %b = qopt.kernel_call "qopt_k_fully_connected"(%a) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %c = qopt.kernel_call "qopt_k_fully_connected"(%b) {params = array<i8: 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %c : tensor<?x4xf32>
}

// -----

// conv2d calls get no run-time fields: each step passes the call's constant params straight to
// the kernel (no stack copy), so that LLVM folds them into the kernel's 1-thread loops even
// where the kernel's thread lambdas capture them; calls that differ only in the epilogue
// constants then get steps of their own.
// CHECK-LABEL: module attributes
// CHECK: llvm.func internal @qopt_step_0(
// CHECK-NOT: llvm.alloca
// CHECK: %[[K0:.*]] = llvm.mlir.addressof @qopt_params_{{[0-9]+}}
// CHECK-NEXT: llvm.call @qopt_k_conv2d(%[[K0]],
// CHECK: llvm.func internal @qopt_step_1(
// CHECK-NOT: llvm.alloca
// CHECK: llvm.call @qopt_k_conv2d(
// CHECK: llvm.func @qopt_model_entry
func.func @conv_steps(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %a = qopt.kernel_call "qopt_k_conv2d"(%x) {params = array<i8: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %b = qopt.kernel_call "qopt_k_conv2d"(%a) {params = array<i8: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %b : tensor<?x4xf32>
}

// -----

// A view (a gather of one outermost index, MovementPatterns.cpp) is its input's address plus the
// offset: no step of its own, and the input's buffer lives as long as the view's readers. %a is
// 32 bytes of the fixed arena; %v = %a + 16 and its reshape %r = the same address; the two
// readers get them. Only the two unary calls are steps.
// CHECK-LABEL: module attributes {qopt.native = {arena_bytes_fixed = 64 : i64, arena_bytes_per_sample = 0 : i64, batch_parallel = false, constants = [], steps = [{{{[^}]*}}kernel = "qopt_k_unary"{{[^}]*}}}, {{{[^}]*}}kernel = "qopt_k_binary"{{[^}]*}}}]}}
// CHECK-NOT: qopt_view
// CHECK: llvm.func @qopt_model_entry
// Step 0's result (the first operand stored) is %a's place.
// CHECK: llvm.store %[[A:[0-9]+]], %{{[0-9]+}} : !llvm.ptr, !llvm.ptr
// CHECK: llvm.call @qopt_step_0
// CHECK: %[[OFF:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK: %[[V:.*]] = llvm.getelementptr %[[A]][%[[OFF]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: %[[OFF2:.*]] = llvm.mlir.constant(16 : i64) : i64
// CHECK: %[[R:.*]] = llvm.getelementptr %[[A]][%[[OFF2]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: llvm.store %[[V]], %{{.*}}
// CHECK: llvm.store %[[R]], %{{.*}}
// CHECK: llvm.call @qopt_step_1
// CHECK-NOT: qopt_view
func.func @view(%x: tensor<2x4xf32>) -> tensor<4xf32> {
  %a = qopt.kernel_call "qopt_k_unary"(%x) {params = array<i8: 1>} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %v = qopt.kernel_call "qopt_view"(%a) {params = array<i8: 16, 0, 0, 0, 0, 0, 0, 0>} : (tensor<2x4xf32>) -> tensor<4xf32>
  %r = qopt.reshape %v : (tensor<4xf32>) -> tensor<2x2xf32>
  %s = qopt.reshape %r : (tensor<2x2xf32>) -> tensor<4xf32>
  %y = qopt.kernel_call "qopt_k_binary"(%v, %s) {params = array<i8: 2>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
