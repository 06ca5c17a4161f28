// The native backend's passes (Passes.td) and its pipeline.
#ifndef QOPT_CONVERSION_QOPTTOLLVM_PASSES_H
#define QOPT_CONVERSION_QOPTTOLLVM_PASSES_H

#include "qopt/Dialect/QOpt/IR/QOptDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::qopt {
#define GEN_PASS_DECL
#include "qopt/Conversion/QOptToLLVM/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qopt/Conversion/QOptToLLVM/Passes.h.inc"

/// qopt-pack-weights, qopt-lower-to-kernels, canonicalize, qopt-convert-kernels-to-llvm: a graph
/// of qopt ops becomes the LLVM dialect module of the model's entry point for `target`.
void buildLowerToLLVMPipeline(OpPassManager &pm, StringRef target);

/// Registers qopt-lower-to-llvm-pipeline{target=...}.
void registerLowerToLLVMPipeline();
} // namespace mlir::qopt

#endif
