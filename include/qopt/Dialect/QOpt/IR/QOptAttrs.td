#ifndef QOPT_ATTRS_TD
#define QOPT_ATTRS_TD

include "qopt/Dialect/QOpt/IR/QOptDialect.td"
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

def QOpt_ActivationAttr : EnumAttr<QOpt_Dialect, QOpt_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // QOPT_ATTRS_TD
