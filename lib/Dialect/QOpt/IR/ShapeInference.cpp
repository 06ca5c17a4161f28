#include "qopt/Dialect/QOpt/IR/ShapeInference.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace mlir::qopt::shape {
namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

bool isDyn(int64_t d) { return d == kDyn; }

/// Two dimensions that must agree: equal, or at least one unknown.
bool compatible(int64_t a, int64_t b) { return isDyn(a) || isDyn(b) || a == b; }

/// Output extent of a sliding window; kDyn stays kDyn.
int64_t windowOut(int64_t in, int64_t k, int64_t stride, int64_t padBefore, int64_t padAfter,
                  int64_t dilation, bool ceilMode) {
  if (isDyn(in) || isDyn(k))
    return kDyn;
  if (k < 1)
    return -1;
  // Attributes come from untrusted model files: extents that overflow int64 are no window at all.
  int64_t span, start, padded, numer;
  if (__builtin_mul_overflow(dilation, k - 1, &span) || __builtin_add_overflow(span, 1, &span) ||
      __builtin_add_overflow(in, padBefore, &start) ||
      __builtin_add_overflow(start, padAfter, &padded) ||
      __builtin_sub_overflow(padded, span, &numer))
    return -1;
  if (numer < 0)
    return -1;
  int64_t out = numer / stride + (ceilMode && numer % stride != 0) + 1;
  // With ceil_mode the last window must start inside the input or the left padding (ONNX/PyTorch).
  int64_t lastStart;
  if (ceilMode && (__builtin_mul_overflow(out - 1, stride, &lastStart) || lastStart >= start))
    --out;
  return out;
}

std::string fmt(const char *text, llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << text << " " << str(a) << " and " << str(b);
  return s;
}
} // namespace

std::string str(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ",";
    s += isDyn(shape[i]) ? std::string("?") : std::to_string(shape[i]);
  }
  return s + "]";
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

Result broadcast(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == 1)
      out[i] = db;
    else if (db == 1)
      out[i] = da;
    else if (compatible(da, db))
      out[i] = isDyn(da) ? db : da;
    else
      return Result::fail(fmt("shapes do not broadcast:", a, b));
  }
  return Result::ok(out);
}

Result fullyConnected(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> weight,
                      const llvm::ArrayRef<int64_t> *bias) {
  if (input.size() < 2)
    return Result::fail("input must have rank >= 2, got " + str(input));
  if (weight.size() != 2)
    return Result::fail("weight must have rank 2 ([out_features, in_features]), got " + str(weight));
  if (!compatible(input.back(), weight[1]))
    return Result::fail(fmt("input features do not match weight [N, K]:", input, weight));
  if (bias && (bias->size() != 1 || !compatible((*bias)[0], weight[0])))
    return Result::fail("bias must be [" + std::to_string(weight[0]) + "], got " + str(*bias));
  Shape out(input.begin(), input.end());
  out.back() = weight[0];
  return Result::ok(out);
}

Result matmul(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs) {
  if (lhs.size() < 2 || rhs.size() < 2)
    return Result::fail(fmt("operands must have rank >= 2, got", lhs, rhs));
  if (!compatible(lhs.back(), rhs[rhs.size() - 2]))
    return Result::fail(fmt("contraction dimensions differ:", lhs, rhs));
  Result batch = broadcast(lhs.drop_back(2), rhs.drop_back(2));
  if (!batch)
    return Result::fail(fmt("batch dimensions do not broadcast:", lhs, rhs));
  Shape out = *batch.shape;
  out.push_back(lhs[lhs.size() - 2]);
  out.push_back(rhs.back());
  return Result::ok(out);
}

static std::optional<std::string> checkWindowAttrs(llvm::ArrayRef<int64_t> strides,
                                                   llvm::ArrayRef<int64_t> pads,
                                                   llvm::ArrayRef<int64_t> dilations) {
  if (strides.size() != 2 || llvm::any_of(strides, [](int64_t s) { return s < 1; }))
    return "strides must be 2 values >= 1, got " + str(strides);
  if (pads.size() != 4 || llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return "pads must be 4 values >= 0 ([top, left, bottom, right]), got " + str(pads);
  if (dilations.size() != 2 || llvm::any_of(dilations, [](int64_t d) { return d < 1; }))
    return "dilations must be 2 values >= 1, got " + str(dilations);
  return std::nullopt;
}

Result conv2d(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> weight,
              const llvm::ArrayRef<int64_t> *bias, llvm::ArrayRef<int64_t> strides,
              llvm::ArrayRef<int64_t> pads, llvm::ArrayRef<int64_t> dilations, int64_t groups) {
  if (input.size() != 4 || weight.size() != 4)
    return Result::fail(fmt("input and weight must have rank 4 (NCHW, OIHW), got", input, weight));
  if (auto err = checkWindowAttrs(strides, pads, dilations))
    return Result::fail(*err);
  if (groups < 1)
    return Result::fail("groups must be >= 1, got " + std::to_string(groups));
  int64_t c = input[1], o = weight[0];
  if (!isDyn(c) && c % groups != 0)
    return Result::fail("input channels " + std::to_string(c) + " are not divisible by groups " +
                        std::to_string(groups));
  if (!isDyn(o) && o % groups != 0)
    return Result::fail("output channels " + std::to_string(o) +
                        " are not divisible by groups " + std::to_string(groups));
  if (!isDyn(c) && !compatible(weight[1], c / groups))
    return Result::fail(fmt("weight input channels must be C / groups:", input, weight));
  if (bias && (bias->size() != 1 || !compatible((*bias)[0], o)))
    return Result::fail("bias must be [" + std::to_string(o) + "], got " + str(*bias));
  for (int i = 2; i < 4; ++i)
    if (!isDyn(weight[i]) && weight[i] < 1)
      return Result::fail("the weight's kernel size must be >= 1, got weight " + str(weight));
  Shape out = {input[0], o, 0, 0};
  for (int i = 0; i < 2; ++i) {
    out[2 + i] = windowOut(input[2 + i], weight[2 + i], strides[i], pads[i], pads[2 + i],
                           dilations[i], false);
    if (out[2 + i] == -1)
      return Result::fail(fmt("kernel larger than padded input:", input, weight));
  }
  return Result::ok(out);
}

Result pool2d(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> kernel,
              llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> pads,
              llvm::ArrayRef<int64_t> dilations, bool ceilMode) {
  if (input.size() != 4)
    return Result::fail("input must have rank 4 (NCHW), got " + str(input));
  if (kernel.size() != 2 || llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
    return Result::fail("kernel must be 2 values >= 1, got " + str(kernel));
  if (auto err = checkWindowAttrs(strides, pads, dilations))
    return Result::fail(*err);
  for (int i = 0; i < 2; ++i)
    if (pads[i] >= kernel[i] || pads[2 + i] >= kernel[i])
      return Result::fail("pads must be smaller than the kernel, got pads " + str(pads) +
                          " for kernel " + str(kernel));
  Shape out = {input[0], input[1], 0, 0};
  for (int i = 0; i < 2; ++i) {
    out[2 + i] = windowOut(input[2 + i], kernel[i], strides[i], pads[i], pads[2 + i],
                           dilations[i], ceilMode);
    if (out[2 + i] == -1)
      return Result::fail("kernel " + str(kernel) + " larger than padded input " + str(input));
  }
  return Result::ok(out);
}

Result globalAvgPool(llvm::ArrayRef<int64_t> input) {
  if (input.size() < 3)
    return Result::fail("input must have rank >= 3 ([N, C, spatial...]), got " + str(input));
  Shape out(input.begin(), input.end());
  for (size_t i = 2; i < out.size(); ++i)
    out[i] = 1;
  return Result::ok(out);
}

Result reduce(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> axes, bool keepdims) {
  int64_t rank = input.size();
  llvm::SmallVector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) {
    auto ax = normalizeAxis(a, rank);
    if (!ax)
      return Result::fail("axis " + std::to_string(a) + " out of range for rank " +
                          std::to_string(rank));
    if (reduced[*ax])
      return Result::fail("axes " + str(axes) + " name dimension " + std::to_string(*ax) +
                          " more than once");
    reduced[*ax] = true;
  }
  Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced[i])
      out.push_back(input[i]);
    else if (keepdims)
      out.push_back(1);
  }
  return Result::ok(out);
}

SliceDim sliceDim(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  // Counted as ceil(span / |step|) without forming span + |step| - 1, which overflows for the
  // huge steps untrusted models carry (found by qopt-fuzz-model); |INT64_MIN| saturates.
  auto steps = [](int64_t span, int64_t stride) {
    return span <= 0 ? 0 : span / stride + (span % stride != 0);
  };
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return {start, steps(end - start, step)};
  }
  start = std::clamp<int64_t>(start, -1, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  int64_t stride = step == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max()
                                                               : -step;
  return {start, steps(start - end, stride)};
}

Result slice(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> starts,
             llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> steps) {
  size_t rank = input.size();
  if (starts.size() != rank || ends.size() != rank || steps.size() != rank)
    return Result::fail("starts, ends and steps need one entry per dimension (rank " +
                        std::to_string(rank) + "), got " + std::to_string(starts.size()) + ", " +
                        std::to_string(ends.size()) + " and " + std::to_string(steps.size()));
  Shape out;
  for (size_t d = 0; d < rank; ++d) {
    if (steps[d] == 0)
      return Result::fail("step of dimension " + std::to_string(d) + " is 0");
    out.push_back(isDyn(input[d]) ? kDyn : sliceDim(input[d], starts[d], ends[d], steps[d]).size);
  }
  return Result::ok(out);
}

Result gather(llvm::ArrayRef<int64_t> input, int64_t axis, llvm::ArrayRef<int64_t> indices,
              llvm::ArrayRef<int64_t> indicesShape) {
  int64_t rank = input.size();
  auto ax = normalizeAxis(axis, rank);
  if (!ax)
    return Result::fail("axis " + std::to_string(axis) + " out of range for rank " +
                        std::to_string(rank));
  int64_t count = 1;
  for (int64_t d : indicesShape)
    count = d < 0 ? -1 : count * d;
  if (count != (int64_t)indices.size())
    return Result::fail("indices_shape " + str(indicesShape) + " does not hold the " +
                        std::to_string(indices.size()) + " indices");
  int64_t dim = input[*ax];
  if (!isDyn(dim))
    for (int64_t i : indices)
      if (i < -dim || i >= dim)
        return Result::fail("index " + std::to_string(i) + " is out of range for dimension " +
                            std::to_string(*ax) + " of size " + std::to_string(dim));
  Shape out(input.begin(), input.begin() + *ax);
  out.append(indicesShape.begin(), indicesShape.end());
  out.append(input.begin() + *ax + 1, input.end());
  return Result::ok(out);
}

/// Element count of `dims`, kDyn if one is unknown, nullopt if it overflows int64 (shapes come
/// from untrusted model files).
static std::optional<int64_t> product(llvm::ArrayRef<int64_t> dims) {
  int64_t p = 1;
  bool dynamic = false;
  for (int64_t d : dims) {
    if (isDyn(d))
      dynamic = true;
    else if (__builtin_mul_overflow(p, d, &p))
      return std::nullopt;
  }
  return dynamic ? kDyn : p;
}

Result flatten(llvm::ArrayRef<int64_t> input, int64_t axis) {
  int64_t rank = input.size();
  // ONNX allows axis == rank (everything in the outer dimension).
  if (axis < -rank || axis > rank)
    return Result::fail("axis " + std::to_string(axis) + " out of range for rank " +
                        std::to_string(rank));
  if (axis < 0)
    axis += rank;
  std::optional<int64_t> outer = product(input.take_front(axis));
  std::optional<int64_t> inner = product(input.drop_front(axis));
  if (!outer || !inner)
    return Result::fail("element count of " + str(input) + " overflows int64");
  return Result::ok({*outer, *inner});
}

Result transpose(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> perm) {
  if (perm.size() != input.size())
    return Result::fail("perm " + str(perm) + " does not have one entry per dimension of " +
                        str(input));
  llvm::SmallVector<bool> seen(perm.size(), false);
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)perm.size() || seen[p])
      return Result::fail("perm " + str(perm) + " is not a permutation");
    seen[p] = true;
    out.push_back(input[p]);
  }
  return Result::ok(out);
}

Result concat(llvm::ArrayRef<llvm::ArrayRef<int64_t>> inputs, int64_t axis) {
  if (inputs.empty())
    return Result::fail("needs at least one input");
  int64_t rank = inputs[0].size();
  auto ax = normalizeAxis(axis, rank);
  if (!ax)
    return Result::fail("axis " + std::to_string(axis) + " out of range for rank " +
                        std::to_string(rank));
  Shape out(inputs[0].begin(), inputs[0].end());
  for (llvm::ArrayRef<int64_t> in : inputs.drop_front()) {
    if ((int64_t)in.size() != rank)
      return Result::fail(fmt("inputs differ in rank:", inputs[0], in));
    for (int64_t i = 0; i < rank; ++i) {
      if (i == *ax) {
        if (isDyn(out[i]) || isDyn(in[i]))
          out[i] = kDyn;
        else if (__builtin_add_overflow(out[i], in[i], &out[i]))
          return Result::fail("concatenated extent overflows int64");
      } else if (!compatible(out[i], in[i])) {
        return Result::fail(fmt("inputs differ outside the concat axis:", inputs[0], in));
      }
    }
  }
  return Result::ok(out);
}

Result reshape(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to) {
  std::optional<int64_t> a = product(from), b = product(to);
  if (!a || !b)
    return Result::fail(fmt("element count overflows int64:", from, to));
  if (!isDyn(*a) && !isDyn(*b) && *a != *b)
    return Result::fail(fmt("element counts differ:", from, to));
  return Result::ok(Shape(to.begin(), to.end()));
}

} // namespace mlir::qopt::shape
