// Moved to the MLIR-free runtime core; this name stays for existing includes.
#include "qopt/Runtime/Npy.h"
