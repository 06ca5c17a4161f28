// qopt's enums (QOptEnums.td): what its attributes hold and its pass options take, with the
// generated stringify / symbolize functions. No dialect needed, so pass option headers can use it.
#ifndef QOPT_DIALECT_QOPT_IR_QOPTENUMS_H
#define QOPT_DIALECT_QOPT_IR_QOPTENUMS_H

#include "mlir/Support/LLVM.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/DenseMapInfo.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>

#include "qopt/Dialect/QOpt/IR/QOptEnums.h.inc"

#endif
