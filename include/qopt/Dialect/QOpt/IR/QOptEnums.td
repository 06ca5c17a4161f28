#ifndef QOPT_ENUMS_TD
#define QOPT_ENUMS_TD

// qopt's vocabulary: the enums its attributes hold and its pass options take. Each case's string
// is the text the IR, the pass options and the FlatBuffers provenance use, so renaming one
// changes what qopt writes.

include "mlir/IR/EnumAttr.td"

// Activation fused into a producer (fully_connected, conv2d). Applied to the real-valued result,
// before any requantization.
def QOpt_Activation : I32EnumAttr<"Activation", "activation fused into the producing op", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"relu", 1>,
    I32EnumAttrCase<"relu6", 2>,
    I32EnumAttrCase<"sigmoid", 3>,
    I32EnumAttrCase<"tanh", 4>,
    I32EnumAttrCase<"gelu", 5>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qopt";
}

// The precision a fully_connected / conv2d / matmul computes in. The values order the precisions
// from cheapest to most exact, and index the cost model's per-precision tables.
def QOpt_Precision : I32EnumAttr<"Precision", "precision an op computes in", [
    I32EnumAttrCase<"i8", 0>,
    I32EnumAttrCase<"bf16", 1>,
    I32EnumAttrCase<"f16", 2>,
    I32EnumAttrCase<"f32", 3>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qopt";
}

// How an activation is stored once quantized: u8 asymmetric (the fast VNNI path) or i8 symmetric.
def QOpt_ActivationStorage : I32EnumAttr<"ActivationStorage", "storage of a quantized activation", [
    I32EnumAttrCase<"u8", 0>,
    I32EnumAttrCase<"i8", 1>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qopt";
}

//===----------------------------------------------------------------------===//
// Pass option values (not attributes): Passes.td lists them with llvm::cl::values, under these
// strings, so a printed pipeline names them exactly as a user writes them.
//===----------------------------------------------------------------------===//

// qopt-assign-precision's mode: one precision for every layer, or the mixed search.
def QOpt_PrecisionMode : I32EnumAttr<"PrecisionMode", "precision assignment mode", [
    I32EnumAttrCase<"int8", 0>,
    I32EnumAttrCase<"fp16", 1>,
    I32EnumAttrCase<"bf16", 2>,
    I32EnumAttrCase<"fp32", 3>,
    I32EnumAttrCase<"mixed", 4>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qopt";
}

// qopt-quantize's scheme: calibrated scales with per-channel weights, or the naive dynamic one.
// (`static` is a C++ keyword, hence the capitalized enumerators.)
def QOpt_QuantizationMode : I32EnumAttr<"QuantizationMode", "quantization scheme", [
    I32EnumAttrCase<"Static", 0, "static">,
    I32EnumAttrCase<"Dynamic", 1, "dynamic">
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qopt";
}

// The CPU whose throughput the precision search's latency model uses.
def QOpt_CostTarget : I32EnumAttr<"CostTarget", "cost model target", [
    I32EnumAttrCase<"avx512vnni", 0>,
    I32EnumAttrCase<"avx512bf16", 1>,
    I32EnumAttrCase<"avx2", 2>
  ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::qopt";
}

#endif // QOPT_ENUMS_TD
