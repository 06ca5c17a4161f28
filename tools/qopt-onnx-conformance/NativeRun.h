// qopt-onnx-conformance --native: a case that passed on the reference is compiled for each target,
// run through the runtime's C API with the case's own inputs, and compared with ONNX's expected
// outputs exactly as the reference was.
#ifndef QOPT_TOOLS_ONNX_CONFORMANCE_NATIVERUN_H
#define QOPT_TOOLS_ONNX_CONFORMANCE_NATIVERUN_H

#include "qopt/Reference/Executor.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

#include <functional>
#include <string>
#include <vector>

namespace mlir::qopt::conformance {

/// One test_data_set_*: the inputs as the reference ran them and ONNX's expected outputs.
struct DataSet {
  std::string name;
  std::vector<ref::Tensor> inputs;
  std::vector<DenseElementsAttr> expected;
};

enum class NativeOutcome { Passed, Failed, NotCompiled };

struct NativeResult {
  NativeOutcome outcome;
  std::string detail; // the first mismatch, or the compiler's first error
  double compileSeconds = 0;
};

/// Compares one output with its expected value; empty when it matches (the reference's rule).
using CompareFn = std::function<std::string(const ref::Tensor &, DenseElementsAttr)>;

/// Compiles `module` for `target`, runs every data set through the runtime and compares.
NativeResult runNative(ModuleOp module, StringRef target, const std::vector<DataSet> &sets,
                       const CompareFn &compare);

} // namespace mlir::qopt::conformance

#endif
