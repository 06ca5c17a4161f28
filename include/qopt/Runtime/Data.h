// Model inputs and data sets from .npy files, without MLIR: binding input files to a model's
// inputs, converting .npy elements to and from the host values of a tensor, batching along the
// leading dimension, and reading samples and labels. qopt-run, the evaluation library
// (loadDataset) and calibration all go through here.
#ifndef QOPT_RUNTIME_DATA_H
#define QOPT_RUNTIME_DATA_H

#include "qopt/Runtime/Npy.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlir::qopt::data {

/// "[2,?,3]": negative dimensions are dynamic.
std::string shapeText(const std::vector<int64_t> &shape);

/// An FNV-1a-style 64-bit hash of `bytes` (see Data.cpp for its offset basis), as 16 lowercase hex
/// digits: identifies data in provenance.
std::string fnv1a64Hex(const std::vector<char> &bytes);

/// Binds `--input` specs to the inputs named `inputNames`: "NAME=FILE" by name (unless the whole
/// spec is an existing file), anything else to the next unbound input in order. `files[i]` is the
/// file of input i, empty when none was given. False with a message on an unknown name, an input
/// given twice, or more files than inputs.
bool bindInputs(const std::vector<std::string> &specs, const std::vector<std::string> &inputNames,
                std::vector<std::string> &files, std::string &error);

/// The elements of `a` appended as float (`asFloat`) or int64 values. False for a dtype qopt does
/// not read as values (sets `error` to "unsupported dtype ...").
bool decodeNpy(const NpyArray &a, bool asFloat, std::vector<float> &f, std::vector<int64_t> &i,
               std::string &error);

/// An .npy of `dtype` from host values: `f` when it is non-empty, else `i`, converted with a C++
/// cast to the dtype (the caller chooses a dtype that holds them).
NpyArray encodeNpy(const std::string &dtype, const std::vector<int64_t> &shape,
                   const std::vector<float> &f, const std::vector<int64_t> &i);

/// The [begin, end) row ranges that cover `rows` rows in batches of `batchSize`; one range when
/// `batchSize` <= 0.
std::vector<std::pair<int64_t, int64_t>> batchRanges(int64_t rows, int64_t batchSize);

/// Rows [begin, end) of the leading dimension of `values`, a tensor with `rows` rows.
template <typename T>
std::vector<T> sliceRows(const std::vector<T> &values, int64_t rows, int64_t begin, int64_t end) {
  if (values.empty())
    return {};
  int64_t row = rows ? (int64_t)values.size() / rows : 0;
  return std::vector<T>(values.begin() + begin * row, values.begin() + end * row);
}

/// float32 samples [N, ...] of a data set.
struct Samples {
  std::vector<int64_t> shape;
  std::vector<float> values;
  /// fnv1a64Hex of the element bytes.
  std::string hash;
};

/// Reads `path` as samples for an input shaped `want` (its dimension 0, the batch, is not
/// checked; negative dimensions are dynamic). `what` names the data in messages ("calibration
/// data"); `inputIsF32` says whether the input takes float32. Fails with a message naming the file
/// on a read error, a dtype other than f4, a shape mismatch, no samples, or a NaN / Inf element.
bool loadSamples(const std::string &path, const std::vector<int64_t> &want, bool inputIsF32,
                 const std::string &what, Samples &out, std::string &error);

/// Reads class labels (integers [samples], each in [0, classes)) for the data set `samplesPath`.
/// `classes` <= 0: the class count is unknown, and only negative labels are refused. Fails with a
/// message naming the file and the first bad label's index and value.
bool loadLabels(const std::string &path, int64_t samples, const std::string &samplesPath,
                int64_t classes, std::vector<int64_t> &labels, std::string &error);

} // namespace mlir::qopt::data

#endif
