// qopt-opt: runs qopt pass pipelines over MLIR, like mlir-opt. Only the dialects and passes qopt
// uses are registered, which keeps the binary small and `--help` readable.
#include "qopt/Dialect/QOpt/IR/QOptDialect.h"
#include "qopt/Dialect/QOpt/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/QuantOps.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::qopt::registerQOptTransformsPasses();

  mlir::DialectRegistry registry;
  registry.insert<mlir::qopt::QOptDialect, mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::quant::QuantizationDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qopt optimizer driver: runs qopt passes on MLIR\n", registry));
}
