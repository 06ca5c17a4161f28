#ifndef QOPT_TARGET_ONNX_ONNXIMPORT_H
#define QOPT_TARGET_ONNX_ONNXIMPORT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::qopt {

/// Imports an ONNX model (opsets 7 to 17) as a module with one func.func of qopt ops. Every problem
/// (unsupported op or attribute, bad opset, type or shape that does not check, dangling input) is
/// reported as its own diagnostic naming the node, its op type and the opset; then null is returned.
OwningOpRef<ModuleOp> importONNX(llvm::ArrayRef<char> bytes, MLIRContext *context,
                                 llvm::StringRef sourceName);

/// Reads a serialized ONNX TensorProto (the test_data_set_*/input_*.pb files of ONNX's test
/// cases). `name` receives the tensor's name; failure sets `error`.
FailureOr<DenseElementsAttr> readONNXTensorFile(llvm::StringRef path, MLIRContext *context,
                                                std::string &name, std::string &error);

/// The ONNX op types the importer converts, sorted, for messages and --help.
llvm::ArrayRef<llvm::StringRef> supportedONNXOps();

} // namespace mlir::qopt

#endif
