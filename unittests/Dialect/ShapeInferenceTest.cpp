// The shape rules are shared by the verifiers and the importers; these pin them to hand-computed
// results (PyTorch's output-size formulas) and to the numpy broadcasting rules.
#include "qopt/Dialect/QOpt/IR/ShapeInference.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include <gtest/gtest.h>

#include <limits>

using namespace mlir::qopt;
using shape::Shape;

namespace {
constexpr int64_t kDyn = mlir::ShapedType::kDynamic;

Shape ok(const shape::Result &r) {
  EXPECT_TRUE(r) << r.error;
  return r ? *r.shape : Shape();
}

TEST(ShapeInference, BroadcastFollowsNumpy) {
  EXPECT_EQ(ok(shape::broadcast({2, 3}, {3})), (Shape{2, 3}));
  EXPECT_EQ(ok(shape::broadcast({2, 1, 4}, {3, 1})), (Shape{2, 3, 4}));
  EXPECT_EQ(ok(shape::broadcast({kDyn, 4}, {1, 4})), (Shape{kDyn, 4}));
  EXPECT_EQ(ok(shape::broadcast({}, {5})), (Shape{5}));
  shape::Result bad = shape::broadcast({2, 3}, {4});
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error, "shapes do not broadcast: [2,3] and [4]");
}

TEST(ShapeInference, FullyConnected) {
  Shape biasShape = {10};
  llvm::ArrayRef<int64_t> biasRef = biasShape;
  EXPECT_EQ(ok(shape::fullyConnected({kDyn, 784}, {10, 784}, &biasRef)), (Shape{kDyn, 10}));
  EXPECT_EQ(ok(shape::fullyConnected({2, 5, 8}, {3, 8}, nullptr)), (Shape{2, 5, 3}));
  EXPECT_FALSE(shape::fullyConnected({1, 7}, {10, 784}, nullptr));
  EXPECT_FALSE(shape::fullyConnected({784}, {10, 784}, nullptr));
  Shape wrongBias = {9};
  llvm::ArrayRef<int64_t> wrongRef = wrongBias;
  EXPECT_FALSE(shape::fullyConnected({1, 784}, {10, 784}, &wrongRef));
}

TEST(ShapeInference, MatMulBroadcastsBatch) {
  EXPECT_EQ(ok(shape::matmul({2, 1, 3, 4}, {5, 4, 6})), (Shape{2, 5, 3, 6}));
  EXPECT_EQ(ok(shape::matmul({3, 4}, {4, 5})), (Shape{3, 5}));
  EXPECT_FALSE(shape::matmul({3, 4}, {5, 6}));
  EXPECT_FALSE(shape::matmul({4}, {4, 5}));
}

TEST(ShapeInference, Conv2DMatchesPyTorchFormula) {
  // out = floor((in + pad_before + pad_after - dilation * (k - 1) - 1) / stride) + 1
  EXPECT_EQ(ok(shape::conv2d({1, 3, 28, 28}, {8, 3, 3, 3}, nullptr, {2, 2}, {1, 2, 1, 2}, {2, 1}, 1)),
            (Shape{1, 8, 13, 15}));
  EXPECT_EQ(ok(shape::conv2d({kDyn, 16, 8, 8}, {32, 1, 3, 3}, nullptr, {1, 1}, {0, 0, 0, 0},
                             {1, 1}, 16)),
            (Shape{kDyn, 32, 6, 6}));
  EXPECT_FALSE(shape::conv2d({1, 3, 2, 2}, {8, 3, 3, 3}, nullptr, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1));
  EXPECT_FALSE(shape::conv2d({1, 6, 8, 8}, {8, 3, 3, 3}, nullptr, {1, 1}, {0, 0, 0, 0}, {1, 1}, 4));
  EXPECT_FALSE(shape::conv2d({1, 3, 8, 8}, {8, 3, 3, 3}, nullptr, {0, 1}, {0, 0, 0, 0}, {1, 1}, 1));
}

TEST(ShapeInference, PoolCeilModeDropsWindowsStartingInPadding) {
  EXPECT_EQ(ok(shape::pool2d({1, 8, 28, 28}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, false)),
            (Shape{1, 8, 14, 14}));
  EXPECT_EQ(ok(shape::pool2d({1, 8, 14, 14}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, true)),
            (Shape{1, 8, 8, 8}));
  // PyTorch: MaxPool2d(2, stride=2, ceil_mode=True) on 5x5 gives 3x3.
  EXPECT_EQ(ok(shape::pool2d({1, 1, 5, 5}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, true)),
            (Shape{1, 1, 3, 3}));
  // ...and on 5x5 with padding 1 gives 3x3, not 4x4: the 4th window would start in the padding.
  EXPECT_EQ(ok(shape::pool2d({1, 1, 5, 5}, {2, 2}, {2, 2}, {1, 1, 1, 1}, {1, 1}, true)),
            (Shape{1, 1, 3, 3}));
  EXPECT_FALSE(shape::pool2d({1, 1, 4, 4}, {2, 2}, {1, 1}, {2, 0, 0, 0}, {1, 1}, false));
}

TEST(ShapeInference, DataMovement) {
  EXPECT_EQ(ok(shape::flatten({kDyn, 1, 28, 28}, 1)), (Shape{kDyn, 784}));
  EXPECT_EQ(ok(shape::flatten({2, 3, 4}, 0)), (Shape{1, 24}));
  EXPECT_EQ(ok(shape::flatten({2, 3, 4}, -1)), (Shape{6, 4}));
  EXPECT_EQ(ok(shape::transpose({2, 3, 4}, {2, 0, 1})), (Shape{4, 2, 3}));
  EXPECT_FALSE(shape::transpose({2, 3, 4}, {0, 0, 1}));
  llvm::SmallVector<llvm::ArrayRef<int64_t>> parts;
  Shape a = {2, 3}, b = {2, 5};
  parts = {a, b};
  EXPECT_EQ(ok(shape::concat(parts, -1)), (Shape{2, 8}));
  EXPECT_FALSE(shape::concat(parts, 0));
  EXPECT_FALSE(shape::reshape({2, 3}, {7}));
  EXPECT_EQ(ok(shape::reshape({2, 3}, {3, 2})), (Shape{3, 2}));
}

TEST(ShapeInference, Reduce) {
  EXPECT_EQ(ok(shape::reduce({2, 3, 4}, {1}, true)), (Shape{2, 1, 4}));
  EXPECT_EQ(ok(shape::reduce({2, 3, 4}, {-1, 0}, false)), (Shape{3}));
  EXPECT_EQ(ok(shape::reduce({kDyn, 3, 4}, {}, true)), (Shape{1, 1, 1}));
  EXPECT_EQ(ok(shape::reduce({kDyn, 3, 4}, {}, false)), (Shape{}));
  EXPECT_EQ(ok(shape::reduce({kDyn, 3, 4}, {2}, false)), (Shape{kDyn, 3}));
  EXPECT_EQ(ok(shape::reduce({}, {}, true)), (Shape{}));
  shape::Result bad = shape::reduce({2, 3}, {2}, true);
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error, "axis 2 out of range for rank 2");
  bad = shape::reduce({2, 3}, {-3}, true);
  EXPECT_EQ(bad.error, "axis -3 out of range for rank 2");
  bad = shape::reduce({2, 3}, {0, -2}, false);
  EXPECT_EQ(bad.error, "axes [0,-2] name dimension 0 more than once");
}

TEST(ShapeInference, NormalizeAxis) {
  EXPECT_EQ(shape::normalizeAxis(-1, 3), 2);
  EXPECT_EQ(shape::normalizeAxis(2, 3), 2);
  EXPECT_FALSE(shape::normalizeAxis(3, 3));
  EXPECT_FALSE(shape::normalizeAxis(-4, 3));
}
// Counts against ONNX's definition, including steps near int64's limits (qopt-fuzz-model found
// `end - start + step - 1` overflowing).
TEST(ShapeInference, SliceCountsWithHugeSteps) {
  const int64_t big = std::numeric_limits<int64_t>::max(), small = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(shape::sliceDim(10, 0, 10, 3).size, 4);  // 0 3 6 9
  EXPECT_EQ(shape::sliceDim(10, 9, -11, -4).size, 3); // 9 5 1
  EXPECT_EQ(shape::sliceDim(10, 1, 7, big - 1).size, 1);
  EXPECT_EQ(shape::sliceDim(10, 0, big, big).size, 1);
  EXPECT_EQ(shape::sliceDim(10, -1, small, small).size, 1);
  EXPECT_EQ(shape::sliceDim(10, 9, 0, -(big - 1)).size, 1);
  EXPECT_EQ(shape::sliceDim(10, 4, 4, 1).size, 0);
}
} // namespace
