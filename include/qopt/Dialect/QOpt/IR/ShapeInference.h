// Result-shape rules of the qopt ops, as plain functions over dimension lists.
//
// The op verifiers use them to check a result type, and importers use them to compute one, so the
// two can never disagree. Dimensions equal to ShapedType::kDynamic propagate; a rule that cannot
// hold returns failure with a message for the user.
#ifndef QOPT_DIALECT_QOPT_IR_SHAPEINFERENCE_H
#define QOPT_DIALECT_QOPT_IR_SHAPEINFERENCE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>

namespace mlir::qopt::shape {

using Shape = llvm::SmallVector<int64_t, 4>;

/// A shape, or why there is none.
struct Result {
  std::optional<Shape> shape;
  std::string error;
  static Result ok(Shape s) { return {std::move(s), {}}; }
  static Result fail(std::string msg) { return {std::nullopt, std::move(msg)}; }
  explicit operator bool() const { return shape.has_value(); }
};

std::string str(llvm::ArrayRef<int64_t> shape);

/// Normalizes a possibly negative axis into [0, rank); nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

Result broadcast(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);
Result fullyConnected(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> weight,
                      const llvm::ArrayRef<int64_t> *bias);
Result matmul(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);
Result conv2d(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> weight,
              const llvm::ArrayRef<int64_t> *bias, llvm::ArrayRef<int64_t> strides,
              llvm::ArrayRef<int64_t> pads, llvm::ArrayRef<int64_t> dilations, int64_t groups);
Result pool2d(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> kernel,
              llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> pads,
              llvm::ArrayRef<int64_t> dilations, bool ceilMode);
Result globalAvgPool(llvm::ArrayRef<int64_t> input);
/// Reduction over `axes` (every dimension when empty; negative axes count from the back; each at
/// most once); reduced dimensions become 1 with `keepdims` and disappear without.
Result reduce(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> axes, bool keepdims);
Result flatten(llvm::ArrayRef<int64_t> input, int64_t axis);
Result transpose(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> perm);
Result concat(llvm::ArrayRef<llvm::ArrayRef<int64_t>> inputs, int64_t axis);
/// One dimension of a slice, ONNX Slice semantics: negative start / end count from the back, then
/// clamp to the dimension; the elements are start, start + step, ... before end.
struct SliceDim {
  int64_t start, size;
};
SliceDim sliceDim(int64_t dim, int64_t start, int64_t end, int64_t step);
/// `starts`, `ends` and `steps` have one entry per dimension; steps are non-zero.
Result slice(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> starts,
             llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> steps);
/// input[:axis] + indicesShape + input[axis+1:], with every index in [-dim, dim) of a static dim.
Result gather(llvm::ArrayRef<int64_t> input, int64_t axis, llvm::ArrayRef<int64_t> indices,
              llvm::ArrayRef<int64_t> indicesShape);
/// Checks that `to` holds as many elements as `from` (when both are static).
Result reshape(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to);

} // namespace mlir::qopt::shape

#endif
