// NumPy .npy files: calibration samples, reference inputs and expected outputs travel in them.
//
// Plain C++17 with no MLIR or LLVM dependency, so the runtime and its tools can use it too.
// Reads format versions 1.0, 2.0 and 3.0; writes 1.0, or 2.0 when the header does not fit 1.0's
// 16-bit length. Only little-endian, C-order arrays of these dtypes are supported:
//   f2 f4 f8  i1 i2 i4 i8  u1 u2 u4 u8  b1
// which is what numpy writes on every machine qopt runs on (x86-64, AArch64).
#ifndef QOPT_RUNTIME_NPY_H
#define QOPT_RUNTIME_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::qopt {

struct NpyArray {
  /// Normalized dtype without the byte-order character: "f4", "i8", "u1", "b1", ...
  std::string dtype;
  /// Empty for a 0-d array (one element).
  std::vector<int64_t> shape;
  /// The raw little-endian elements in C order.
  std::vector<char> data;
};

/// Bytes per element of a dtype; accepts a normalized name ("f4") or a numpy descr ("<f4", "|u1").
/// 0 when the dtype is not supported.
int64_t npyItemSize(const std::string &dtype);

/// Product of the dimensions (1 for a 0-d array); -1 when a dimension is negative or the product
/// overflows.
int64_t npyNumElements(const std::vector<int64_t> &shape);

/// Reads `path` into `out`. On failure returns false and sets `error` to one message that names
/// the file and the problem, e.g. "x.npy: not a .npy file (bad magic)".
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

/// Writes `a` to `path`. `a.dtype` may be normalized ("f4") or a little-endian descr ("<f4").
/// The file is written to `path + ".tmp"` and renamed into place, so a failure never leaves a
/// half-written `path` behind.
bool writeNpy(const std::string &path, const NpyArray &a, std::string &error);

} // namespace mlir::qopt

#endif
