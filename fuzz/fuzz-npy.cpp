// qopt-fuzz-npy: the .npy reader on untrusted bytes. It must accept the array (and then its
// element bytes must match its shape and dtype exactly) or refuse it with one message.
#include "FuzzSupport.h"

#include "qopt/Support/Npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  qopt::fuzz::MemFile file(data, size);
  mlir::qopt::NpyArray array;
  std::string error;
  if (!mlir::qopt::readNpy(file.name(), array, error)) {
    if (error.empty())
      abort(); // a refusal must say why
    return 0;
  }
  int64_t count = mlir::qopt::npyNumElements(array.shape);
  int64_t item = mlir::qopt::npyItemSize(array.dtype);
  if (count < 0 || item <= 0 || static_cast<uint64_t>(count) * item != array.data.size())
    abort(); // an accepted array whose bytes do not match its header
  return 0;
}
