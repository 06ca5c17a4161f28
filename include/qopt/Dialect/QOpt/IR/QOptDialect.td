#ifndef QOPT_DIALECT_TD
#define QOPT_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def QOpt_Dialect : Dialect {
  let name = "qopt";
  let cppNamespace = "::mlir::qopt";
  let summary = "Static-shape tensor ops of a neural network, in float and quantized form";
  let description = [{
    The qopt dialect is the IR every stage of qopt works on: importers produce it, the
    quantization passes rewrite it, the reference executor runs it and the backend lowers it.
    Quantized values use MLIR's `!quant.uniform` types; see include/qopt/Quant/QuantMath.h for the
    exact integer semantics.
  }];
  let dependentDialects = ["::mlir::quant::QuantizationDialect"];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  // The discardable attributes the passes record (qopt.precision, qopt.calibration) must hold
  // their typed attribute, on ops and on function arguments.
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
}

class QOpt_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<QOpt_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // QOPT_DIALECT_TD
