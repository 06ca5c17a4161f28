// The runtime core's data helpers: input binding, batching and the .npy value conversions that
// qopt-run, evaluation and calibration share.
#include "qopt/Runtime/Data.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace mlir::qopt;

namespace {

TEST(DataTest, BindsByPositionAndByName) {
  std::vector<std::string> files, names = {"image", "mask"};
  std::string error;
  ASSERT_TRUE(data::bindInputs({"mask=m.npy", "a.npy"}, names, files, error)) << error;
  EXPECT_EQ(files, (std::vector<std::string>{"a.npy", "m.npy"}));
  ASSERT_TRUE(data::bindInputs({"a.npy"}, names, files, error)) << error;
  EXPECT_EQ(files, (std::vector<std::string>{"a.npy", ""}));
}

TEST(DataTest, BindingErrorsNameTheProblem) {
  std::vector<std::string> files, names = {"x"};
  std::string error;
  EXPECT_FALSE(data::bindInputs({"image=a.npy"}, names, files, error));
  EXPECT_EQ(error, "the model has no input 'image' (inputs: x)");
  EXPECT_FALSE(data::bindInputs({"a.npy", "b.npy"}, names, files, error));
  EXPECT_EQ(error, "too many inputs: the model takes 1");
  EXPECT_FALSE(data::bindInputs({"a.npy", "x=b.npy"}, names, files, error));
  EXPECT_EQ(error, "input 'x' is given twice");
}

TEST(DataTest, BatchRanges) {
  using Ranges = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(data::batchRanges(5, 2), (Ranges{{0, 2}, {2, 4}, {4, 5}}));
  EXPECT_EQ(data::batchRanges(4, 2), (Ranges{{0, 2}, {2, 4}}));
  EXPECT_EQ(data::batchRanges(5, 0), (Ranges{{0, 5}}));
  EXPECT_EQ(data::batchRanges(3, 10), (Ranges{{0, 3}}));
}

TEST(DataTest, SliceRows) {
  std::vector<float> v = {0, 1, 2, 3, 4, 5}; // 3 rows of 2
  EXPECT_EQ(data::sliceRows(v, 3, 1, 3), (std::vector<float>{2, 3, 4, 5}));
  EXPECT_TRUE(data::sliceRows(std::vector<int64_t>(), 3, 0, 1).empty());
}

TEST(DataTest, NpyValuesRoundTrip) {
  NpyArray a = data::encodeNpy("u1", {3}, {}, {0, 128, 255});
  EXPECT_EQ(a.data.size(), 3u);
  std::vector<float> f;
  std::vector<int64_t> i;
  std::string error;
  ASSERT_TRUE(data::decodeNpy(a, /*asFloat=*/false, f, i, error)) << error;
  EXPECT_EQ(i, (std::vector<int64_t>{0, 128, 255}));
  NpyArray b = data::encodeNpy("i1", {2}, {}, {-128, 127});
  i.clear();
  ASSERT_TRUE(data::decodeNpy(b, false, f, i, error));
  EXPECT_EQ(i, (std::vector<int64_t>{-128, 127}));
  NpyArray c = data::encodeNpy("f4", {2}, {0.5f, -2.0f}, {});
  ASSERT_TRUE(data::decodeNpy(c, /*asFloat=*/true, f, i, error));
  EXPECT_EQ(f, (std::vector<float>{0.5f, -2.0f}));
  NpyArray d;
  d.dtype = "c8";
  EXPECT_FALSE(data::decodeNpy(d, true, f, i, error));
  EXPECT_EQ(error, "unsupported dtype c8");
}

TEST(DataTest, ShapeTextAndHash) {
  EXPECT_EQ(data::shapeText({-1, 4}), "[?,4]");
  EXPECT_EQ(data::shapeText({}), "[]");
  // The hash of no bytes is the offset basis qopt has always used (1469598103934665603), and
  // recorded data hashes depend on it.
  EXPECT_EQ(data::fnv1a64Hex({}), "14650fb0739d0383");
  EXPECT_EQ(data::fnv1a64Hex({'a'}), "44bd8ad473cd9906"); // (basis ^ 0x61) * FNV prime
}

} // namespace
