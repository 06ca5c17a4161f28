#include "qopt/Runtime/Data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace mlir::qopt::data {

std::string shapeText(const std::vector<int64_t> &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + (s[i] < 0 ? std::string("?") : std::to_string(s[i]));
  return r + "]";
}

std::string fnv1a64Hex(const std::vector<char> &bytes) {
  // Not FNV's offset basis (14695981039346656037, one digit longer), but the value qopt's data
  // hashes have always used: changing it would change every recorded hash in provenance.
  uint64_t h = 1469598103934665603ull;
  for (char c : bytes) {
    h ^= (uint8_t)c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
  return buf;
}

bool bindInputs(const std::vector<std::string> &specs, const std::vector<std::string> &inputNames,
                std::vector<std::string> &files, std::string &error) {
  size_t numInputs = inputNames.size();
  files.assign(numInputs, std::string());
  std::vector<bool> bound(numInputs, false);
  size_t position = 0;
  for (const std::string &spec : specs) {
    size_t eq = spec.find('=');
    size_t index = numInputs;
    std::string path = spec;
    std::error_code ec;
    if (eq != std::string::npos && !std::filesystem::exists(spec, ec)) {
      std::string name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
      for (size_t i = 0; i < numInputs; ++i)
        if (inputNames[i] == name)
          index = i;
      if (index == numInputs) {
        std::string known;
        for (size_t i = 0; i < numInputs; ++i)
          known += (i ? ", " : "") + inputNames[i];
        error = "the model has no input '" + name + "' (inputs: " + known + ")";
        return false;
      }
    } else {
      while (position < numInputs && bound[position])
        ++position;
      index = position;
      if (index >= numInputs) {
        error = "too many inputs: the model takes " + std::to_string(numInputs);
        return false;
      }
    }
    if (bound[index]) {
      error = "input '" + inputNames[index] + "' is given twice";
      return false;
    }
    bound[index] = true;
    files[index] = path;
  }
  return true;
}

namespace {

template <typename T>
void appendValues(const std::vector<char> &data, bool asFloat, std::vector<float> &f,
                  std::vector<int64_t> &i) {
  size_t n = data.size() / sizeof(T);
  for (size_t k = 0; k < n; ++k) {
    T v;
    std::memcpy(&v, data.data() + k * sizeof(T), sizeof(T));
    if (asFloat)
      f.push_back(static_cast<float>(v));
    else
      i.push_back(static_cast<int64_t>(v));
  }
}

template <typename T>
void storeValues(const std::vector<float> &f, const std::vector<int64_t> &i, size_t n,
                 NpyArray &a) {
  a.data.resize(n * sizeof(T));
  for (size_t k = 0; k < n; ++k) {
    T v = f.empty() ? static_cast<T>(i[k]) : static_cast<T>(f[k]);
    std::memcpy(a.data.data() + k * sizeof(T), &v, sizeof(T));
  }
}

} // namespace

bool decodeNpy(const NpyArray &a, bool asFloat, std::vector<float> &f, std::vector<int64_t> &i,
               std::string &error) {
  const std::string &d = a.dtype;
  if (d == "f4") appendValues<float>(a.data, asFloat, f, i);
  else if (d == "f8") appendValues<double>(a.data, asFloat, f, i);
  else if (d == "i1") appendValues<int8_t>(a.data, asFloat, f, i);
  else if (d == "u1" || d == "b1") appendValues<uint8_t>(a.data, asFloat, f, i);
  else if (d == "i2") appendValues<int16_t>(a.data, asFloat, f, i);
  else if (d == "u2") appendValues<uint16_t>(a.data, asFloat, f, i);
  else if (d == "i4") appendValues<int32_t>(a.data, asFloat, f, i);
  else if (d == "u4") appendValues<uint32_t>(a.data, asFloat, f, i);
  else if (d == "i8") appendValues<int64_t>(a.data, asFloat, f, i);
  else if (d == "u8") appendValues<uint64_t>(a.data, asFloat, f, i);
  else {
    error = "unsupported dtype " + d;
    return false;
  }
  return true;
}

NpyArray encodeNpy(const std::string &dtype, const std::vector<int64_t> &shape,
                   const std::vector<float> &f, const std::vector<int64_t> &i) {
  NpyArray a;
  a.dtype = dtype;
  a.shape = shape;
  size_t n = 1;
  for (int64_t dim : shape)
    n *= (size_t)dim;
  const std::string &d = a.dtype;
  if (d == "f4") storeValues<float>(f, i, n, a);
  else if (d == "f8") storeValues<double>(f, i, n, a);
  else if (d == "i1") storeValues<int8_t>(f, i, n, a);
  else if (d == "u1" || d == "b1") storeValues<uint8_t>(f, i, n, a);
  else if (d == "i2") storeValues<int16_t>(f, i, n, a);
  else if (d == "u2") storeValues<uint16_t>(f, i, n, a);
  else if (d == "i4") storeValues<int32_t>(f, i, n, a);
  else if (d == "u4") storeValues<uint32_t>(f, i, n, a);
  else storeValues<int64_t>(f, i, n, a);
  return a;
}

std::vector<std::pair<int64_t, int64_t>> batchRanges(int64_t rows, int64_t batchSize) {
  std::vector<std::pair<int64_t, int64_t>> ranges;
  int64_t step = batchSize > 0 ? batchSize : std::max<int64_t>(rows, 1);
  for (int64_t begin = 0; begin < rows; begin += step)
    ranges.push_back({begin, std::min(rows, begin + step)});
  if (ranges.empty())
    ranges.push_back({0, rows});
  return ranges;
}

bool loadSamples(const std::string &path, const std::vector<int64_t> &want, bool inputIsF32,
                 const std::string &what, Samples &out, std::string &error) {
  NpyArray a;
  if (!readNpy(path, a, error))
    return false;
  if (a.dtype != "f4" || !inputIsF32) {
    error = path + ": " + what + " must be float32 for an f32 input, got " + a.dtype;
    return false;
  }
  bool shapeOk = !a.shape.empty() && a.shape.size() == want.size();
  for (size_t i = 1; shapeOk && i < want.size(); ++i)
    shapeOk = want[i] < 0 || want[i] == a.shape[i];
  if (!shapeOk) {
    std::vector<int64_t> rest(want.begin() + (want.empty() ? 0 : 1), want.end());
    error = path + ": expected samples shaped [N" +
            shapeText(rest).replace(0, 1, want.size() > 1 ? "," : "") + ", got " +
            shapeText(a.shape);
    return false;
  }
  if (a.shape[0] == 0) {
    error = path + ": holds no samples";
    return false;
  }
  size_t count = a.data.size() / sizeof(float);
  out.values.resize(count);
  std::memcpy(out.values.data(), a.data.data(), count * sizeof(float));
  for (size_t i = 0; i < count; ++i) {
    float v = out.values[i];
    if (!std::isfinite(v)) {
      error = path + ": element " + std::to_string(i) + " is " +
              (v > 0 ? "+inf" : v < 0 ? "-inf" : "nan") + "; " + what + " must be finite";
      return false;
    }
  }
  out.shape = a.shape;
  out.hash = fnv1a64Hex(a.data);
  return true;
}

bool loadLabels(const std::string &path, int64_t samples, const std::string &samplesPath,
                int64_t classes, std::vector<int64_t> &labels, std::string &error) {
  NpyArray a;
  if (!readNpy(path, a, error))
    return false;
  if (a.shape.size() != 1 || a.shape[0] != samples) {
    error = path + ": expected " + std::to_string(samples) + " labels shaped [" +
            std::to_string(samples) + "] to match " + samplesPath + ", got " + shapeText(a.shape);
    return false;
  }
  int64_t item = npyItemSize(a.dtype);
  bool isInt = !a.dtype.empty() && (a.dtype[0] == 'i' || a.dtype[0] == 'u');
  if (!isInt || item <= 0) {
    error = path + ": labels must be integers, got dtype " + a.dtype;
    return false;
  }
  std::vector<float> unused;
  std::vector<int64_t> values;
  if (!decodeNpy(a, /*asFloat=*/false, unused, values, error)) {
    error = path + ": labels must be integers, got dtype " + a.dtype;
    return false;
  }
  // A label no output can predict would only count as an error: accuracy 0% and exit 0 hid
  // labels of another data set or class numbering.
  for (int64_t k = 0; k < samples; ++k)
    if (values[k] < 0 || (classes > 0 && values[k] >= classes)) {
      error = path + ": label " + std::to_string(k) + " is " + std::to_string(values[k]) +
              (classes > 0 ? ", outside the model's " + std::to_string(classes) + " classes [0, " +
                                 std::to_string(classes) + ")"
                           : ", a negative class index");
      return false;
    }
  labels = std::move(values);
  return true;
}

} // namespace mlir::qopt::data
