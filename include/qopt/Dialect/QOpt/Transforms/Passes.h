#ifndef QOPT_DIALECT_QOPT_TRANSFORMS_PASSES_H
#define QOPT_DIALECT_QOPT_TRANSFORMS_PASSES_H

#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Dialect/QOpt/IR/QOptEnums.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qopt {
#define GEN_PASS_DECL
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qopt/Dialect/QOpt/Transforms/Passes.h.inc"
} // namespace mlir::qopt

#endif
