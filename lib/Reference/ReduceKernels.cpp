// reduce_mean, reduce_sum, reduce_max and reduce_min over any set of axes.
#include "Kernels.h"

#include <cmath>
#include <limits>

namespace mlir::qopt::ref::detail {

LogicalResult runReduce(Operation *op, ArrayRef<int64_t> axes, bool keepdims, Lookup get,
                        Tensor &out, std::string &err) {
  const Tensor &in = get(op->getOperand(0));
  if (failed(requireFloat(in, "input", err)))
    return failure();
  if (failed(makeResult(op, shape::reduce(in.shape, axes, keepdims), out, err)))
    return failure();
  // Dropping size-1 dimensions does not change the row-major order, so the kept-dims shape indexes
  // the result whatever `keepdims` says; reduced dimensions get stride 0 in it.
  shape::Shape kept = *shape::reduce(in.shape, axes, /*keepdims=*/true).shape;
  SmallVector<int64_t> strides = stridesOf(kept);
  for (size_t d = 0; d < kept.size(); ++d)
    if (kept[d] != in.shape[d])
      strides[d] = 0;
  int64_t n = in.numElements(), m = out.numElements();
  auto target = [&](int64_t k) { return offsetOf(k, in.shape, strides); };

  if (isa<ReduceMaxOp, ReduceMinOp>(op)) {
    bool isMax = isa<ReduceMaxOp>(op);
    // The identity of the reduction: what an empty reduced set yields.
    float init = isMax ? -std::numeric_limits<float>::infinity()
                       : std::numeric_limits<float>::infinity();
    out.f.assign(m, init);
    for (int64_t k = 0; k < n; ++k) {
      float x = in.f[k];
      float &acc = out.f[target(k)];
      // NaN wins, as in numpy.maximum / numpy.minimum.
      if (std::isnan(x) || (isMax ? x > acc : x < acc))
        acc = x;
    }
    return success();
  }
  if (!isa<ReduceMeanOp, ReduceSumOp>(op))
    return fail(err, "not a reduction");
  // Sums in double so that a long reduction does not lose the small terms.
  std::vector<double> acc(m, 0.0);
  for (int64_t k = 0; k < n; ++k)
    acc[target(k)] += (double)in.f[k];
  double count = m == 0 ? 0.0 : (double)n / (double)m;
  bool mean = isa<ReduceMeanOp>(op);
  for (int64_t j = 0; j < m; ++j)
    out.f[j] = (float)(mean ? acc[j] / count : acc[j]); // an empty mean is 0 / 0 = NaN
  return success();
}

} // namespace mlir::qopt::ref::detail
