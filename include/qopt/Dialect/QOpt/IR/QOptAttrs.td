#ifndef QOPT_ATTRS_TD
#define QOPT_ATTRS_TD

include "qopt/Dialect/QOpt/IR/QOptDialect.td"
include "qopt/Dialect/QOpt/IR/QOptEnums.td"

def QOpt_ActivationAttr : EnumAttr<QOpt_Dialect, QOpt_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

// `qopt.precision = #qopt.precision<i8>`: written by qopt-assign-precision, applied by
// qopt-quantize, carried into the model's provenance.
def QOpt_PrecisionAttr : EnumAttr<QOpt_Dialect, QOpt_Precision, "precision"> {
  let assemblyFormat = "`<` $value `>`";
}

def QOpt_ActivationStorageAttr : EnumAttr<QOpt_Dialect, QOpt_ActivationStorage, "storage"> {
  let assemblyFormat = "`<` $value `>`";
}

// An f32 value, held as an APFloat so that the attribute is uniqued by its bits (-0.0 is not 0.0).
def QOpt_F32Parameter : AttrOrTypeParameter<"::llvm::APFloat", "an f32 value"> {
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
  let parser = "::mlir::qopt::detail::parseF32($_parser)";
  let printer = "$_printer.printFloat(::llvm::APFloat($_self))";
}

def QOpt_CalibrationAttr : QOpt_Attr<"Calibration", "calibration"> {
  let summary = "the range qopt-calibrate measured for one value";
  let description = [{
    Recorded on the op producing a value, or on the function argument:

    ```mlir
    {qopt.calibration = #qopt.calibration<lo = 0.0, hi = 2.9, min = 0.0, max = 3.0,
                                          method = "percentile", samples = 512>}
    ```

    `lo`/`hi` is the range the method chose, which qopt-quantize turns into scales; `min`/`max`
    are the observed extremes, which decide whether f16 can hold the value. `method`, `samples`
    and (on the input) `data_hash` say where the range comes from, for the model's provenance;
    they may be left out of a hand-written record.
  }];
  let parameters = (ins
    QOpt_F32Parameter:$lo,
    QOpt_F32Parameter:$hi,
    QOpt_F32Parameter:$min,
    QOpt_F32Parameter:$max,
    StringRefParameter<"calibration method", "\"\"">:$method,
    DefaultValuedParameter<"int64_t", "0", "number of samples">:$samples,
    StringRefParameter<"hash of the calibration data (on the input)", "\"\"">:$data_hash
  );
  let builders = [
    AttrBuilder<(ins "float":$lo, "float":$hi, "float":$min, "float":$max,
                     CArg<"::llvm::StringRef", "\"\"">:$method, CArg<"int64_t", "0">:$samples,
                     CArg<"::llvm::StringRef", "\"\"">:$dataHash), [{
      return $_get($_ctxt, ::llvm::APFloat(lo), ::llvm::APFloat(hi), ::llvm::APFloat(min),
                   ::llvm::APFloat(max), method, samples, dataHash);
    }]>
  ];
  let assemblyFormat = "`<` struct(params) `>`";
  let extraClassDeclaration = [{
    /// The ranges as the floats qopt-calibrate computed.
    float getLoF32() const { return getLo().convertToFloat(); }
    float getHiF32() const { return getHi().convertToFloat(); }
    float getMinF32() const { return getMin().convertToFloat(); }
    float getMaxF32() const { return getMax().convertToFloat(); }
  }];
}

#endif // QOPT_ATTRS_TD
