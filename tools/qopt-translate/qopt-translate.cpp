// qopt-translate: converts between qopt MLIR and model files, like mlir-translate.
#include "qopt/Target/FlatBuffer/Registration.h"

#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  mlir::qopt::registerFlatBufferTranslations();
  return mlir::failed(
             mlir::mlirTranslateMain(argc, argv, "qopt translator: model files <-> qopt MLIR\n"))
             ? 1
             : 0;
}
