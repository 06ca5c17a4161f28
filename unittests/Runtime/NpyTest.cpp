// .npy reading and writing: numpy's exact byte layout, the versions numpy writes, and one clear
// message per malformed file.
#include "qopt/Support/Npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <unistd.h>

using namespace mlir::qopt;

namespace {

std::string tempPath(const std::string &name) {
  return testing::TempDir() + "qopt_npy_" + std::to_string(getpid()) + "_" + name;
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), bytes.size());
}

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool exists(const std::string &path) { return std::ifstream(path).good(); }

/// A .npy file as numpy would write it, with the given version, dict and data.
std::string npyFile(int major, const std::string &dict, const std::string &data) {
  int lenBytes = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((6 + 2 + lenBytes + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string s = "\x93NUMPY";
  s += (char)major;
  s += (char)0;
  for (int i = 0; i < lenBytes; ++i)
    s += (char)((header.size() >> (8 * i)) & 0xff);
  return s + header + data;
}

std::string floatBytes(std::initializer_list<float> values) {
  std::string s;
  for (float v : values)
    s.append(reinterpret_cast<const char *>(&v), 4);
  return s;
}

TEST(Npy, WritesWhatNumpyWrites) {
  // np.save("x.npy", np.arange(6, dtype=np.float32).reshape(2, 3))
  NpyArray a{"f4", {2, 3}, {}};
  std::string data = floatBytes({0, 1, 2, 3, 4, 5});
  a.data.assign(data.begin(), data.end());
  std::string path = tempPath("write.npy"), error;
  ASSERT_TRUE(writeNpy(path, a, error)) << error;
  EXPECT_EQ(readBytes(path),
            npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data));
  EXPECT_EQ(readBytes(path).size(), 128u + 24u);
  EXPECT_FALSE(exists(path + ".tmp"));
  std::remove(path.c_str());
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
  struct Case {
    std::string dtype;
    std::vector<int64_t> shape;
  } cases[] = {{"f4", {}},     {"f8", {3}},     {"f2", {2, 2}}, {"i1", {5}},    {"u1", {1, 4}},
               {"i2", {2}},    {"u2", {2}},     {"i4", {3, 1}}, {"u4", {1}},    {"i8", {2, 3}},
               {"u8", {0}},    {"b1", {2, 2}},  {"i8", {2, 0, 3}}};
  for (const Case &c : cases) {
    NpyArray a{c.dtype, c.shape, {}};
    a.data.resize(npyNumElements(c.shape) * npyItemSize(c.dtype));
    for (size_t k = 0; k < a.data.size(); ++k)
      a.data[k] = (char)(k * 7 + 1);
    std::string path = tempPath("rt_" + c.dtype + ".npy"), error;
    ASSERT_TRUE(writeNpy(path, a, error)) << error;
    NpyArray b;
    ASSERT_TRUE(readNpy(path, b, error)) << error;
    EXPECT_EQ(b.dtype, c.dtype);
    EXPECT_EQ(b.shape, c.shape);
    EXPECT_EQ(b.data, a.data);
    std::remove(path.c_str());
  }
}

TEST(Npy, ReadsVersions2And3AndOddSpellings) {
  std::string data = floatBytes({1.5f, -2.0f});
  for (int major : {2, 3}) {
    std::string path = tempPath("v" + std::to_string(major) + ".npy"), error;
    // Keys in another order, double quotes, no trailing comma, Python 2's long suffix.
    writeBytes(path, npyFile(major, "{\"shape\": (2L,), 'fortran_order': False, 'descr': '<f4'}",
                             data));
    NpyArray a;
    ASSERT_TRUE(readNpy(path, a, error)) << error;
    EXPECT_EQ(a.dtype, "f4");
    EXPECT_EQ(a.shape, std::vector<int64_t>{2});
    EXPECT_EQ(std::string(a.data.begin(), a.data.end()), data);
    std::remove(path.c_str());
  }
}

TEST(Npy, NormalizesDtypes) {
  std::string path = tempPath("dtype.npy"), error;
  writeBytes(path, npyFile(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }",
                           std::string("\x01\x00", 2)));
  NpyArray a;
  ASSERT_TRUE(readNpy(path, a, error)) << error;
  EXPECT_EQ(a.dtype, "b1");
  // A normalized dtype and a little-endian descr are both accepted on write.
  NpyArray b{"<i4", {1}, std::vector<char>(4, 0)};
  ASSERT_TRUE(writeNpy(path, b, error)) << error;
  ASSERT_TRUE(readNpy(path, a, error)) << error;
  EXPECT_EQ(a.dtype, "i4");
  std::remove(path.c_str());
}

struct BadFile {
  std::string bytes;
  std::string message; // after "<path>: "
};

TEST(Npy, RejectsMalformedFilesWithOneMessage) {
  std::string f4x6 = floatBytes({0, 1, 2, 3, 4, 5});
  const char *good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  BadFile cases[] = {
      {"PK\x03\x04 not numpy", "not a .npy file (bad magic)"},
      {"", "not a .npy file (bad magic)"},
      {npyFile(1, good, std::string(100, 'x')), "data is 100 bytes, shape [2,3] x f4 needs 24"},
      {npyFile(1, good, f4x6.substr(0, 20)), "data is 20 bytes, shape [2,3] x f4 needs 24"},
      {npyFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", f4x6),
       "big-endian dtype '>f4' is not supported"},
      {npyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", f4x6),
       "fortran_order arrays are not supported (save a C-order array, e.g. "
       "np.ascontiguousarray)"},
      {npyFile(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", f4x6),
       "unsupported dtype '<c8'"},
      {npyFile(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", f4x6),
       "structured dtypes are not supported"},
      {npyFile(1, "{'descr': '<f4', 'shape': (6,), }", f4x6),
       "header lacks 'descr', 'fortran_order' or 'shape'"},
      {npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", f4x6),
       "malformed 'shape' in header"},
      {npyFile(4, good, f4x6), "unsupported .npy format version 4.0"},
      {std::string("\x93NUMPY\x01\x00\xff\x00{", 11), "truncated header (255 bytes announced, 1 present)"},
  };
  std::string path = tempPath("bad.npy");
  for (const BadFile &c : cases) {
    writeBytes(path, c.bytes);
    NpyArray a;
    std::string error;
    EXPECT_FALSE(readNpy(path, a, error));
    EXPECT_EQ(error, path + ": " + c.message);
  }
  std::remove(path.c_str());

  NpyArray a;
  std::string error;
  EXPECT_FALSE(readNpy(tempPath("missing.npy"), a, error));
  EXPECT_NE(error.find("missing.npy: cannot open"), std::string::npos) << error;
}

TEST(Npy, WriteFailuresLeaveNoFile) {
  std::string error;
  NpyArray wrongSize{"f4", {2, 3}, std::vector<char>(100)};
  std::string path = tempPath("never.npy");
  EXPECT_FALSE(writeNpy(path, wrongSize, error));
  EXPECT_EQ(error, path + ": data is 100 bytes, shape [2,3] x f4 needs 24");
  EXPECT_FALSE(exists(path));
  EXPECT_FALSE(exists(path + ".tmp"));

  NpyArray big{">f4", {1}, std::vector<char>(4)};
  EXPECT_FALSE(writeNpy(path, big, error));
  EXPECT_EQ(error, path + ": big-endian dtype '>f4' is not supported");

  std::string noDir = tempPath("no/such/dir/x.npy");
  NpyArray ok{"u1", {1}, std::vector<char>(1)};
  EXPECT_FALSE(writeNpy(noDir, ok, error));
  EXPECT_EQ(error.rfind(noDir + ": cannot create", 0), 0u) << error;

  // Overwriting keeps the old file intact until the new one is complete.
  ASSERT_TRUE(writeNpy(path, ok, error)) << error;
  std::string before = readBytes(path);
  EXPECT_FALSE(writeNpy(path, wrongSize, error));
  EXPECT_EQ(readBytes(path), before);
  std::remove(path.c_str());
}

} // namespace
